package cases

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/sealed/sealedtest"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// filingHook is a FilingHook that records its calls, checks that it runs inside the
// filing's transaction, and fails when fail is set.
type filingHook struct {
	fail  error
	calls []string // the case's state seen in the transaction, one per call
	forms []url.Values
}

func (h *filingHook) CaseFiled(ctx context.Context, tx *store.Tx, caseID, unitID int64, itemCode string, form url.Values,
	_ time.Time) error {
	var st string
	var unit int64
	if err := tx.QueryRow(ctx, `SELECT state, unit_id FROM cases WHERE id = ? AND item_code = ?`, caseID, itemCode).Scan(&st, &unit); err != nil ||
		unit != unitID {
		return errors.New("the hook does not see the filed case in its transaction")
	}
	h.calls = append(h.calls, st)
	h.forms = append(h.forms, form)
	return h.fail
}

// TestFilingHook: Deps.Filings is told of an application and of a correction inside
// their transactions, with the form as sent; its failure rolls the whole filing
// back (no case, no audit record, the correction not applied), so what it stores
// commits with the case or not at all.
func TestFilingHook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		hook := &filingHook{fail: errors.New("hook failed")}
		svc, err := NewService(Deps{DB: db, Audit: audit.New(db, nil, f.clk.Now), Catalog: NewCatalog(db), Authorizer: f.dlg,
			SMS: sms.NewOutbox(db, sealedtest.Keys(), f.clk.Now), Now: f.clk.Now, Filings: hook, Files: f.files(t, db)})
		if err != nil {
			t.Fatal(err)
		}
		v := form(f.employeeID())
		v.Set("mail", "1")
		if _, err := svc.Apply(f.ctx, f.repA, ItemEnrolment, v); err == nil || err.Error() != "hook failed" {
			t.Fatalf("apply with a failing hook: %v", err)
		}
		if cs, n, err := svc.UnitCases(f.ctx, f.unit.ID, CaseFilter{}); err != nil || n != 0 || len(cs) != 0 {
			t.Fatalf("a failed hook left %d cases (%v)", n, err)
		}
		if es := f.entries(t, "case.apply"); len(es) != 0 {
			t.Fatalf("a failed hook left %d audit records", len(es))
		}
		hook.fail = nil
		c, err := svc.Apply(f.ctx, f.repA, ItemEnrolment, v)
		if err != nil {
			t.Fatal(err)
		}
		if len(hook.calls) != 2 || hook.calls[1] != string(StateSubmitted) || hook.forms[1].Get("mail") != "1" {
			t.Fatalf("told %v with %v", hook.calls, hook.forms)
		}

		// A correction: the same, and a failure keeps the case returned.
		if _, err := svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Return(f.ctx, f.reviewer, c.ID, "缺少劳动合同"); err != nil {
			t.Fatal(err)
		}
		hook.fail = errors.New("hook failed")
		if _, err := svc.Resubmit(f.ctx, f.repA, c.ID, v); err == nil || err.Error() != "hook failed" {
			t.Fatalf("resubmit with a failing hook: %v", err)
		}
		if now, _, err := svc.UnitCase(f.ctx, f.unit.ID, c.ID); err != nil || now.State != StateReturned {
			t.Fatalf("after the failure: %s, %v", now.State, err)
		}
		hook.fail = nil
		if _, err := svc.Resubmit(f.ctx, f.repA, c.ID, v); err != nil {
			t.Fatal(err)
		}
		if len(hook.calls) != 4 || hook.calls[3] != string(StateSubmitted) {
			t.Fatalf("told %v", hook.calls)
		}
		// Other steps do not tell it.
		if _, err := svc.Withdraw(f.ctx, f.repA, c.ID); err != nil {
			t.Fatal(err)
		}
		if len(hook.calls) != 4 {
			t.Fatal("a withdrawal told the filing hook")
		}
	})
}
