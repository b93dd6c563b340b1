// Package person holds personal real-name accounts (个人用户, SPEC R1 and L6):
// registration, password and SMS-code login, look-ups, password changes,
// user appeals (用户申诉) and the argon2id password hashing behind them.
//
// One account per (ID type, ID number) and one account per mobile (SPEC §9) are
// enforced by the unique indexes persons_identity_key and persons_mobile_key;
// the code checks first only to answer with a helpful message.
//
// # Passwords
//
// Hasher stores passwords as argon2id PHC strings,
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt, base64 without padding>$<key, base64 without padding>
//
// with the parameters of a HashConfig (OWASP defaults). A hash is memory- and
// CPU-bound, so at most MaxConcurrent (default: the core count) run at once and
// a caller that cannot get a slot within MaxWait gets ErrBusy: under overload
// the web layer answers 503 at once rather than letting every login slow down.
// In front of that, Admit lets in only as many logins as the slots work off
// within MaxWait (AdmissionBound: the slots plus a queue sized by the measured
// hash time); a login beyond it is refused with ErrBusy before it reads or writes
// anything, and the web layer answers 429 with Retry-After.
// Verify reports when a stored hash has parameters other than the configured
// ones, and Authenticate then replaces it.
//
// # Error contract
//
// Form input that is refused comes back as a *FormError whose Fields map each
// form field (Field* constants) to a Chinese message for that field; all
// problems at once. A taken ID number or mobile is a *FormError that matches
// ErrIDTaken or ErrMobileTaken with errors.Is. Failed logins are
// ErrBadCredentials whatever the cause. Look-ups return ErrNotFound. ErrBusy
// means hashing is saturated. Anything else is a failure of the database or of
// the audit log, and nothing was written.
package person
