package account

import (
	"context"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/unit"
)

func TestMePage(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 21)
	p := w.Person(t, "欧阳修远")
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, auth.Subject{PersonID: p.ID})

	// No unit yet: the empty state points to 单位注册.
	doc := c.Page(t, "/me", http.StatusOK)
	webtest.CheckPage(t, ts, "/me", doc)
	facts := map[string]string{}
	for _, d := range doc.All("dl.acct-facts > div") {
		facts[d.Must(t, "dt").TextContent()] = d.Must(t, "dd").TextContent()
	}
	for k, want := range map[string]string{
		"姓名": ident.MaskName(p.Name), "证件类型": "居民身份证", "证件号码": p.MaskedID(),
		"移动电话": p.MaskedMobile(), "认证等级": "实名用户",
	} {
		if facts[k] != want {
			t.Errorf("%s = %q, want %q", k, facts[k], want)
		}
	}
	if note := doc.Must(t, ".acct-level-note").TextContent(); !strings.Contains(note, "账号设置") || !strings.Contains(note, "账户信息") {
		t.Errorf("认证等级 note %q", note)
	}
	if doc.Must(t, ".empty a.button").AttrOr("href") != "/register/unit" {
		t.Error("the empty state does not point to 单位注册")
	}
	if body := doc.TextContent(); strings.Contains(body, p.IDNumber) || strings.Contains(body, p.Mobile) || strings.Contains(body, p.Name) {
		t.Error("the page shows an unmasked name, ID number or mobile")
	}
	header := doc.Must(t, ".site-header .account-links")
	if header.First("a[href='/me']") == nil || header.First("form[action='/logout'] button") == nil {
		t.Error("the header lacks 个人中心 or 退出")
	}
	if header.First("a[href='/unit/']") != nil || header.First("a[href='/login']") != nil {
		t.Error("the header of a personal session shows 单位用户中心 or 登录")
	}

	// As legal rep of one unit and pending admin of another.
	u, _ := w.UnitWithRep(t, "示范市和光文化传媒有限公司", "曹雪")
	u2, _ := w.UnitWithRep(t, "示范市百川建设工程有限公司", "蒋勇")
	now := time.Now().UTC()
	until := now.AddDate(1, 0, 0)
	w.Member(t, unit.Membership{UnitID: u.ID, PersonID: p.ID, Role: unit.RoleAgent, Status: unit.StatusActive,
		ValidFrom: &now, ValidUntil: &until}, "Unit-Pass-2026")
	w.Member(t, unit.Membership{UnitID: u2.ID, PersonID: p.ID, Role: unit.RoleAdmin, Status: unit.StatusPending}, "Unit-Pass-2026")
	doc = c.Page(t, "/me", http.StatusOK)
	webtest.CheckPage(t, ts, "/me", doc)
	rows := doc.All("table.acct-units tbody tr")
	if len(rows) != 2 {
		t.Fatalf("%d unit rows", len(rows))
	}
	byName := map[string]*webtest.HTMLNode{}
	for _, r := range rows {
		byName[r.Must(t, "th").TextContent()] = r
	}
	active := byName[u.Name]
	if active == nil || active.Must(t, "td[data-label=我的角色]").TextContent() != "经办人" ||
		active.Must(t, "td[data-label=状态]").TextContent() != "有效" {
		t.Fatalf("active row wrong")
	}
	f := active.Must(t, "form")
	if f.AttrOr("action") != "/unit/switch" || f.AttrOr("method") != "post" ||
		f.Must(t, "input[name=unit_id]").AttrOr("value") != strconv.FormatInt(u.ID, 10) || f.Must(t, "button").TextContent() != "进入单位" {
		t.Error("the 进入单位 form is wrong")
	}
	pending := byName[u2.Name]
	if pending == nil || pending.First("form") != nil || pending.Must(t, "td[data-label=状态]").TextContent() != "待确认" {
		t.Error("a pending role can be entered, or its status is wrong")
	}
}

func TestHeaderInUnitSession(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 22)
	u, rep := w.UnitWithRep(t, "示范市星河电子有限公司", "许多")
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, auth.Subject{PersonID: rep.ID, UnitID: u.ID, Role: auth.RoleLegalRep})
	doc := c.Page(t, "/me", http.StatusOK)
	if doc.First(".account-links a[href='/unit/']") == nil {
		t.Error("no 单位用户中心 link in a unit session")
	}
	if !strings.Contains(doc.Must(t, ".alert-info").TextContent(), u.Name) {
		t.Error("the personal center does not say which unit the session acts for")
	}
	// Signed out: 登录 and 注册.
	doc = ts.GetHTML(t, "/", http.StatusOK)
	if doc.First(".account-links a[href='/login']") == nil || doc.First(".account-links a[href='/register']") == nil {
		t.Error("the signed-out header lacks 登录 or 注册")
	}
}

func TestLogout(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 23)
	u, rep := w.UnitWithRep(t, "示范市晨光食品有限公司", "于洋")
	c := webtest.NewClient(ts)
	rec := c.Post(t, "/login/unit", url.Values{"account": {u.USCC}, "login": {rep.Mobile}, "password": {webtest.Password}})
	webtest.WantRedirect(t, "login", rec, "/unit/")
	token := c.Session()

	webtest.WantRedirect(t, "logout", c.Post(t, "/logout", url.Values{}), "/")
	if c.Session() != "" {
		t.Error("the session cookie was not cleared")
	}
	if _, err := ts.Sessions.Lookup(context.Background(), token); err == nil {
		t.Error("the session still works after logout")
	}
	entries, _, err := ts.Audit.List(context.Background(), audit.Filter{Action: "logout"})
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit %+v %v", entries, err)
	}
	if e := entries[0]; e.PersonID != rep.ID || e.UnitID != u.ID || e.Role != string(auth.RoleLegalRep) || e.Result != audit.Success {
		t.Errorf("audit entry %+v", e)
	}
	// The old token, replayed, signs nobody in; logging out again is harmless.
	c.Cookies[ts.CookieName("hall_session")] = &http.Cookie{Name: ts.CookieName("hall_session"), Value: token}
	webtest.WantRedirect(t, "GET /me with the old token", c.Get(t, "/me"), "/login?tab=person&next=%2Fme")
	webtest.WantRedirect(t, "logout again", c.Post(t, "/logout", url.Values{}), "/")
	if entries, _, _ := ts.Audit.List(context.Background(), audit.Filter{Action: "logout"}); len(entries) != 1 {
		t.Errorf("%d logout records", len(entries))
	}
}

func TestMembershipStatus(t *testing.T) {
	now := time.Date(2026, 6, 1, 4, 0, 0, 0, time.UTC)
	past, future := now.Add(-24*time.Hour), now.Add(24*time.Hour)
	confirmed := now.Add(-48 * time.Hour)
	cases := []struct {
		name     string
		m        unit.Membership
		status   string
		validity string
	}{
		{"legal rep", unit.Membership{Status: unit.StatusActive, ConfirmedAt: &confirmed}, "有效", "长期有效"},
		{"pending", unit.Membership{Status: unit.StatusPending}, "待确认", "长期有效"},
		{"revoked", unit.Membership{Status: unit.StatusRevoked}, "已撤销", "长期有效"},
		{"not yet", unit.Membership{Status: unit.StatusActive, ValidFrom: &future}, "未生效", "2026-06-02 起长期有效"},
		{"expired", unit.Membership{Status: unit.StatusActive, ValidFrom: &past, ValidUntil: &now}, "已过期", "2026-05-31 至 2026-06-01 12:00"},
		{"within", unit.Membership{Status: unit.StatusActive, ValidFrom: &past, ValidUntil: &future}, "有效", "2026-05-31 至 2026-06-02 12:00"},
		{"until only", unit.Membership{Status: unit.StatusActive, ValidUntil: &future}, "有效", "至 2026-06-02 12:00"},
	}
	for _, tc := range cases {
		if got := membershipStatus(tc.m, now); got != tc.status {
			t.Errorf("%s: status %q, want %q", tc.name, got, tc.status)
		}
		if got := membershipValidity(tc.m); got != tc.validity {
			t.Errorf("%s: validity %q, want %q", tc.name, got, tc.validity)
		}
	}
}
