// Package rights produces and verifies the unit's social-insurance rights record
// (社会保险权益记录单(参保单位), SPEC U3 and A4).
//
// # The record
//
// A unit chooses a period (start and end month) and insurance types (Rules.Check:
// neither month after this month in China, start not after end, at most
// Rules.MaxMonths months, only types the unit is enrolled in). Issue reads who paid
// from the insurance read model (insurance.PaidPersons, a page of 1,000 persons at
// a time) and lays out an A4 PDF: the title; a QR code at the top right linking to
// {BaseURL}/verify/{id}; unit name, USCC, insured place, period and print date;
// per type the number of paying persons; the employee list (序号, 姓名,
// 公民身份号码(社会保障号), per type the first–last month paid and the months paid),
// over as many pages as it takes with its column heads on each; the seed's four
// notes (Notes); the issuer and date under a seal drawn as vectors from the
// configured bureau name (never a seal image); page numbers. Text is set in a CJK
// TrueType font embedded as a subset (package pdfdoc), parsed once at start-up.
//
// The PDF then gets a certification signature by the bureau's signing key (CMS,
// adbe.pkcs7.detached, SHA-256 with the ESS signing-certificate-v2 attribute,
// DocMDP "no changes"), covering the whole file, with the certificate chain
// embedded and nothing fetched from the network: any PDF reader that trusts the
// bureau's root shows it as valid, and a changed byte breaks it.
//
// # Storage and verification
//
// Each issued record is stored (migration 0017): unit, period, per-type counts,
// the SHA-256 and size of the signed PDF, issue time and validity end, and who
// issued it (person, membership, role; the database refuses a membership of
// another unit). The QR code's ID is 256 random bits (package token); only its
// SHA-256 is stored, so the table does not hold the links. Verify answers what the
// public verify page and the app's scanner show, masked (Summary), for any number
// of checks, and whether the record is within its Rules.ValidMonths (6: note 4).
//
// The signed PDF itself is kept (rights_record_files) and File returns it for
// download again, rather than building it anew: a new build would carry a new
// signature and today's data (note 2: the record shows the state when printed), so
// its hash would not be the one the verify page shows. A 50-employee record is
// about 50 KB, a 3,000-employee one about 330 KB. The file is kept while the
// record is valid and Rules.FileKeepMonths after (6 by default, configured by
// --rights-file-keep-months; Rules.FileKeptUntil); then SweepFiles, which the
// serving process's sweep runs, deletes it and marks the record (migration 0037,
// file_removed_at). The record itself is kept with the other business records:
// its QR code still verifies (genuine, 已过有效期, the file's SHA-256 for a holder
// to compare), the unit's list still shows it, and File answers ErrFileRemoved.
//
// # Errors
//
// Issue: *FormError for refused input (fields Field*, or a Top message when nobody
// paid in the period); ErrNotFound (unit); ErrNotMember; ErrSigner; otherwise
// database, audit or signing failures. Verify, Get and File: ErrNotFound; File
// also ErrFileRemoved; otherwise database failures. New: ErrSigner for an unusable key or
// certificate.
package rights
