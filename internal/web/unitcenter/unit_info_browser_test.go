package unitcenter

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/store"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestBrowserUnitInfo is U2 driven by its labels: the legal rep logs in, opens 单位信息,
// switches to 人员月度变更, pages forward and back, filters by a person, downloads
// the CSV for Excel (fetched with the session and decoded as GB18030), changes the
// contact phone and sees it saved, masked. An agent granted only SB-001 is refused
// the change with the reason.
func TestBrowserUnitInfo(t *testing.T) {
	ts, base := webtest.Serve(t)
	fx := webtest.Invite(t, ts, 531, "SB-001")
	webtest.ConfirmInvitation(t, ts, fx.Invitation.ID, fx.Agent, webtest.AgentPassword)
	last := insurance.MonthOf(ts.Now().In(web.Shanghai)).Add(-1)
	fx.World.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		_, err := insurance.LoadDemo(ctx, tx, rand.New(rand.NewPCG(6, 6)), []insurance.DemoUnit{{USCC: fx.Unit.USCC, Region: "320102",
			Employees: 120, InjuryClass: 1}}, last, 12, insurance.DefaultBounds)
		return err
	})
	var name, id string
	if err := ts.DB.QueryRow(context.Background(), `SELECT m.name, m.id_number FROM insurance_employees m
		WHERE m.uscc = ? AND EXISTS (SELECT 1 FROM insurance_changes c WHERE c.uscc = m.uscc AND c.id_number = m.id_number)
		ORDER BY m.id_number LIMIT 1`, fx.Unit.USCC).Scan(&name, &id); err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	desk := b.NewPage(t)
	webtest.BrowserUnitLogin(t, desk, base, fx.Unit.USCC, fx.Rep.IDNumber, webtest.Password)
	desk.ClickLink("单位信息")
	desk.WaitURL("/unit/info")
	desk.WaitText("基本信息")
	desk.WaitText(infoLegalRepNote)

	desk.ClickLink("人员月度变更")
	desk.WaitURL("tab=changes")
	firstRow := desk.Text("table.ui-rows tbody tr")
	desk.ClickLink("下一页")
	desk.WaitURL("after=")
	if desk.Text("table.ui-rows tbody tr") == firstRow {
		t.Error("下一页 shows the same rows")
	}
	desk.ClickLink("上一页")
	desk.WaitURL("before=")
	if got := desk.Text("table.ui-rows tbody tr"); got != firstRow {
		t.Errorf("上一页 starts with %q, the first page with %q", got, firstRow)
	}

	desk.Fill("姓名或证件号码", ident.MaskID(id))
	desk.Click("查询")
	desk.WaitURL("person=")
	ids := browsertest.Eval[[]string](desk, `[...document.querySelectorAll("table.ui-rows tbody tr td:nth-child(3)")].map(td => td.textContent)`)
	if len(ids) == 0 {
		t.Fatal("the filter by the masked ID number keeps nothing")
	}
	for _, got := range ids {
		if got != ident.MaskID(id) {
			t.Errorf("the filter kept %s", got)
		}
	}
	if strings.Contains(desk.Text("main"), id) {
		t.Error("the page shows a full ID number")
	}
	// The full ID number: the address names the person by key only.
	desk.Fill("姓名或证件号码", id)
	desk.Click("查询")
	desk.WaitURL("who=")
	if u := desk.URL(); strings.Contains(u, id) || strings.Contains(u, "person=") {
		t.Errorf("the filtered page's address %q names the person", u)
	}
	if got := browsertest.Eval[string](desk, `document.getElementById("ui-person").value`); got != ident.MaskID(id) {
		t.Errorf("the filter shows %q, want %q", got, ident.MaskID(id))
	}
	if strings.Contains(browsertest.Eval[string](desk, `document.documentElement.outerHTML`), id) {
		t.Error("the filtered page carries the full ID number")
	}
	desk.Fill("姓名或证件号码", name)
	desk.Click("查询")
	desk.WaitText(ident.MaskName(name))

	// 导出CSV（Excel 适用）: the link's file, fetched with the session, is GB18030.
	csv := browsertest.Eval[string](desk, `(async () => {
		const a = [...document.querySelectorAll("a")].find(a => a.textContent.trim() === "导出CSV（Excel 适用）");
		const r = await fetch(a.href);
		return r.headers.get("Content-Type") + "\n" + new TextDecoder("gb18030").decode(await r.arrayBuffer());
	})()`)
	if !strings.HasPrefix(csv, "text/csv; charset=gb18030\n变更年月,姓名,证件号码,变更类型,变更原因") ||
		!strings.Contains(csv, ident.MaskName(name)+","+ident.MaskID(id)) || strings.Contains(csv, id) {
		t.Errorf("the CSV for Excel:\n%s", webtest.ShortBody(csv))
	}

	desk.ClickLink("单位信息")
	desk.ClickLink("修改")
	desk.WaitURL("/unit/info/edit")
	desk.WaitText(infoLegalRepNote)
	desk.Fill("联系人", "邵景行")
	desk.Fill("联系电话", "139-0000-1234")
	desk.Click("保存")
	desk.WaitText("基本信息已保存。")
	if got := desk.Text(".ui-phone"); got != "139****1234" {
		t.Errorf("the saved phone shows as %q", got)
	}
	if u, _ := ts.Units.Get(context.Background(), fx.Unit.ID); u.ContactPhone != "13900001234" {
		t.Errorf("stored phone %q", u.ContactPhone)
	}

	// The agent without 单位参保信息变更登记.
	agent := b.NewPage(t, businessAllow403)
	webtest.BrowserUnitLogin(t, agent, base, fx.Unit.USCC, fx.Agent.IDNumber, webtest.AgentPassword)
	agent.ClickLink("单位信息")
	agent.WaitText("修改基本信息需要“单位参保信息变更登记”事项的授权")
	agent.Open(base + "/unit/info/edit")
	agent.WaitText(delegation.ReasonOutOfScope.Message())
	if agent.Status() != 403 {
		t.Errorf("the form for the agent answers %d", agent.Status())
	}
}
