package webtest

import (
	"math/rand/v2"
	"testing"

	"hall/internal/insurance"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/web"
)

// LoadInsurance writes invented insurance data (insurance.LoadDemo) for u: employees
// paying pension, work injury and unemployment insurance over the 12 months
// before the server's current month.
func LoadInsurance(t testing.TB, ts *TestServer, u unit.Unit, employees int, seed uint64) {
	t.Helper()
	last := insurance.MonthOf(ts.Now().In(web.Shanghai)).Add(-1)
	err := ts.DB.Tx(t.Context(), func(tx *store.Tx) error {
		// #nosec G404 -- test fixtures must be reproducible from their seed; nothing secret is drawn.
		_, err := insurance.LoadDemo(t.Context(), tx, rand.New(rand.NewPCG(seed, 13)), []insurance.DemoUnit{{USCC: u.USCC,
			Region: u.Region, Employees: employees, InjuryClass: 1}}, last, 12, insurance.DefaultBounds)
		return err
	})
	if err != nil {
		t.Fatalf("insurance data of %s: %v", u.Name, err)
	}
}
