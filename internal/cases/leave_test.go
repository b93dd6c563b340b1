package cases

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"hall/internal/insurance"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// leaveForm is a valid leave form for the typed employee.
func leaveForm(idNumber, name string) url.Values {
	return url.Values{FieldIDNumber: {idNumber}, FieldName: {name}, FieldLeaveDate: {"2026-04-10"},
		FieldStopMonth: {"2026-04"}, FieldReason: {"resigned"}}
}

// TestCheckLeave: the rules of 退工停保登记's form, at their boundaries (caseT0 is
// 2026-04-13 in the hall's zone: 10 days back is 2026-04-03, 30 ahead 2026-05-13).
func TestCheckLeave(t *testing.T) {
	const id = "11010519491231002X"
	ok := leaveForm(id, "张三")
	with := func(kv ...string) url.Values {
		out := url.Values{}
		for key, vals := range ok {
			out[key] = vals
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "-" {
				delete(out, kv[i])
				continue
			}
			out[kv[i]] = []string{kv[i+1]}
		}
		return out
	}
	key := employeeKey([]byte("test key"), "91320102MA1XXXXXX0", id)
	for _, c := range []struct {
		name  string
		in    url.Values
		field string // "" when accepted
	}{
		{"valid", ok, ""},
		{"chosen from the list", with(FieldEmployee, key, FieldIDNumber, "-", FieldName, "-"), ""},
		{"a key that is no key", with(FieldEmployee, "zz"+key[2:]), FieldEmployee},
		{"a short key", with(FieldEmployee, key[:10]), FieldEmployee},
		{"neither chosen nor typed", with(FieldIDNumber, "-", FieldName, "-"), FieldIDNumber + "," + FieldName},
		{"bad ID", with(FieldIDNumber, "110105194912310021"), FieldIDNumber},
		{"one-letter name", with(FieldName, "张"), FieldName},
		{"no leave date", with(FieldLeaveDate, ""), FieldLeaveDate},
		{"bad leave date", with(FieldLeaveDate, "2026-02-30"), FieldLeaveDate},
		{"left 10 days ago", with(FieldLeaveDate, "2026-04-03"), ""},
		{"left 11 days ago", with(FieldLeaveDate, "2026-04-02"), FieldLeaveDate},
		{"leaves today", with(FieldLeaveDate, "2026-04-13"), ""},
		{"leaves in 30 days", with(FieldLeaveDate, "2026-05-13", FieldStopMonth, "2026-05"), ""},
		{"leaves in 31 days", with(FieldLeaveDate, "2026-05-14", FieldStopMonth, "2026-05"), FieldLeaveDate},
		{"stop the month after", with(FieldStopMonth, "2026-05"), ""},
		{"stop the month before", with(FieldStopMonth, "2026-03"), FieldStopMonth},
		{"stop two months after", with(FieldStopMonth, "2026-06"), FieldStopMonth},
		{"bad stop month", with(FieldStopMonth, "April"), FieldStopMonth},
		{"no reason", with(FieldReason, ""), FieldReason},
		{"reason not listed", with(FieldReason, "fired"), FieldReason},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := CheckLeave(c.in, caseT0)
			var fe *FormError
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.field == "":
				if (f.IDNumber != id && f.Employee != key) || f.LeaveDate == "" || f.StopMonth == 0 || f.Reason.Label() == "" {
					t.Fatalf("form read as %+v", f)
				}
			case !errors.As(err, &fe):
				t.Fatalf("err = %v, want a FormError on %s", err, c.field)
			default:
				want := strings.Split(c.field, ",")
				for _, w := range want {
					if fe.Fields[w] == "" {
						t.Fatalf("fields = %v, want %s", fe.Fields, c.field)
					}
				}
				if len(fe.Fields) != len(want) {
					t.Fatalf("fields = %v, want only %s", fe.Fields, c.field)
				}
			}
		})
	}
	// The message of a late filing points to the counter.
	_, err := CheckLeave(with(FieldLeaveDate, "2026-03-01"), caseT0)
	var fe *FormError
	if !errors.As(err, &fe) || !strings.Contains(fe.Fields[FieldLeaveDate], "经办窗口") {
		t.Fatalf("late filing: %v", err)
	}
}

// enrol enrols an employee with the unit from 2026-01 in every online type.
func (f *caseFixture) enrol(t testing.TB, idNumber, name string) {
	t.Helper()
	if err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		return insurance.EnrolTx(f.ctx, tx, insurance.NewEnrolment{USCC: f.unit.USCC, IDNumber: idNumber, Name: name,
			StartMonth: 202601, Types: EnrolmentTypes})
	}); err != nil {
		t.Fatal(err)
	}
}

// TestLeaveLifecycle: the agent granted 退工停保 chooses an insured employee, a
// clerk accepts, a reviewer approves: the employee's periods end with the stop
// month and the 减员 is recorded in the month after; a second leave of the same employee is
// refused, and so is one of an employee not insured or typed with another name.
func TestLeaveLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		emp := f.employeeID()
		f.enrol(t, emp, "钱小二")
		f.member(t, f.person(t, "孙经办").ID) // another agent, for variety of the list
		choices, more, err := f.svc.LeaveChoices(f.ctx, f.unit.ID)
		if err != nil || more || len(choices) != 1 || !strings.HasPrefix(choices[0].Label, "钱小二（") || strings.Contains(choices[0].Label, emp) {
			t.Fatalf("choices %+v, %v, %v", choices, more, err)
		}
		// The agent is granted 人员参保登记 only.
		in := url.Values{FieldEmployee: {choices[0].Key}, FieldLeaveDate: {"2026-04-10"}, FieldStopMonth: {"2026-04"},
			FieldReason: {"resigned"}}
		if _, err := f.svc.Apply(f.ctx, f.agentA, ItemLeave, f.attached(t, f.agentA, ItemLeave, in)); err == nil {
			t.Fatal("an agent without the grant applied")
		}
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemLeave, f.attached(t, f.repA, ItemLeave, leaveForm(emp, "钱小三"))); err == nil {
			t.Fatal("a typed name that differs was accepted")
		}
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemLeave, f.attached(t, f.repA, ItemLeave, leaveForm(f.employeeID(), "钱小二"))); !errors.Is(err, ErrNotEnrolled) {
			t.Fatalf("leave of an employee not insured: %v", err)
		}
		c, err := f.svc.Apply(f.ctx, f.repA, ItemLeave, f.attached(t, f.repA, ItemLeave, in))
		if err != nil {
			t.Fatal(err)
		}
		d, ok := c.Details()
		if !ok || d.Subject() != emp || d.Facts()[0].Value != "钱小二" {
			t.Fatalf("stored form %s", c.Form)
		}
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemLeave, f.attached(t, f.repA, ItemLeave, leaveForm(emp, "钱小二"))); !errors.Is(err, ErrPending) ||
			!strings.Contains(Message(err), "退工停保") {
			t.Fatalf("second leave: %v", err)
		}
		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		if c, err = f.svc.Approve(f.ctx, f.reviewer, c.ID, ""); err != nil || c.State != StateApproved {
			t.Fatalf("approve: %v", err)
		}
		var open, ended, leaves int
		if err := db.QueryRow(f.ctx, `SELECT COALESCE(SUM(CASE WHEN end_month = 0 THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN end_month = 202604 THEN 1 ELSE 0 END), 0) FROM insurance_periods WHERE uscc = ? AND id_number = ?`,
			f.unit.USCC, emp).Scan(&open, &ended); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM insurance_changes WHERE uscc = ? AND id_number = ? AND kind = 'leave'
			AND month = 202605 AND reason = '职工本人提出解除劳动合同'`, f.unit.USCC, emp).Scan(&leaves); err != nil {
			t.Fatal(err)
		}
		if open != 0 || ended != 3 || leaves != 1 {
			t.Fatalf("insurance data: %d open, %d ended, %d leaves", open, ended, leaves)
		}
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemLeave, f.attached(t, f.repA, ItemLeave, leaveForm(emp, "钱小二"))); !errors.Is(err, ErrNotEnrolled) {
			t.Fatalf("leave after the leave: %v", err)
		}
		// An agent granted 退工停保 may apply; the audit record names the grant.
		granted := f.person(t, "周经办")
		f.member(t, granted.ID, ItemLeave)
		other := f.employeeID()
		f.enrol(t, other, "李小四")
		who := Actor{UnitID: f.unit.ID, PersonID: granted.ID, Role: "agent"}
		if _, err := f.svc.Apply(f.ctx, who, ItemLeave, f.attached(t, who, ItemLeave, leaveForm(other, "李小四"))); err != nil {
			t.Fatalf("granted agent: %v", err)
		}
		found := false
		for _, e := range f.entries(t, "case.apply") {
			found = found || (e.PersonID == granted.ID && e.Detail["grant"] == ItemLeave)
		}
		if !found {
			t.Fatal("the agent's use of the grant is not in the audit log")
		}
	})
}

// TestLeaveApproveNotInsuredMeanwhile: an employee whose periods ended meanwhile
// (another channel) cannot be stopped again: the approval is refused and the case
// stays 已受理; a stop month before the enrolment is refused too.
func TestLeaveApproveNotInsuredMeanwhile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		emp := f.employeeID()
		f.enrol(t, emp, "钱小二")
		c, err := f.svc.Apply(f.ctx, f.repA, ItemLeave, f.attached(t, f.repA, ItemLeave, leaveForm(emp, "钱小二")))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Accept(f.ctx, f.clerk, c.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(f.ctx, `UPDATE insurance_periods SET end_month = 202603 WHERE id_number = ?`, emp); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(f.ctx, f.reviewer, c.ID, ""); !errors.Is(err, ErrNotEnrolled) {
			t.Fatalf("approve: %v, want ErrNotEnrolled", err)
		}
		if now, _, err := f.svc.UnitCase(f.ctx, f.unit.ID, c.ID); err != nil || now.State != StateAccepted {
			t.Fatalf("after the refusal: %s, %v", now.State, err)
		}
		// Enrolled again from 2026-05: a stop in 2026-04 ends nothing.
		if _, err := db.Exec(f.ctx, `INSERT INTO insurance_periods (uscc, id_number, insurance_type, start_month, end_month)
			VALUES (?, ?, 'injury', 202605, 0)`, f.unit.USCC, emp); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(f.ctx, f.reviewer, c.ID, ""); !errors.Is(err, ErrEndBeforeStart) {
			t.Fatalf("approve: %v, want ErrEndBeforeStart", err)
		}
	})
}

// TestEmployeeKeyIsKeyed: the key that stands for an employee in pages and
// addresses depends on the service's secret (so that nobody without it can try
// ID numbers against a key seen in a log), is stable under one secret, and tells
// employees and units apart.
func TestEmployeeKeyIsKeyed(t *testing.T) {
	const uscc, other = "91320102MA1XXXXXX0", "91320102MA1YYYYYY0"
	id := "110105194912310020"
	a, b := []byte("secret one"), []byte("secret two")
	k := employeeKey(a, uscc, id)
	if len(k) != 16 {
		t.Fatalf("key %q: want 16 hex digits", k)
	}
	if employeeKey(a, uscc, id) != k {
		t.Error("the same secret gave two keys for one employee")
	}
	if employeeKey(b, uscc, id) == k {
		t.Error("another secret gave the same key: the key is not keyed")
	}
	if employeeKey(a, other, id) == k || employeeKey(a, uscc, "110105194912310039") == k {
		t.Error("another unit or employee gave the same key")
	}
	db := storetest.SQLite(t)
	f := newCaseFixture(t, db)
	s1, s2 := f.service(t, db), f.service(t, db)
	if s1.EmployeeKey(uscc, id) == s2.EmployeeKey(uscc, id) {
		t.Error("two services without a secret drew the same key")
	}
}
