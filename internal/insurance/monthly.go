package insurance

import (
	"context"
	"fmt"
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
// rows. The sum reads the payments table by its key (uscc, month, …), so it
// reads only the unit's rows of those months.
func (s *Store) MonthlyTotals(ctx context.Context, uscc string, first, last Month) ([]MonthTotal, error) {
	rows, err := s.db.Query(ctx, `SELECT month, insurance_type, COUNT(*), SUM(unit_amount + personal_amount)
		FROM insurance_payments WHERE uscc = ? AND month >= ? AND month <= ?
		GROUP BY month, insurance_type ORDER BY month, insurance_type`, uscc, int(first), int(last))
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
