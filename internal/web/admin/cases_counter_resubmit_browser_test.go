package admin

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/cases"
	"hall/internal/staff"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// B4 窗口补正 in Chromium: a counter case the reviewer returns with a reason is
// corrected at the counter. The clerk finds it under 退回补正 in 办件处理, is told
// beside 补正说明 that what was handed in must be said, records it with 补正后重新提交,
// finds the case back in 已申请 and accepts it again; the unit sees it returned
// (bring the corrections to the counter), then 已申请 and 已受理, never offered 撤销申请.
func TestBrowserCounterResubmit(t *testing.T) {
	ts, tm, base := backOffice(t)
	w := webtest.NewWorld(ts, 0x5c9)
	rep := w.Person(t, "窗口补正法人")
	u := w.Unit(t, "示范窗口补正浏览器有限公司", rep)
	b := browsertest.New(t)

	// The clerk signs in (a first login sets the password); the case is entered in
	// the clerk's name directly (TestBrowserCounterCase drives the entry form).
	clerk := b.NewPage(t, caseRefusals)
	browserLogin(t, clerk, base, tm.clerk)
	clerkActor := staff.Actor{StaffID: tm.clerk.Staff.ID, Login: tm.clerk.Staff.Login, Name: tm.clerk.Staff.Name, Roles: tm.clerk.Staff.Roles}
	c, err := ts.Cases.EnterCounter(t.Context(), clerkActor, cases.CounterEntry{USCC: u.USCC, ItemCode: counterItem,
		Applicant: "孙窗口", Reason: "材料现场核验", Nonce: cases.NewCounterNonce()})
	if err != nil {
		t.Fatal(err)
	}

	unitDesk := webtest.NewClient(ts)
	webtest.SignIn(t, unitDesk, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	unitPath := "/unit/cases/" + strconv.FormatInt(c.ID, 10)
	unitSees := func(state string) string {
		t.Helper()
		page := unitDesk.Page(t, unitPath, http.StatusOK)
		if !strings.Contains(page.TextContent(), state) {
			t.Errorf("the unit's case page does not say %s", state)
		}
		if page.First(`form[action="`+unitPath+`/withdraw"]`) != nil {
			t.Errorf("the unit is offered 撤销申请 of the counter case (%s)", state)
		}
		return page.TextContent()
	}

	reviewer := b.NewPage(t, caseRefusals)
	browserLogin(t, reviewer, base, tm.reviewer)
	reviewer.ClickLink("办件处理")
	reviewer.ClickLink("已受理")
	reviewer.ClickLink("办理 " + c.Number)
	reviewer.Fill("审核意见", "缺少营业执照复印件")
	reviewer.Click("退回补正")
	reviewer.WaitText("退回补正（工作人员 审核员丙）：缺少营业执照复印件")
	if reviewer.HasText("补正后重新提交") {
		t.Error("the reviewer is offered 窗口补正")
	}
	if page := unitSees("退回补正"); !strings.Contains(page, "请携带补正材料到经办窗口办理") {
		t.Error("the unit is not told to bring the corrections to the counter")
	}

	clerk.ClickLink("办件处理")
	clerk.ClickLink("退回补正")
	clerk.WaitText("退回补正的办件，共1件")
	clerk.ClickLink("办理 " + c.Number)
	clerk.WaitText("窗口补正")
	adminAccessible(t, clerk, "a returned counter case")
	clerk.Click("补正后重新提交")
	clerk.WaitText(staff.Message(staff.ErrReasonRequired))
	if got := documentStatus(clerk); got != http.StatusUnprocessableEntity {
		t.Errorf("窗口补正 without what was handed in answers %d", got)
	}
	adminAccessible(t, clerk, "窗口补正 refused beside its field")
	clerk.Fill("补正说明", "已补交营业执照复印件")
	clerk.Click("补正后重新提交")
	clerk.WaitText("补正后重新提交（工作人员 窗口员乙）：已补交营业执照复印件")
	if got := clerk.Text("dl.facts dd:nth-of-type(3)"); got != "已申请" {
		t.Errorf("the state after 窗口补正: %q", got)
	}
	unitSees("已申请")

	clerk.ClickLink("返回办件处理")
	clerk.WaitText("已申请的办件，共1件")
	clerk.ClickLink("办理 " + c.Number)
	clerk.Fill("受理意见", "补正材料齐全，予以受理")
	clerk.Click("受理")
	clerk.WaitText("受理（工作人员 窗口员乙）：补正材料齐全，予以受理")
	if got := clerk.Text("dl.facts dd:nth-of-type(3)"); got != "已受理" {
		t.Errorf("the state after accepting again: %q", got)
	}
	if page := unitSees("已受理"); !strings.Contains(page, "已补交营业执照复印件") {
		t.Error("the unit's timeline lacks the 窗口补正 step")
	}
}
