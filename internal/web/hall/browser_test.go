package hall

import (
	"hall/internal/web/webtest"
	"net/url"
	"strings"
	"testing"

	"hall/internal/browsertest"
)

// These tests drive the real handler in headless Chromium as a person would: by
// labels and button texts. The harness fails a test when a page logs a console error,
// CSP violations included.

func TestBrowserHome(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	b := browsertest.New(t)
	p := b.NewPage(t)
	p.Open(base + "/")
	if p.Status() != 200 {
		t.Fatalf("home answers %d", p.Status())
	}
	p.WaitText("热门服务")
	p.WaitText("我是…")
	p.WaitText("单位登录")
	// The stylesheet loaded (a CSP or path mistake would leave the page unstyled).
	if bg := browsertest.Eval[string](p, "getComputedStyle(document.querySelector('.main-nav')).backgroundColor"); bg != "rgb(11, 63, 138)" {
		t.Errorf("navigation background %q: the stylesheet did not apply", bg)
	}
	if errs := p.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("console errors on the home page: %v", errs)
	}

	// Every same-origin link answers 200.
	origin, _ := url.Parse(base)
	seen := map[string]bool{}
	for _, l := range p.Links() {
		u, err := url.Parse(l)
		if err != nil {
			t.Errorf("bad link %q", l)
			continue
		}
		if u.Host != origin.Host {
			t.Errorf("link %s leaves the hall", l)
			continue
		}
		u.Fragment = ""
		if seen[u.String()] {
			continue
		}
		seen[u.String()] = true
		if u.Path == "/display/elder" {
			// The 长辈模式 switch of the header sets its cookie and sends back here.
			if code := webtest.FetchStatus(t, u.String()); code != 303 {
				t.Errorf("the 长辈模式 switch %s answers %d, want 303", l, code)
			}
			continue
		}
		if code := webtest.FetchStatus(t, u.String()); code != 200 {
			t.Errorf("link %s answers %d", l, code)
		}
	}
	if len(seen) < 30 {
		t.Errorf("only %d distinct links on the home page", len(seen))
	}

	// A "我是…" entry leads to its items.
	p.ClickCSS(`a.persona[href="/catalog?topic=unemployed"]`)
	p.WaitURL("topic=unemployed")
	p.WaitText("我是失业人员")
	p.WaitText("失业保险金申领")
}

func TestBrowserPhoneLayout(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	b := browsertest.New(t)
	p := b.NewPage(t, browsertest.Mobile())
	for _, path := range []string{"/", "/catalog", "/catalog/LD-001", "/themes", "/query", "/help/login"} {
		p.Open(base + path)
		// Nothing is wider than the phone: no sideways scrolling.
		if over := browsertest.Eval[int](p, "document.documentElement.scrollWidth - window.innerWidth"); over > 0 {
			t.Errorf("%s is %dpx wider than a 390px phone", path, over)
		}
	}
}

func TestBrowserCatalogFilter(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	b := browsertest.New(t)
	p := b.NewPage(t)
	p.Open(base + "/catalog")
	p.WaitText("共 ")
	p.Select("事项类别", "劳动关系")
	p.Select("办理方式", "窗口办")
	p.Click("查询")
	p.WaitURL("category=LD")
	cats := browsertest.Eval[[]string](p, `[...document.querySelectorAll('.catalog-table td[data-label="事项类别"]')].map((td) => td.innerText.trim())`)
	if len(cats) == 0 {
		t.Fatal("no rows after filtering by 劳动关系")
	}
	for _, c := range cats {
		if c != "劳动关系" {
			t.Errorf("row of category %q after filtering by 劳动关系", c)
		}
	}
	ways := browsertest.Eval[[]string](p, `[...document.querySelectorAll('.catalog-table td[data-label="办理方式"]')].map((td) => td.innerText.trim())`)
	for _, w := range ways {
		if !strings.Contains(w, "窗口") {
			t.Errorf("row handled %q after filtering by 窗口办", w)
		}
	}
	p.WaitText("集体合同审查")
	if p.HasText("劳动用工备案") {
		t.Error("劳动用工备案 (online only) is listed under 窗口办")
	}
	// The keyword narrows further, and the filters stay.
	p.Fill("关键词", "年金")
	p.Click("查询")
	p.WaitURL("q=")
	p.WaitText("企业年金方案备案")
	if n := browsertest.Eval[int](p, `document.querySelectorAll('.catalog-table tbody tr').length`); n != 1 {
		t.Errorf("%d rows for 年金 in 劳动关系", n)
	}
	p.ClickLink("企业年金方案备案")
	p.WaitText("申请材料")
	p.WaitText("到现场次数")
	p.WaitText("人社经办窗口")

	// Reset goes back to everything; an impossible keyword shows the empty state.
	p.Open(base + "/catalog")
	p.Fill("关键词", "不存在的事项名称")
	p.Click("查询")
	p.WaitText("没有找到符合条件的事项")
	p.ClickLink("查看全部事项")
	p.WaitText("失业保险稳岗返还")
}

func TestBrowserSearchBox(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	b := browsertest.New(t)
	p := b.NewPage(t)
	p.Open(base + "/")
	p.Fill("站内搜索", "失业保险金")
	p.Click("搜索")
	p.WaitURL("/search?q=")
	p.WaitText("办事事项（")
	p.WaitText("失业保险金申领")
	if got := browsertest.Eval[string](p, "document.getElementById('s-q').value"); got != "失业保险金" {
		t.Errorf("the search field holds %q", got)
	}
	p.ClickLink("失业保险金申领")
	p.WaitURL("/catalog/SB-020")
	p.WaitText("登录后在线办理")
	// A person's item leads to the personal login, which returns to the item.
	p.ClickLink("登录后在线办理")
	p.WaitURL("/login?tab=person&next=%2Fcatalog%2FSB-020")
	if got := p.Text(".tabs a[aria-current]"); got != "个人登录" {
		t.Errorf("login tab %q, want 个人登录", got)
	}
}

// TestBrowserQueryRecord: someone holding a printed record's link but no phone opens
// 查询服务 from the top navigation, pastes the link and is told the record is genuine;
// from there 操作指南 of the rights record is one click away.
func TestBrowserQueryRecord(t *testing.T) {
	ts := webtest.NewTestServer(t)
	path, rec := verifyIssue(t, ts)
	base := ts.URL(t)
	p := browsertest.New(t).NewPage(t)
	p.Open(base + "/")
	p.ClickLink("查询服务")
	p.WaitText("社会保险权益记录单真伪验证")
	p.Fill("权益单验证链接", "garbage")
	p.Click("验证")
	p.WaitText("无法识别该链接")
	p.Fill("权益单验证链接", ts.Config.BaseURL+path)
	p.Click("验证")
	p.WaitText("该权益单由本系统出具，且在有效期内")
	p.WaitText(rec.UnitName)
	p.ClickLink("操作指南：单位权益单")
	p.WaitText("扫码即可打开验证页")
}

// TestBrowserQueryCaseProgress: a unit's case is filed; someone opens 查询服务 from
// the top navigation, types a malformed 办件编号 and is told the format beside the
// field, then the case's number with the unit's 统一社会信用代码 and sees its item
// and 已申请; another number of the same day gets the one message of a miss.
func TestBrowserQueryCaseProgress(t *testing.T) {
	ts := webtest.NewTestServer(t)
	c, u, _ := progressCase(t, ts, 0x9b1)
	base := ts.URL(t)
	// A miss is a 404 (the handler tests check the status), which the browser logs.
	p := browsertest.New(t).NewPage(t, browsertest.AllowConsoleErrors("404 (Not Found)"))
	p.Open(base + "/")
	p.ClickLink("查询服务")
	p.WaitText("办件进度查询")
	p.Fill("办件编号", "2026-04-13")
	p.Fill("统一社会信用代码", u.USCC)
	p.Click("查询进度")
	p.WaitText("办件编号为14位数字")
	p.Fill("办件编号", c.Number)
	p.Click("查询进度")
	p.WaitText(c.ItemName)
	p.WaitText("已申请")
	if n := browsertest.Eval[int](p, "document.querySelectorAll('.case-timeline li').length"); n != 1 {
		t.Errorf("the timeline shows %d steps, want 1 (提交申请)", n)
	}
	p.Fill("办件编号", c.Number[:8]+"999999")
	p.Click("查询进度")
	p.WaitText("未查到该办件：请核对办件编号和统一社会信用代码")
}
