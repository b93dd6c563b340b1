// Package scans keeps the scans of documents handed in at the counter (SPEC R3:
// 营业执照, the applicant's ID, 授权委托书): every upload is checked by its content —
// PDF, JPEG or PNG only, at most MaxBytes, complete, with nothing appended and no
// active content (Check) — and stored under the data directory, outside any web root,
// under an opaque ID with mode 0600 (Store.Put). A scan is read back only through
// Store.Read, which takes a staff actor, authorizes (clerks and reviewers) and audits;
// nothing on the public listener can reach the files.
//
// Errors: the refusals ErrName, ErrEmpty, ErrTooLarge, ErrType, ErrDamaged,
// ErrActive (Message gives the Chinese text); ErrNotFound, ErrTampered; a
// *staff.Denial; otherwise failures of the file system, the database or the audit log.
package scans
