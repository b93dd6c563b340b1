package delegation

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"hall/internal/store"
	"hall/internal/unit"
)

// unitRow is what the commands need of a unit.
type unitRow struct {
	ID         int64
	Name, USCC string
	Status     string
}

// lockUnit reads the unit and, on PostgreSQL, locks its row for the rest of the
// transaction. Every command locks the unit first, so commands on one unit run one
// after the other on both engines and their checks cannot be raced (the agent-limit
// trigger of migration 0007 locks the same row). Errors: ErrUnitNotFound,
// ErrUnitClosed, database failures.
func (t *txn) lockUnit(unitID int64) (unitRow, error) {
	var u unitRow
	err := t.QueryRow(t.ctx, `SELECT id, name, uscc, status FROM units WHERE id = ?`+t.Tx.ForUpdate(), unitID).
		Scan(&u.ID, &u.Name, &u.USCC, &u.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return unitRow{}, ErrUnitNotFound
	}
	if err != nil {
		return unitRow{}, fmt.Errorf("delegation: lock unit: %w", err)
	}
	if u.Status != "active" {
		return unitRow{}, ErrUnitClosed
	}
	return u, nil
}

const membershipColumns = `id, unit_id, person_id, role, status, valid_from, valid_until, password_hash, created_at, confirmed_at`

type scanner interface{ Scan(...any) error }

// scanMembership reads membershipColumns. sql.ErrNoRows is passed through.
func scanMembership(row scanner, extra ...any) (unit.Membership, error) {
	var m unit.Membership
	var role, status string
	var from, until, confirmed sql.NullTime
	var pw sql.NullString
	dest := append([]any{&m.ID, &m.UnitID, &m.PersonID, &role, &status, &from, &until, &pw, &m.CreatedAt, &confirmed}, extra...)
	if err := row.Scan(dest...); err != nil {
		return unit.Membership{}, err
	}
	m.Role, m.Status, m.PasswordHash = unit.Role(role), unit.Status(status), pw.String
	m.ValidFrom, m.ValidUntil, m.ConfirmedAt = ptrTime(from), ptrTime(until), ptrTime(confirmed)
	m.CreatedAt = m.CreatedAt.UTC()
	return m, nil
}

func ptrTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

// current returns the person's non-revoked membership in the unit, locked on
// PostgreSQL. Errors: sql.ErrNoRows when there is none, database failures.
func (t *txn) current(unitID, personID int64) (unit.Membership, error) {
	return scanMembership(t.QueryRow(t.ctx, `SELECT `+membershipColumns+` FROM memberships
		WHERE unit_id = ? AND person_id = ? AND status <> 'revoked'`+t.Tx.ForUpdate(), unitID, personID))
}

// byID returns a membership of the unit by id, whatever its status, locked on
// PostgreSQL. Errors: sql.ErrNoRows, database failures.
func (t *txn) byID(unitID, membershipID int64) (unit.Membership, error) {
	return scanMembership(t.QueryRow(t.ctx, `SELECT `+membershipColumns+` FROM memberships
		WHERE id = ? AND unit_id = ?`+t.Tx.ForUpdate(), membershipID, unitID))
}

// admin returns the unit's non-revoked admin (pending or active), or sql.ErrNoRows.
func (t *txn) admin(unitID int64) (unit.Membership, error) {
	return scanMembership(t.QueryRow(t.ctx, `SELECT `+membershipColumns+` FROM memberships
		WHERE unit_id = ? AND role = 'admin' AND status <> 'revoked'`+t.Tx.ForUpdate(), unitID))
}

// requireLegalRep returns the actor's membership if the actor is the unit's legal
// rep. Errors: ErrNotLegalRep, database failures.
func (t *txn) requireLegalRep(unitID int64, a Actor) (unit.Membership, error) {
	m, err := t.current(unitID, a.PersonID)
	if errors.Is(err, sql.ErrNoRows) {
		return unit.Membership{}, ErrNotLegalRep
	}
	if err != nil {
		return unit.Membership{}, fmt.Errorf("delegation: actor: %w", err)
	}
	if m.Role != unit.RoleLegalRep || !m.Usable(t.now) {
		return unit.Membership{}, ErrNotLegalRep
	}
	return m, nil
}

// requireManager returns the actor's membership if the actor may manage agents now:
// the legal rep, or an admin that is confirmed and inside its validity. Errors:
// ErrNotManager, database failures.
// Manages reports whether role r manages the unit's administrator and agents (U6:
// 经办人管理): the legal rep and the administrator, not an agent. Pages use it to
// show 经办人管理 only to those who may use it; every command checks it again.
func Manages(r unit.Role) bool { return r == unit.RoleLegalRep || r == unit.RoleAdmin }

func (t *txn) requireManager(unitID int64, a Actor) (unit.Membership, error) {
	m, err := t.current(unitID, a.PersonID)
	if errors.Is(err, sql.ErrNoRows) {
		return unit.Membership{}, ErrNotManager
	}
	if err != nil {
		return unit.Membership{}, fmt.Errorf("delegation: actor: %w", err)
	}
	if !Manages(m.Role) || !m.Usable(t.now) {
		return unit.Membership{}, ErrNotManager
	}
	return m, nil
}

// insertPending inserts a pending admin or agent membership and returns it. The
// database's invariants (migration 0007) decide the races the unit lock does not
// cover (a writer outside this package): they come back as ErrAgentLimit,
// ErrAlreadyMember or ErrAdminExists.
func (t *txn) insertPending(unitID, personID int64, role unit.Role, from, until time.Time, invitedBy int64) (unit.Membership, error) {
	m := unit.Membership{UnitID: unitID, PersonID: personID, Role: role, Status: unit.StatusPending,
		ValidFrom: &from, ValidUntil: &until, CreatedAt: t.now}
	err := t.QueryRow(t.ctx, `INSERT INTO memberships (unit_id, person_id, role, status, valid_from, valid_until,
		invited_by, created_at) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?) RETURNING id`,
		unitID, personID, string(role), store.Time(from), store.Time(until), invitedBy, t.now).Scan(&m.ID)
	if err == nil {
		return m, nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "agent_limit"):
		return unit.Membership{}, ErrAgentLimit
	case store.IsUniqueViolation(err) && (strings.Contains(msg, "memberships_one_role") || strings.Contains(msg, "memberships.person_id")):
		return unit.Membership{}, ErrAlreadyMember
	case store.IsUniqueViolation(err):
		return unit.Membership{}, ErrAdminExists
	}
	return unit.Membership{}, fmt.Errorf("delegation: insert membership: %w", err)
}

// revoke ends a membership now: status revoked, and every session in which the
// person acts for the unit ends in the same transaction.
func (s *Service) revoke(t *txn, m unit.Membership) error {
	res, err := t.Exec(t.ctx, `UPDATE memberships SET status = 'revoked', revoked_at = ? WHERE id = ? AND status <> 'revoked'`,
		t.now, m.ID)
	if err != nil {
		return fmt.Errorf("delegation: revoke: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("delegation: revoke membership %d: %d rows, %v", m.ID, n, err)
	}
	unitID := m.UnitID
	if _, err := s.sessions.EndAllTx(t.ctx, t.Tx, m.PersonID, &unitID); err != nil {
		return fmt.Errorf("delegation: end sessions: %w", err)
	}
	return nil
}

func target(membershipID int64) string { return "membership:" + strconv.FormatInt(membershipID, 10) }

func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
