package unitcenter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/insurance"
	"hall/internal/staff"
	"hall/internal/staff/stafftest"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// Helpers of the 单位办件 tests: the back office that decides a unit's cases, the
// answer of an application that went through, and the core system's insurance
// data a form starts from.

// caseStaff opens a back-office account with roles and returns its actor.
func caseStaff(t *testing.T, ts *webtest.TestServer, login string, roles staff.Roles) staff.Actor {
	t.Helper()
	id := stafftest.Insert(t, ts.DB, login, "职员", roles, time.Now().UTC())
	return staff.Actor{StaffID: id, Login: login, Roles: roles}
}

// backOffice is a clerk (login+"clerk") and a reviewer (login+"review"), the two
// staff members who take a unit's case to its decision.
type backOffice struct {
	ts       *webtest.TestServer
	clerk    staff.Actor
	reviewer staff.Actor
}

func newBackOffice(t *testing.T, ts *webtest.TestServer, login string) backOffice {
	t.Helper()
	return backOffice{ts: ts, clerk: caseStaff(t, ts, login+"clerk", staff.RolesOf(staff.RoleClerk)),
		reviewer: caseStaff(t, ts, login+"review", staff.RolesOf(staff.RoleReviewer))}
}

// onlySubmitted is the one case waiting in the clerk's queue; the test fails
// unless there is exactly one.
func (b backOffice) onlySubmitted(t *testing.T) cases.Case {
	t.Helper()
	queue, _, err := b.ts.Cases.Queue(context.Background(), b.clerk, cases.CaseFilter{State: cases.StateSubmitted})
	if err != nil || len(queue) != 1 {
		t.Fatalf("the clerk's queue: %v %v", queue, err)
	}
	return queue[0]
}

// accept takes case id in as the clerk.
func (b backOffice) accept(t *testing.T, id int64) {
	t.Helper()
	if _, err := b.ts.Cases.Accept(context.Background(), b.clerk, id, ""); err != nil {
		t.Fatal(err)
	}
}

// approve accepts case id and approves it with note.
func (b backOffice) approve(t *testing.T, id int64, note string) {
	t.Helper()
	b.accept(t, id)
	if _, err := b.ts.Cases.Approve(context.Background(), b.reviewer, id, note); err != nil {
		t.Fatal(err)
	}
}

// sendBack accepts case id and returns it to the unit for reason.
func (b backOffice) sendBack(t *testing.T, id int64, reason string) {
	t.Helper()
	b.accept(t, id)
	if _, err := b.ts.Cases.Return(context.Background(), b.reviewer, id, reason); err != nil {
		t.Fatal(err)
	}
}

// approveOnly accepts and approves the unit's one waiting case as two staff
// members, as the back office does (its browser flow is in internal/web/admin).
func approveOnly(t *testing.T, ts *webtest.TestServer, login string) {
	t.Helper()
	b := newBackOffice(t, ts, login)
	b.approve(t, b.onlySubmitted(t).ID, "")
}

// casePage matches where an application that went through leads: its case page.
var casePage = regexp.MustCompile(`^/unit/cases/\d+$`)

// appliedCase is the case page an application's answer rec leads to; the test
// fails unless it is a 303 there.
func appliedCase(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !casePage.MatchString(loc) {
		t.Fatalf("apply: %d %q", rec.Code, loc)
	}
	return loc
}

// enrolEmployee enrols an employee with the unit of uscc from 2026-01, as the
// core system would have.
func enrolEmployee(t *testing.T, ts *webtest.TestServer, uscc, idNumber, name string) {
	t.Helper()
	if err := ts.DB.Tx(context.Background(), func(tx *store.Tx) error {
		return insurance.EnrolTx(context.Background(), tx, insurance.NewEnrolment{USCC: uscc, IDNumber: idNumber, Name: name,
			StartMonth: 202601, Types: cases.EnrolmentTypes})
	}); err != nil {
		t.Fatal(err)
	}
}

// openPeriods counts the employee's open periods with the unit.
func openPeriods(t *testing.T, ts *webtest.TestServer, uscc, idNumber string) int {
	t.Helper()
	var n int
	if err := ts.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM insurance_periods WHERE uscc = ? AND id_number = ?
		AND end_month = 0`, uscc, idNumber).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// grantedAgent is a client signed in as a new agent (经办人) of u granted item alone,
// by grantedBy (the legal rep).
func grantedAgent(t *testing.T, ts *webtest.TestServer, w *webtest.World, u unit.Unit, grantedBy int64,
	name, item, password string) *webtest.Client {
	t.Helper()
	p := w.Person(t, name)
	m := w.Member(t, unit.Membership{UnitID: u.ID, PersonID: p.ID, Role: unit.RoleAgent, Status: unit.StatusActive}, password)
	w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO grants (membership_id, item_code, granted_by, granted_at) VALUES (?, ?, ?, ?)`,
			m.ID, item, grantedBy, time.Now().UTC())
		return err
	})
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, webtest.UnitSubject(p, u, unit.RoleAgent))
	return c
}
