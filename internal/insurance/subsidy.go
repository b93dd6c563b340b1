package insurance

import (
	"context"
	"fmt"
)

// SubsidyBasis is what the unit's insurance data says about one year, for
// 失业保险稳岗返还 (its rule is in internal/cases).
type SubsidyBasis struct {
	Year int
	// MonthsPaid: months of the year with unemployment-insurance payments.
	MonthsPaid int
	// Insured: the persons paid for in unemployment insurance, averaged over the
	// year's 12 months (rounded half up) — the unit's staff for the rule.
	Insured int
	// Leavers: the persons who left in the year. From the personnel changes (减员,
	// not counting retirement and death, which are no layoffs) when the year has
	// any; otherwise from the unemployment-insurance periods that ended in it
	// (LeaversFromPeriods).
	Leavers            int
	LeaversFromPeriods bool
	// Contributions: the unit part of the year's unemployment-insurance
	// contributions, fen.
	Contributions int64
}

// SubsidyBasisOf reads the basis of year for the unit of uscc. Errors: database
// failures.
func SubsidyBasisOf(ctx context.Context, q querier, uscc string, year int) (SubsidyBasis, error) {
	b := SubsidyBasis{Year: year}
	first, last := int64(MakeMonth(year, 1)), int64(MakeMonth(year, 12))
	var rows int64
	if err := q.QueryRow(ctx, `SELECT COUNT(DISTINCT month), COUNT(*), COALESCE(SUM(unit_amount), 0) FROM insurance_payments
		WHERE uscc = ? AND month >= ? AND month <= ? AND insurance_type = ?`, uscc, first, last, string(TypeUnemployment)).
		Scan(&b.MonthsPaid, &rows, &b.Contributions); err != nil {
		return SubsidyBasis{}, fmt.Errorf("insurance: subsidy: payments: %w", err)
	}
	b.Insured = int((rows*2 + 12) / 24)
	var changes int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM insurance_changes WHERE uscc = ? AND month >= ? AND month <= ?`,
		uscc, first, last).Scan(&changes); err != nil {
		return SubsidyBasis{}, fmt.Errorf("insurance: subsidy: changes: %w", err)
	}
	if changes > 0 {
		if err := q.QueryRow(ctx, `SELECT COUNT(DISTINCT id_number) FROM insurance_changes WHERE uscc = ? AND month >= ?
			AND month <= ? AND kind = ? AND reason NOT LIKE '%退休%' AND reason NOT LIKE '%死亡%'`,
			uscc, first, last, string(ChangeLeave)).Scan(&b.Leavers); err != nil {
			return SubsidyBasis{}, fmt.Errorf("insurance: subsidy: leavers: %w", err)
		}
		return b, nil
	}
	b.LeaversFromPeriods = true
	if err := q.QueryRow(ctx, `SELECT COUNT(DISTINCT id_number) FROM insurance_periods WHERE uscc = ? AND insurance_type = ?
		AND end_month >= ? AND end_month <= ?`, uscc, string(TypeUnemployment), first, last).Scan(&b.Leavers); err != nil {
		return SubsidyBasis{}, fmt.Errorf("insurance: subsidy: ended periods: %w", err)
	}
	return b, nil
}
