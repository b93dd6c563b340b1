package insurance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"hall/internal/store"
)

// EndTx's refusals.
var (
	// ErrNotEnrolled: the person has no open period with the unit.
	ErrNotEnrolled = errors.New("insurance: not enrolled")
	// ErrEndBeforeStart: an open period starts after the end month asked for.
	ErrEndBeforeStart = errors.New("insurance: end before start")
)

// EndEnrolment is one employee's insurance with the unit ended through the hall
// (用人单位退工停保登记, approved in the back office).
type EndEnrolment struct {
	USCC     string
	IDNumber string
	EndMonth Month  // the last month insured (the periods' 结束年月)
	Reason   string // the 减员 change's reason, as the unit chose it
}

// EndTx writes e inside tx: every open period of the employee with the unit ends
// with EndMonth, and the 减员 change is recorded in the month after it (the first
// month not insured, as the core system's changes have it), so the unit's
// insurance tab shows it at once. Errors: ErrNotEnrolled; ErrEndBeforeStart (nothing is
// changed); database failures.
func EndTx(ctx context.Context, tx *store.Tx, e EndEnrolment) error {
	var open, later int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN start_month > ? THEN 1 ELSE 0 END), 0)
		FROM insurance_periods WHERE uscc = ? AND id_number = ? AND end_month = 0`,
		int64(e.EndMonth), e.USCC, e.IDNumber).Scan(&open, &later); err != nil {
		return fmt.Errorf("insurance: end: %w", err)
	}
	switch {
	case open == 0:
		return ErrNotEnrolled
	case later > 0:
		return ErrEndBeforeStart
	}
	if _, err := tx.Exec(ctx, `UPDATE insurance_periods SET end_month = ? WHERE uscc = ? AND id_number = ? AND end_month = 0`,
		int64(e.EndMonth), e.USCC, e.IDNumber); err != nil {
		return fmt.Errorf("insurance: end: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO insurance_changes (uscc, month, id_number, kind, reason)
		VALUES (?, ?, ?, 'leave', ?) ON CONFLICT (uscc, month, id_number, kind) DO UPDATE SET reason = excluded.reason`,
		e.USCC, int64(e.EndMonth.Add(1)), e.IDNumber, e.Reason); err != nil {
		return fmt.Errorf("insurance: end: change: %w", err)
	}
	return nil
}

// querier is a *store.DB or a *store.Tx.
type querier interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// Insured is one employee with an open period with the unit.
type Insured struct {
	IDNumber string
	Name     string
}

// InsuredNow lists the unit's employees with an open period, by name, at most
// limit of them, and whether there are more. Errors: database failures.
func InsuredNow(ctx context.Context, q querier, uscc string, limit int) ([]Insured, bool, error) {
	rows, err := q.Query(ctx, `SELECT e.id_number, e.name FROM insurance_employees e WHERE e.uscc = ?
		AND EXISTS (SELECT 1 FROM insurance_periods o WHERE o.uscc = e.uscc AND o.id_number = e.id_number AND o.end_month = 0)
		ORDER BY e.name, e.id_number LIMIT ?`, uscc, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("insurance: insured: %w", err)
	}
	defer rows.Close()
	var out []Insured
	for rows.Next() {
		var i Insured
		if err := rows.Scan(&i.IDNumber, &i.Name); err != nil {
			return nil, false, fmt.Errorf("insurance: insured: %w", err)
		}
		out = append(out, i)
	}
	if len(out) > limit {
		return out[:limit], true, rows.Err()
	}
	return out, false, rows.Err()
}

// EmployeeIDNumber is the ID number of the unit's employee (insured now or once)
// for whom keyOf gives key, and whether there is one: a page names a person by
// such a key rather than by the ID number in clear. Errors: database failures.
func (s *Store) EmployeeIDNumber(ctx context.Context, uscc, key string, keyOf func(uscc, idNumber string) string) (string, bool, error) {
	rows, err := s.db.Query(ctx, `SELECT id_number FROM insurance_employees WHERE uscc = ?`, uscc)
	if err != nil {
		return "", false, fmt.Errorf("insurance: employee by key: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", false, fmt.Errorf("insurance: employee by key: %w", err)
		}
		if keyOf(uscc, id) == key {
			return id, true, nil
		}
	}
	return "", false, rows.Err()
}
