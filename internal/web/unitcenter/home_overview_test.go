package unitcenter

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestUnitHomeOverview: the legal rep's home lists the agent invitation waiting for
// confirmation and the (empty) rights records, and draws the last 36 months as two
// SVG charts with the numbers in a table behind them; the confirmed agent, granted
// SB-001 only, sees neither the team's lists nor the records, but the chart.
func TestUnitHomeOverview(t *testing.T) {
	ts := webtest.NewTestServer(t)
	fx := webtest.Invite(t, ts, 0x2c0, "SB-001")
	webtest.LoadInsurance(t, ts, fx.Unit, 40, 9)

	rep := webtest.NewClient(ts)
	webtest.SignIn(t, rep, webtest.UnitSubject(fx.Rep, fx.Unit, unit.RoleLegalRep))
	doc := rep.Page(t, "/unit/", http.StatusOK)
	webtest.CheckPage(t, ts, "/unit/", doc)
	if todo := doc.Must(t, ".uc-todo").TextContent(); !strings.Contains(todo, "经办人 "+ident.MaskName(fx.Agent.Name)) {
		t.Errorf("待办事项 lacks the invitation: %q", todo)
	}
	if rec := doc.Must(t, ".uc-records").TextContent(); !strings.Contains(rec, "尚未打印过权益单") {
		t.Errorf("权益单: %q", rec)
	}
	svgs := doc.All(`.uc-chart svg.uc-svg[role="img"]`)
	if len(svgs) != 2 || len(doc.All(".uc-chart svg.uc-svg polyline")) != 6 {
		t.Fatalf("%d charts with %d lines, want 2 with 3 types each", len(svgs), len(doc.All(".uc-chart svg.uc-svg polyline")))
	}
	for _, svg := range svgs {
		if d := svg.Must(t, "desc").TextContent(); !strings.Contains(d, "企业基本养老保险 最近一月") {
			t.Errorf("the chart's description: %q", d)
		}
	}
	rows := doc.All(".uc-chart-data tbody tr")
	if len(rows) != homeChartMonths {
		t.Fatalf("%d months in the table, want %d", len(rows), homeChartMonths)
	}
	last := insurance.MonthOf(ts.Now().In(web.Shanghai)).Add(-1)
	totals, err := ts.Insurance.MonthlyTotals(t.Context(), fx.Unit.USCC, last, last)
	if err != nil || len(totals) != 3 {
		t.Fatalf("totals %v %v", totals, err)
	}
	cells := rows[0].All("td")
	if rows[0].Must(t, "th").TextContent() != last.String() || len(cells) != 6 ||
		cells[0].TextContent() != strconv.Itoa(totals[0].Persons) {
		t.Errorf("the latest month's row: %q", rows[0].TextContent())
	}
	if got := rows[len(rows)-1].TextContent(); !strings.Contains(got, "—") {
		t.Errorf("a month before the data: %q", got)
	}

	webtest.ConfirmInvitation(t, ts, fx.Invitation.ID, fx.Agent, webtest.AgentPassword)
	agent := webtest.NewClient(ts)
	webtest.SignIn(t, agent, webtest.UnitSubject(fx.Agent, fx.Unit, unit.RoleAgent))
	doc = agent.Page(t, "/unit/", http.StatusOK)
	if doc.First(".uc-todo") != nil || doc.First(".uc-records") != nil {
		t.Error("an agent without SB-007 sees the team's lists or the rights records")
	}
	if len(doc.All(`.uc-chart svg.uc-svg[role="img"]`)) != 2 {
		t.Error("the agent sees no chart")
	}
}

func TestHomeChartScale(t *testing.T) {
	for v, want := range map[float64]float64{0: 1, 0.5: 1, 7: 10, 12: 20, 3000: 5000, 4617: 5000, 1e6: 1e6, 1.2e6: 2e6} {
		if got := niceCeiling(v); got != want {
			t.Errorf("niceCeiling(%v) = %v, want %v", v, got, want)
		}
	}
	for v, want := range map[float64]string{0: "0", 950: "950", 10000: "1万", 123456: "12.3万"} {
		if got := chartNumber(v); got != want {
			t.Errorf("chartNumber(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestBrowserUnitHomeChart: the legal rep's home draws the chart without script
// errors and passes the accessibility check; 查看数据表 opens the numbers.
func TestBrowserUnitHomeChart(t *testing.T) {
	ts, base := webtest.Serve(t)
	fx := webtest.Invite(t, ts, 0x2d0, "SB-001")
	webtest.LoadInsurance(t, ts, fx.Unit, 40, 9)
	b := browsertest.New(t)
	desk := b.NewPage(t)
	webtest.BrowserUnitLogin(t, desk, base, fx.Unit.USCC, fx.Rep.IDNumber, webtest.Password)
	desk.WaitText("参保缴费情况")
	desk.WaitText("经办人 " + ident.MaskName(fx.Agent.Name))
	desk.ClickCSS(".uc-chart-data summary")
	last := insurance.MonthOf(ts.Now().In(web.Shanghai)).Add(-1)
	desk.WaitText(last.String())
	if r := desk.Rect(".uc-chart svg.uc-svg"); r.Width < 300 {
		t.Errorf("the chart is %v wide", r.Width)
	}
	desk.Screenshot("unit-home-chart")
}
