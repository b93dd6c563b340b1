// Package throttle is the hall's brute-force defence: it counts password logins,
// SMS-code guesses and SMS sends per account and per client address, asks for the
// slider captcha after a few attempts and pauses an account for a while after more
// (SPEC L1–L6, QUALITY.md "Failed logins"; defaults: captcha after 3, lock after 5
// for 10 minutes, failures forgotten after 15 minutes per account; captcha after 10
// failures per address, and never a lock there, since an office or a proxy behind
// one address has many users).
//
// # Counters
//
// A counter is a row of throttle_counters, keyed by (scope, key): the scope says
// what is counted (ScopeLoginAccount, ScopeLoginAddr, …, each with its own Limits)
// and the key is an HMAC-SHA256 under Config.Secret of the account's record
// (Throttle.RecordKey: a person's or a membership's ID), of the normalised
// identifier of a login that names no account (Throttle.AccountKey), or of the
// address (Throttle.AddrKey), so the table never holds an ID number, a mobile or an
// IP address. Counters live in the database because several `hall serve` processes
// share it (DESIGN.md).
//
// # Accounts: two phases, so that concurrent guesses cannot pass the limit
//
// A check in three steps (read the count, check the password, write the count)
// lets 100 parallel guesses all read "4 failures" and all reach the password. So
// in ModeReserve (accounts, SMS sends) the attempt is counted first:
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
//     this attempt set), Succeeded resets the account's count (Limits.OnSuccess),
//     Cancel gives the attempt back when the check did not happen.
//
// An attempt in flight therefore counts as a failure of its account, and a process
// that dies between the steps leaves it counted: the defence fails closed.
//
// # Addresses: failures only, and never a lock
//
// In ModeEscalate (ScopeLoginAddr, ScopeSMSGuessAddr) Begin only reads the
// counter, and Ticket.Failed counts the failure. An attempt in flight is not a
// failure: sixteen colleagues behind one office address signing in at once with
// correct passwords must not be asked for the captcha. Past CaptchaAfter failures
// the address's attempts need the captcha; the key never locks, because one
// address may be a whole office or a proxy, and its people's correct passwords
// must never be refused. The account scopes bound the guesses per account.
//
// # Rules for callers
//
// Count per account, not per spelling of the login. Resolve the login to the
// account (and for a unit login to the credential that will be checked) with a
// cheap indexed read before Begin, for known and unknown logins alike, so that the
// answers and their timing are the same; key a known account with RecordKey (the
// person's ID for a personal password, in the hall and the app alike; the
// membership's ID for an admin's or agent's unit password; the legal rep's unit
// login checks the personal password, so it counts on the person), and an unknown
// login with AccountKey of the string as typed (normalised). Then five wrong
// passwords with the ID number lock the sign-in with the mobile too, and all
// spellings of a unit login (USCC or unit number × ID number or mobile) share one
// counter.
//
// Identical answers for unknown and known logins: an unknown account and a wrong
// password produce the same message, page and status code; the captcha comes at
// the same count (the unknown login's string is counted like an account).
//
// Say that attempts are paused: while a key is locked (ErrLocked, even with the
// right password), tell the person that sign-in attempts are paused, until when
// (LockedError.Until, shown in Asia/Shanghai, and the minutes left), and point to
// password recovery (找回密码). An unknown login reaches the lock at the same count
// and gets the same message, so the pause reveals nothing about which accounts
// exist. Do not say the password was right or wrong while locked: the password is
// not checked then.
//
// A password login (L1, L6) looks like this:
//
//	target, err := logins.ResolvePerson(ctx, form.Login) // one indexed read, known or not
//	keys := []throttle.Key{th.AddrKey(throttle.ScopeLoginAddr, clientIP)}
//	for _, c := range target.Credentials() {
//		keys = append(keys, th.RecordKey(throttle.ScopeLoginAccount, "person", c.PersonID))
//	}
//	if len(keys) == 1 { // the login names no account
//		keys = append(keys, th.AccountKey(throttle.ScopeLoginAccount, form.Login))
//	}
//	var opts []throttle.Option
//	if captchaVerified { // the captcha service checked and consumed the answer
//		opts = append(opts, throttle.WithCaptchaSolved())
//	}
//	tk, err := th.Begin(ctx, keys, opts...)
//	var locked *throttle.LockedError
//	switch {
//	case errors.Is(err, throttle.ErrCaptchaRequired):
//		return showFormWithCaptcha() // State.UserMessage has the hint; nothing was counted
//	case errors.As(err, &locked):
//		return paused(locked.Until) // "attempts paused until …, or 找回密码"
//	case err != nil:
//		return unavailable() // fail closed: do not check the password
//	}
//	// Start signs the browser in with the password the check verified (auth.Attempt).
//	p, err := logins.CheckPerson(ctx, target, form.Password, auth.Attempt{Start: start})
//	switch {
//	case err == nil:
//		tk.Succeeded(ctx)
//	case errors.Is(err, person.ErrBadCredentials):
//		tk.Failed(ctx) // then Status: the failure may have started the pause
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
// Begin returns a *LockedError (errors.Is ErrLocked; only ModeReserve keys lock)
// or ErrCaptchaRequired when it refuses, an error wrapping ErrInvalidKey for a programming error (no keys, zero
// Key, unconfigured scope); Status returns ErrInvalidKey errors likewise. Every
// other error of every method is a failure of the database.
package throttle
