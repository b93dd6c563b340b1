package insurance

import (
	"context"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestSubsidyBasisOf: the year's months paid, average insured and unit part of the
// unemployment contributions come from the payments; the leavers from the 减员
// changes without retirement and death when the year has changes, else from the
// unemployment periods that ended in the year.
func TestSubsidyBasisOf(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		for m := 1; m <= 12; m++ {
			for _, id := range []string{"A", "B", "C"} {
				exec(`INSERT INTO insurance_payments (uscc, month, insurance_type, id_number, base, unit_amount, personal_amount)
					VALUES (?, ?, 'unemployment', ?, 500000, 2500, 1000)`, unitUSCC, 202500+m, id)
				exec(`INSERT INTO insurance_payments (uscc, month, insurance_type, id_number, base, unit_amount, personal_amount)
					VALUES (?, ?, 'pension', ?, 500000, 80000, 40000)`, unitUSCC, 202500+m, id)
			}
		}
		exec(`INSERT INTO insurance_payments (uscc, month, insurance_type, id_number, base, unit_amount, personal_amount)
			VALUES (?, 202601, 'unemployment', 'A', 500000, 2500, 1000)`, unitUSCC)
		exec(`INSERT INTO insurance_periods (uscc, id_number, insurance_type, start_month, end_month) VALUES
			(?, 'D', 'unemployment', 202401, 202503), (?, 'E', 'unemployment', 202401, 202412)`, unitUSCC, unitUSCC)
		b, err := SubsidyBasisOf(ctx, db, unitUSCC, 2025)
		want := SubsidyBasis{Year: 2025, MonthsPaid: 12, Insured: 3, Leavers: 1, LeaversFromPeriods: true, Contributions: 36 * 2500}
		if err != nil || b != want {
			t.Fatalf("without changes: %+v, %v; want %+v", b, err, want)
		}
		exec(`INSERT INTO insurance_changes (uscc, month, id_number, kind, reason) VALUES (?, 202504, 'D', 'leave', '解除劳动合同'),
			(?, 202505, 'F', 'leave', '退休'), (?, 202506, 'G', 'leave', '死亡'), (?, 202507, 'H', 'join', '新招录'),
			(?, 202508, 'I', 'leave', '个人辞职'), (?, 202601, 'J', 'leave', '个人辞职')`,
			unitUSCC, unitUSCC, unitUSCC, unitUSCC, unitUSCC, unitUSCC)
		b, err = SubsidyBasisOf(ctx, db, unitUSCC, 2025)
		want.Leavers, want.LeaversFromPeriods = 2, false
		if err != nil || b != want {
			t.Fatalf("with changes: %+v, %v; want %+v", b, err, want)
		}
	})
}
