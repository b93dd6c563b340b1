package admin

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/browsertest"
	"hall/internal/cases"
	"hall/internal/insurance"
	"hall/internal/staff"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// caseRefusals lets a case page answer a refused step (403, 409, 422) without the
// browser's log line about the status failing the test.
var caseRefusals = browsertest.AllowConsoleErrors("403 (Forbidden)", "409 (Conflict)", "422 (Unprocessable Entity)")

// documentStatus is the HTTP status of the page's document as the browser
// received it, also after a form's POST (Page.Status knows only Page.Open).
func documentStatus(p *browsertest.Page) int {
	return browsertest.Eval[int](p, `performance.getEntriesByType('navigation')[0].responseStatus`)
}

// member is one more staff account the security administrator creates, with
// roles, for a test that needs more than the fixture team.
func (tm team) member(t *testing.T, ts *webtest.TestServer, login, name string, roles staff.Roles) staffMember {
	t.Helper()
	sec := tm.security.Staff
	c, err := ts.Staff.Create(context.Background(), staff.Actor{StaffID: sec.ID, Login: sec.Login, Name: sec.Name, Roles: sec.Roles},
		staff.NewStaff{Login: login, Name: name, Roles: roles}, "新员工入职")
	if err != nil {
		t.Fatalf("create %s: %v", login, err)
	}
	return staffMember{c}
}

// unitEnrolment files a unit's 人员参保登记 for a new employee through the service,
// as the unit center does, and returns the case and the unit's actor.
func unitEnrolment(t *testing.T, ts *webtest.TestServer, seed uint64, unitName string) (cases.Case, cases.Actor, string) {
	t.Helper()
	w := webtest.NewWorld(ts, seed)
	rep := w.Person(t, "办件法人")
	u := w.Unit(t, unitName, rep)
	who := cases.Actor{UnitID: u.ID, PersonID: rep.ID, Role: unit.RoleLegalRep}
	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	c, err := ts.Cases.Apply(context.Background(), who, cases.ItemEnrolment, url.Values{cases.FieldName: {"浏览器职工"},
		cases.FieldIDNumber: {w.IDNumber()}, cases.FieldStartMonth: {month}, cases.FieldBase: {"6000"},
		cases.FieldTypes: {"pension", "unemployment"}})
	if err != nil {
		t.Fatal(err)
	}
	return c, who, rep.Mobile
}

// B4 in Chromium: a unit's 人员参保登记 waits in 已申请; the clerk finds it in 办件处理
// and accepts it with a reason; the reviewer finds it in 已受理, is told beside the
// field that a return needs a reason, and returns it; the unit corrects and
// resubmits; a staff member who is both clerk and reviewer accepts it again and
// is refused when approving their own acceptance; the reviewer approves it. The
// audit log has every step and the refusal, the applicant got both SMS.
func TestBrowserCaseProcessing(t *testing.T) {
	ts, tm, base := backOffice(t)
	c, who, mobile := unitEnrolment(t, ts, 0x5b1, "示范浏览器办件有限公司")
	both := tm.member(t, ts, "counter.both", "兼岗员戊", staff.RolesOf(staff.RoleClerk, staff.RoleReviewer))
	ctx := context.Background()
	b := browsertest.New(t)

	clerk := b.NewPage(t, caseRefusals)
	browserLogin(t, clerk, base, tm.clerk)
	clerk.ClickLink("办件处理")
	clerk.WaitText("已申请的办件，共1件")
	adminAccessible(t, clerk, "the 已申请 queue")
	clerk.ClickLink("办理 " + c.Number)
	clerk.WaitText("浏览器职工")
	if clerk.HasText("审核通过，办结") {
		t.Error("a clerk is offered 审核通过")
	}
	clerk.Fill("受理意见", "材料齐全，予以受理")
	clerk.Click("受理")
	clerk.WaitText("受理（工作人员 窗口员乙）：材料齐全，予以受理")
	if got := clerk.Text("dl.facts dd:nth-of-type(3)"); got != "已受理" {
		t.Errorf("the state after 受理: %q", got)
	}

	reviewer := b.NewPage(t, caseRefusals)
	browserLogin(t, reviewer, base, tm.reviewer)
	reviewer.ClickLink("办件处理")
	reviewer.ClickLink("已受理")
	reviewer.WaitText("已受理的办件，共1件")
	reviewer.ClickLink("办理 " + c.Number)
	reviewer.Click("退回补正")
	reviewer.WaitText(staff.Message(staff.ErrReasonRequired))
	adminAccessible(t, reviewer, "a return refused for its missing reason")
	reviewer.Fill("审核意见", "月缴费基数与劳动合同约定工资不一致，请按合同工资填写")
	reviewer.Click("退回补正")
	reviewer.WaitText("退回或不予受理原因")
	reviewer.WaitText("退回补正（工作人员 审核员丙）：月缴费基数与劳动合同约定工资不一致")
	if m, err := ts.DevOutbox.Latest(ctx, mobile); err != nil || !strings.Contains(m.Text, "已退回补正") ||
		!strings.Contains(m.Text, "月缴费基数与劳动合同约定工资不一致") {
		t.Fatalf("the applicant's SMS after the return: %q, %v", m.Text, err)
	}

	// The unit corrects the base and resubmits (its own browser flow is
	// TestBrowserCaseReturnResubmit in the unit center).
	form, _ := c.Details()
	values := form.Values()
	values.Set(cases.FieldBase, "7200")
	if _, err := ts.Cases.Resubmit(ctx, who, c.ID, values); err != nil {
		t.Fatal(err)
	}

	// One person holding both roles accepts it, and may not approve it.
	desk := b.NewPage(t, caseRefusals)
	browserLogin(t, desk, base, both)
	desk.ClickLink("办件处理")
	desk.ClickLink("办理 " + c.Number)
	desk.WaitText("补正后重新提交")
	desk.Click("受理")
	desk.WaitText("受理（工作人员 兼岗员戊）")
	desk.Click("审核通过，办结")
	desk.WaitText(staff.Message(staff.DenyOwnWork))
	if got := documentStatus(desk); got != 403 {
		t.Errorf("approving one's own acceptance answers %d, want 403", got)
	}
	adminAccessible(t, desk, "an approval refused for separation of duties")

	reviewer.ClickLink("返回办件处理") // to 退回补正, where the case was when the page was shown
	reviewer.ClickLink("已受理")
	reviewer.WaitText("已受理的办件，共1件")
	reviewer.ClickLink("办理 " + c.Number)
	reviewer.Fill("审核意见", "补正后材料齐全")
	reviewer.Click("审核通过，办结")
	reviewer.WaitText("审核通过，办结（工作人员 审核员丙）：补正后材料齐全")
	if got := reviewer.Text("dl.facts dd:nth-of-type(3)"); got != "已办结" {
		t.Errorf("the state after 审核通过: %q", got)
	}
	reviewer.ClickLink("返回办件处理")
	reviewer.WaitText("已办结的办件，共1件")

	if m, err := ts.DevOutbox.Latest(ctx, mobile); err != nil || !strings.Contains(m.Text, "已办结") || !strings.Contains(m.Text, c.Number) {
		t.Fatalf("the applicant's SMS after the approval: %q, %v", m.Text, err)
	}
	es, _, err := ts.Audit.List(ctx, audit.Filter{Action: "case.", PerPage: audit.MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	target := "case:" + strconv.FormatInt(c.ID, 10)
	for i := len(es) - 1; i >= 0; i-- { // oldest first
		e := es[i]
		if e.Target != target || e.Action == "case.list" {
			continue
		}
		got = append(got, e.Action+"/"+string(e.Result)+"/"+strconv.FormatInt(e.StaffID, 10))
	}
	id := func(m staffMember) string { return strconv.FormatInt(m.Staff.ID, 10) }
	want := []string{"case.apply/success/0", "case.accept/success/" + id(tm.clerk), "case.return/success/" + id(tm.reviewer),
		"case.resubmit/success/0", "case.accept/success/" + id(both), "case.decide/denied/" + id(both),
		"case.approve/success/" + id(tm.reviewer)}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the case's audit records:\n got %v\nwant %v", got, want)
	}
}

// Two clerks open the same 已申请 case in two browsers; the first accepts it, the
// second, refusing it a moment later, is told the case moved (409) and shown its
// state now; the case is 已受理 once.
func TestBrowserCaseConcurrentStaff(t *testing.T) {
	ts, tm, base := backOffice(t)
	c, _, _ := unitEnrolment(t, ts, 0x5b2, "示范并发办件有限公司")
	other := tm.member(t, ts, "counter.clerk2", "窗口员己", staff.RolesOf(staff.RoleClerk))
	b := browsertest.New(t)

	first := b.NewPage(t, caseRefusals)
	browserLogin(t, first, base, tm.clerk)
	second := b.NewPage(t, caseRefusals)
	browserLogin(t, second, base, other)
	for _, p := range []*browsertest.Page{first, second} {
		p.ClickLink("办件处理")
		p.ClickLink("办理 " + c.Number)
		p.WaitText("浏览器职工")
	}

	first.Click("受理")
	first.WaitText("受理（工作人员 窗口员乙）")
	second.Fill("受理意见", "参保年月填写有误")
	second.Click("不予受理")
	second.WaitText(cases.ErrStale.Msg)
	if got := documentStatus(second); got != 409 {
		t.Errorf("the late refusal answers %d, want 409", got)
	}
	if got := second.Text("dl.facts dd:nth-of-type(3)"); got != "已受理" {
		t.Errorf("the late clerk sees the state %q", got)
	}
	if second.HasText("不予受理（工作人员") {
		t.Error("the late refusal is in the timeline")
	}
	adminAccessible(t, second, "a step that lost to another")

	got, ev, err := ts.Cases.UnitCase(context.Background(), c.UnitID, c.ID)
	if err != nil || got.State != cases.StateAccepted || len(ev) != 2 {
		t.Fatalf("the case: %s with %d events, %v", got.State, len(ev), err)
	}
}
