package rights

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hall/internal/person"
	"hall/internal/sealed"
	"time"

	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/token"
)

// Summary is what the public verify page (and the companion app's scanner, A4) may
// show of a record: the unit's name, its USCC masked as the hall masks it, the
// insured place, the period, the paying persons per type, when it was issued and
// until when it is valid, and the SHA-256 of the signed PDF, which a holder can
// compare with their file. No person's data.
type Summary struct {
	UnitName     string
	MaskedUSCC   string
	InsuredPlace string
	From, To     insurance.Month
	Counts       []TypeCount
	Employees    int
	IssuedAt     time.Time
	ValidUntil   time.Time
	SHA256       string
	// Valid: the record is genuine (it was found) and within its validity at the
	// time of the check. A genuine but expired record has Valid false.
	Valid bool
}

// Verify looks up the record whose QR code carries id. It may be called any number
// of times; it changes nothing. Every id, well-formed or not, costs one indexed
// lookup of its hash, so the answer's timing does not tell a malformed guess from
// a well-formed one; a guess has one chance in 2^256 per record.
//
// Errors: ErrNotFound for an id of no record; database failures.
func (s *Service) Verify(ctx context.Context, id string) (Summary, error) {
	var sm Summary
	var uscc, counts string
	var from, to int64
	err := s.db.QueryRow(ctx, `SELECT unit_name, uscc, insured_place, from_month, to_month, type_counts,
		employees, issued_at, valid_until, sha256 FROM rights_records WHERE token_hash = ?`, token.Hash(id)).
		Scan(&sm.UnitName, &uscc, &sm.InsuredPlace, &from, &to, &counts, &sm.Employees, &sm.IssuedAt, &sm.ValidUntil, &sm.SHA256)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !token.Valid(id) {
		return Summary{}, ErrNotFound
	}
	if err != nil {
		return Summary{}, fmt.Errorf("rights: verify: %w", err)
	}
	if sm.Counts, err = decodeCounts(counts); err != nil {
		return Summary{}, err
	}
	sm.MaskedUSCC = ident.MaskUSCC(uscc)
	sm.From, sm.To = insurance.Month(from), insurance.Month(to)
	sm.IssuedAt, sm.ValidUntil = sm.IssuedAt.UTC(), sm.ValidUntil.UTC()
	sm.Valid = s.now().Before(sm.ValidUntil)
	return sm, nil
}

// CountLines are the paying persons per type as the verify pages list them, one
// line a type: "企业基本养老保险：12人". The hall's page and the app's screen show
// the same words.
func (sm Summary) CountLines() []string {
	lines := make([]string, 0, len(sm.Counts))
	for _, c := range sm.Counts {
		lines = append(lines, fmt.Sprintf("%s：%d人", c.Type.Label(), c.Persons))
	}
	return lines
}

// Verdict is the check's answer in a word, as the verify pages title it: 有效, or
// 已过有效期 for a genuine record past its validity.
func (sm Summary) Verdict() string {
	if sm.Valid {
		return "有效"
	}
	return "已过有效期"
}

const recordCols = `r.id, r.unit_id, r.uscc, r.unit_name, r.insured_place, r.from_month, r.to_month, r.type_counts,
	r.employees, r.pages, r.sha256, r.size, r.issued_at, r.valid_until, r.file_removed_at, r.person_id, p.name,
	r.membership_id, r.role`

const recordFrom = " FROM rights_records r JOIN persons p ON p.id = r.person_id"

// scanRecord reads one row of recordCols; keys open the issuer's sealed name.
func scanRecord(keys *sealed.Keys, row interface{ Scan(...any) error }) (Record, error) {
	var r Record
	var from, to int64
	var counts string
	var removed sql.NullTime
	var issuer []byte
	err := row.Scan(&r.ID, &r.UnitID, &r.USCC, &r.UnitName, &r.InsuredPlace, &from, &to, &counts, &r.Employees,
		&r.Pages, &r.SHA256, &r.Size, &r.IssuedAt, &r.ValidUntil, &removed, &r.PersonID, &issuer,
		&r.MembershipID, &r.Role)
	if err != nil {
		return r, err
	}
	if r.IssuerName, err = person.OpenName(keys, r.PersonID, issuer); err != nil {
		return r, err
	}
	r.From, r.To = insurance.Month(from), insurance.Month(to)
	r.IssuedAt, r.ValidUntil = r.IssuedAt.UTC(), r.ValidUntil.UTC()
	if removed.Valid {
		r.FileRemovedAt = removed.Time.UTC()
	}
	r.Counts, err = decodeCounts(counts)
	return r, err
}

// MaxList bounds List's limit.
const MaxList = 100

// List returns the unit's records newest first, at most limit (1–MaxList) of them
// with an ID below before (0: from the newest), with who produced each: the page
// of records U3 shows under its form. Errors: database failures.
func (s *Service) List(ctx context.Context, unitID, before int64, limit int) ([]Record, error) {
	limit = min(max(limit, 1), MaxList)
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.db.Query(ctx, "SELECT "+recordCols+recordFrom+
		" WHERE r.unit_id = ? AND r.id < ? ORDER BY r.id DESC LIMIT ?", unitID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("rights: list: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(s.db.Keys(), rows)
		if err != nil {
			return nil, fmt.Errorf("rights: list: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rights: list: %w", err)
	}
	return out, nil
}

// Get returns a record of the unit, without its file. The unit is part of the
// lookup, so a record ID from another unit's list finds nothing. Errors:
// ErrNotFound; database failures.
func (s *Service) Get(ctx context.Context, unitID, recordID int64) (Record, error) {
	r, err := scanRecord(s.db.Keys(), s.db.QueryRow(ctx, "SELECT "+recordCols+recordFrom+
		" WHERE r.id = ? AND r.unit_id = ?", recordID, unitID))
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, ErrNotFound
	}
	if err != nil {
		return Record{}, fmt.Errorf("rights: record: %w", err)
	}
	return r, nil
}

// File returns a record of the unit and its signed PDF as issued, for download
// again, looked up as Get does (the stored PDF opened: FilePlace). Errors:
// ErrNotFound; ErrFileRemoved (with the record) once SweepFiles deleted the PDF;
// ErrNoKeys; sealed's errors (wrapped) for a PDF that does not open — changed in
// the database, moved from another record, or sealed under a key not configured;
// database failures.
func (s *Service) File(ctx context.Context, unitID, recordID int64) (Record, []byte, error) {
	r, err := s.Get(ctx, unitID, recordID)
	if err != nil {
		return Record{}, nil, err
	}
	if !r.FileKept() {
		return r, nil, ErrFileRemoved
	}
	var stored []byte
	err = s.db.QueryRow(ctx, "SELECT pdf FROM rights_record_files WHERE record_id = ?", r.ID).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		// The sweep deleted it between the two reads.
		return r, nil, ErrFileRemoved
	}
	if err != nil {
		return Record{}, nil, fmt.Errorf("rights: file: %w", err)
	}
	keys := s.db.Keys()
	if keys == nil {
		return Record{}, nil, ErrNoKeys
	}
	pdf, err := keys.Open(FilePlace(r.ID), stored)
	if err != nil {
		return Record{}, nil, fmt.Errorf("rights: file: %w", err)
	}
	return r, pdf, nil
}

// The signed PDF of a record is sealed at rest (internal/sealed, issue #16,
// docs/data-protection.md): rights_record_files.pdf holds it sealed with the
// database's data keys for that table, column and the record's id, in one piece
// (a 3,000-employee record is about 330 KB), and File opens it, so what is served
// is byte for byte what was signed and whose SHA-256 the verify page shows — only
// the storage is sealed. The rows kept in clear before migration 0050 are sealed
// by its Go half (store: sealInPlace).

// FilePlace is where the sealed PDF of record id belongs.
func FilePlace(id int64) sealed.Place { return sealed.RowPlace("rights_record_files", "pdf", id) }

// ErrNoKeys: the database has no data keys set (store.DB.UseKeys), so a record's
// PDF can be neither sealed nor opened.
var ErrNoKeys = errors.New("rights: no data key set on the database")
