package cases

import (
	"context"
	"reflect"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestUnitItems: the one-read list is exactly List's pages for units, whatever the page
// size, in the same order, and holds no item only persons may apply for nor a retired
// one.
func TestUnitItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := seeded(t, db)
		got, err := c.UnitItems(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < 10 {
			t.Fatalf("only %d unit items", len(got))
		}
		for _, perPage := range []int{1, 7, MaxPerPage} {
			var want []Item
			for page := 1; ; page++ {
				items, total, err := c.List(ctx, Filter{Applicant: ApplicantUnit, Page: page, PerPage: perPage})
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, items...)
				if len(want) >= total || page >= Pages(total, perPage) {
					break
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("UnitItems differs from List's pages of %d", perPage)
			}
		}
		for _, it := range got {
			if it.Applicant == ApplicantPerson || !it.Active {
				t.Errorf("unit items hold %s (applicant %s, active %v)", it.Code, it.Applicant, it.Active)
			}
		}
		names, err := c.UnitItemNames(ctx)
		if err != nil || len(names) != len(got) {
			t.Fatalf("UnitItemNames: %d names, err %v", len(names), err)
		}
	})
}
