// Package delegation is the domain of 经办人管理 (SPEC U6): the legal representative
// nominates one administrator; the legal rep or the administrator adds up to ten
// agents, each with a business scope (items of the service catalog) and a validity
// period; the nominated person confirms the invitation in the companion app after
// face verification and sets the unit password; grants end by removal, replacement,
// expiry or refusal, and every change is in the unit's history.
//
// # Commands and queries
//
// Commands (SetAdmin, ReplaceAdmin, RemoveAdmin, AddAgent, ChangeAgent, RemoveAgent,
// Confirm, Decline) each run in one transaction that checks the rules, writes the
// change, ends the sessions a revocation affects (auth.Sessions.EndAllTx) and appends
// the audit record "delegation.<verb>". The actor's role is read from the database in
// that transaction, never taken from the caller. Queries (Authorize, Scope,
// PendingInvitations, Members, Grants, History) only read.
//
// Authorize is the single place that decides whether a person may act for a unit on
// a business item: the legal rep on any item, the admin on any item within its
// validity, an agent on its granted items within its validity; anything pending,
// revoked, expired or of another unit is refused with a *Denial carrying a reason
// code and a Chinese message.
//
// # Concurrency
//
// Every command first locks the unit's row (SELECT … FOR UPDATE on PostgreSQL; on
// SQLite the write transaction holds the only writer from BEGIN IMMEDIATE on), so
// commands on one unit run one after the other and their checks are not raced. The
// SPEC §9 invariants stay in the database (migration 0007: one admin, ten agents,
// one role per person, pending ones included) and are mapped to this package's
// errors. SetAdmin never replaces an existing admin (ErrAdminExists); ReplaceAdmin
// must name the admin it replaces (compare-and-set, ErrAdminChanged), so that of
// several concurrent nominations exactly one wins and none silently undoes another.
//
// A pending membership whose invitation ran out unanswered is revoked (audit
// "delegation.expire") by the next command on its unit and by the Runner, so it does
// not hold the admin slot or an agent slot for ever. Confirmed grants whose validity
// ended stay in their slot (shown as 已过期) until they are changed or removed.
//
// # Text messages
//
// Invitations and reminders are queued in delegation_notices inside the command's
// transaction and sent through the sms.Sender after commit: a committed change never
// loses its message, a rolled-back one never sends one, and no database lock is held
// while the gateway is called. A sender claims a message with a conditional UPDATE
// (a lease of Config.NoticeLease), so two processes never send it together; only a
// crash between sending and recording it can send it twice. The Runner retries what
// the gateway did not take. Reminders are claimed per grant with
// UPDATE memberships SET reminded_at … WHERE reminded_at IS NULL, so each grant is
// reminded once however many processes run the Runner.
//
// # History
//
// There is no history table: History lists the audit log's "delegation.*" records of
// the unit, which are append-only and hash-chained (internal/audit). Details hold
// masked personal data only.
package delegation
