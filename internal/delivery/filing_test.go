package delivery_test

import (
	"errors"
	"net/url"
	"testing"

	"hall/internal/delivery"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestCaseFiledRules: what the filing hook does with a form. It records nothing for
// an item without the post or a form that does not ask for it, and refuses the
// filing (ErrNoAddress) when the chosen address is not one of the unit's.
func TestCaseFiledRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, tc := range []struct {
			name string
			item string
			form url.Values
			want error
		}{
			{"no post asked", "SB-002", url.Values{}, nil},
			{"post unchecked", "SB-002", url.Values{delivery.FieldMail: {"0"}, delivery.FieldMailAddress: {"1"}}, nil},
			{"an item without the post", "SB-004", url.Values{delivery.FieldMail: {"1"}, delivery.FieldMailAddress: {"1"}}, nil},
			{"no address chosen", "SB-002", url.Values{delivery.FieldMail: {"1"}}, delivery.ErrNoAddress},
			{"not a number", "SB-002", url.Values{delivery.FieldMail: {"1"}, delivery.FieldMailAddress: {"x"}}, delivery.ErrNoAddress},
			{"not the unit's address", "SB-002", url.Values{delivery.FieldMail: {"1"}, delivery.FieldMailAddress: {"999"}}, delivery.ErrNoAddress},
		} {
			t.Run(tc.name, func(t *testing.T) {
				id := f.newCase(t)
				err := db.Tx(f.ctx, func(tx *store.Tx) error {
					return f.svc.CaseFiled(f.ctx, tx, id, f.unit, tc.item, tc.form, f.clk.Now())
				})
				if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				if _, asked, err := f.svc.Requested(f.ctx, f.unit, id); err != nil || asked {
					t.Fatalf("a request was recorded (%v)", err)
				}
			})
		}
	})
}
