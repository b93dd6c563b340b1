package unit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
)

// Service reads and writes units and memberships.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// New returns the unit service.
func New(db *store.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

// NewUnit is what Create needs: the unit's registered data and its legal rep.
type NewUnit struct {
	USCC, Name, UnitType, Region, Address string
	LegalRepPersonID                      int64
}

// Create opens the unit's account inside tx: issues its unit number and records the
// legal rep's active membership. A zero LegalRepPersonID opens the unit without a
// legal rep: the upgrade of a legacy-hall account (SPEC R4) needs no legal rep, and
// the unit then has none until the registry sync installs one (as after a change of
// legal rep whose successor has no account yet). Returns ErrUSCCTaken when the unit
// already has an account.
func (s *Service) Create(ctx context.Context, tx *store.Tx, in NewUnit) (Unit, error) {
	now := store.Time(s.now())
	region := in.Region
	if len(region) != 6 {
		region = ident.USCCRegion(in.USCC)
	}
	number, err := s.nextUnitNumber(ctx, tx, region)
	if err != nil {
		return Unit{}, err
	}
	u := Unit{USCC: in.USCC, UnitNumber: number, Name: in.Name, UnitType: in.UnitType, Region: region,
		Address: in.Address, Status: "active", CreatedAt: now}
	err = tx.QueryRow(ctx, `INSERT INTO units (uscc, unit_number, name, unit_type, region, address, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?) RETURNING id`,
		u.USCC, u.UnitNumber, u.Name, u.UnitType, u.Region, u.Address, now, now).Scan(&u.ID)
	if store.IsUniqueViolation(err) {
		return Unit{}, ErrUSCCTaken
	}
	if err != nil {
		return Unit{}, fmt.Errorf("unit: create: %w", err)
	}
	if in.LegalRepPersonID == 0 {
		return u, nil
	}
	if _, err := s.AddMembership(ctx, tx, Membership{UnitID: u.ID, PersonID: in.LegalRepPersonID,
		Role: RoleLegalRep, Status: StatusActive}); err != nil {
		return Unit{}, err
	}
	return u, nil
}

// nextUnitNumber issues the next unit number of a region. The sequence row is updated
// inside the caller's transaction, so two registrations never get the same number.
func (s *Service) nextUnitNumber(ctx context.Context, tx *store.Tx, region string) (string, error) {
	var seq int
	err := tx.QueryRow(ctx, `INSERT INTO unit_number_seq (region, next) VALUES (?, 2)
		ON CONFLICT (region) DO UPDATE SET next = unit_number_seq.next + 1
		RETURNING next - 1`, region).Scan(&seq)
	if err != nil {
		return "", fmt.Errorf("unit: number sequence: %w", err)
	}
	return ident.MakeUnitNumber(region, seq)
}

// AddMembership inserts a membership inside tx, mapping the database's invariant
// violations to ErrRoleTaken, ErrPersonHasRole and ErrAgentLimit.
func (s *Service) AddMembership(ctx context.Context, tx *store.Tx, m Membership) (Membership, error) {
	now := store.Time(s.now())
	m.CreatedAt = now
	var confirmed *time.Time
	if m.Status == StatusActive {
		confirmed = &now
		m.ConfirmedAt = confirmed
	}
	var pw any
	if m.PasswordHash != "" {
		pw = m.PasswordHash
	}
	err := tx.QueryRow(ctx, `INSERT INTO memberships (unit_id, person_id, role, status, valid_from, valid_until,
		password_hash, created_at, confirmed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.UnitID, m.PersonID, string(m.Role), string(m.Status), nullTime(m.ValidFrom), nullTime(m.ValidUntil),
		pw, now, nullTime(confirmed)).Scan(&m.ID)
	if err != nil {
		return Membership{}, s.membershipError(ctx, tx, m, err)
	}
	return m, nil
}

// membershipError tells which invariant refused the insert. The constraint names are
// engine-specific in the error text, so it asks the database instead of parsing them.
func (s *Service) membershipError(ctx context.Context, tx *store.Tx, m Membership, err error) error {
	if !store.IsConstraintViolation(err) {
		return fmt.Errorf("unit: add membership: %w", err)
	}
	if strings.Contains(err.Error(), "agent_limit") {
		return ErrAgentLimit
	}
	if store.IsUniqueViolation(err) {
		var n int
		qerr := tx.QueryRow(ctx, `SELECT COUNT(*) FROM memberships WHERE unit_id = ? AND person_id = ? AND status <> 'revoked'`,
			m.UnitID, m.PersonID).Scan(&n)
		if qerr == nil && n > 0 {
			return ErrPersonHasRole
		}
		// On PostgreSQL the failed statement aborted the transaction, so the query above
		// fails too; the constraint name in the error then tells the cases apart.
		if strings.Contains(err.Error(), "memberships_one_role") {
			return ErrPersonHasRole
		}
		return ErrRoleTaken
	}
	return fmt.Errorf("unit: add membership: %w", err)
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return store.Time(*t)
}

const unitColumns = `id, uscc, unit_number, name, unit_type, region, address, contact_name, contact_phone, status, created_at`

func scanUnit(row interface{ Scan(...any) error }) (Unit, error) {
	var u Unit
	err := row.Scan(&u.ID, &u.USCC, &u.UnitNumber, &u.Name, &u.UnitType, &u.Region, &u.Address,
		&u.ContactName, &u.ContactPhone, &u.Status, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Unit{}, ErrNotFound
	}
	return u, err
}

// Get returns the unit with id, or ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (Unit, error) {
	return scanUnit(s.db.QueryRow(ctx, `SELECT `+unitColumns+` FROM units WHERE id = ?`, id))
}

// ByAccount finds a unit by what a person types in the L1 account field: a USCC or a
// unit number. Returns ErrNotFound for anything else, including malformed input.
func (s *Service) ByAccount(ctx context.Context, account string) (Unit, error) {
	kind, norm, err := ident.ClassifyUnitAccount(account)
	if err != nil {
		return Unit{}, ErrNotFound
	}
	switch kind {
	case ident.UnitAccountUSCC:
		return scanUnit(s.db.QueryRow(ctx, `SELECT `+unitColumns+` FROM units WHERE uscc = ?`, norm))
	case ident.UnitAccountUnitNumber:
		return scanUnit(s.db.QueryRow(ctx, `SELECT `+unitColumns+` FROM units WHERE unit_number = ?`, norm))
	}
	return Unit{}, ErrNotFound
}

const membershipColumns = `id, unit_id, person_id, role, status, valid_from, valid_until, password_hash, created_at, confirmed_at`

func scanMembership(row interface{ Scan(...any) error }) (Membership, error) {
	var m Membership
	var role, status string
	var from, until, confirmed sql.NullTime
	var pw sql.NullString
	err := row.Scan(&m.ID, &m.UnitID, &m.PersonID, &role, &status, &from, &until, &pw, &m.CreatedAt, &confirmed)
	m.PasswordHash = pw.String
	if errors.Is(err, sql.ErrNoRows) {
		return Membership{}, ErrNotFound
	}
	m.Role, m.Status = Role(role), Status(status)
	m.ValidFrom, m.ValidUntil, m.ConfirmedAt = ptrTime(from), ptrTime(until), ptrTime(confirmed)
	return m, err
}

func ptrTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

// Membership returns the person's non-revoked membership in the unit, or ErrNotFound.
func (s *Service) Membership(ctx context.Context, unitID, personID int64) (Membership, error) {
	return scanMembership(s.db.QueryRow(ctx, `SELECT `+membershipColumns+` FROM memberships
		WHERE unit_id = ? AND person_id = ? AND status <> 'revoked'`, unitID, personID))
}

// ActingUnits lists the units the person holds a non-revoked role in, by unit name.
func (s *Service) ActingUnits(ctx context.Context, personID int64) ([]Acting, error) {
	rows, err := s.db.Query(ctx, `SELECT `+prefixed("m.", membershipColumns)+`, `+prefixed("u.", unitColumns)+`
		FROM memberships m JOIN units u ON u.id = m.unit_id
		WHERE m.person_id = ? AND m.status <> 'revoked' ORDER BY u.name, u.id`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Acting
	for rows.Next() {
		var a Acting
		var role, status string
		var from, until, confirmed sql.NullTime
		var pw sql.NullString
		m := &a.Membership
		u := &a.Unit
		if err := rows.Scan(&m.ID, &m.UnitID, &m.PersonID, &role, &status, &from, &until, &pw, &m.CreatedAt, &confirmed,
			&u.ID, &u.USCC, &u.UnitNumber, &u.Name, &u.UnitType, &u.Region, &u.Address,
			&u.ContactName, &u.ContactPhone, &u.Status, &u.CreatedAt); err != nil {
			return nil, err
		}
		m.Role, m.Status, m.PasswordHash = Role(role), Status(status), pw.String
		m.ValidFrom, m.ValidUntil, m.ConfirmedAt = ptrTime(from), ptrTime(until), ptrTime(confirmed)
		out = append(out, a)
	}
	return out, rows.Err()
}

// prefixed qualifies each column of a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, p := range parts {
		parts[i] = alias + p
	}
	return strings.Join(parts, ", ")
}
