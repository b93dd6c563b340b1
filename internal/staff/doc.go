// Package staff holds the back office's people (SPEC B1–B6, §1 工作人员): staff
// accounts, their roles with separation of duties, their login with password and
// TOTP, their sessions, and the one rule that decides what each may do (Authorize).
//
// # Roles and Authorize
//
// Four roles, as MLPS level 3 asks (三员分立): 窗口经办 (RoleClerk) records what people
// ask for at the counter; 审核 (RoleReviewer) approves or rejects it; 安全管理员
// (RoleSecurity) manages staff accounts and roles and does no business; 审计员
// (RoleAuditor) reads the audit log and changes nothing. The security administrator
// and the auditor hold no other role (Roles.Valid, and a CHECK on the staff table).
// Authorize(actor, action, subject) is the whole rule: the role table, and about
// oneself — nobody manages their own account (so nobody gives themselves a role),
// nobody approves or rejects their own work, nobody audits themselves. Commands read
// the actor's account again inside their transaction (Refresh) and authorize on that,
// so a role taken away a second ago is gone.
//
// # Accounts and login
//
// `hall staff add` makes the first security administrator (Bootstrap); the security
// administrator makes the others (Create). A new account, or one whose credentials
// were reset, gets a one-time initial password (ident.RandomPassword, changed at the
// first login: Actor.MustChangePassword makes Authorize refuse everything else) and a
// TOTP secret (otpauth URI for the QR code), which the first code accepted confirms.
// A TOTP code is accepted one step early or late and only for a time step after the
// last one accepted (a conditional UPDATE), so no code works twice. Secrets are
// sealed at rest (Sealer). Login goes through the login throttle with the staff
// scopes (ThrottleScopes): five failures lock the account for fifteen minutes; an
// unknown login is counted under its name and answered exactly as a wrong password.
//
// # Audit
//
// Every write is a command: a reason is required (CheckReason), the change and its
// audit record (staff member, the role the action was allowed in, the reason) commit
// together, and a refusal is recorded as "denied". Actor.Entry builds the record for
// other packages' staff commands (internal/counter, internal/registrysync).
//
// # Errors
//
// Refusals a person can act on are *Error values (Code, Msg) and *Denial values
// (errors.Is ErrForbidden); Message gives the Chinese text for either. Login answers
// ErrBadCredentials, or passes on the throttle's *throttle.LockedError and
// throttle.ErrCaptchaRequired. person.ErrBusy means hashing is saturated. Any other
// error is a failure of the database or the audit log, and nothing was written.
package staff
