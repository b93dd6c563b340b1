package admin

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/cases"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// B4 窗口录入办件 in Chromium: the clerk opens 窗口录入办件 from 办件处理 by its
// label, is told beside the field that the USCC is missing, enters the unit's case
// by the visible labels and follows the new number to the case, 已受理; the
// reviewer finds it in 已受理 and approves it; the unit sees it in 单位办件 as
// 窗口办理, 已办结 (over HTTP: the unit center's own browser tests drive its pages).
func TestBrowserCounterCase(t *testing.T) {
	ts, tm, base := backOffice(t)
	w := webtest.NewWorld(ts, 0x5c8)
	rep := w.Person(t, "窗口浏览器法人")
	u := w.Unit(t, "示范窗口浏览器有限公司", rep)
	b := browsertest.New(t)

	clerk := b.NewPage(t, caseRefusals)
	browserLogin(t, clerk, base, tm.clerk)
	clerk.ClickLink("办件处理")
	clerk.ClickLink("窗口录入办件")
	clerk.WaitText("单位到窗口办理未开通网上申报的事项时")
	adminAccessible(t, clerk, "the counter entry form")
	clerk.Select("办理事项", "一次性扩岗补助（JY-002）")
	clerk.Fill("办理人姓名", "孙窗口")
	clerk.Fill("受理说明", "材料现场核验齐全")
	clerk.Click("录入并受理")
	clerk.WaitText("请填写单位的统一社会信用代码")
	if got := documentStatus(clerk); got != http.StatusUnprocessableEntity {
		t.Errorf("an entry without the USCC answers %d", got)
	}
	adminAccessible(t, clerk, "an entry refused beside its field")
	clerk.Fill("统一社会信用代码", u.USCC)
	clerk.Click("录入并受理")
	clerk.WaitText("已录入办件，流水号")

	list, _, err := ts.Cases.UnitCases(t.Context(), u.ID, cases.CaseFilter{})
	if err != nil || len(list) != 1 || list[0].Channel != cases.ChannelCounter {
		t.Fatalf("the unit's cases: %+v, %v", list, err)
	}
	c := list[0]
	clerk.ClickLink(c.Number)
	clerk.WaitText("办件 " + c.Number)
	clerk.WaitText("窗口办理")
	if got := clerk.Text("dl.facts dd:nth-of-type(3)"); got != "已受理" {
		t.Errorf("the state of the entered case: %q", got)
	}
	if clerk.HasText("审核通过，办结") {
		t.Error("the entering clerk is offered 审核通过")
	}

	reviewer := b.NewPage(t, caseRefusals)
	browserLogin(t, reviewer, base, tm.reviewer)
	reviewer.ClickLink("办件处理")
	reviewer.ClickLink("已受理")
	reviewer.WaitText("已受理的办件，共1件")
	reviewer.ClickLink("办理 " + c.Number)
	reviewer.Fill("审核意见", "窗口材料齐全，同意")
	reviewer.Click("审核通过，办结")
	reviewer.WaitText("审核通过，办结（工作人员 审核员丙）：窗口材料齐全，同意")

	unitDesk := webtest.NewClient(ts)
	webtest.SignIn(t, unitDesk, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	page := unitDesk.Page(t, "/unit/cases", http.StatusOK)
	var row *webtest.HTMLNode
	for _, tr := range page.All("tbody tr") {
		if tr.First(`a[href="/unit/cases/`+strconv.FormatInt(c.ID, 10)+`"]`) != nil {
			row = tr
		}
	}
	if row == nil || !strings.Contains(row.TextContent(), "窗口办理") || !strings.Contains(row.TextContent(), "已办结") {
		t.Fatal("单位办件 does not show the case as 窗口办理 已办结")
	}
	detail := unitDesk.Page(t, "/unit/cases/"+strconv.FormatInt(c.ID, 10), http.StatusOK).TextContent()
	for _, want := range []string{"窗口办理", "孙窗口", "受理", "审核通过，办结"} {
		if !strings.Contains(detail, want) {
			t.Errorf("the unit's case page lacks %q", want)
		}
	}
}
