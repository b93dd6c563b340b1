package unitdelegation

import (
	"context"
	"hall/internal/web/webtest"
	"slices"
	"strings"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/delegation"
	"hall/internal/ident"
)

// TestBrowserDelegationAdminThenAgent: the legal rep signs in through 单位登录, opens 经办人管理
// and sets an administrator, who shows as 待确认; once the administrator confirmed
// in the app, the administrator signs in and adds an agent with one business item
// for 30 days, who shows as 待确认.
func TestBrowserDelegationAdminThenAgent(t *testing.T) {
	clk := webtest.NewClock(clockStart)
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clk))
	w := webtest.NewWorld(ts, 521)
	u, rep := w.UnitWithRep(t, "示范青禾农业科技有限公司", "杜若衡")
	adm := w.Person(t, "江映月")
	ag := w.Person(t, "骆一舟")
	item, err := ts.Catalog.Get(context.Background(), "SB-001")
	if err != nil {
		t.Fatal(err)
	}
	base := ts.URL(t)
	b := browsertest.New(t)

	p := b.NewPage(t)
	webtest.BrowserUnitLogin(t, p, base, u.USCC, rep.Mobile, webtest.Password)
	p.ClickLink("经办人管理")
	p.WaitURL("/unit/agents")
	p.WaitText("开通多个经办人须知")
	p.WaitText("本单位尚未设置管理员")
	webtest.BrowserSetAdmin(t, p, adm, date(365))
	p.WaitText("我的 → 企业服务 → 我是经办人")
	row := p.Text(".dlg-admin-table tbody tr")
	for _, want := range []string{adm.Name, ident.MaskID(adm.IDNumber), ident.MaskMobile(adm.Mobile), "待确认", date(365)} {
		if !strings.Contains(row, want) {
			t.Errorf("admin row %q lacks %q", row, want)
		}
	}
	if strings.Contains(p.Text(".uc-main"), adm.IDNumber) {
		t.Error("the page shows the admin's full ID number")
	}
	if !strings.Contains(p.Text(".dlg-history"), "设置管理员") {
		t.Error("history lacks 设置管理员")
	}
	p.Screenshot("admin-pending")
	if text := latestText(t, ts, adm.Mobile); !strings.Contains(text, u.Name+"的管理员") {
		t.Errorf("invitation %q", text)
	}

	webtest.ConfirmOnlyInvitation(t, ts, adm, unitPassword)

	q := b.NewPage(t)
	webtest.BrowserUnitLogin(t, q, base, u.USCC, adm.Mobile, unitPassword)
	if got := q.Text(".uc-role"); got != "管理员" {
		t.Fatalf("signed in as %q", got)
	}
	q.ClickLink("经办人管理")
	q.WaitURL("/unit/agents")
	q.WaitText("有效")
	if q.HasText("更换管理员") {
		t.Error("the admin is offered 更换管理员")
	}
	q.ClickLink("添加经办人")
	q.WaitURL("/unit/agents/new")

	// 全选 ticks and clears a whole category at once (static/js/delegation-grant.js).
	sbBoxes := `[...document.querySelectorAll('[data-dlg-category="SB"] input[data-dlg-item]')]`
	q.ClickCSS("#dlg-all-SB")
	if all := browsertest.Eval[[]bool](q, sbBoxes+`.map((b) => b.checked)`); len(all) < 2 || slices.Contains(all, false) {
		t.Errorf("全选 ticked %v", all)
	}
	q.ClickCSS("#dlg-all-SB")
	if n := browsertest.Eval[int](q, sbBoxes+`.filter((b) => b.checked).length`); n != 0 {
		t.Errorf("clearing 全选 left %d ticked", n)
	}

	q.Fill("姓名", ag.Name)
	q.Fill("证件号码", ag.IDNumber)
	q.Fill("手机号码", ag.Mobile)
	q.Check(item.Name)
	if browsertest.Eval[bool](q, `document.getElementById('dlg-all-SB').indeterminate`) != true {
		t.Error("one ticked item does not show 全选 as partial")
	}
	q.Fill("开始日期", date(0))
	q.Fill("结束日期", date(30))
	q.Screenshot("agent-form")
	q.Click("确定添加")
	q.WaitURL("/unit/agents?notice=agent_added")
	q.WaitText("还可添加 9 名")
	agentRow := q.Text(".dlg-agent-table tbody tr")
	for _, want := range []string{ag.Name, ident.MaskID(ag.IDNumber), item.Name, "待确认", date(0) + " 至 " + date(30)} {
		if !strings.Contains(agentRow, want) {
			t.Errorf("agent row %q lacks %q", agentRow, want)
		}
	}
	q.Screenshot("agent-pending")

	m, ok := currentMembership(t, ts, u.ID, ag.ID)
	if !ok || m.Role != "agent" || m.Status != "pending" {
		t.Fatalf("agent membership %+v", m)
	}
	if g := grants(t, ts, m.ID); !slices.Equal(g, []string{"SB-001"}) {
		t.Errorf("grants %v, want only SB-001", g)
	}
	if !m.ValidFrom.Equal(clockStart) || !m.ValidU.Equal(midnightAfter(30)) {
		t.Errorf("period %v – %v, want 30 days from now", m.ValidFrom, m.ValidU)
	}
	if text := latestText(t, ts, ag.Mobile); !strings.Contains(text, u.Name+"的经办人") {
		t.Errorf("invitation %q", text)
	}
}

// TestBrowserDelegationPhone: the page and its forms fit a phone, and a refused form shows
// the domain's message beside the field there too.
func TestBrowserDelegationPhone(t *testing.T) {
	clk := webtest.NewClock(clockStart)
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clk))
	w := webtest.NewWorld(ts, 522)
	u, rep := w.UnitWithRep(t, "示范远帆航运有限公司", "黎照野")
	ag := w.Person(t, "蒋南星")
	if _, err := ts.Delegation.AddAgent(context.Background(), delegation.Actor{PersonID: rep.ID}, u.ID,
		delegation.Nominee{Name: ag.Name, IDType: ag.IDType, IDNumber: ag.IDNumber, Mobile: ag.Mobile},
		[]string{"SB-001", "SB-002"}, clockStart, midnightAfter(30)); err != nil {
		t.Fatal(err)
	}
	base := ts.URL(t)
	p := browsertest.New(t).NewPage(t, browsertest.Mobile())
	webtest.BrowserUnitLogin(t, p, base, u.UnitNumber, rep.IDNumber, webtest.Password)
	for _, path := range []string{"/unit/agents", "/unit/agents/new", "/unit/agents/admin/new"} {
		p.Open(base + path)
		if over := browsertest.Eval[int](p, "document.documentElement.scrollWidth - window.innerWidth"); over > 0 {
			t.Errorf("%s is %dpx wider than a phone", path, over)
		}
	}
	p.Open(base + "/unit/agents")
	p.Screenshot("phone-page")
	p.ClickLink("删除")
	p.WaitText("确定要删除经办人")
	p.Click("取消")
	p.WaitURL("/unit/agents")

	// A person who is not registered: the seed's message beside 证件号码.
	p.Open(base + "/unit/agents/admin/new")
	p.Fill("姓名", "查无此人")
	p.Fill("证件号码", w.IDNumber())
	p.Fill("手机号码", w.Mobile())
	p.Fill("授权有效期至", date(90))
	p.Click("确定设置")
	p.WaitText(delegation.MsgNomineeMismatch)
	if got := p.Text("#e-id_number"); got != delegation.MsgNomineeMismatch {
		t.Errorf("beside 证件号码: %q", got)
	}
	if v := p.Attr("#f-name", "value"); v != "查无此人" {
		t.Errorf("姓名 not filled in again: %q", v)
	}
	p.Screenshot("phone-refused")
}
