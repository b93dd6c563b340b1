package insurance

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
)

var testNow = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

var unitUSCC = ident.GenerateUSCC(rand.New(rand.NewPCG(1, 2)), "320102")

// loadLargeUnit loads the demo data of one unit with n employees over 36 months.
func loadLargeUnit(t testing.TB, db *store.DB, n int) (DemoUnit, DemoStats) {
	t.Helper()
	u := DemoUnit{USCC: unitUSCC, Region: "320102", Employees: n, InjuryClass: 1, Subsidiaries: 3, Foreigners: 5, Construction: true}
	var st DemoStats
	start := time.Now()
	err := db.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		st, err = LoadDemo(context.Background(), tx, rand.New(rand.NewPCG(7, 8)), []DemoUnit{u}, MonthOf(testNow).Add(-1), 36, DefaultBounds)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: demo unit of %d employees (%d people, %d payments, %d changes) loaded in %v",
		db.Engine, n, st.Employees, st.Payments, st.Changes, time.Since(start).Round(time.Millisecond))
	return u, st
}
