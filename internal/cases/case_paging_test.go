package cases

import (
	"math"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestListPageBeyondEnd: a page number from the address bar far past the end —
// even one whose offset does not fit an int64 — lists nothing on both engines,
// for the unit and for the back office, and says the total; it neither shows the
// first page (SQLite reads a negative OFFSET as 0) nor fails (PostgreSQL refuses
// one).
func TestListPageBeyondEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		f.apply(t)
		for _, page := range []int{2, math.MaxInt / DefaultPerPage, math.MaxInt/DefaultPerPage + 2, math.MaxInt} {
			list, total, err := f.svc.UnitCases(f.ctx, f.unit.ID, CaseFilter{Page: page})
			if err != nil || len(list) != 0 || total != 1 {
				t.Errorf("unit page %d: %d cases of %d, %v", page, len(list), total, err)
			}
			list, total, err = f.svc.Queue(f.ctx, f.clerk, CaseFilter{State: StateSubmitted, Page: page, PerPage: MaxPerPage})
			if err != nil || len(list) != 0 || total != 1 {
				t.Errorf("queue page %d: %d cases of %d, %v", page, len(list), total, err)
			}
		}
	})
}
