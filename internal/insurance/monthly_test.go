package insurance

import (
	"context"
	"testing"
	"time"

	"hall/internal/store"
)

// checkMonthlyTotalsMatchPayments: the per-month, per-type totals of a 3,000-employee
// unit over its 36 months equal the sums of its payment rows (all).
func checkMonthlyTotalsMatchPayments(t *testing.T, db *store.DB, u DemoUnit, all []Payment) {
	ctx := context.Background()
	s := New(db)
	last := MonthOf(testNow).Add(-1)
	first := last.Add(-35)
	type key struct {
		m  Month
		ty Type
	}
	want := map[key]MonthTotal{}
	for _, p := range all {
		k := key{p.Month, p.Type}
		w := want[k]
		w.Persons++
		w.Amount += p.UnitAmount + p.PersonalAmount
		want[k] = w
	}
	start := time.Now()
	got, err := s.MonthlyTotals(ctx, u.USCC, first, last)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d totals in %v", db.Engine, len(got), time.Since(start).Round(time.Millisecond))
	if len(got) != len(want) || len(got) < 36 {
		t.Fatalf("%d totals, the payments give %d", len(got), len(want))
	}
	for i, g := range got {
		w := want[key{g.Month, g.Type}]
		if g.Persons != w.Persons || g.Amount != w.Amount {
			t.Errorf("%s %s: %d persons %d fen, want %d %d", g.Month, g.Type, g.Persons, g.Amount, w.Persons, w.Amount)
		}
		if i > 0 && (got[i-1].Month > g.Month || (got[i-1].Month == g.Month && got[i-1].Type >= g.Type)) {
			t.Fatalf("not ordered at %d", i)
		}
	}
}
