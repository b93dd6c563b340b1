package cases

import (
	"context"
	"errors"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/sealed/sealedtest"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// recordingHook is an ApprovalHook that records its calls and fails inside the
// transaction when fail is set.
type recordingHook struct {
	fail      error
	inTx      []int64
	committed []int64
}

func (h *recordingHook) CaseApproved(ctx context.Context, tx *store.Tx, caseID int64, _ time.Time) error {
	h.inTx = append(h.inTx, caseID)
	// The case is approved inside the transaction the hook shares.
	var st string
	if err := tx.QueryRow(ctx, `SELECT state FROM cases WHERE id = ?`, caseID).Scan(&st); err != nil || st != string(StateApproved) {
		return errors.New("the hook does not see the approved case in its transaction")
	}
	return h.fail
}

func (h *recordingHook) AfterApproval(_ context.Context, caseID int64) {
	h.committed = append(h.committed, caseID)
}

// TestApprovalHook: Deps.Approvals is told of an approval inside its transaction,
// then after the commit; a failure inside rolls the approval back and nothing is
// told after; other steps do not call it.
func TestApprovalHook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		hook := &recordingHook{fail: errors.New("hook failed")}
		svc, err := NewService(Deps{DB: db, Audit: audit.New(db, nil, f.clk.Now), Catalog: NewCatalog(db), Authorizer: f.dlg,
			SMS: sms.NewOutbox(db, sealedtest.Keys(), f.clk.Now), Now: f.clk.Now, Approvals: hook, Files: f.files(t, db)})
		if err != nil {
			t.Fatal(err)
		}
		c := f.apply(t)
		if _, err := svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Approve(f.ctx, f.reviewer, c.ID, ""); err == nil || err.Error() != "hook failed" {
			t.Fatalf("approve with a failing hook: %v", err)
		}
		if now, _, err := svc.UnitCase(f.ctx, f.unit.ID, c.ID); err != nil || now.State != StateAccepted || len(hook.committed) != 0 {
			t.Fatalf("after the failure: %s, told after %v, %v", now.State, hook.committed, err)
		}
		hook.fail = nil
		if _, err := svc.Approve(f.ctx, f.reviewer, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		if len(hook.inTx) != 2 || len(hook.committed) != 1 || hook.committed[0] != c.ID {
			t.Fatalf("told %v inside, %v after", hook.inTx, hook.committed)
		}
		other := f.apply(t)
		if _, err := svc.Refuse(f.ctx, f.clerk, other.ID, "材料不全"); err != nil {
			t.Fatal(err)
		}
		if len(hook.inTx) != 2 {
			t.Fatal("a refusal told the approval hook")
		}
	})
}
