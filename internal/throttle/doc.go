// Package throttle is the hall's brute-force defence: it counts password logins,
// SMS-code guesses and SMS sends per account and per client address, asks for the
// slider captcha after a few attempts and locks the account or address for a while
// after more (SPEC L1–L6, QUALITY.md "Failed logins"; defaults: captcha after 3,
// lock after 5 for 10 minutes, failures forgotten after 15 minutes per account;
// captcha after 10 and lock after 50 per address, since an office behind one NAT
// has many users).
//
// # Counters
//
// A counter is a row of throttle_counters, keyed by (scope, key): the scope says
// what is counted (ScopeLoginAccount, ScopeLoginAddr, …, each with its own Limits)
// and the key is an HMAC-SHA256 of the normalised identifier or address under
// Config.Secret, so the table never holds an ID number, a mobile or an IP address
// (Throttle.AccountKey, Throttle.AddrKey). Counters live in the database because
// several `hall serve` processes share it (DESIGN.md).
//
// # Two phases, so that concurrent guesses cannot pass the limit
//
// A check in three steps (read the count, check the password, write the count)
// lets 100 parallel guesses all read "4 failures" and all reach the password. So
// the attempt is counted first:
//
//  1. Begin reserves one attempt on every key in one conditional upsert per key
//     (INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING), inside one
//     transaction. The row lets the attempt through only while its count is below
//     CaptchaAfter (or LockAfter when the captcha was solved) and it is not locked;
//     the attempt that brings the count to LockAfter also sets the lock. The
//     statement is atomic on both engines (SQLite's single writer, PostgreSQL's row
//     lock), so at most LockAfter attempts per key and window reach the check,
//     however many arrive at once.
//  2. The caller checks the secret only if Begin said yes.
//  3. The Ticket records the outcome: Failed keeps the count (and restarts a lock
//     this attempt set), Succeeded resets the account's count or gives an address
//     its one attempt back (Limits.OnSuccess), Cancel gives the attempt back when
//     the check did not happen.
//
// An attempt in flight therefore counts as a failure, and a process that dies
// between the steps leaves it counted: the defence fails closed.
//
// # Rules for callers
//
// Identical answers: an unknown account, a wrong password and a locked account
// (ErrLocked, even with the right password) must produce the same message, page
// and status code. Count unknown identifiers like known ones (call Begin before
// looking the account up), or the captcha would reveal which accounts exist. The
// only thing that may differ is the captcha, and it depends on the count of the
// identifier typed, not on the account.
//
// A password login (L1, L6) looks like this:
//
//	keys := []throttle.Key{
//		th.AccountKey(throttle.ScopeLoginAccount, form.Login), // L1: the acting person's login
//		th.AddrKey(throttle.ScopeLoginAddr, clientIP),
//	}
//	var opts []throttle.Option
//	if captchaVerified { // the captcha service checked and consumed the answer
//		opts = append(opts, throttle.WithCaptchaSolved())
//	}
//	tk, err := th.Begin(ctx, keys, opts...)
//	switch {
//	case errors.Is(err, throttle.ErrCaptchaRequired):
//		return showFormWithCaptcha() // State.UserMessage has the hint; nothing was counted
//	case errors.Is(err, throttle.ErrLocked):
//		log(err) // the *LockedError, with the time
//		return wrongPassword() // exactly as for a wrong password
//	case err != nil:
//		return unavailable() // fail closed: do not check the password
//	}
//	p, err := persons.Authenticate(ctx, form.Login, form.Password)
//	switch {
//	case err == nil:
//		tk.Succeeded(ctx)
//	case errors.Is(err, person.ErrBadCredentials):
//		tk.Failed(ctx)
//	default: // hashing saturated, database down: the password was not checked
//		tk.Cancel(ctx)
//	}
//
// To decide whether to show the captcha with an empty form, call Status with the
// client address's key (and the account's, when the form is shown again).
//
// For SMS codes, call Begin with ScopeSMSGuess (mobile) and ScopeSMSGuessAddr
// before sms.Codes.Check, and with ScopeSMSSend and ScopeSMSSendAddr before
// sms.Codes.Issue (every send counts; Cancel when the gateway did not take it).
//
// Anonymous requests that cost the hall something whatever their outcome are
// counted the same way (KeepOnSuccess; Cancel when the work was not done): step 1
// of unit registration with ScopeUnitRegister (USCC) and ScopeUnitRegisterAddr,
// appeals with ScopeAppealAddr, slider puzzles with ScopeCaptchaAddr. Unlike a
// login's lock, their refusal may be shown as such, with its time: it reveals
// nothing about any account.
//
// # Window
//
// The window is fixed: it starts at the first attempt after a reset and the count
// is forgotten Window later, or when a lock runs out. Around the end of one window
// and the start of the next, up to 2 × (LockAfter − 1) attempts can be made without
// a lock, the later ones of each window behind the captcha; the address counter
// still bounds them.
//
// # Error contract
//
// Begin returns a *LockedError (errors.Is ErrLocked) or ErrCaptchaRequired when it
// refuses, an error wrapping ErrInvalidKey for a programming error (no keys, zero
// Key, unconfigured scope); Status returns ErrInvalidKey errors likewise. Every
// other error of every method is a failure of the database.
package throttle
