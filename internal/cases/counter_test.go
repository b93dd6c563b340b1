package cases

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"hall/internal/ident"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// counterItemCode is a unit item without an online form (一次性扩岗补助).
const counterItemCode = "JY-002"

func (f *caseFixture) counterEntry() CounterEntry {
	return CounterEntry{USCC: f.unit.USCC, ItemCode: counterItemCode, Applicant: "孙窗口", Reason: "材料现场核验齐全",
		Nonce: NewCounterNonce()}
}

func TestEnterCounter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		if OnlineForm(counterItemCode) {
			t.Fatalf("%s has an online form; the test needs a counter item", counterItemCode)
		}
		c, err := f.svc.EnterCounter(f.ctx, f.clerk, f.counterEntry())
		if err != nil {
			t.Fatal(err)
		}
		if c.State != StateAccepted || c.Channel != ChannelCounter || c.EnteredBy != f.clerk.StaffID ||
			c.AcceptedBy != f.clerk.StaffID || c.ApplicantName != "孙窗口" || c.UnitID != f.unit.ID ||
			c.ItemCode != counterItemCode || c.ChannelLabel() != "窗口办理" || c.Number != "20260413000001" {
			t.Fatalf("counter case: %+v", c)
		}
		var channel string
		var entered int64
		if err := db.QueryRow(f.ctx, `SELECT channel, entered_by FROM cases WHERE id = ?`, c.ID).Scan(&channel, &entered); err != nil ||
			channel != "counter" || entered != f.clerk.StaffID {
			t.Fatalf("stored channel %q by %d: %v", channel, entered, err)
		}
		// The unit sees it among its cases, and filtered by channel.
		online := f.apply(t)
		if online.Channel != ChannelOnline || online.ChannelLabel() != "网上申报" {
			t.Fatalf("online case: %+v", online)
		}
		for _, tc := range []struct {
			ch   Channel
			want []int64
		}{{"", []int64{online.ID, c.ID}}, {ChannelCounter, []int64{c.ID}}, {ChannelOnline, []int64{online.ID}}} {
			list, total, err := f.svc.UnitCases(f.ctx, f.unit.ID, CaseFilter{Channel: tc.ch})
			if err != nil || total != len(tc.want) || len(list) != len(tc.want) {
				t.Fatalf("channel %q: %d of %d, %v", tc.ch, len(list), total, err)
			}
			for i, id := range tc.want {
				if list[i].ID != id {
					t.Fatalf("channel %q: case %d is %d, want %d", tc.ch, i, list[i].ID, id)
				}
			}
		}
		// The timeline: 提交申请 and 受理 by the clerk, the remark on the first.
		_, ev, err := f.svc.UnitCase(f.ctx, f.unit.ID, c.ID)
		if err != nil || len(ev) != 2 || ev[0].Step != StepApply || ev[0].ActorKind != "staff" ||
			ev[0].Reason != "材料现场核验齐全" || ev[1].Step != StepAccept || ev[1].ActorID != f.clerk.StaffID {
			t.Fatalf("timeline %+v: %v", ev, err)
		}
		es := f.entries(t, "case.counter")
		if len(es) != 1 || es[0].StaffID != f.clerk.StaffID || es[0].Role != string(staff.RoleClerk) ||
			es[0].Detail["reason"] != "材料现场核验齐全" || es[0].UnitID != f.unit.ID || es[0].Detail["number"] != c.Number {
			t.Fatalf("audit %+v", es)
		}
		// The clerk who entered it cannot approve it, even holding the reviewer role.
		both, err := f.svc.EnterCounter(f.ctx, f.both, f.counterEntry())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(f.ctx, f.both, both.ID, ""); !errors.Is(err, staff.DenyOwnWork) {
			t.Fatalf("entering clerk approves: %v", err)
		}
		// Another reviewer approves: 办结, no data effect, the unit's holder told.
		got, err := f.svc.Approve(f.ctx, f.reviewer, c.ID, "同意")
		if err != nil || got.State != StateApproved || got.Channel != ChannelCounter {
			t.Fatalf("approve: %+v %v", got, err)
		}
		// The unit cannot withdraw it: a counter case is withdrawn at the counter.
		if _, err := f.svc.Withdraw(f.ctx, f.repA, both.ID); !errors.Is(err, ErrCounterCase) {
			t.Fatalf("withdraw: %v", err)
		}
	})
}

func TestEnterCounterRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		for _, a := range []staff.Actor{f.reviewer, f.auditor} {
			if _, err := f.svc.EnterCounter(f.ctx, a, f.counterEntry()); !errors.Is(err, staff.ErrForbidden) {
				t.Fatalf("%s enters: %v", a.Login, err)
			}
		}
		unknown := ident.GenerateUSCC(f.rnd, "320102")
		tests := []struct {
			name  string
			edit  func(*CounterEntry)
			field string
		}{
			{"no USCC", func(e *CounterEntry) { e.USCC = " " }, CounterFieldUSCC},
			{"bad USCC", func(e *CounterEntry) { e.USCC = "91320102MA1XXXXX0X" }, CounterFieldUSCC},
			{"unknown USCC", func(e *CounterEntry) { e.USCC = unknown }, CounterFieldUSCC},
			{"no item", func(e *CounterEntry) { e.ItemCode = "" }, CounterFieldItem},
			{"unknown item", func(e *CounterEntry) { e.ItemCode = "XX-999" }, CounterFieldItem},
			{"online form item", func(e *CounterEntry) { e.ItemCode = ItemEnrolment }, CounterFieldItem},
			{"no applicant", func(e *CounterEntry) { e.Applicant = "  " }, CounterFieldApplicant},
			{"long applicant", func(e *CounterEntry) { e.Applicant = string(make([]rune, 31)) + "张" }, CounterFieldApplicant},
			{"no reason", func(e *CounterEntry) { e.Reason = "" }, CounterFieldReason},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				in := f.counterEntry()
				tc.edit(&in)
				_, err := f.svc.EnterCounter(f.ctx, f.clerk, in)
				var fe *FormError
				if !errors.As(err, &fe) || fe.Fields[tc.field] == "" || len(fe.Fields) != 1 {
					t.Fatalf("err %v, want a message beside %s only", err, tc.field)
				}
			})
		}
		var n int
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM cases`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d cases after refusals: %v", n, err)
		}
		if es := f.entries(t, "case.accept"); len(es) != 2 || es[0].Result != "denied" {
			t.Fatalf("denials recorded: %+v", es)
		}
	})
}

// TestCaseChannelCheck: the database itself refuses a channel it does not know.
func TestCaseChannelCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		c := f.apply(t)
		if _, err := db.Exec(f.ctx, `UPDATE cases SET channel = 'fax' WHERE id = ?`, c.ID); err == nil {
			t.Fatal("channel 'fax' stored")
		}
		if _, err := db.Exec(f.ctx, `UPDATE cases SET channel = 'counter' WHERE id = ?`, c.ID); err != nil {
			t.Fatalf("channel 'counter' refused: %v", err)
		}
	})
}

// TestCounterReturnAndResubmit: a counter case returned for correction is corrected
// at the counter, not online: the SMS sends the unit to the counter, the unit cannot
// resubmit it, a clerk puts it back in the queue with what was handed in, a clerk
// accepts it again and a reviewer decides it. An online case is never resubmitted by
// staff.
func TestCounterReturnAndResubmit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		c, err := f.svc.EnterCounter(f.ctx, f.clerk, f.counterEntry())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Return(f.ctx, f.reviewer, c.ID, "缺少营业执照复印件"); err != nil {
			t.Fatal(err)
		}
		m, err := f.outbox.Latest(f.ctx, f.rep.Mobile)
		if err != nil || m.Purpose != PurposeReturned || !strings.Contains(m.Text, "缺少营业执照复印件") ||
			!strings.Contains(m.Text, "到经办窗口") || strings.Contains(m.Text, "登录网上服务大厅") {
			t.Fatalf("SMS %+v, %v", m, err)
		}
		// 查询服务 tells whoever looks it up to come to the counter.
		if p, err := f.svc.PublicProgress(f.ctx, ProgressQuery{Number: c.Number, USCC: f.unit.USCC}); err != nil ||
			!p.Returned() || !p.AtCounter() {
			t.Fatalf("public progress of the returned counter case: %+v, %v", p, err)
		}
		if _, err := f.svc.Resubmit(f.ctx, f.repA, c.ID, nil); !errors.Is(err, ErrNotOnline) {
			t.Fatalf("the unit resubmits a counter case online: %v", err)
		}
		for _, a := range []staff.Actor{f.reviewer, f.auditor} {
			if _, err := f.svc.ResubmitAtCounter(f.ctx, a, c.ID, "已补交"); !errors.Is(err, staff.ErrForbidden) {
				t.Fatalf("%s resubmits: %v", a.Login, err)
			}
		}
		if _, err := f.svc.ResubmitAtCounter(f.ctx, f.clerk, c.ID, " "); !errors.Is(err, staff.ErrReasonRequired) {
			t.Fatalf("resubmit without what was handed in: %v", err)
		}
		got, err := f.svc.ResubmitAtCounter(f.ctx, f.clerk, c.ID, "已补交营业执照复印件")
		if err != nil || got.State != StateSubmitted {
			t.Fatalf("resubmit: %+v, %v", got, err)
		}
		if _, err := f.svc.ResubmitAtCounter(f.ctx, f.clerk, c.ID, "再次提交"); !errors.Is(err, ErrStale) {
			t.Fatalf("resubmit twice: %v", err)
		}
		// 已申请 again, but still the counter's: the unit cannot withdraw it online.
		if _, err := f.svc.Withdraw(f.ctx, f.repA, c.ID); !errors.Is(err, ErrCounterCase) {
			t.Fatalf("the unit withdraws a counter case online: %v", err)
		}
		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		if got, err = f.svc.Approve(f.ctx, f.reviewer, c.ID, ""); err != nil || got.State != StateApproved {
			t.Fatalf("approve after the correction: %+v, %v", got, err)
		}
		_, ev, err := f.svc.UnitCase(f.ctx, f.unit.ID, c.ID)
		var steps []Step
		for _, e := range ev {
			steps = append(steps, e.Step)
		}
		want := []Step{StepApply, StepAccept, StepReturn, StepResubmit, StepAccept, StepApprove}
		if err != nil || !slices.Equal(steps, want) || ev[3].ActorKind != "staff" || ev[3].Reason != "已补交营业执照复印件" {
			t.Fatalf("timeline %v (%+v), want %v: %v", steps, ev, want, err)
		}
		if es := f.entries(t, "case.resubmit"); len(es) != 1 || es[0].StaffID != f.clerk.StaffID ||
			es[0].Detail["reason"] != "已补交营业执照复印件" {
			t.Fatalf("audit %+v", es)
		}

		// An online case is the unit's to correct.
		online := f.reach(t, StateReturned)
		if _, err := f.svc.ResubmitAtCounter(f.ctx, f.clerk, online.ID, "窗口代为补正"); !errors.Is(err, ErrOnlineCase) {
			t.Fatalf("staff resubmit an online case: %v", err)
		}
	})
}

// TestCounterAuthorDecidesNothing: the clerk who entered a counter case may not
// decide it even when another clerk accepted it again after 窗口补正 and the
// author also holds the reviewer role.
func TestCounterAuthorDecidesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		c, err := f.svc.EnterCounter(f.ctx, f.both, f.counterEntry())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Return(f.ctx, f.reviewer, c.ID, "缺少授权委托书"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ResubmitAtCounter(f.ctx, f.clerk, c.ID, "已补交授权委托书"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		for name, step := range map[string]func() (Case, error){
			"approve": func() (Case, error) { return f.svc.Approve(f.ctx, f.both, c.ID, "") },
			"return":  func() (Case, error) { return f.svc.Return(f.ctx, f.both, c.ID, "再补") },
		} {
			if _, err := step(); !errors.Is(err, staff.DenyOwnWork) {
				t.Fatalf("the author %ss its counter case: %v", name, err)
			}
		}
		if got, err := f.svc.Approve(f.ctx, f.reviewer, c.ID, ""); err != nil || got.State != StateApproved {
			t.Fatalf("another reviewer approves: %+v, %v", got, err)
		}
	})
}

// TestCounterEntryOnce: on both engines, the counter entry form's nonce enters one
// case. Posted again, it enters nothing and returns the case with
// ErrCounterEntered; a form without a well-formed nonce is refused above the
// fields; another form's nonce enters another case. Two posts of one form at
// once enter one case: the database puts the second behind the first (Contend:
// the second waits on the unique nonce on PostgreSQL, is shut out on SQLite) and
// then answers ErrCounterEntered, and goroutines racing freely never make two.
func TestCounterEntryOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		count := func(nonce string) int {
			t.Helper()
			var n int
			if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM cases WHERE counter_nonce = ?`, nonce).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		in := f.counterEntry()
		first, err := f.svc.EnterCounter(f.ctx, f.clerk, in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.svc.EnterCounter(f.ctx, f.clerk, in)
		if !errors.Is(err, ErrCounterEntered) || again.ID != first.ID || again.Number != first.Number {
			t.Fatalf("the form posted again: %+v, %v", again, err)
		}
		if n := count(in.Nonce); n != 1 {
			t.Fatalf("%d cases of one form", n)
		}
		// Someone who may not enter cases learns nothing of the nonce's case.
		if c, err := f.svc.EnterCounter(f.ctx, f.reviewer, in); !errors.Is(err, staff.ErrForbidden) || c.ID != 0 {
			t.Fatalf("a reviewer posting the form again: %+v, %v", c, err)
		}
		for _, nonce := range []string{"", "not-a-token", in.Nonce[:20]} {
			bad := f.counterEntry()
			bad.Nonce = nonce
			_, err := f.svc.EnterCounter(f.ctx, f.clerk, bad)
			var fe *FormError
			if !errors.As(err, &fe) || fe.Top != msgCounterNoNonce || len(fe.Fields) != 0 {
				t.Fatalf("nonce %q: %v", nonce, err)
			}
		}
		if other, err := f.svc.EnterCounter(f.ctx, f.clerk, f.counterEntry()); err != nil || other.ID == first.ID {
			t.Fatalf("another form: %+v, %v", other, err)
		}

		held := f.counterEntry()
		err = storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := insertCase(ctx, tx, newCase{Number: "20260413000099", UnitID: f.unit.ID, ItemCode: counterItemCode,
				ApplicantID: f.rep.ID, ApplicantRole: "legal_rep", State: StateAccepted, Form: []byte("{}"),
				AcceptedBy: f.clerk.StaffID, Channel: ChannelCounter, EnteredBy: f.clerk.StaffID, CounterApplicant: "孙窗口",
				CounterNonce: held.Nonce, At: store.Time(caseT0)})
			return err
		}, func(other *store.DB) error {
			c, err := f.service(t, other).EnterCounter(f.ctx, f.clerk, held)
			if err == nil || c.Number != "20260413000099" {
				return errors.Join(err, errors.New("not the held case: "+c.Number))
			}
			return err
		}, "INSERT INTO cases")
		if !errors.Is(err, ErrCounterEntered) {
			t.Fatalf("the second post while the first was in flight: %v", err)
		}
		if n := count(held.Nonce); n != 1 {
			t.Fatalf("%d cases of the held form", n)
		}

		for range 3 {
			in := f.counterEntry()
			var wg sync.WaitGroup
			ids, errs := make([]int64, 2), make([]error, 2)
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := f.svc.EnterCounter(f.ctx, f.clerk, in)
					ids[i], errs[i] = c.ID, err
				}()
			}
			wg.Wait()
			entered := 0
			for _, err := range errs {
				switch {
				case err == nil:
					entered++
				case errors.Is(err, ErrCounterEntered):
				default:
					t.Fatalf("unexpected error: %v", err)
				}
			}
			if entered != 1 || ids[0] != ids[1] || count(in.Nonce) != 1 {
				t.Fatalf("two posts of one form at once: %v, %v, %d cases", ids, errs, count(in.Nonce))
			}
		}
	})
}
