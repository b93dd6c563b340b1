package skills

import (
	"context"
	"errors"
	"hall/internal/sealed"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestPlanLifecycle: a clerk opens a plan, the unit enters candidates (form and
// CSV) and submits, a reviewer returns it, the unit corrects and submits again, a
// reviewer approves; the workbench's tabs follow, and every step is audited with
// who acted.
func TestPlanLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.plan(t, f.clerk, " 2027年第一期  车工认定 ")
		if p.Name != "2027年第一期 车工认定" || p.State != StateEntry || p.UnitID != f.unitID || p.CreatedBy != f.clerk.StaffID ||
			p.LevelLabel() != "四级/中级工" || p.State.Label() != "考生录入" || p.Applied() != "2027-02-02" {
			t.Fatalf("created %+v", p)
		}
		if e := f.lastAudit(t, "skill.plan.create"); e.StaffID != f.clerk.StaffID || e.Role != string(staff.RoleClerk) ||
			e.UnitID != f.unitID || e.Target != target(p.ID) {
			t.Errorf("create audit %+v", e)
		}
		f.assertTabs(t, 1, 0)

		if _, err := f.svc.Submit(f.ctx, f.rep, p.ID, p.Version); !errors.Is(err, ErrNoCandidates) {
			t.Fatalf("submit of an empty list: %v, want ErrNoCandidates", err)
		}
		c := f.add(t, f.agent, p, " 张 三 ")
		if c.Name != "张三" {
			t.Errorf("stored name %q", c.Name)
		}
		if e := f.lastAudit(t, "skill.candidate.add"); e.PersonID != f.agent.PersonID || e.Detail["grant"] != ItemCode ||
			e.Detail["id_number"] != ident.MaskID(c.IDNumber) || strings.Contains(e.Detail["id_number"], c.IDNumber[6:14]) {
			t.Errorf("add audit %+v", e)
		}
		csv := "姓名,公民身份号码,手机号码\n李四," + f.idNumber() + ",13900000001\n\n王五," + f.idNumber() + ",\n"
		if n, err := f.svc.ImportCandidates(f.ctx, f.rep, p.ID, strings.NewReader(csv)); err != nil || n != 2 {
			t.Fatalf("import: %d, %v", n, err)
		}
		p = f.current(t, p)
		if p.Candidates != 3 {
			t.Fatalf("candidates %d, want 3", p.Candidates)
		}
		if _, err := f.svc.Submit(f.ctx, f.rep, p.ID, p.Version-1); !errors.Is(err, ErrStale) {
			t.Errorf("submit of an older page: %v, want ErrStale", err)
		}
		p, err := f.svc.Submit(f.ctx, f.rep, p.ID, f.current(t, p).Version)
		if err != nil || p.State != StateSubmitted || p.SubmittedBy != f.rep.PersonID || p.SubmitterName != "王法人" {
			t.Fatalf("submit: %+v, %v", p, err)
		}
		f.assertTabs(t, 0, 1)
		if _, err := f.svc.AddCandidate(f.ctx, f.rep, p.ID, CandidateInput{Name: "赵六", IDNumber: f.idNumber()}); !errors.Is(err, ErrClosed) {
			t.Errorf("add after submit: %v, want ErrClosed", err)
		}
		if err := f.svc.RemoveCandidate(f.ctx, f.rep, p.ID, c.ID); !errors.Is(err, ErrClosed) {
			t.Errorf("remove after submit: %v, want ErrClosed", err)
		}

		if _, err := f.svc.Return(f.ctx, f.reviewer, p.ID, p.Version, "  "); !errors.Is(err, ErrReasonRequired) {
			t.Errorf("return without reason: %v", err)
		}
		p, err = f.svc.Return(f.ctx, f.reviewer, p.ID, p.Version, "张三不符合申报条件")
		if err != nil || p.State != StateReturned || p.Reason != "张三不符合申报条件" || p.ReviewerName != "职员review1" {
			t.Fatalf("return: %+v, %v", p, err)
		}
		if e := f.lastAudit(t, "skill.plan.return"); e.StaffID != f.reviewer.StaffID || e.Role != string(staff.RoleReviewer) ||
			e.Detail["reason"] != "张三不符合申报条件" || e.Detail["state"] != "returned" {
			t.Errorf("return audit %+v", e)
		}
		f.assertTabs(t, 1, 0)
		if err := f.svc.RemoveCandidate(f.ctx, f.rep, p.ID, c.ID); err != nil {
			t.Fatalf("remove after return: %v", err)
		}
		if err := f.svc.RemoveCandidate(f.ctx, f.rep, p.ID, c.ID); !errors.Is(err, ErrCandidateGone) {
			t.Errorf("remove twice: %v, want ErrCandidateGone", err)
		}
		p = f.current(t, p)
		if p, err = f.svc.Submit(f.ctx, f.agent, p.ID, p.Version); err != nil || p.Candidates != 2 {
			t.Fatalf("resubmit: %+v, %v", p, err)
		}
		if p.Reason != "" {
			t.Errorf("the resubmitted plan still carries the return's reason %q", p.Reason)
		}
		if _, err := f.svc.Approve(f.ctx, f.reviewer2, p.ID, p.Version, ""); err != nil {
			t.Fatalf("approve: %v", err)
		}
		p = f.current(t, p)
		if p.State != StateApproved || p.ReviewedBy != f.reviewer2.StaffID || p.ReviewedAt.IsZero() {
			t.Errorf("approved %+v", p)
		}
		f.assertTabs(t, 0, 1)
		if e := f.lastAudit(t, "skill.plan.submit"); e.PersonID != f.agent.PersonID || e.Detail["candidates"] != "2" {
			t.Errorf("submit audit %+v", e)
		}
	})
}

// assertTabs checks how many plans the unit's 待办 and 已办 hold, and that
// 合并待办 counts the 待办.
func (f *fixture) assertTabs(t *testing.T, todo, done int) {
	t.Helper()
	for tab, want := range map[Tab]int{TabTodo: todo, TabDone: done} {
		plans, total, err := f.svc.Tasks(f.ctx, f.unitID, tab, 1, 0)
		if err != nil || total != want || len(plans) != want {
			t.Errorf("tab %s: %d plans of %d, %v; want %d", tab, len(plans), total, err, want)
		}
	}
	merged, err := f.svc.Merged(f.ctx, f.unitID)
	switch {
	case err != nil:
		t.Errorf("merged: %v", err)
	case todo == 0 && len(merged) != 0:
		t.Errorf("merged %+v, want none", merged)
	case todo > 0 && (len(merged) != 1 || merged[0].Count != todo || merged[0].ItemName != ItemName):
		t.Errorf("merged %+v, want %d of %s", merged, todo, ItemName)
	}
	if other, total, _ := f.svc.Tasks(f.ctx, f.otherUnitID, TabTodo, 1, 0); total != 0 || len(other) != 0 {
		t.Errorf("another unit sees %d plans", total)
	}
}

// TestWhoMayAct: a person the delegation check refuses changes nothing and the
// refusal is audited; another unit's plan is not found; nobody reviews a plan they
// opened; a clerk does not review, a reviewer does not open plans.
func TestWhoMayAct(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.plan(t, f.both, "认定计划")
		if _, err := f.svc.AddCandidate(f.ctx, f.stranger, p.ID, CandidateInput{Name: "张三", IDNumber: f.idNumber()}); !errors.Is(err, errRefused) {
			t.Fatalf("refused person adds: %v", err)
		}
		if e := f.lastAudit(t, "skill.candidate.add"); e.Result != "denied" || e.PersonID != f.stranger.PersonID {
			t.Errorf("denial audit %+v", e)
		}
		if f.auth.asked[len(f.auth.asked)-1] != ItemCode {
			t.Errorf("asked about %v, want %s", f.auth.asked, ItemCode)
		}
		other := f.rep
		other.UnitID = f.otherUnitID
		if _, err := f.svc.AddCandidate(f.ctx, other, p.ID, CandidateInput{Name: "张三", IDNumber: f.idNumber()}); !errors.Is(err, ErrNotFound) {
			t.Errorf("another unit adds: %v, want ErrNotFound", err)
		}
		if _, _, err := f.svc.UnitPlan(f.ctx, f.otherUnitID, p.ID, 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("another unit reads: %v, want ErrNotFound", err)
		}
		f.add(t, f.rep, p, "张三")
		p, err := f.svc.Submit(f.ctx, f.rep, p.ID, f.current(t, p).Version)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(f.ctx, f.both, p.ID, p.Version, ""); !errors.Is(err, staff.DenyOwnWork) {
			t.Errorf("creator approves: %v, want DenyOwnWork", err)
		}
		if _, err := f.svc.Approve(f.ctx, f.clerk, p.ID, p.Version, ""); !errors.Is(err, staff.DenyRole) {
			t.Errorf("clerk approves: %v, want DenyRole", err)
		}
		if _, err := f.svc.CreatePlan(f.ctx, f.reviewer, PlanDraft{UnitUSCC: f.uscc, Name: "x", Occupation: "车工", Level: 5,
			ExamDate: "2027-03-01"}); !errors.Is(err, staff.DenyRole) {
			t.Errorf("reviewer opens a plan: %v, want DenyRole", err)
		}
		// The database keeps separation of duties even past the service.
		if _, err := db.Exec(f.ctx, `UPDATE skill_plans SET state = 'approved', reviewed_by = created_by, reviewed_at = ?
			WHERE id = ?`, t0, p.ID); err == nil || !store.IsConstraintViolation(err) {
			t.Errorf("creator's approval by SQL: %v, want a constraint violation", err)
		}
	})
}

// TestCandidatesClosedInDatabase: once submitted, the list cannot change even by
// SQL past the service (the trigger), and one person is on a plan once.
func TestCandidatesClosedInDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.plan(t, f.clerk, "认定计划")
		c := f.add(t, f.rep, p, "张三")
		if _, err := f.svc.AddCandidate(f.ctx, f.rep, p.ID, CandidateInput{Name: "张三丰", IDNumber: strings.ToLower(c.IDNumber)}); !errors.Is(err, ErrDuplicate) {
			t.Errorf("same person twice: %v, want ErrDuplicate", err)
		}
		if _, err := f.svc.Submit(f.ctx, f.rep, p.ID, f.current(t, p).Version); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(f.ctx, `INSERT INTO skill_candidates (plan_id, name, id_number, id_number_index, mobile, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, p.ID, []byte("x"), []byte("x"), db.Keys().Index("id-number", f.idNumber()), []byte("x"),
			t0); err == nil {
			t.Error("insert into a submitted plan by SQL succeeded")
		}
		if _, err := db.Exec(f.ctx, `DELETE FROM skill_candidates WHERE id = ?`, c.ID); err == nil {
			t.Error("delete from a submitted plan by SQL succeeded")
		}
		// The sealed values are rewritten only under another key, by the key rotation
		// (TestCandidatesSealedAtRest); under the same key, a candidate's values, and
		// the ID number's index without its value, never change; nor do the row's
		// plan, id and creation time.
		keys := db.Keys()
		for set, arg := range map[string]any{
			"name":            keys.SealString(Place(ColumnName, c.ID), "李四"),
			"id_number":       keys.SealString(Place(ColumnIDNumber, c.ID), f.idNumber()),
			"mobile":          keys.SealString(Place(ColumnMobile, c.ID), "13800138000"),
			"id_number_index": keys.Index(sealed.KindIDNumber, f.idNumber()),
		} {
			if _, err := db.Exec(f.ctx, `UPDATE skill_candidates SET `+set+` = ? WHERE id = ?`, arg, c.ID); err == nil {
				t.Errorf("update of a candidate's %s under the same key by SQL succeeded", set)
			}
		}
		if _, err := db.Exec(f.ctx, `UPDATE skill_candidates SET name = ? WHERE id = ?`, []byte{}, c.ID); err == nil {
			t.Error("a candidate's sealed name emptied by SQL")
		}
		if _, got, err := f.svc.UnitPlan(f.ctx, f.unitID, p.ID, 1); err != nil || len(got) != 1 || got[0].Name != "张三" {
			t.Errorf("after the refused updates the list reads %+v, %v; want 张三 unchanged", got, err)
		}
		other := f.plan(t, f.clerk, "另一计划")
		for set, arg := range map[string]any{"plan_id": other.ID, "id": c.ID + 1000, "created_at": t0.Add(time.Hour)} {
			if _, err := db.Exec(f.ctx, `UPDATE skill_candidates SET `+set+` = ? WHERE id = ?`, arg, c.ID); err == nil {
				t.Errorf("update of a candidate's %s by SQL succeeded", set)
			}
		}
		if _, err := db.Exec(f.ctx, `UPDATE skill_plans SET state = 'finished' WHERE id = ?`, p.ID); err == nil {
			t.Error("unknown state accepted")
		}
		if _, err := db.Exec(f.ctx, `UPDATE skill_plans SET state = 'returned', reviewed_by = ?, reviewed_at = ?, reason = ''
			WHERE id = ?`, f.reviewer.StaffID, t0, p.ID); err == nil {
			t.Error("a return without reason accepted")
		}
	})
}

// TestTwoReviewersAtOnce: while one reviewer's decision is open, a second
// reviewer's is held back by the database (PostgreSQL waits on the plan's row,
// SQLite refuses the second writer) and, once the first committed, is told the
// plan moved (ErrStale) instead of overwriting the first decision.
func TestTwoReviewersAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.plan(t, f.clerk, "认定计划")
		f.add(t, f.rep, p, "张三")
		p, err := f.svc.Submit(f.ctx, f.rep, p.ID, f.current(t, p).Version)
		if err != nil {
			t.Fatal(err)
		}
		first := f.svc
		err = storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			return moved(tx.Exec(ctx, `UPDATE skill_plans SET state = 'approved', reviewed_by = ?, reviewed_at = ?,
				version = version + 1 WHERE id = ? AND state = 'submitted' AND version = ?`, f.reviewer.StaffID, t0, p.ID, p.Version))
		}, func(other *store.DB) error {
			_, err := f.service(t, other).Return(context.Background(), f.reviewer2, p.ID, p.Version, "材料不全")
			return err
		}, "skill_plans")
		if !errors.Is(err, ErrStale) {
			t.Fatalf("second reviewer: %v, want ErrStale", err)
		}
		got, err := first.plan(f.ctx, p.ID)
		if err != nil || got.State != StateApproved || got.ReviewedBy != f.reviewer.StaffID || got.Reason != "" {
			t.Fatalf("plan after both: %+v, %v", got, err)
		}
	})
}

// TestSubmitAgainstEntry: a candidate entered while a submission is open waits for
// it and is then refused (ErrClosed), so the reviewer reads the list submitted.
func TestSubmitAgainstEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.plan(t, f.clerk, "认定计划")
		f.add(t, f.rep, p, "张三")
		err := storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			return moved(tx.Exec(ctx, `UPDATE skill_plans SET state = 'submitted', submitted_by = ?, submitted_at = ?,
				version = version + 1 WHERE id = ? AND state = 'entry'`, f.rep.PersonID, t0, p.ID))
		}, func(other *store.DB) error {
			_, err := f.service(t, other).AddCandidate(context.Background(), f.agent, p.ID, CandidateInput{Name: "李四", IDNumber: f.idNumber()})
			return err
		}, "skill_plans")
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("entry during submission: %v, want ErrClosed", err)
		}
		if got := f.current(t, p); got.Candidates != 1 {
			t.Errorf("candidates %d, want 1", got.Candidates)
		}
	})
}
