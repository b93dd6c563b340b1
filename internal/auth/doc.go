// Package auth holds what a signed-in request rests on: sessions now; the login
// methods (password, SMS code, QR, CA, OIDC) and throttling follow.
//
// # Sessions
//
// A session is created at login and identified by a token: 32 random bytes
// (256 bits) in unpadded base64url, 43 characters, set as a cookie. The database
// stores only the token's SHA-256 (hex) as the primary key, so neither a copy of
// the database nor a log line with a session ID lets anyone sign in, and a
// look-up is one primary-key read. Every session belongs to a person; a unit
// session also names the unit and the person's role in it (SPEC L7: every action
// is attributed to unit, person and role).
//
// A password login's session is created only while the password it verified is
// still the stored one (Verified): a change that commits during the slow check
// leaves the login with no session, answered as a wrong password. A session or
// proof that claims a password without its Verified, or with one that is not of
// the proof's kind and the session's subject's own, is refused
// (ErrUnverifiedPassword).
//
// A session ends at logout (End), when the password it was signed in with is
// changed or reset (EndPersonalTx: the person's own and unit sessions;
// EndInstitutionTx: an institution's), when a grant is revoked (EndAll), when
// it has been idle longer than SessionConfig.Idle (default 30 minutes) or when
// it reaches its absolute expiry
// (SessionConfig.Absolute, default 12 hours, from the last authentication).
// Rotate replaces the token at login, unit switch and role change (QUALITY.md),
// so that a token planted before login or seen under another role is useless.
//
// Sessions live in the database only, so any of several `hall serve` processes
// can serve any request (DESIGN.md). To keep reads cheap, Lookup writes
// last_seen_at at most once a minute; a session may therefore time out up to one
// minute early, never late. Touch writes it at once: the person asked to stay
// signed in (the 继续办理 of the timeout notice), so the idle time starts again
// from that moment.
//
// # Error contract
//
// Lookup returns ErrNoSession for a token that is malformed, unknown, ended or
// expired, without saying which. Create and Rotate return an error wrapping
// ErrInvalidSubject for a subject that cannot sign in (no person, unit without
// role, unknown role). Every other error is a failure of the database or of the
// random source.
package auth
