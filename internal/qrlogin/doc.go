// Package qrlogin is QR login (扫码登录, SPEC L2 for units and L6 for persons): the
// login page shows a QR code, the person scans it with the companion app they are
// signed in to, sees which browser asks, picks the unit to act for (unit login) and
// confirms or cancels; the page then signs in without a password.
//
// It is a package of its own rather than a kind of internal/flow or a file of
// internal/auth: a flow is one browser's saved form data behind a step
// compare-and-set, while a ticket is acted on by two parties (the browser that shows
// it and the app person who scans it) through conditional updates on typed columns
// (state, person, unit), and it comes with a waiting broker that must live in one
// place per process. internal/auth keeps what every login ends in (sessions, their
// proof); this package hands it an auth.Subject.
//
// # Tickets
//
// A ticket is (ID, binding, kind, state, asking browser, expiry). The ID is a
// token.New value (256 bits) and is all the code's link carries (Link); the binding
// is the secret of the browser that asked (its binding cookie). Both are stored only
// as their SHA-256, so a copy of the table gives neither. The browser's side
// (Status, Wait, Consume) needs both and answers ErrNotFound for anything else, so a
// photographed code does not let another browser take the login. The app's side
// (Scan, Confirm, Cancel) needs the ID and the signed-in app person.
//
//	waiting ──Scan(P)──▶ scanned(P) ──Confirm(P, unit)──▶ confirmed ──Consume──▶ consumed
//	                              └──Cancel(P)──────────▶ cancelled
//
// A waiting or scanned ticket past its expiry (Config.TTL, 2 minutes by default)
// reads as expired; so does a confirmed one the browser did not consume within
// Config.ConsumeWindow of the confirmation. Every step is one conditional UPDATE
// (WHERE state = … AND person_id = …), so of two concurrent steps exactly one
// happens and the other is told why not; Consume succeeds once, whatever the
// number of tabs or processes asking. Only the person who scanned a ticket may
// confirm or cancel it; another person's scan, confirmation or cancellation is
// refused with ErrOtherPerson.
//
// # Unit login: who may act
//
// For a unit ticket the app lists the units the person holds a role in (Choices),
// each with whether it is usable now and, when not, why (internal/delegation's
// reasons: pending, not yet valid, expired, revoked). Confirm checks the chosen
// membership again through delegation's authorization (legal rep, admin inside its
// validity, agent with a confirmed grant inside its validity) and Consume checks it
// once more: an agent whose grant ended between scan and confirm, or between
// confirm and the browser's sign-in, is refused (ErrNotUsable, wrapping the
// *delegation.Denial). A revocation that commits after Consume is caught by the
// session layer, which re-reads the membership on every request.
//
// # The session
//
// Consume returns the auth.Subject to sign in as, exactly once, and records the
// login in the audit log ("login.unit.qr" / "login.person.qr", detail method=qr)
// in the same transaction. The caller starts the session as a password login does
// (auth.Sessions.Rotate with RotateLogin, or Create), with auth.ProofQR: a QR login
// proves that the person holds a signed-in app, not that they know a secret now,
// so it never counts as a recent proof for re-authentication.
//
// # Throttling
//
// A QR login guesses nothing: the ticket ID and the binding are 256-bit secrets,
// and the app person signed in to the app through the throttled password or SMS
// logins. So confirmations and consumptions are not counted per account. Creating
// a ticket is an anonymous write, so Create counts it per client address
// (ScopeAddr, AddrLimits: ModeReserve, every ticket counts) and refuses the excess
// with a *RateError.
//
// # Waiting
//
// The login page long-polls Wait(id, binding, seen): it returns as soon as the
// ticket's state differs from seen, or after Config.WaitMax (25 seconds by default,
// under common proxy timeouts; less up to a fifth, drawn per wait) with the state unchanged, or when the ticket
// expires. Several `hall serve` processes share one database, so the state lives
// there and a change may be made by another process than the one holding the
// waiter. A waiter costs one indexed read when it starts and nothing while it
// waits: it holds no database connection, only a parked goroutine and a channel.
// Await is the same wait without the goroutine, for the web layer's detached
// long poll: timers, a callback on the broker's entry, and a queue of reads served
// by a few goroutines, so a process holds ten thousand waiting pages in a few
// tens of megabytes (docs/benchmarks.md).
//
//   - Within a process, every step that changes a ticket closes the channel of its
//     waiters (an in-memory broker keyed by the ID's hash) after its commit, so they
//     wake at once.
//   - Across processes, one poller per process re-reads the stored state of the
//     tickets it has waiters for, every Config.PollInterval (1 second), in batches
//     of up to 500 primary-key look-ups per query, and wakes the waiters of any that
//     changed. It runs only while the process has waiters and stops with the last.
//
// The poll was chosen over PostgreSQL LISTEN/NOTIFY: it works the same on both
// engines (two processes may share one SQLite file too), needs no connection held
// outside the pool and no reconnect logic, and costs ⌈tickets waited on / 500⌉
// reads per interval per process — a few per second for thousands of open login
// pages, none for an idle hall. A change made on another process reaches the
// waiter within PollInterval; one made on the same process at once.
//
// Config.MaxWaiters bounds the waiters of a process (10,000 by default); Wait
// refuses the excess at once with ErrTooManyWaiters (answer 503 and let the page
// try again later), so that open login pages cannot exhaust goroutines, memory or
// the database pool.
//
// # Error contract
//
// Methods return the sentinels below (*Error values; compare with errors.Is),
// a *RateError from Create (errors.Is ErrRateLimited), errors wrapping ErrInvalid
// for a programming error, and otherwise failures of the database. Message gives
// the Chinese sentence for a page.
package qrlogin
