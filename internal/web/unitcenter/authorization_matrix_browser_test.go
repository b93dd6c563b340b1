package unitcenter

import (
	"context"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"strings"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/qr"
	"hall/internal/unit"
)

// matrixAllow403 lets a page show a refusal: Chromium logs the 403 of the document.
var matrixAllow403 = browsertest.AllowConsoleErrors("403 (Forbidden)")

// matrixDeskUnitLogin signs in on the PC through 登录 → 单位登录 from the hall's home page.
func matrixDeskUnitLogin(t *testing.T, p *browsertest.Page, base, account, login, password string) {
	t.Helper()
	p.Open(base + "/")
	p.ClickLink("登录")
	p.WaitURL("/login")
	p.ClickLink("单位登录")
	p.WaitURL("tab=unit")
	p.Fill("统一社会信用代码/单位编号/机构编号", account)
	p.Fill("证件号码/移动电话", login)
	p.Fill("密码", password)
	p.Click("登录")
	p.WaitURL("/unit/")
	p.WaitText("单位主页")
}

// matrixAppConfirm confirms an invitation in the companion app, from the app's login
// Page the phone was sent to: sign in, open the invitation, pass the development face
// verification, set the 经办密码 and confirm.
func matrixAppConfirm(t *testing.T, phone *browsertest.Page, p person.Person, unitName, itemName, password string) {
	t.Helper()
	phone.WaitURL("/app/login")
	webtest.BrowserAppLogin(t, phone, p.IDNumber, webtest.Password)
	phone.WaitURL("/app/me/agent")
	phone.WaitText(unitName)
	phone.WaitText(itemName)
	webtest.BrowserAppConfirm(t, phone, password)
}

// TestBrowserMatrixDelegationEndToEnd is issue 5's acceptance in Chromium, by visible
// labels and buttons: the legal rep signs in through 登录 → 单位登录 and sets an
// administrator in 经办人管理; the administrator confirms in the companion app (我的 →
// 企业服务 → 我是经办人, face verification, 经办密码), signs in with the ID number and
// the new unit password and adds an agent with one business item for 30 days; the
// Agent reads the QR code in the PC personal center, a phone opens the decoded link
// and confirms the same way; the agent signs in, opens the granted item, is refused
// another, and once the fake clock passes the end of the validity the granted item is
// refused on the next request. The legal rep then renews the agent, who signs in
// again, and removes it: the agent's next page load is the login page.
func TestBrowserMatrixDelegationEndToEnd(t *testing.T) {
	clk := webtest.NewClock(time.Now().UTC().Truncate(time.Second))
	ts, base := webtest.Serve(t, webtest.WithClock(t, clk))
	w := webtest.NewWorld(ts, 0x6d7462)
	u, rep := w.UnitWithRep(t, "示范澄江精密仪器有限公司", "宁致远")
	adm := w.Person(t, "岑晚照")
	ag := w.Person(t, "卓听澜")
	ctx := context.Background()
	granted, err := ts.Catalog.Get(ctx, "SB-001")
	if err != nil {
		t.Fatal(err)
	}
	other, err := ts.Catalog.Get(ctx, "SB-002")
	if err != nil {
		t.Fatal(err)
	}
	day := func(n int) string { return clk.Now().In(web.Shanghai).AddDate(0, 0, n).Format("2006-01-02") }
	outOfScope, expired := delegation.ReasonOutOfScope.Message(), delegation.ReasonExpired.Message()
	b := browsertest.New(t)

	// The legal rep sets the administrator.
	lr := b.NewPage(t)
	matrixDeskUnitLogin(t, lr, base, u.USCC, rep.IDNumber, webtest.Password)
	if got := lr.Text(".uc-role"); got != "法定代表人" {
		t.Fatalf("the legal rep acts as %q", got)
	}
	lr.ClickLink("经办人管理")
	lr.WaitURL("/unit/agents")
	lr.WaitText("开通多个经办人须知")
	webtest.BrowserSetAdmin(t, lr, adm, day(365))
	if row := lr.Text(".dlg-admin-table tbody tr"); !strings.Contains(row, adm.Name) || !strings.Contains(row, "待确认") {
		t.Errorf("admin row %q", row)
	}
	if msg, err := ts.DevOutbox.Latest(ctx, adm.Mobile); err != nil || !strings.Contains(msg.Text, u.Name) {
		t.Errorf("the admin's invitation %q (%v) does not name the unit", msg.Text, err)
	}

	// The administrator confirms in the app: 我的 → 企业服务 → 我是经办人.
	admPhone := b.NewPage(t, browsertest.Mobile())
	admPhone.Open(base + "/app/")
	admPhone.ClickLink("我的")
	admPhone.WaitURL("/app/me")
	admPhone.WaitText("企业服务")
	admPhone.ClickLink("我是经办人 确认单位邀请，设置经办密码")
	matrixAppConfirm(t, admPhone, adm, u.Name, "本单位全部业务", matrixUnitPassword)
	if m, err := ts.Units.Membership(ctx, u.ID, adm.ID); err != nil || m.Role != unit.RoleAdmin || m.Status != unit.StatusActive {
		t.Fatalf("admin membership after the app: %+v %v", m, err)
	}

	// The administrator signs in with the ID number and the new unit password and adds
	// the agent with one item for 30 days.
	ad := b.NewPage(t)
	matrixDeskUnitLogin(t, ad, base, u.USCC, adm.IDNumber, matrixUnitPassword)
	if got := ad.Text(".uc-role"); got != "管理员" {
		t.Fatalf("the admin acts as %q", got)
	}
	ad.ClickLink("经办人管理")
	ad.WaitURL("/unit/agents")
	if ad.HasText("更换管理员") {
		t.Error("the admin is offered 更换管理员")
	}
	ad.ClickLink("添加经办人")
	ad.WaitURL("/unit/agents/new")
	ad.Fill("姓名", ag.Name)
	ad.Fill("证件号码", ag.IDNumber)
	ad.Fill("手机号码", ag.Mobile)
	ad.Check(granted.Name)
	ad.Fill("开始日期", day(0))
	ad.Fill("结束日期", day(30))
	ad.Click("确定添加")
	ad.WaitURL("/unit/agents?notice=agent_added")
	if row := ad.Text(".dlg-agent-table tbody tr"); !strings.Contains(row, ag.Name) || !strings.Contains(row, granted.Name) ||
		!strings.Contains(row, "待确认") || strings.Contains(row, other.Name) {
		t.Errorf("agent row %q", row)
	}
	am, err := ts.Units.Membership(ctx, u.ID, ag.ID)
	if err != nil || am.Status != unit.StatusPending {
		t.Fatalf("agent membership %+v %v", am, err)
	}
	if g, err := ts.Delegation.Grants(ctx, am.ID); err != nil || len(g) != 1 || g[0] != "SB-001" {
		t.Fatalf("grants %v (%v), want only SB-001", g, err)
	}

	// The agent signs in to the PC personal center, which points to the app with a QR
	// code.
	desk := b.NewPage(t, matrixAllow403)
	desk.Open(base + "/")
	desk.ClickLink("登录")
	desk.WaitURL("/login")
	desk.ClickLink("个人登录")
	desk.WaitURL("tab=person")
	desk.Fill("证件号码/移动电话", ag.IDNumber)
	desk.Fill("密码", webtest.Password)
	desk.Click("登录")
	desk.WaitURL("/me")
	desk.WaitText("您有 1 个待确认的单位授权")
	link, err := qr.Decode(desk.ImagePNG(`img[alt="我是经办人二维码"]`))
	if err != nil {
		t.Fatalf("decode the QR code on the page: %v", err)
	}
	if link != base+"/app/me/agent" {
		t.Fatalf("the QR code links to %q", link)
	}

	// A phone opens the decoded link and confirms.
	agPhone := b.NewPage(t, browsertest.Mobile())
	agPhone.Open(link)
	matrixAppConfirm(t, agPhone, ag, u.Name, granted.Name, matrixUnitPassword)
	if m, err := ts.Units.Membership(ctx, u.ID, ag.ID); err != nil || m.Status != unit.StatusActive {
		t.Fatalf("agent membership after the app: %+v %v", m, err)
	}

	// The agent signs in to the unit, opens the granted item and is refused another.
	desk.Click("退出")
	matrixDeskUnitLogin(t, desk, base, u.USCC, ag.IDNumber, matrixUnitPassword)
	if got := desk.Text(".uc-role"); got != "经办人" {
		t.Fatalf("the agent acts as %q", got)
	}
	desk.ClickLink("可办理业务")
	desk.WaitURL("/unit/items")
	desk.WaitText(outOfScope)
	desk.ClickLink(granted.Name)
	desk.WaitURL("/unit/items/SB-001")
	if desk.Status() != 200 || desk.Text("h1") != granted.Name {
		t.Errorf("the granted item: status %d, heading %q", desk.Status(), desk.Text("h1"))
	}
	desk.WaitText("到窗口办理")
	desk.Open(base + "/unit/items/SB-002")
	desk.WaitText(outOfScope)
	desk.WaitText(other.Name)
	if desk.Status() != 403 {
		t.Errorf("another item answers %d", desk.Status())
	}

	// The validity ends. Sessions last hours and the grant 30 days, so the agent signs
	// in shortly before the end; the request after the end is refused with the reason.
	am, err = ts.Units.Membership(ctx, u.ID, ag.ID)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(am.ValidUntil.Sub(clk.Now()) - 5*time.Minute)
	matrixDeskUnitLogin(t, desk, base, u.USCC, ag.IDNumber, matrixUnitPassword)
	desk.ClickLink("可办理业务")
	desk.ClickLink(granted.Name)
	desk.WaitText("到窗口办理")
	clk.Advance(6 * time.Minute)
	desk.Open(base + "/unit/items/SB-001")
	desk.WaitText(expired)
	if desk.Status() != 403 {
		t.Errorf("after the end the granted item answers %d", desk.Status())
	}
	desk.ClickLink("重新登录")
	desk.WaitURL("/login?tab=unit")

	// The legal rep renews the agent for another 30 days (修改); the agent signs in
	// again, in a fresh session.
	matrixDeskUnitLogin(t, lr, base, u.USCC, rep.IDNumber, webtest.Password)
	lr.ClickLink("经办人管理")
	lr.WaitURL("/unit/agents")
	lr.WaitText("已过期")
	lr.ClickLink("修改")
	lr.WaitURL("/edit")
	lr.Fill("结束日期", day(30))
	lr.Click("保存修改")
	lr.WaitURL("/unit/agents?notice=agent_changed")
	matrixDeskUnitLogin(t, desk, base, u.USCC, ag.Mobile, matrixUnitPassword)
	desk.ClickLink("可办理业务")
	desk.ClickLink(granted.Name)
	desk.WaitText("到窗口办理")

	// The legal rep removes the agent: the agent's next page load is the login page.
	lr.ClickLink("经办人管理")
	lr.ClickLink("删除")
	lr.WaitText("确定要删除经办人")
	lr.WaitText(ag.Name)
	lr.Click("确认删除")
	lr.WaitURL("/unit/agents?notice=agent_removed")
	if lr.HasText(ident.MaskID(ag.IDNumber)) {
		t.Error("the removed agent is still listed")
	}
	desk.Reload()
	desk.WaitURL("/login?tab=unit")
	desk.WaitText("单位登录")
	if _, err := ts.Units.Membership(ctx, u.ID, ag.ID); err == nil {
		t.Error("the removed agent still holds a membership")
	}
}
