package unitcenter

import (
	"context"
	"hall/internal/web/webtest"
	"net/http"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/unit"
	"hall/internal/validity"
)

// TestValidityEndSameOnEveryPage: an agent's grant typed as ending on day D is
// stored as the shanghai midnight after D (16:00 UTC on D), and every page that
// shows it names D — never D+1, the date of the stored instant: the invitation in
// the app's 我是经办人, the legal rep's 经办人管理, the agent's 单位主页, the unit
// chooser and the personal center.
func TestValidityEndSameOnEveryPage(t *testing.T) {
	// 15:59 UTC is 23:59 in shanghai: the clock sits on the day boundary.
	clk := webtest.NewClock(time.Date(2026, 11, 10, 15, 59, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clk))
	w := webtest.NewWorld(ts, 931)
	u, rep := w.UnitWithRep(t, "示范澄明科技有限公司", "邹思远")
	other, otherRep := w.UnitWithRep(t, "示范澄明物流有限公司", "邹思齐")
	agent := w.Person(t, "裴书瑶")

	last := time.Date(2026, 12, 10, 12, 0, 0, 0, validity.Location) // the day typed
	const want, dayAfter = "2026-12-10", "2026-12-11"
	until := validity.EndOf(last)
	if got := until.UTC(); !got.Equal(time.Date(2026, 12, 10, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("EndOf = %v", got)
	}
	inv, err := ts.Delegation.AddAgent(context.Background(), delegation.Actor{PersonID: rep.ID}, u.ID, webtest.Nominee(agent),
		[]string{"SB-001"}, time.Time{}, until)
	if err != nil {
		t.Fatal(err)
	}
	// A second unit, so the chooser has something to choose between.
	if _, err := ts.Delegation.AddAgent(context.Background(), delegation.Actor{PersonID: otherRep.ID}, other.ID, webtest.Nominee(agent),
		[]string{"SB-001"}, time.Time{}, until); err != nil {
		t.Fatal(err)
	}

	shows := func(page, got string) {
		t.Helper()
		if !strings.Contains(got, want) || strings.Contains(got, dayAfter) {
			t.Errorf("%s shows the grant's end as %q, want %s", page, strings.Join(strings.Fields(got), " "), want)
		}
	}

	// The app's 我是经办人, before the agent confirms.
	app := webtest.NewClient(ts)
	webtest.AgentAppLogin(t, app, agent)
	doc := app.Page(t, "/app/me/agent", http.StatusOK)
	found := false
	for _, d := range doc.All(".agt-invitation .app-facts > div") {
		if d.Must(t, "dt").TextContent() == "授权有效期" {
			found = true
			shows("我是经办人", d.Must(t, "dd").TextContent())
		}
	}
	if !found {
		t.Fatal("我是经办人 shows no 授权有效期")
	}

	webtest.ConfirmInvitation(t, ts, inv.ID, agent, webtest.AgentPassword)
	clk.Advance(2 * time.Minute) // 00:01 in shanghai: the next day has begun

	// 经办人管理, as the legal rep.
	repC := webtest.NewClient(ts)
	webtest.SignIn(t, repC, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	doc = repC.Page(t, "/unit/agents", http.StatusOK)
	row := ""
	for _, tr := range doc.All("tr") {
		if strings.Contains(tr.TextContent(), agent.Name) || strings.Contains(tr.TextContent(), agent.MaskedID()) {
			if td := tr.First(`td[data-label="授权有效期"]`); td != nil {
				row = td.TextContent()
			}
		}
	}
	if row == "" {
		t.Fatal("经办人管理 has no row with the agent's 授权有效期")
	}
	shows("经办人管理", row)

	// 单位主页, as the agent.
	agC := webtest.NewClient(ts)
	webtest.SignIn(t, agC, webtest.UnitSubject(agent, u, unit.RoleAgent))
	shows("单位主页", agC.Page(t, "/unit/", http.StatusOK).Must(t, ".uc-validity").TextContent())

	// The unit chooser and the personal center, signed in personally.
	me := webtest.NewClient(ts)
	webtest.SignIn(t, me, auth.Subject{PersonID: agent.ID})
	doc = me.Page(t, "/unit/choose", http.StatusOK)
	for _, tr := range doc.All(".uc-choose-table tbody tr") {
		if tr.Must(t, "th").TextContent() == u.Name {
			shows("选择单位", tr.Must(t, `td[data-label="授权有效期"]`).TextContent())
		}
	}
	if tds := doc.All(`.uc-choose-table td[data-label="授权有效期"]`); len(tds) == 0 {
		t.Error("the chooser shows no 授权有效期")
	}
	doc = me.Page(t, "/me", http.StatusOK)
	tds := doc.All(`td[data-label="有效期"]`)
	if len(tds) == 0 {
		t.Fatal("the personal center shows no 有效期")
	}
	for _, td := range tds {
		shows("个人中心", td.TextContent())
	}
}
