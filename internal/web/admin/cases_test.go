package admin

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/insurance"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// TestCaseProcessing: over HTTP in the back office, a clerk refuses without a
// reason (refused beside the field), accepts; the same clerk may not decide; a
// reviewer returns without a reason (refused), then approves; a second acceptance
// of the decided case is told it moved; the unit's case is 已办结 and its employee
// enrolled.
func TestCaseProcessing(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 0x5a1)
	rep := w.Person(t, "办件法人")
	u := w.Unit(t, "示范后台办件有限公司", rep)
	ctx := context.Background()
	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	emp := w.IDNumber()
	c, err := ts.Cases.Apply(ctx, cases.Actor{UnitID: u.ID, PersonID: rep.ID, Role: unit.RoleLegalRep}, cases.ItemEnrolment,
		url.Values{cases.FieldName: {"后台职工"}, cases.FieldIDNumber: {emp}, cases.FieldStartMonth: {month},
			cases.FieldBase: {"6000"}, cases.FieldTypes: {"pension", "unemployment"}})
	if err != nil {
		t.Fatal(err)
	}
	clerk, reviewer, auditor := tm.signIn(t, ts)
	path := "/admin/cases/" + strconv.FormatInt(c.ID, 10)

	queue := webtest.ParseHTML(t, reviewer.Get(t, "/admin/cases/?state=submitted").Body.String())
	if queue.First(`a[href="`+path+`"]`) == nil {
		t.Fatal("the 已申请 queue does not list the case")
	}
	if rec := auditor.Get(t, "/admin/cases/"); rec.Code != http.StatusForbidden {
		t.Fatalf("auditor's queue: %d", rec.Code)
	}
	page := webtest.ParseHTML(t, clerk.Get(t, path).Body.String())
	if page.First(`form[action="`+path+`/accept"]`) == nil {
		t.Fatal("the clerk is not offered 受理")
	}
	rec := clerk.Post(t, path+"/refuse", url.Values{"reason": {""}})
	if rec.Code != http.StatusUnprocessableEntity || webtest.ParseHTML(t, rec.Body.String()).First("#e-reason") == nil {
		t.Fatalf("refuse without a reason: %d", rec.Code)
	}
	webtest.WantRedirect(t, "accept", clerk.Post(t, path+"/accept", url.Values{"reason": {""}}), path)
	if rec := clerk.Post(t, path+"/approve", url.Values{"reason": {""}}); rec.Code != http.StatusForbidden {
		t.Fatalf("the clerk approves: %d", rec.Code)
	}
	rec = reviewer.Post(t, path+"/return", url.Values{"reason": {""}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("return without a reason: %d", rec.Code)
	}
	webtest.WantRedirect(t, "approve", reviewer.Post(t, path+"/approve", url.Values{"reason": {"材料齐全"}}), path)
	rec = clerk.Post(t, path+"/accept", url.Values{"reason": {""}})
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), cases.ErrStale.Msg) {
		t.Fatalf("accept a decided case: %d", rec.Code)
	}
	got, _, err := ts.Cases.UnitCase(ctx, u.ID, c.ID)
	if err != nil || got.State != cases.StateApproved {
		t.Fatalf("the unit's case: %s, %v", got.State, err)
	}
	var n int
	if err := ts.DB.QueryRow(ctx, `SELECT COUNT(*) FROM insurance_periods p JOIN units u ON u.uscc = p.uscc
		WHERE u.id = ? AND p.id_number = ? AND p.end_month = 0`, u.ID, emp).Scan(&n); err != nil || n != 2 {
		t.Fatalf("enrolment periods: %d, %v", n, err)
	}
}
