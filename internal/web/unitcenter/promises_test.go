package unitcenter

import (
	"context"
	"hall/internal/web/unitdelegation"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/cases"
	"hall/internal/delegation"
	"hall/internal/unit"
)

// TestUnitMenuByRole: the unit center's menu shows 经办人管理 to the legal rep and the
// administrator, who may use it, and leaves it out for an agent, who may not.
func TestUnitMenuByRole(t *testing.T) {
	ts := webtest.NewTestServer(t)
	fx := webtest.Invite(t, ts, 941, "SB-001")
	webtest.ConfirmInvitation(t, ts, fx.Invitation.ID, fx.Agent, webtest.AgentPassword)
	adm := fx.World.Person(t, "范清扬")
	now := ts.Now()
	until := now.Add(90 * 24 * time.Hour)
	fx.World.Member(t, unit.Membership{UnitID: fx.Unit.ID, PersonID: adm.ID, Role: unit.RoleAdmin, Status: unit.StatusActive,
		ValidFrom: &now, ValidUntil: &until}, webtest.AgentPassword)

	for _, tc := range []struct {
		who    string
		subj   auth.Subject
		agents bool
	}{
		{"legal rep", webtest.UnitSubject(fx.Rep, fx.Unit, unit.RoleLegalRep), true},
		{"admin", webtest.UnitSubject(adm, fx.Unit, unit.RoleAdmin), true},
		{"agent", webtest.UnitSubject(fx.Agent, fx.Unit, unit.RoleAgent), false},
	} {
		c := webtest.NewClient(ts)
		webtest.SignIn(t, c, tc.subj)
		for _, path := range []string{"/unit/", "/unit/items", "/unit/account"} {
			doc := c.Page(t, path, http.StatusOK)
			menu := doc.Texts(".uc-menu a")
			if len(menu) == 0 {
				t.Fatalf("%s: %s has no menu", tc.who, path)
			}
			if got := slices.Contains(menu, "经办人管理"); got != tc.agents {
				t.Errorf("%s on %s: menu %v, 经办人管理 shown %v, want %v", tc.who, path, menu, got, tc.agents)
			}
			if got := doc.First(`.uc-menu a[href="/unit/agents"]`) != nil; got != tc.agents {
				t.Errorf("%s on %s: link to /unit/agents %v, want %v", tc.who, path, got, tc.agents)
			}
			for _, always := range []string{"单位主页", "账号设置"} {
				if !slices.Contains(menu, always) {
					t.Errorf("%s on %s: menu %v lacks %s", tc.who, path, menu, always)
				}
			}
		}
	}
}

// TestUnitRefusedHasWayBack: an agent who opens 经办人管理 anyway is refused with the
// reason and a way back to the unit center; a refused personal session is offered
// the personal center.
func TestUnitRefusedHasWayBack(t *testing.T) {
	ts := webtest.NewTestServer(t)
	fx := webtest.Invite(t, ts, 942, "SB-001")
	webtest.ConfirmInvitation(t, ts, fx.Invitation.ID, fx.Agent, webtest.AgentPassword)
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, webtest.UnitSubject(fx.Agent, fx.Unit, unit.RoleAgent))
	for _, path := range []string{"/unit/agents", "/unit/agents/new"} {
		doc := c.Page(t, path, http.StatusForbidden)
		if !strings.Contains(doc.Must(t, "main").TextContent(), unitdelegation.AgentRefusedMessage) {
			t.Errorf("%s: the refusal does not say why", path)
		}
		back := doc.First(`main a[href="/unit/"]`)
		if back == nil || back.TextContent() != "返回单位主页" {
			t.Errorf("%s: the refusal offers no way back to 单位主页", path)
		}
		// The way back works.
		c.Page(t, "/unit/", http.StatusOK)
	}

	// Signed in personally, a refused or missing page leads back to the personal
	// center; a visitor who is not signed in gets the hall's home page.
	me := webtest.NewClient(ts)
	webtest.SignIn(t, me, auth.Subject{PersonID: fx.Agent.ID})
	doc := me.Page(t, "/no-such-page", http.StatusNotFound)
	if doc.First(`main a[href="/me"]`) == nil {
		t.Error("a personal session's error page offers no way back to 个人中心")
	}
	doc = ts.GetHTML(t, "/no-such-page", http.StatusNotFound)
	if doc.First(`main a.error-back`) != nil || doc.First(`main a[href="/"]`) == nil {
		t.Error("an anonymous error page should lead to the hall's home only")
	}
}

// TestRemovedAgentSeesWithdrawal: removing an agent ends its session at once; the
// Agent's next page — the unit center or a business item — leads to the unit login,
// which says the authorization was withdrawn. An agent whose validity ran out is told
// it expired instead.
func TestRemovedAgentSeesWithdrawal(t *testing.T) {
	const withdrawn, lapsed = "您在该单位的授权已被撤销（收回）", "您在该单位的授权已到期或尚未生效"
	clk := webtest.NewClock(time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clk))
	fx := webtest.Invite(t, ts, 943, "SB-001")
	webtest.ConfirmInvitation(t, ts, fx.Invitation.ID, fx.Agent, webtest.AgentPassword)
	m, err := webtest.MembershipOf(t, ts, fx.Unit.ID, fx.Agent.ID)
	if err != nil {
		t.Fatal(err)
	}

	follow := func(c *webtest.Client, path string) (string, string) {
		t.Helper()
		loc := webtest.Redirected(t, c.Get(t, path))
		return loc, c.Page(t, loc, http.StatusOK).TextContent()
	}
	for _, path := range []string{"/unit/", "/unit/items/SB-001"} {
		c := webtest.NewClient(ts)
		webtest.SignIn(t, c, webtest.UnitSubject(fx.Agent, fx.Unit, unit.RoleAgent))
		c.Page(t, path, http.StatusOK)
		if path == "/unit/items/SB-001" {
			if err := ts.Delegation.RemoveAgent(context.Background(), delegation.Actor{PersonID: fx.Rep.ID}, fx.Unit.ID, m.ID); err != nil {
				t.Fatal(err)
			}
		} else {
			// The same through another way of taking it back: the session already
			// ended, the membership revoked.
			if _, err := ts.Sessions.EndAll(context.Background(), fx.Agent.ID, &fx.Unit.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := ts.DB.Exec(context.Background(), "UPDATE memberships SET status = 'revoked', revoked_at = ? WHERE id = ?", clk.Now(), m.ID); err != nil {
				t.Fatal(err)
			}
		}
		loc, text := follow(c, path)
		if !strings.HasPrefix(loc, "/login?tab=unit&next="+url.QueryEscape(path)) || !strings.Contains(loc, "ended=withdrawn") {
			t.Errorf("%s after removal → %q", path, loc)
		}
		if !strings.Contains(text, withdrawn) || strings.Contains(text, lapsed) {
			t.Errorf("%s: the login page does not say the authorization was withdrawn", path)
		}
		// Once told, the cookie is gone: the next visit is a plain login.
		if loc := webtest.Redirected(t, c.Get(t, path)); strings.Contains(loc, "ended=") {
			t.Errorf("%s: the notice repeats: %q", path, loc)
		}
		// Undo for the next round.
		if _, err := ts.DB.Exec(context.Background(), "UPDATE memberships SET status = 'active', revoked_at = NULL WHERE id = ?", m.ID); err != nil {
			t.Fatal(err)
		}
	}

	// Expiry: the session ends on the first request after the end; the page says
	// the grant expired, not that it was withdrawn. A Session that timed out while
	// idle and whose grant expired meanwhile is told the same.
	live, idle := webtest.NewClient(ts), webtest.NewClient(ts)
	webtest.SignIn(t, live, webtest.UnitSubject(fx.Agent, fx.Unit, unit.RoleAgent))
	webtest.SignIn(t, idle, webtest.UnitSubject(fx.Agent, fx.Unit, unit.RoleAgent))
	clk.Advance(m.ValidUntil.Sub(clk.Now()) + time.Minute)
	for who, c := range map[string]*webtest.Client{"live": live, "idle": idle} {
		if who == "idle" {
			clk.Advance(time.Hour) // past the idle timeout as well
		}
		loc, text := follow(c, "/unit/")
		if !strings.Contains(loc, "ended=grant") || !strings.Contains(text, lapsed) || strings.Contains(text, withdrawn) {
			t.Errorf("%s session after expiry → %q, notice lapsed %v withdrawn %v", who, loc,
				strings.Contains(text, lapsed), strings.Contains(text, withdrawn))
		}
	}

	// A plain logout says nothing about the grant.
	out := webtest.NewClient(ts)
	webtest.SignIn(t, out, webtest.UnitSubject(fx.Rep, fx.Unit, unit.RoleLegalRep))
	tok := out.Session()
	if err := ts.Sessions.End(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if loc := webtest.Redirected(t, out.Get(t, "/unit/")); strings.Contains(loc, "ended=") {
		t.Errorf("after a logout → %q", loc)
	}
}

// TestNoPagePromisesMissingFeatures: no page links to the stale /soon/login or to the
// former /soon/qr-login, /soon/upgrade and /soon/notices placeholders (扫码登录 is the
// login page's own tab now, 历史单位用户升级 is /upgrade, 公示公告 is /notices).
func TestNoPagePromisesMissingFeatures(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 944)
	rep := w.Person(t, "颜若溪")
	u := w.Unit(t, "示范承诺检查有限公司", rep)
	clients := map[string]*webtest.Client{"": nil, "person": webtest.NewClient(ts), "unit": webtest.NewClient(ts)}
	webtest.SignIn(t, clients["person"], auth.Subject{PersonID: rep.ID})
	webtest.SignIn(t, clients["unit"], webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	clients["institution"] = w.InstitutionClient(t, u, rep)

	type target struct{ path, as string }
	var targets []target
	for name, p := range webtest.PageURLs {
		targets = append(targets, target{p.Target, webtest.PageSignIn[name]})
	}
	for _, p := range []string{"/login", "/login?tab=unit", "/login?tab=unit&method=other", "/login?tab=person",
		"/login?tab=person&method=sms", "/app/", "/app/login", "/app/me", "/app/me/legal-rep", "/app/scan", "/app/login/sms"} {
		targets = append(targets, target{p, ""})
	}
	items, _, err := ts.Catalog.List(context.Background(), cases.Filter{Page: 1, PerPage: 500})
	if err != nil || len(items) == 0 {
		t.Fatalf("catalog: %d items, %v", len(items), err)
	}
	for _, it := range items {
		targets = append(targets, target{"/catalog/" + url.PathEscape(it.Code), ""})
	}
	for _, tg := range targets {
		var body string
		if c := clients[tg.as]; c != nil {
			body = c.Get(t, tg.path).Body.String()
		} else {
			body = ts.Get(t, tg.path).Body.String()
		}
		doc := webtest.ParseHTML(t, body)
		for _, a := range doc.All("a") {
			href := a.AttrOr("href")
			if strings.HasPrefix(href, "/soon/login") || strings.HasPrefix(href, "/soon/qr-login") ||
				strings.HasPrefix(href, "/soon/upgrade") || strings.HasPrefix(href, "/soon/notices") {
				t.Errorf("%s links to %s (%q)", tg.path, href, a.TextContent())
			}
		}
	}
	for _, gone := range []string{"/soon/login", "/soon/qr-login", "/soon/upgrade", "/soon/notices"} {
		if rec := ts.Get(t, gone); rec.Code != http.StatusNotFound {
			t.Errorf("%s answers %d: a page for a stale or missing feature", gone, rec.Code)
		}
	}
	// The persons' entry of an item leads to the personal login and back.
	doc := ts.GetHTML(t, "/catalog/JY-012", http.StatusOK)
	href := doc.Must(t, ".apply-panel a.button").AttrOr("href")
	if href != "/login?tab=person&next=%2Fcatalog%2FJY-012" {
		t.Fatalf("JY-012's 登录后在线办理 → %q", href)
	}
	c := webtest.NewClient(ts)
	login := c.Page(t, href, http.StatusOK)
	next := login.Must(t, `form[action="/login/person"] input[name="next"]`).AttrOr("value")
	if loc := webtest.Redirected(t, c.Post(t, "/login/person", url.Values{"login": {rep.IDNumber}, "password": {webtest.Password},
		"next": {next}})); loc != "/catalog/JY-012" {
		t.Errorf("the personal login returns to %q, not to the item", loc)
	}
}
