package hall

import (
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestHome(t *testing.T) {
	ts := webtest.NewTestServer(t)
	doc := ts.GetHTML(t, "/", http.StatusOK)

	nav := doc.Texts("nav.main-nav a")
	want := []string{"大厅首页", "个人办事", "单位办事", "查询服务", "服务清单", "主题服务", "公示公告"}
	if !slices.Equal(nav, want) {
		t.Errorf("top navigation %v, want %v", nav, want)
	}
	if cur := doc.Must(t, `nav.main-nav a[aria-current=page]`).TextContent(); cur != "大厅首页" {
		t.Errorf("current nav entry %q", cur)
	}
	for _, form := range []string{"form.search", "form.hero-search"} {
		if doc.Must(t, form).AttrOr("action") != "/search" || doc.First(form+" input[name=q]") == nil {
			t.Errorf("%s does not submit q to /search", form)
		}
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
		"忘记密码": "/recover", "立即注册": "/register", "历史单位用户升级": "/upgrade",
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
	ts := webtest.NewTestServer(t)
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
			webtest.WantRedirect(t, "the 长辈模式 switch", ts.Get(t, href), "/")
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

// TestNoSoonPages: the hall has no 即将开放 placeholders under /soon/ any more
// (在线申报 of an item without an online form is 到窗口办理, /unit/items/{code}/counter):
// every such path is the 404 page.
func TestNoSoonPages(t *testing.T) {
	ts := webtest.NewTestServer(t)
	for _, path := range []string{"/soon/apply", "/soon/nothing"} {
		if rec := ts.Get(t, path); rec.Code != http.StatusNotFound {
			t.Errorf("%s answers %d", path, rec.Code)
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
	ts := webtest.NewTestServer(t)
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
