package insurance

import (
	"context"
	"fmt"

	"hall/internal/store"
)

// MonthTotal is what a unit paid for one insurance type in one month: the persons
// paid for and the contributions (unit and personal parts together), as the unit
// home's chart draws them (U1).
type MonthTotal struct {
	Month   Month
	Type    Type
	Persons int
	Amount  int64 // fen
}

// MonthlyTotals is the unit's totals per month and type from first to last
// (inclusive), ordered by month and then type; a month without payments has no
// rows. They are kept in insurance_monthly_totals by refreshMonthlyTotals, so a
// read is a few dozen rows whatever the unit's size.
func (s *Store) MonthlyTotals(ctx context.Context, uscc string, first, last Month) ([]MonthTotal, error) {
	rows, err := s.db.Query(ctx, `SELECT month, insurance_type, persons, amount
		FROM insurance_monthly_totals WHERE uscc = ? AND month >= ? AND month <= ?
		ORDER BY month, insurance_type`, uscc, int(first), int(last))
	if err != nil {
		return nil, fmt.Errorf("insurance: monthly totals: %w", err)
	}
	defer rows.Close()
	var out []MonthTotal
	for rows.Next() {
		var t MonthTotal
		var m int
		if err := rows.Scan(&m, &t.Type, &t.Persons, &t.Amount); err != nil {
			return nil, fmt.Errorf("insurance: monthly totals: %w", err)
		}
		t.Month = Month(m)
		out = append(out, t)
	}
	return out, rows.Err()
}

// refreshMonthlyTotals writes the units' monthly totals again from their payments,
// inside the transaction that changed the payments.
func refreshMonthlyTotals(ctx context.Context, tx *store.Tx, usccs []string) error {
	for _, uscc := range usccs {
		if _, err := tx.Exec(ctx, `DELETE FROM insurance_monthly_totals WHERE uscc = ?`, uscc); err != nil {
			return fmt.Errorf("insurance: monthly totals: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO insurance_monthly_totals (uscc, month, insurance_type, persons, amount)
			SELECT uscc, month, insurance_type, COUNT(*), SUM(unit_amount + personal_amount) FROM insurance_payments
			WHERE uscc = ? GROUP BY uscc, month, insurance_type`, uscc); err != nil {
			return fmt.Errorf("insurance: monthly totals: %w", err)
		}
	}
	return nil
}
