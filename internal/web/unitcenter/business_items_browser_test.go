package unitcenter

import (
	"hall/internal/web/webtest"
	"strings"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/delegation"
	"hall/internal/qr"
	"hall/internal/unit"
)

// businessAllow403 lets a page show a refusal: Chromium logs the 403 of the document.
var businessAllow403 = browsertest.AllowConsoleErrors("403 (Forbidden)")

// TestBrowserBusinessConfirmAndUse is U6's acceptance from the invitation on: the invited
// Person signs in on the PC, reads the pointer to the app and its QR code (decoded
// from the screen); a phone opens the decoded link, signs in to the app, opens the
// invitation, passes the development face verification, sets the 经办密码 and
// confirms. Then the PC logs in through 单位登录 with the ID number and the new
// password, opens the granted item, is refused another with the reason, and once the
// fake clock passes the validity end the granted item is refused on the next request.
func TestBrowserBusinessConfirmAndUse(t *testing.T) {
	clk := webtest.NewClock(time.Now().UTC().Truncate(time.Second))
	ts, base := webtest.Serve(t, webtest.WithClock(t, clk))
	fx := webtest.Invite(t, ts, 521, "SB-001")
	granted, err := ts.Catalog.Get(t.Context(), "SB-001")
	if err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	desk := b.NewPage(t, businessAllow403)
	webtest.BrowserPersonLogin(t, desk, base, fx.Agent.IDNumber, webtest.Password)
	desk.WaitText("您有 1 个待确认的单位授权")
	link, err := qr.Decode(desk.ImagePNG(`img[alt="我是经办人二维码"]`))
	if err != nil {
		t.Fatalf("decode the QR code on the page: %v", err)
	}
	if link != base+"/app/me/agent" {
		t.Fatalf("QR code links to %q", link)
	}

	phone := b.NewPage(t, browsertest.Mobile())
	phone.Open(link)
	phone.WaitURL("/app/login")
	webtest.BrowserAppLogin(t, phone, fx.Agent.IDNumber, webtest.Password)
	phone.WaitURL("/app/me/agent")
	phone.WaitText(fx.Unit.Name)
	phone.WaitText(granted.Name)
	if over := browsertest.Eval[int](phone, "document.documentElement.scrollWidth - window.innerWidth"); over > 0 {
		t.Errorf("我是经办人 is %dpx wider than the phone", over)
	}
	webtest.BrowserAppConfirm(t, phone, webtest.AgentPassword)
	if m, err := webtest.MembershipOf(t, ts, fx.Unit.ID, fx.Agent.ID); err != nil || m.Status != unit.StatusActive {
		t.Fatalf("membership after the app: %+v %v", m, err)
	}

	// The PC: 单位登录 with the ID number and the new unit password.
	desk.Open(base + "/me")
	if desk.HasText("待确认的单位授权") {
		t.Error("the pointer stays after confirming")
	}
	webtest.BrowserUnitLogin(t, desk, base, fx.Unit.USCC, fx.Agent.IDNumber, webtest.AgentPassword)
	desk.WaitText("经办人")
	desk.ClickLink("可办理业务")
	desk.WaitURL("/unit/items")
	desk.WaitText(delegation.ReasonOutOfScope.Message())
	desk.ClickLink(granted.Name)
	desk.WaitURL("/unit/items/SB-001")
	if desk.Status() != 200 {
		t.Errorf("the granted item answers %d", desk.Status())
	}
	if got := desk.Text("h1"); got != granted.Name {
		t.Errorf("item page h1 %q", got)
	}
	// SB-001 has no online form here: its action is 到窗口办理, which says what to
	// bring and where.
	desk.ClickLink("到窗口办理")
	desk.WaitURL("/unit/items/SB-001/counter")
	desk.WaitText("请携带的材料")
	desk.WaitText("办理地点")
	if desk.Status() != 200 {
		t.Errorf("到窗口办理 answers %d", desk.Status())
	}
	desk.CheckAccessibility()
	desk.ClickLink("返回事项")
	desk.WaitURL("/unit/items/SB-001")

	desk.Open(base + "/unit/items/SB-002")
	desk.WaitText(delegation.ReasonOutOfScope.Message())
	if desk.Status() != 403 {
		t.Errorf("another item answers %d", desk.Status())
	}

	// The validity ends after 30 days. Sessions last hours, so the agent logs in again
	// shortly before the end, and the request after the end is refused, with the reason.
	m, err := webtest.MembershipOf(t, ts, fx.Unit.ID, fx.Agent.ID)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(m.ValidUntil.Sub(clk.Now()) - 5*time.Minute)
	webtest.BrowserUnitLogin(t, desk, base, fx.Unit.USCC, fx.Agent.IDNumber, webtest.AgentPassword)
	desk.Open(base + "/unit/items/SB-001")
	desk.WaitText("到窗口办理")
	clk.Advance(6 * time.Minute)
	desk.Open(base + "/unit/items/SB-001")
	desk.WaitText(delegation.ReasonExpired.Message())
	if desk.Status() != 403 {
		t.Errorf("after the end the granted item answers %d", desk.Status())
	}
	desk.ClickLink("重新登录")
	desk.WaitURL("/login?tab=unit")
}

// TestBrowserBusinessRemovalEndsSession: on a phone, the agent's business pages fit the
// screen; removing the agent ends its live session, and the next page load in the
// Agent's browser is the login page, saying the authorization was withdrawn.
func TestBrowserBusinessRemovalEndsSession(t *testing.T) {
	ts, base := webtest.Serve(t)
	fx := webtest.Invite(t, ts, 522, "SB-001")
	webtest.ConfirmInvitation(t, ts, fx.Invitation.ID, fx.Agent, webtest.AgentPassword)
	m, err := webtest.MembershipOf(t, ts, fx.Unit.ID, fx.Agent.ID)
	if err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	p := b.NewPage(t, browsertest.Mobile(), businessAllow403)
	webtest.BrowserUnitLogin(t, p, base, fx.Unit.UnitNumber, fx.Agent.Mobile, webtest.AgentPassword)
	// On a phone the business pages fit the screen, refusals included.
	for _, path := range []string{"/unit/items", "/unit/items/SB-002", "/unit/items/SB-001"} {
		p.Open(base + path)
		p.WaitText("可办理业务")
		if over := browsertest.Eval[int](p, "document.documentElement.scrollWidth - window.innerWidth"); over > 0 {
			t.Errorf("%s is %dpx wider than a phone", path, over)
		}
	}
	p.WaitText("到窗口办理")

	if err := ts.Delegation.RemoveAgent(t.Context(), delegation.Actor{PersonID: fx.Rep.ID}, fx.Unit.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	p.Reload()
	p.WaitURL("/login?tab=unit")
	if !strings.Contains(p.URL(), "next=%2Funit%2Fitems%2FSB-001") {
		t.Errorf("login page %s does not return to the item", p.URL())
	}
	p.WaitText("单位登录")
	// The page says why: the authorization was withdrawn, not expired.
	p.WaitText("您在该单位的授权已被撤销（收回），登录已失效")
}
