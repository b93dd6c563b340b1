// Package counter is the back office's business at the window (SPEC R3, B1–B3, B6
// appeals, P3): what a clerk (窗口经办) records for a person or a unit who came with
// their documents, and what a reviewer (审核) who is not that clerk approves or
// rejects.
//
// # Requests
//
// Every change to an account made at the counter is a Request: the clerk submits it
// with the scans of the documents checked (营业执照, 身份证件, 授权委托书; internal/scans)
// and the reason typed; nothing happens until a reviewer approves it, and then it is
// carried out in the approval's transaction:
//
//   - KindPasswordReset (B3/P3): a new one-time password for a personal account, sent
//     by SMS; the person must change it at the next login (person.MustChangePassword)
//     and every session of theirs ends.
//   - KindAdminChange (B2): the unit's administrator set or replaced in the name of
//     its legal rep (delegation.AdminAtCounterTx); the nominee confirms in the app.
//   - KindUnitRegister (B1/R3): the unit's account opened from its business licence
//     (checked against the registry when the registry knows the unit) with its legal
//     rep — whose personal account is opened with a one-time password by SMS when
//     they have none — and optionally an administrator; a unit whose legal rep
//     changed in the registry is taken over by the new one the same way.
//   - KindAppealRelease (B6): an appeal's taken ID number or mobile released from the
//     account that holds it (person.ReleaseIdentityTx, ReleaseMobileTx); the
//     appellant is told by SMS.
//
// "Nobody approves their own work" is staff.Authorize's rule and, underneath, a CHECK
// on counter_requests (decided_by <> submitted_by). One open request per person, unit
// or appeal and kind (unique indexes) keeps two clerks from queueing the same change.
// A one-time password exists only in memory between its hash and the SMS: if the
// gateway refuses, the approval says so and the clerk sends a new one (Resend) while
// the person has not yet changed it.
//
// Appeals without anything to release are closed by a clerk with a reason
// (RejectAppeal), and the appellant is told by SMS.
//
// Every command checks the reason (staff.CheckReason), reads the actor's account
// again and authorizes inside its transaction, and appends its audit record
// ("counter.*") with the staff member, role and reason; refusals are recorded as
// denied.
//
// # Errors
//
// Refusals a person can act on are *Error values (Message gives the Chinese text),
// *staff.Denial values, the scans package's refusals, staff reason errors and the
// *delegation.Error values of an administrator nomination. Anything else is a
// failure of the database, the audit log or the file system, and nothing was
// written.
package counter
