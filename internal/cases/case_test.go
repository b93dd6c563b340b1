package cases

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/delegation"
	"hall/internal/insurance"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestNext: the state machine allows exactly the transitions FACTS.md names and
// nothing else, from every state by every step.
func TestNext(t *testing.T) {
	want := map[State]map[Step]State{
		StateSubmitted: {StepAccept: StateAccepted, StepRefuse: StateRefused, StepWithdraw: StateWithdrawn},
		StateAccepted:  {StepApprove: StateApproved, StepReturn: StateReturned},
		StateReturned:  {StepResubmit: StateSubmitted},
	}
	steps := []Step{StepApply, StepAccept, StepRefuse, StepReturn, StepApprove, StepResubmit, StepWithdraw}
	for _, from := range States {
		for _, st := range steps {
			to, ok := Next(from, st)
			wantTo, wantOK := want[from][st]
			if ok != wantOK || to != wantTo {
				t.Errorf("Next(%s, %s) = %q, %v; want %q, %v", from, st, to, ok, wantTo, wantOK)
			}
		}
		if from.Label() == "" || !from.Valid() {
			t.Errorf("state %s has no label", from)
		}
	}
	for _, st := range steps {
		if st.Label() == "" {
			t.Errorf("step %s has no label", st)
		}
	}
}

func TestPromisedDate(t *testing.T) {
	fri := time.Date(2026, 4, 17, 2, 0, 0, 0, time.UTC) // Friday in China
	for _, c := range []struct {
		at   time.Time
		days int
		want string
	}{
		{caseT0, 0, ""},
		{caseT0, 1, "2026-04-14"},
		{caseT0, 5, "2026-04-20"},
		{fri, 1, "2026-04-20"},
		{fri, 10, "2026-05-01"},
		// 23:30 UTC on the 12th is already Monday the 13th in China.
		{time.Date(2026, 4, 12, 23, 30, 0, 0, time.UTC), 1, "2026-04-14"},
	} {
		if got := PromisedDate(c.at, c.days); got != c.want {
			t.Errorf("PromisedDate(%v, %d) = %q, want %q", c.at, c.days, got, c.want)
		}
	}
}

// TestCheckEnrolment: every rule of the form, with the field it is shown beside.
func TestCheckEnrolment(t *testing.T) {
	const id = "11010519491231002X"
	ok := form(id)
	with := func(k string, v ...string) url.Values {
		out := url.Values{}
		for key, vals := range ok {
			out[key] = vals
		}
		out[k] = v
		return out
	}
	for _, c := range []struct {
		name  string
		in    url.Values
		field string // "" when accepted
	}{
		{"valid", ok, ""},
		{"no name", with(FieldName, " "), FieldName},
		{"one-letter name", with(FieldName, "张"), FieldName},
		{"long name", with(FieldName, strings.Repeat("张", 31)), FieldName},
		{"digits in name", with(FieldName, "张3"), FieldName},
		{"no ID", with(FieldIDNumber, ""), FieldIDNumber},
		{"bad check digit", with(FieldIDNumber, "110105194912310021"), FieldIDNumber},
		{"short ID", with(FieldIDNumber, "1101051949"), FieldIDNumber},
		{"no month", with(FieldStartMonth, ""), FieldStartMonth},
		{"bad month", with(FieldStartMonth, "2026-13"), FieldStartMonth},
		{"two months ago", with(FieldStartMonth, "2026-02"), FieldStartMonth},
		{"last month", with(FieldStartMonth, "2026-03"), ""},
		{"next month", with(FieldStartMonth, "2026-05"), ""},
		{"two months ahead", with(FieldStartMonth, "2026-06"), FieldStartMonth},
		{"no base", with(FieldBase, ""), FieldBase},
		{"base in fen", with(FieldBase, "6000.50"), FieldBase},
		{"base below floor", with(FieldBase, "4878"), FieldBase},
		{"base at floor", with(FieldBase, "4879"), ""},
		{"base at ceiling", with(FieldBase, "24396"), ""},
		{"base above ceiling", with(FieldBase, "24397"), FieldBase},
		{"no types", with(FieldTypes), FieldTypes},
		{"public pension", with(FieldTypes, "pension", "public_pension"), FieldTypes},
		{"one type", with(FieldTypes, "injury"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := CheckEnrolment(c.in, caseT0, insurance.DefaultBounds)
			var fe *FormError
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.field == "":
				if f.IDNumber != id || f.Base < 487900 || len(f.Types) == 0 || f.StartMonth == 0 {
					t.Fatalf("form read as %+v", f)
				}
			case !errors.As(err, &fe):
				t.Fatalf("err = %v, want a FormError on %s", err, c.field)
			case fe.Fields[c.field] == "" || len(fe.Fields) != 1:
				t.Fatalf("fields = %v, want only %s", fe.Fields, c.field)
			}
		})
	}
}

// TestCaseLifecycle: the legal rep applies, a clerk accepts, a reviewer approves;
// the timeline, the audit records, the SMS and the enrolment in the insurance data
// follow.
func TestCaseLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		emp := f.employeeID()
		c, err := f.svc.Apply(f.ctx, f.repA, ItemEnrolment, form(emp))
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^20260413000001$`).MatchString(c.Number) || c.State != StateSubmitted ||
			c.ItemName != "用人单位用工参保登记" || c.ApplicantName != "王法人" || c.PromisedDate != "" {
			t.Fatalf("applied case: %+v", c)
		}
		if c2 := f.apply(t); c2.Number != "20260413000002" {
			t.Fatalf("second number %s", c2.Number)
		}
		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Approve(f.ctx, f.reviewer, c.ID, "材料齐全")
		if err != nil {
			t.Fatal(err)
		}
		if got.State != StateApproved || got.FinishedAt.IsZero() {
			t.Fatalf("approved case: %+v", got)
		}
		_, events, err := f.svc.UnitCase(f.ctx, f.unit.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		for _, e := range events {
			steps = append(steps, string(e.Step)+":"+e.ActorKind+":"+e.ActorName)
		}
		if strings.Join(steps, " ") != "apply:person:王法人 accept:staff:职员 approve:staff:职员" {
			t.Fatalf("timeline %v", steps)
		}
		var periods, employees int
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM insurance_periods WHERE uscc = ? AND id_number = ? AND end_month = 0
			AND start_month = 202604`, f.unit.USCC, emp).Scan(&periods); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM insurance_employees WHERE uscc = ? AND id_number = ? AND name = '张三'`,
			f.unit.USCC, emp).Scan(&employees); err != nil {
			t.Fatal(err)
		}
		if periods != 3 || employees != 1 {
			t.Fatalf("insurance data: %d periods, %d employees", periods, employees)
		}
		m, err := f.outbox.Latest(f.ctx, f.rep.Mobile)
		if err != nil || m.Purpose != PurposeApproved || !strings.Contains(m.Text, c.Number) || !strings.Contains(m.Text, "已办结") {
			t.Fatalf("SMS %+v, %v", m, err)
		}
		for _, action := range []string{"case.apply", "case.accept", "case.approve", "case.sms"} {
			if len(f.entries(t, action)) == 0 {
				t.Errorf("no audit record %s", action)
			}
		}
		// The employee is enrolled now: a second application is refused.
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemEnrolment, form(emp)); !errors.Is(err, ErrEnrolled) {
			t.Fatalf("apply for an enrolled employee: %v", err)
		}
	})
}

// reach brings a new case to state st along the shortest path.
func (f *caseFixture) reach(t testing.TB, st State) Case {
	t.Helper()
	c := f.apply(t)
	var err error
	switch st {
	case StateAccepted, StateReturned, StateApproved:
		if c, err = f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	switch st {
	case StateRefused:
		c, err = f.svc.Refuse(f.ctx, f.clerk, c.ID, "不属于本机构受理范围")
	case StateReturned:
		c, err = f.svc.Return(f.ctx, f.reviewer, c.ID, "缺少劳动合同")
	case StateApproved:
		c, err = f.svc.Approve(f.ctx, f.reviewer, c.ID, "")
	case StateWithdrawn:
		c, err = f.svc.Withdraw(f.ctx, f.repA, c.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	if c.State != st {
		t.Fatalf("reached %s, want %s", c.State, st)
	}
	return c
}

// TestStepRules: every step from every state — allowed where the machine allows it,
// ErrStale elsewhere, and the state unchanged after a refusal.
func TestStepRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		steps := map[Step]func(id int64) (Case, error){
			StepAccept:   func(id int64) (Case, error) { return f.svc.Accept(f.ctx, f.clerk2, id, "") },
			StepRefuse:   func(id int64) (Case, error) { return f.svc.Refuse(f.ctx, f.clerk2, id, "不符合条件") },
			StepReturn:   func(id int64) (Case, error) { return f.svc.Return(f.ctx, f.reviewer2, id, "缺少身份证件") },
			StepApprove:  func(id int64) (Case, error) { return f.svc.Approve(f.ctx, f.reviewer2, id, "") },
			StepWithdraw: func(id int64) (Case, error) { return f.svc.Withdraw(f.ctx, f.repA, id) },
			StepResubmit: func(id int64) (Case, error) {
				return f.svc.Resubmit(f.ctx, f.repA, id, form(f.employeeID()))
			},
		}
		for _, from := range States {
			for st, do := range steps {
				c := f.reach(t, from)
				got, err := do(c.ID)
				want, allowed := Next(from, st)
				if allowed {
					if err != nil || got.State != want {
						t.Errorf("%s from %s: %v, state %s; want %s", st, from, err, got.State, want)
					}
					continue
				}
				if !errors.Is(err, ErrStale) {
					t.Errorf("%s from %s: err = %v, want ErrStale", st, from, err)
				}
				if now, _, _ := f.svc.UnitCase(f.ctx, f.unit.ID, c.ID); now.State != from {
					t.Errorf("%s from %s changed the state to %s", st, from, now.State)
				}
			}
		}
	})
}

// TestStaffRoles: who may take which step — a reviewer does not accept, a clerk
// does not decide, nobody decides a case they accepted, an auditor sees no queue;
// every refusal is recorded as denied and changes nothing.
func TestStaffRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		for _, c := range []struct {
			name  string
			from  State
			do    func(id int64) (Case, error)
			want  *staff.Denial
			state State
		}{
			{"reviewer accepts", StateSubmitted, func(id int64) (Case, error) { return f.svc.Accept(f.ctx, f.reviewer, id, "") }, staff.DenyRole, ""},
			{"auditor refuses", StateSubmitted, func(id int64) (Case, error) { return f.svc.Refuse(f.ctx, f.auditor, id, "理由") }, staff.DenyRole, ""},
			{"clerk approves", StateAccepted, func(id int64) (Case, error) { return f.svc.Approve(f.ctx, f.clerk2, id, "") }, staff.DenyRole, ""},
			{"clerk returns", StateAccepted, func(id int64) (Case, error) { return f.svc.Return(f.ctx, f.clerk2, id, "缺材料") }, staff.DenyRole, ""},
			{"clerk-reviewer accepts", StateSubmitted, func(id int64) (Case, error) { return f.svc.Accept(f.ctx, f.both, id, "") }, nil, StateAccepted},
		} {
			t.Run(c.name, func(t *testing.T) {
				cs := f.reach(t, c.from)
				got, err := c.do(cs.ID)
				if c.want == nil {
					if err != nil || got.State != c.state {
						t.Fatalf("%v, state %s", err, got.State)
					}
					return
				}
				if !errors.Is(err, c.want) {
					t.Fatalf("err = %v, want %v", err, c.want)
				}
				if now, _, _ := f.svc.UnitCase(f.ctx, f.unit.ID, cs.ID); now.State != c.from {
					t.Fatalf("state changed to %s", now.State)
				}
			})
		}
		// Nobody approves a case they accepted.
		cs := f.apply(t)
		if _, err := f.svc.Accept(f.ctx, f.both, cs.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(f.ctx, f.both, cs.ID, ""); !errors.Is(err, staff.DenyOwnWork) {
			t.Fatalf("approve own acceptance: %v", err)
		}
		if _, err := f.svc.Approve(f.ctx, f.reviewer, cs.ID, ""); err != nil {
			t.Fatalf("another reviewer approves: %v", err)
		}
		// Refusing and returning need a reason.
		cs = f.apply(t)
		if _, err := f.svc.Refuse(f.ctx, f.clerk, cs.ID, " "); err == nil {
			t.Fatal("refused without a reason")
		}
		if _, _, err := f.svc.Queue(f.ctx, f.auditor, CaseFilter{}); !errors.Is(err, staff.DenyRole) {
			t.Fatalf("auditor's queue: %v", err)
		}
		list, total, err := f.svc.Queue(f.ctx, f.reviewer, CaseFilter{State: StateSubmitted})
		if err != nil || total != len(list) || list[len(list)-1].ID != cs.ID {
			t.Fatalf("queue: %d of %d, %v", len(list), total, err)
		}
		for _, c := range list {
			if c.State != StateSubmitted {
				t.Fatalf("case %s in the 已申请 queue is %s", c.Number, c.State)
			}
		}
		denied := 0
		for _, a := range []string{"case.accept", "case.decide", "case.list"} {
			for _, e := range f.entries(t, a) {
				if e.Result == "denied" {
					denied++
				}
			}
		}
		if denied < 6 {
			t.Fatalf("%d denials recorded, want at least 6", denied)
		}
	})
}

// TestUnitAuthorization: the legal rep and an agent granted the item apply (the
// agent's use of the grant is audited); an agent without the grant is refused and
// the refusal recorded; a withdrawal and resubmission need the grant too.
func TestUnitAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		c, err := f.svc.Apply(f.ctx, f.agentA, ItemEnrolment, form(f.employeeID()))
		if err != nil {
			t.Fatalf("granted agent: %v", err)
		}
		var agentEntry bool
		for _, e := range f.entries(t, "case.apply") {
			if e.PersonID == f.agent.ID && e.Role == "agent" && e.Detail["grant"] == ItemEnrolment && e.Result == "success" {
				agentEntry = true
			}
		}
		if !agentEntry {
			t.Fatal("the agent's use of the grant is not in the audit log")
		}
		if _, err := f.svc.Apply(f.ctx, f.noA, ItemEnrolment, form(f.employeeID())); !errors.Is(err, delegation.ErrNotAuthorized) {
			t.Fatalf("agent without the grant: %v", err)
		}
		if _, err := f.svc.Withdraw(f.ctx, f.noA, c.ID); !errors.Is(err, delegation.ErrNotAuthorized) {
			t.Fatalf("withdraw without the grant: %v", err)
		}
		var denied bool
		for _, e := range f.entries(t, "case.apply") {
			denied = denied || (e.PersonID == f.ungrant.ID && e.Result == "denied")
		}
		if !denied {
			t.Fatal("the refusal is not in the audit log")
		}
		// Another unit's person, and another unit's case.
		other := Actor{UnitID: f.unit.ID + 100, PersonID: f.rep.ID, Role: "legal_rep"}
		if _, err := f.svc.Apply(f.ctx, other, ItemEnrolment, form(f.employeeID())); err == nil {
			t.Fatal("applied for a unit the person is not a member of")
		}
		if _, err := f.svc.Withdraw(f.ctx, other, c.ID); !errors.Is(err, ErrCaseNotFound) {
			t.Fatalf("withdraw another unit's case: %v", err)
		}
		if _, err := f.svc.Apply(f.ctx, f.repA, "SB-005", form(f.employeeID())); !errors.Is(err, ErrNotOnline) {
			t.Fatalf("item without a form: %v", err)
		}
		if _, err := f.svc.Withdraw(f.ctx, f.agentA, c.ID); err != nil {
			t.Fatalf("granted agent withdraws: %v", err)
		}
	})
}

// TestReturnAndResubmit: a returned case carries the reason, the applicant is told
// by SMS, and the corrected form goes back to the clerks; one open case per
// employee.
func TestReturnAndResubmit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		emp := f.employeeID()
		c, err := f.svc.Apply(f.ctx, f.repA, ItemEnrolment, form(emp))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Apply(f.ctx, f.agentA, ItemEnrolment, form(emp)); !errors.Is(err, ErrPending) {
			t.Fatalf("second open case for the employee: %v", err)
		}
		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Return(f.ctx, f.reviewer, c.ID, "缴费基数与劳动合同工资不符")
		if err != nil || got.State != StateReturned || got.Reason != "缴费基数与劳动合同工资不符" {
			t.Fatalf("return: %+v, %v", got, err)
		}
		m, err := f.outbox.Latest(f.ctx, f.rep.Mobile)
		if err != nil || m.Purpose != PurposeReturned || !strings.Contains(m.Text, "缴费基数与劳动合同工资不符") {
			t.Fatalf("SMS %+v, %v", m, err)
		}
		bad := form(emp)
		bad.Set(FieldBase, "100")
		var fe *FormError
		if _, err := f.svc.Resubmit(f.ctx, f.repA, c.ID, bad); !errors.As(err, &fe) || fe.Fields[FieldBase] == "" {
			t.Fatalf("resubmit a bad form: %v", err)
		}
		fixed := form(emp)
		fixed.Set(FieldBase, "8000")
		got, err = f.svc.Resubmit(f.ctx, f.repA, c.ID, fixed)
		if err != nil || got.State != StateSubmitted || got.Reason != "" {
			t.Fatalf("resubmit: %+v, %v", got, err)
		}
		if e, ok := got.Enrolment(); !ok || e.Base != 800000 {
			t.Fatalf("resubmitted form %+v", e)
		}
	})
}

// TestConcurrentSteps: two staff act on one case at once — one wins, the other is
// told ErrStale — on both engines: the database serializes the two (Contend), and
// goroutines racing freely never both succeed.
func TestConcurrentSteps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		c := f.apply(t)
		err := storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			cs := c
			return move(ctx, tx, &cs, StepAccept, "staff", f.clerk.StaffID, "", store.Time(caseT0), ", accepted_by = ?", f.clerk.StaffID)
		}, func(other *store.DB) error {
			_, err := f.service(t, other).Refuse(f.ctx, f.clerk2, c.ID, "不予受理")
			return err
		}, "UPDATE cases")
		if !errors.Is(err, ErrStale) {
			t.Fatalf("the second clerk: %v, want ErrStale", err)
		}
		if now, _, _ := f.svc.UnitCase(f.ctx, f.unit.ID, c.ID); now.State != StateAccepted {
			t.Fatalf("state %s", now.State)
		}

		for range 3 {
			c := f.reach(t, StateAccepted)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, do := range []func() error{
				func() error { _, err := f.svc.Approve(f.ctx, f.reviewer, c.ID, ""); return err },
				func() error { _, err := f.svc.Return(f.ctx, f.reviewer2, c.ID, "缺少劳动合同"); return err },
			} {
				wg.Add(1)
				go func() { defer wg.Done(); errs[i] = do() }()
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case errors.Is(err, ErrStale):
				default:
					t.Fatalf("unexpected error: %v", err)
				}
			}
			if won != 1 {
				t.Fatalf("%d of two staff succeeded: %v", won, errs)
			}
		}
	})
}

// TestApproveEnrolledMeanwhile: an employee enrolled by other means while the case
// waited is not enrolled twice — the approval is refused with ErrEnrolled, nothing
// of it is kept, and the case stays 已受理.
func TestApproveEnrolledMeanwhile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		c := f.reach(t, StateAccepted)
		e, _ := c.Enrolment()
		if _, err := db.Exec(f.ctx, `INSERT INTO insurance_periods (uscc, id_number, insurance_type, start_month, end_month)
			VALUES (?, ?, 'injury', 202601, 0)`, f.unit.USCC, e.IDNumber); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(f.ctx, f.reviewer, c.ID, ""); !errors.Is(err, ErrEnrolled) {
			t.Fatalf("approve: %v, want ErrEnrolled", err)
		}
		now, events, err := f.svc.UnitCase(f.ctx, f.unit.ID, c.ID)
		if err != nil || now.State != StateAccepted || len(events) != 2 {
			t.Fatalf("after the refusal: %s, %d events, %v", now.State, len(events), err)
		}
		var periods int
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM insurance_periods WHERE id_number = ?`, e.IDNumber).Scan(&periods); err != nil || periods != 1 {
			t.Fatalf("%d periods, %v", periods, err)
		}
		if len(f.entries(t, "case.approve")) != 0 {
			t.Fatal("an audit record of the refused approval was kept")
		}
	})
}
