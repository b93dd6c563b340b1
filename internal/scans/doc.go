// Package scans keeps the scans of documents handed in at the counter (SPEC R3:
// 营业执照, the applicant's ID, 授权委托书): every upload is checked by its content —
// PDF, JPEG or PNG only, at most MaxBytes, complete, with nothing appended and no
// active content (Check) — and stored under the data directory, outside any web root,
// under an opaque ID with mode 0600, sealed with the database's data keys for the
// table that records it and its ID (Store.Put, Place; docs/data-protection.md), so
// that a copy of the directory shows no document. Files stored in clear by earlier
// versions are sealed where they lie at start (Store.SealClear). A counter scan is
// read back only through Store.Read, which takes a staff actor, authorizes (clerks
// and reviewers) and audits. The online applications' materials (internal/cases) are stored the
// same way and recorded in their own table; their reads go through
// Store.ReadStored after the cases package has authorized and before it audits.
// The cases package also bounds their uploads (a budget per person and per unit,
// counted before Put writes, under the ID it recorded: Upload.ID) and removes the
// files never filed (cases.Service.SweepMaterials, Store.Remove); counter scans
// are recorded in the transaction that uploads them and never swept.
// Nothing serves the directory itself.
//
// Errors: the refusals ErrName, ErrEmpty, ErrTooLarge, ErrType, ErrDamaged,
// ErrActive (Message gives the Chinese text); ErrNotFound, ErrTampered, ErrNoKeys; a
// *staff.Denial; otherwise failures of the file system, the database or the audit log.
package scans
