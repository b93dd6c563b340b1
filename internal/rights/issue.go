package rights

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/store"
	"hall/internal/token"
)

// Issue produces a rights record of the unit for the form's period and types,
// signed by the bureau, stores it and audits it ("rights.issue"), and returns it
// with the signed PDF (stored sealed: FilePlace). The list is read from the insurance read model a page at a
// time while the PDF is laid out, and no transaction is open while the PDF is
// built and signed: only the final insert and audit are one.
//
// Errors: *FormError for a refused form (Rules.Check), or with a Top message when
// nobody paid to the chosen types in the period; ErrNotFound for an unknown unit;
// ErrNotMember when the actor holds no active role in it (also when the role ends
// while the record is built); ErrSigner when the signing certificate has expired;
// ErrBusy when the process is building as many records as it may and none
// finished in time (Config.Builds, BuildWait); ErrNoKeys when the database has no
// data keys; otherwise database, audit or signing failures.
func (s *Service) Issue(ctx context.Context, unitID int64, actor Actor, f Form) (Record, []byte, error) {
	now := s.now()
	rec := Record{UnitID: unitID, PersonID: actor.PersonID}
	var region string
	err := s.db.QueryRow(ctx, "SELECT uscc, name, region FROM units WHERE id = ? AND status = 'active'", unitID).
		Scan(&rec.USCC, &rec.UnitName, &region)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, nil, ErrNotFound
	}
	if err != nil {
		return Record{}, nil, fmt.Errorf("rights: unit: %w", err)
	}
	rec.InsuredPlace = placeName(region)
	if rec.MembershipID, rec.Role, err = s.membership(ctx, s.db.QueryRow, unitID, actor.PersonID); err != nil {
		return Record{}, nil, err
	}
	allowed, err := s.Types(ctx, rec.USCC)
	if err != nil {
		return Record{}, nil, err
	}
	choice, err := s.cfg.Rules.Check(f.From, f.To, f.Types, allowed, now)
	if err != nil {
		return Record{}, nil, err
	}
	if err := s.signer.check(now); err != nil {
		return Record{}, nil, err
	}
	rec.From, rec.To = choice.From, choice.To
	release, err := s.builds.acquire(ctx)
	if err != nil {
		return Record{}, nil, err
	}
	defer release()

	id := token.New()
	rec.VerifyURL = s.cfg.BaseURL + "/verify/" + id
	sh, err := newSheet(s.font, header{Title: s.cfg.Title, UnitName: rec.UnitName, USCC: rec.USCC,
		InsuredPlace: rec.InsuredPlace, Choice: choice, Issued: now, VerifyURL: rec.VerifyURL,
		Bureau: s.cfg.BureauName, Notes: s.Notes()})
	if err != nil {
		return Record{}, nil, err
	}
	page := func(ctx context.Context, q insurance.Query) (insurance.Result[insurance.PaidPerson], error) {
		return s.insurance.PaidPersons(ctx, q, choice.Types)
	}
	err = insurance.Stream(ctx, insurance.Query{USCC: rec.USCC, From: choice.From, To: choice.To}, page,
		func(p insurance.PaidPerson) error { sh.add(p); return nil })
	if err != nil {
		return Record{}, nil, err
	}
	if sh.serial == 0 {
		return Record{}, nil, &FormError{Top: "所选期间内没有所选险种的缴费记录，无法出具权益单"}
	}
	raw, err := sh.finish()
	if err != nil {
		return Record{}, nil, err
	}
	signed, err := s.signer.signPDF(raw, s.cfg.BureauName, s.cfg.Title, now)
	if err != nil {
		return Record{}, nil, err
	}
	rec.Employees, rec.Pages = sh.serial, len(sh.doc.Pages())
	for _, t := range choice.Types {
		rec.Counts = append(rec.Counts, TypeCount{Type: t, Persons: sh.counts[t]})
	}
	rec.SHA256, rec.Size = sum(signed), len(signed)
	rec.IssuedAt = store.Time(now)
	rec.ValidUntil = store.Time(s.cfg.Rules.validUntil(now))
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		// The role is read again: it may have ended while the record was built.
		var err error
		if rec.MembershipID, rec.Role, err = s.membership(ctx, tx.QueryRow, unitID, actor.PersonID); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO rights_records (token_hash, unit_id, uscc, unit_name, insured_place,
			from_month, to_month, type_counts, employees, pages, sha256, size, issued_at, valid_until,
			person_id, membership_id, role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			token.Hash(id), unitID, rec.USCC, rec.UnitName, rec.InsuredPlace, int64(rec.From), int64(rec.To),
			encodeCounts(rec.Counts), rec.Employees, rec.Pages, rec.SHA256, rec.Size, rec.IssuedAt, rec.ValidUntil,
			rec.PersonID, rec.MembershipID, rec.Role).Scan(&rec.ID)
		if err != nil {
			return fmt.Errorf("rights: store record: %w", err)
		}
		keys := tx.Keys()
		if keys == nil {
			return ErrNoKeys
		}
		if _, err := tx.Exec(ctx, "INSERT INTO rights_record_files (record_id, pdf) VALUES (?, ?)", rec.ID,
			keys.Seal(FilePlace(rec.ID), signed)); err != nil {
			return fmt.Errorf("rights: store PDF: %w", err)
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{PersonID: actor.PersonID, UnitID: unitID, Role: rec.Role,
			Action: "rights.issue", Target: "rights_record:" + strconv.FormatInt(rec.ID, 10), Result: audit.Success,
			ClientIP: actor.ClientIP, RequestID: actor.RequestID, Detail: map[string]string{
				"period": rec.From.String() + "~" + rec.To.String(), "types": encodeCounts(rec.Counts),
				"employees": strconv.Itoa(rec.Employees), "sha256": rec.SHA256, "uscc": ident.MaskUSCC(rec.USCC)}})
		return err
	})
	if err != nil {
		return Record{}, nil, err
	}
	return rec, signed, nil
}

// membership returns the person's active membership in the unit, read through
// query (the database or a transaction). Errors: ErrNotMember, database failures.
func (s *Service) membership(ctx context.Context, query func(context.Context, string, ...any) *sql.Row,
	unitID, personID int64) (int64, string, error) {
	var id int64
	var role string
	err := query(ctx, `SELECT id, role FROM memberships WHERE unit_id = ? AND person_id = ? AND status = 'active'
		AND (valid_from IS NULL OR valid_from <= ?) AND (valid_until IS NULL OR valid_until > ?)`,
		unitID, personID, store.Time(s.now()), store.Time(s.now())).Scan(&id, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", ErrNotMember
	}
	if err != nil {
		return 0, "", fmt.Errorf("rights: membership: %w", err)
	}
	return id, role, nil
}
