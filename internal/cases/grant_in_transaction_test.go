package cases

import (
	"context"
	"errors"
	"testing"

	"hall/internal/delegation"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// staleCheck is an Authorizer whose check before the transaction still says yes —
// as when the grant was revoked just after it — while the check inside the
// transaction asks the real one.
type staleCheck struct{ Authorizer }

func (staleCheck) Authorize(context.Context, int64, int64, unit.Role, string) error { return nil }

// TestGrantCheckedInTheWrite: a grant gone between the first check and the
// write's transaction is refused inside it: no case, no draft, no material
// consumed, and the refusal recorded as denied (both engines).
func TestGrantCheckedInTheWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		svc := f.service(t, db)
		svc.d.Authorizer = staleCheck{f.dlg}
		if _, err := svc.Apply(f.ctx, f.noA, ItemEnrolment, form(f.employeeID())); !errors.Is(err, delegation.ErrNotAuthorized) {
			t.Fatalf("Apply with a grant gone before the transaction: %v", err)
		}
		if _, err := svc.SaveDraft(f.ctx, f.noA, ItemEnrolment, form(f.employeeID())); !errors.Is(err, delegation.ErrNotAuthorized) {
			t.Fatalf("SaveDraft with a grant gone before the transaction: %v", err)
		}
		var n int
		if err := db.QueryRow(f.ctx, `SELECT (SELECT COUNT(*) FROM cases) + (SELECT COUNT(*) FROM case_drafts)`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d cases and drafts written (%v)", n, err)
		}
		for _, action := range []string{"case.apply", "case.draft.save"} {
			var denied bool
			for _, e := range f.entries(t, action) {
				denied = denied || (e.PersonID == f.ungrant.ID && e.Result == "denied" && e.Detail["item"] == ItemEnrolment)
			}
			if !denied {
				t.Errorf("%s: the refusal inside the transaction is not recorded", action)
			}
		}
		// The agent granted the item files as before.
		if _, err := svc.Apply(f.ctx, f.agentA, ItemEnrolment, form(f.employeeID())); err != nil {
			t.Fatalf("the granted agent: %v", err)
		}
	})
}
