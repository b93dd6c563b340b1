package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"hall/internal/auth"
	"hall/internal/unit"
)

// pageURLs names, for every page template, a request that renders it. The test
// below fails when a template has no entry: add one with each new page.
var pageURLs = map[string]struct {
	target string
	status int
}{
	"home":    {"/", http.StatusOK},
	"catalog": {"/catalog", http.StatusOK},
	"item":    {"/catalog/SB-001", http.StatusOK},
	"themes":  {"/themes", http.StatusOK},
	"soon":    {"/soon/query", http.StatusOK},
	"error":   {"/no-such-page", http.StatusNotFound},

	"ureg":           {"/register/unit", http.StatusOK},
	"ureg-agreement": {"/agreements/unit", http.StatusOK},
	"app-home":       {"/app/", http.StatusOK},
	"app-login":      {"/app/login", http.StatusOK},
	"app-login-sms":  {"/app/login/sms", http.StatusOK},
	"app-scan":       {"/app/scan", http.StatusOK},
	"app-me":         {"/app/me", http.StatusOK},
	"app-service":    {"/app/me/legal-rep", http.StatusOK},
	"app-verify":     {"/app/v/no-such-code", http.StatusNotFound},

	"acct-register":     {"/register", http.StatusOK},
	"acct-agreement":    {"/agreements/person", http.StatusOK},
	"acct-login":        {"/login?tab=person&method=sms", http.StatusOK},
	"acct-me":           {"/me", http.StatusOK},
	"acct-appeal":       {"/appeal?kind=id_taken", http.StatusOK},
	"acct-appeal-filed": {"/appeal/filed?no=SS00000001", http.StatusOK},
	"acct-outbox":       {"/dev/outbox", http.StatusOK},

	// Unit user center (signed in: see pageSignIn).
	"uc-home":   {"/unit/", http.StatusOK},
	"uc-soon":   {"/unit/info", http.StatusOK},
	"uc-choose": {"/unit/choose", http.StatusOK},
	// Only a POST of the chooser shows the entry page: TestUEEnterAsAdmin checks it
	// with checkPage; here a GET answers 404.
	"uc-enter": {"/unit/switch", http.StatusNotFound},

	// Password recovery (P1) and the app's 重置单位密码 (P2).
	"rec-recover": {"/recover", http.StatusOK},
	"rec-app":     {"/app/me/reset", http.StatusOK},

	// Delegation in use: 我是经办人 in the app, the unit's business.
	"agt-app":   {"/app/me/agent", http.StatusOK},
	"agt-items": {"/unit/items", http.StatusOK},
	"agt-item":  {"/unit/items/SB-001", http.StatusOK},

	// 经办人管理 (the confirmation page needs an agent: TestDlgRemoveAgent checks it
	// with checkPage; here an unknown ID answers 404).
	"dlg-agents":     {"/unit/agents", http.StatusOK},
	"dlg-admin-form": {"/unit/agents/admin/new", http.StatusOK},
	"dlg-agent-form": {"/unit/agents/new", http.StatusOK},
	"dlg-remove":     {"/unit/agents/999999/remove", http.StatusNotFound},
	// Only a change without a recent proof shows it: TestDlgReauthAddAgent checks it
	// with checkPage.
	"dlg-reauth": {"/unit/agents/999999/edit", http.StatusNotFound},

	// 账号设置 (U9) and the personal center's changes.
	"acs-account":  {"/unit/account", http.StatusOK},
	"acs-password": {"/unit/account/password", http.StatusOK},
	"acs-mobile":   {"/me/mobile", http.StatusOK},
}

// pageSignIn names the pages that need a session, and which kind: "person" (a
// personal session) or "unit" (acting as legal rep of a unit).
var pageSignIn = map[string]string{
	"acct-me":   "person",
	"uc-choose": "person",
	"uc-home":   "unit",
	"uc-soon":   "unit",
	"rec-app":   "person",
	"agt-app":   "person",
	"agt-items": "unit",
	"agt-item":  "unit",

	"dlg-agents":     "unit",
	"dlg-admin-form": "unit",
	"dlg-agent-form": "unit",
	"dlg-remove":     "unit",
	"dlg-reauth":     "unit",
	"uc-enter":       "person",

	"acs-account":  "unit",
	"acs-password": "unit",
	"acs-mobile":   "person",
}

func TestEveryPageRenders(t *testing.T) {
	ts := NewTestServer(t)
	w := NewWorld(ts, 1)
	rep := w.Person(t, "林晓")
	u := w.Unit(t, "示范页面测试有限公司", rep)
	clients := map[string]*Client{"person": NewClient(ts), "unit": NewClient(ts)}
	SignIn(t, clients["person"], auth.Subject{PersonID: rep.ID})
	SignIn(t, clients["unit"], UnitSubject(rep, u, unit.RoleLegalRep))
	names := ts.pages.Names()
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			p, ok := pageURLs[name]
			if !ok {
				t.Fatalf("page template %q has no entry in pageURLs: add a request that renders it", name)
			}
			var doc *HTMLNode
			if kind, ok := pageSignIn[name]; ok {
				doc = clients[kind].Page(t, p.target, p.status)
			} else {
				doc = ts.GetHTML(t, p.target, p.status)
			}
			checkPage(t, ts, p.target, doc)
		})
	}
}

// checkPage checks what every page must have: a title, one h1, the main landmark,
// nothing that the CSP blocks, a label for every field, and assets that load.
func checkPage(t *testing.T, ts *TestServer, target string, doc *HTMLNode) {
	t.Helper()
	if title := doc.Must(t, "head title").TextContent(); !strings.Contains(title, "网上办事服务大厅") {
		t.Errorf("%s: title %q lacks the hall name", target, title)
	}
	if n := len(doc.All("h1")); n != 1 {
		t.Errorf("%s: %d h1 elements, want 1", target, n)
	}
	doc.Must(t, "main#main")
	checkCSRFFields(t, target, doc)
	if lang := doc.Must(t, "html").AttrOr("lang"); lang != "zh-CN" {
		t.Errorf("%s: lang=%q", target, lang)
	}
	ids := map[string]bool{}
	doc.Walk(func(n *HTMLNode) {
		if n.Tag == "" || n.Tag == "#document" {
			return
		}
		for _, a := range n.Attrs {
			switch {
			case a.Name == "style":
				t.Errorf("%s: inline style on <%s> line %d (CSP style-src 'self' blocks it)", target, n.Tag, n.Line)
			case strings.HasPrefix(a.Name, "on"):
				t.Errorf("%s: inline event handler %s on <%s> line %d", target, a.Name, n.Tag, n.Line)
			case (a.Name == "href" || a.Name == "src" || a.Name == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Value)), "javascript:"):
				t.Errorf("%s: javascript: URL on <%s> line %d", target, n.Tag, n.Line)
			}
		}
		if id := n.AttrOr("id"); id != "" {
			if ids[id] {
				t.Errorf("%s: id %q twice", target, id)
			}
			ids[id] = true
		}
		switch n.Tag {
		case "style":
			t.Errorf("%s: <style> element line %d (CSP blocks it)", target, n.Line)
		case "script":
			if _, ok := n.Attr("src"); !ok {
				t.Errorf("%s: inline <script> line %d (CSP blocks it)", target, n.Line)
			}
		}
	})
	// Every field has a label.
	for _, f := range doc.All("input, select, textarea") {
		switch f.AttrOr("type") {
		case "hidden", "submit", "button", "reset", "image":
			continue
		}
		id := f.AttrOr("id")
		if f.AttrOr("aria-label") == "" && (id == "" || doc.First("label[for="+id+"]") == nil) {
			t.Errorf("%s: <%s name=%q> line %d has no label", target, f.Tag, f.AttrOr("name"), f.Line)
		}
	}
	// Stylesheets and scripts come from /static/ and load.
	for _, n := range doc.All("link[rel=stylesheet], script[src]") {
		u := n.AttrOr("href") + n.AttrOr("src")
		if !strings.HasPrefix(u, "/static/") {
			t.Errorf("%s: asset %s not under /static/", target, u)
			continue
		}
		if rec := ts.Get(t, u); rec.Code != http.StatusOK {
			t.Errorf("%s: asset %s answers %d", target, u, rec.Code)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := NewTestServer(t)
	for _, target := range []string{"/", "/catalog", "/catalog/SB-001", "/catalog/NO-999", "/themes", "/soon/query", "/nope"} {
		rec := ts.Get(t, target)
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", target, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows unsafe-inline", target)
		}
		for k, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Referrer-Policy":        "same-origin",
			"Cache-Control":          "no-store",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", target, k, got, want)
			}
		}
		if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", target, ct)
		}
	}
}

func TestStylesheet(t *testing.T) {
	ts := NewTestServer(t)
	u, err := ts.assets.url("css/hall.css")
	if err != nil {
		t.Fatal(err)
	}
	rec := ts.Get(t, u)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("GET %s: %d %s", u, rec.Code, rec.Header().Get("Content-Type"))
	}
	css := rec.Body.String()
	// Later pages rely on these components.
	for _, sel := range []string{".field-error", "ol.stepper", ".stepper li.done", ".stepper li.current", ".tabs", "table.data",
		".button-primary", ".panel", ".alert-error", ":focus-visible", "@media (max-width"} {
		if !strings.Contains(css, sel) {
			t.Errorf("hall.css lacks %s", sel)
		}
	}
	for _, bad := range []string{"@import", "url(http", "fonts.googleapis"} {
		if strings.Contains(css, bad) {
			t.Errorf("hall.css loads something from outside: %s", bad)
		}
	}
}

func TestHome(t *testing.T) {
	ts := NewTestServer(t)
	doc := ts.GetHTML(t, "/", http.StatusOK)

	nav := doc.Texts("nav.main-nav a")
	want := []string{"大厅首页", "个人办事", "单位办事", "查询服务", "服务清单", "主题服务", "公示公告"}
	if !slices.Equal(nav, want) {
		t.Errorf("top navigation %v, want %v", nav, want)
	}
	if cur := doc.Must(t, `nav.main-nav a[aria-current=page]`).TextContent(); cur != "大厅首页" {
		t.Errorf("current nav entry %q", cur)
	}
	if doc.Must(t, "form.search").AttrOr("action") != "/catalog" || doc.First("form.search input[name=q]") == nil {
		t.Error("the header search box does not submit q to /catalog")
	}

	// Login box: tabs and the account links.
	if tabs := doc.Texts(".login-box .tabs a"); !slices.Equal(tabs, []string{"个人登录", "单位登录"}) {
		t.Errorf("login tabs %v", tabs)
	}
	links := map[string]string{}
	for _, a := range doc.All(".login-box a") {
		links[a.TextContent()] = a.AttrOr("href")
	}
	for text, href := range map[string]string{
		"忘记密码": "/recover", "立即注册": "/register", "历史单位用户升级": "/soon/upgrade",
		"用户申诉": "/appeal", "登录": "/login",
	} {
		if links[text] != href {
			t.Errorf("login box link %s → %q, want %q", text, links[text], href)
		}
	}

	personas := doc.Texts(".persona-grid .persona-name")
	if want := []string{"高校毕业生", "就业人员", "失业人员", "创业人员", "工伤人员", "其他人员"}; !slices.Equal(personas, want) {
		t.Errorf("我是… entries %v, want %v", personas, want)
	}
	hot := doc.All(".card-grid a.card")
	if len(hot) != homeHotItems {
		t.Errorf("%d hot items, want %d", len(hot), homeHotItems)
	}
	for _, a := range hot {
		if !strings.HasPrefix(a.AttrOr("href"), "/catalog/") {
			t.Errorf("hot item links to %s", a.AttrOr("href"))
		}
	}
	if first := doc.Must(t, ".card-grid .card-title").TextContent(); first != "个人权益记录查询打印" {
		t.Errorf("first hot item %q", first)
	}
	themes := strings.Join(doc.Texts(".theme-grid .theme-name"), ",")
	for _, th := range []string{"就业补贴", "就业培训", "高校毕业生就业", "就失业", "企业养老保险"} {
		if !strings.Contains(themes, th) {
			t.Errorf("主题服务 lacks %s (has %s)", th, themes)
		}
	}
}

// TestHomeHasNoDeadLinks follows every link of the home page through the router.
func TestHomeHasNoDeadLinks(t *testing.T) {
	ts := NewTestServer(t)
	doc := ts.GetHTML(t, "/", http.StatusOK)
	seen := map[string]bool{}
	for _, a := range doc.All("a[href]") {
		href := a.AttrOr("href")
		u, err := url.Parse(href)
		if err != nil {
			t.Errorf("bad link %q: %v", href, err)
			continue
		}
		if u.IsAbs() || u.Host != "" {
			t.Errorf("link %q leaves the hall", href)
			continue
		}
		if seen[href] || strings.HasPrefix(href, "#") {
			continue
		}
		seen[href] = true
		if u.Path == "/display/elder" {
			// The 长辈模式 switch of the header sets its cookie and sends back here.
			WantRedirect(t, "the 长辈模式 switch", ts.Get(t, href), "/")
			continue
		}
		if rec := ts.Get(t, href); rec.Code != http.StatusOK {
			t.Errorf("link %q (%s) answers %d", href, a.TextContent(), rec.Code)
		}
	}
	if len(seen) < 30 {
		t.Errorf("only %d distinct links on the home page", len(seen))
	}
}

func TestSoonPages(t *testing.T) {
	ts := NewTestServer(t)
	for name, title := range soonNames {
		doc := ts.GetHTML(t, "/soon/"+name, http.StatusOK)
		if h1 := doc.Must(t, "h1").TextContent(); !strings.Contains(h1, title) || !strings.Contains(h1, "即将开放") {
			t.Errorf("/soon/%s: h1 %q", name, h1)
		}
	}
	doc := ts.GetHTML(t, "/soon/nothing", http.StatusNotFound)
	if h1 := doc.Must(t, "h1").TextContent(); h1 != "页面不存在" {
		t.Errorf("404 h1 %q", h1)
	}
	if title := doc.Must(t, "title").TextContent(); !strings.HasPrefix(title, "页面不存在") {
		t.Errorf("404 title %q", title)
	}
}

func TestThemes(t *testing.T) {
	ts := NewTestServer(t)
	doc := ts.GetHTML(t, "/themes", http.StatusOK)
	if cur := doc.Must(t, `nav.main-nav a[aria-current=page]`).TextContent(); cur != "主题服务" {
		t.Errorf("current nav entry %q", cur)
	}
	for _, a := range doc.All("a.theme") {
		if rec := ts.Get(t, a.AttrOr("href")); rec.Code != http.StatusOK {
			t.Errorf("%s answers %d", a.AttrOr("href"), rec.Code)
		}
	}
	if n := len(doc.All("a.theme")); n < 12 {
		t.Errorf("%d topics on /themes", n)
	}
}
