package hall

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/notices"
	"hall/internal/store"
	"hall/internal/web/webtest"
)

var noticeT0 = time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)

// loadNotices publishes n notices titled 稳岗返还公示第i批 (the newest last), with
// odd ones 通知, and returns their IDs in the same order.
func loadNotices(t *testing.T, ts *webtest.TestServer, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	var ls []notices.Loaded
	for i := 1; i <= n; i++ {
		c := notices.CategoryPublicity
		if i%2 == 1 {
			c = notices.CategoryNotice
		}
		ls = append(ls, notices.Loaded{Draft: notices.Draft{Title: fmt.Sprintf("稳岗返还公示第%d批", i), Category: c,
			Body: "示范机械有限公司\n\n<script>alert(1)</script>"}, At: noticeT0.Add(time.Duration(i) * 24 * time.Hour)})
	}
	if err := ts.DB.Tx(ctx, func(tx *store.Tx) error { return notices.LoadTx(ctx, tx, ls) }); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	rows, err := ts.DB.Query(ctx, "SELECT id FROM notices ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// addNotice inserts a notice in state (draft or withdrawn) directly.
func addNotice(t *testing.T, ts *webtest.TestServer, title, state string) int64 {
	t.Helper()
	var published, withdrawn any
	if state == "withdrawn" {
		published, withdrawn = noticeT0, noticeT0
	}
	var id int64
	ctx := context.Background()
	err := ts.DB.Tx(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO notices (title, category, body, state, published_at,
			withdrawn_at, created_at, updated_at) VALUES (?, 'announcement', '正文', ?, ?, ?, ?, ?) RETURNING id`,
			title, state, published, withdrawn, noticeT0, noticeT0).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestNoticePages: the home page's five newest with dates and 更多, the paged list
// with its category filter, a detail page escaping the body, and 404 for drafts,
// withdrawn and unknown notices.
func TestNoticePages(t *testing.T) {
	ts := webtest.NewTestServer(t)
	ids := loadNotices(t, ts, 20)
	draft := addNotice(t, ts, "草稿不公开", "draft")
	withdrawn := addNotice(t, ts, "已撤回不公开", "withdrawn")

	home := ts.GetHTML(t, "/", http.StatusOK)
	titles := home.Texts(".notice-panel .notice-list a")
	if strings.Join(titles, ",") != "稳岗返还公示第20批,稳岗返还公示第19批,稳岗返还公示第18批,稳岗返还公示第17批,稳岗返还公示第16批" {
		t.Errorf("home notices %v", titles)
	}
	if d := home.Must(t, ".notice-panel time").TextContent(); d != "2027-03-21" {
		t.Errorf("first date %q", d)
	}
	if more := home.Must(t, `section[aria-labelledby=notice-title] a.more`).AttrOr("href"); more != "/notices" {
		t.Errorf("更多 → %q", more)
	}

	list := ts.GetHTML(t, "/notices", http.StatusOK)
	if cur := list.Must(t, `nav.main-nav a[aria-current=page]`).TextContent(); cur != "公示公告" {
		t.Errorf("current nav entry %q", cur)
	}
	rows := list.Texts("table.data tbody th a")
	if len(rows) != noticesPerPage || rows[0] != "稳岗返还公示第20批" {
		t.Errorf("page 1: %v", rows)
	}
	next := list.Must(t, `.pagination a[rel=next]`).AttrOr("href")
	if next != "/notices?page=2" {
		t.Errorf("next page %q", next)
	}
	page2 := ts.GetHTML(t, next, http.StatusOK)
	if rows := page2.Texts("table.data tbody th a"); len(rows) != 5 || rows[4] != "稳岗返还公示第1批" {
		t.Errorf("page 2: %v", rows)
	}
	// A page beyond the last shows the last; a bad category is dropped.
	if rows := ts.GetHTML(t, "/notices?page=99&category=bogus", http.StatusOK).Texts("table.data tbody th a"); len(rows) != 5 {
		t.Errorf("page 99: %v", rows)
	}
	cat := ts.GetHTML(t, "/notices?category=notice", http.StatusOK)
	for _, r := range cat.Texts("table.data tbody td[data-label=类别]") {
		if r != "通知" {
			t.Errorf("category filter shows %q", r)
		}
	}
	if n := len(cat.Texts("table.data tbody tr")); n != 10 {
		t.Errorf("%d 通知, want 10", n)
	}
	if strings.Contains(list.TextContent(), "草稿不公开") || strings.Contains(list.TextContent(), "已撤回不公开") {
		t.Error("the public list shows a draft or a withdrawn notice")
	}

	rec := ts.Get(t, fmt.Sprintf("/notices/%d", ids[0]))
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "<script>alert") ||
		!strings.Contains(rec.Body.String(), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("detail %d: the body is not escaped\n%s", rec.Code, webtest.ShortBody(rec.Body.String()))
	}
	detail := webtest.ParseHTML(t, rec.Body.String())
	if h1 := detail.Must(t, "h1").TextContent(); h1 != "稳岗返还公示第1批" {
		t.Errorf("detail h1 %q", h1)
	}
	if ps := detail.Texts(".notice-body p"); len(ps) != 2 || ps[0] != "示范机械有限公司" {
		t.Errorf("paragraphs %v", ps)
	}
	for _, target := range []string{fmt.Sprintf("/notices/%d", draft), fmt.Sprintf("/notices/%d", withdrawn),
		"/notices/999999", "/notices/abc", "/notices/-1"} {
		if rec := ts.Get(t, target); rec.Code != http.StatusNotFound {
			t.Errorf("%s answers %d, want 404", target, rec.Code)
		}
	}
}

// TestNoticesEmpty: with nothing published, the home page and the list say so.
func TestNoticesEmpty(t *testing.T) {
	ts := webtest.NewTestServer(t)
	if !strings.Contains(ts.GetHTML(t, "/", http.StatusOK).TextContent(), "暂无公示公告") {
		t.Error("home page without notices")
	}
	if !strings.Contains(ts.GetHTML(t, "/notices?q="+url.QueryEscape("无此标题"), http.StatusOK).TextContent(), "没有标题包含“无此标题”的公示公告") {
		t.Error("empty list")
	}
}

// TestSearch: /search groups items and notices, bounds the keyword, leads to the
// paged lists, and without results points to 服务清单.
func TestSearch(t *testing.T) {
	ts := webtest.NewTestServer(t)
	loadNotices(t, ts, 12)
	addNotice(t, ts, "稳岗返还草稿", "draft")

	doc := ts.GetHTML(t, "/search?q="+url.QueryEscape("稳岗返还"), http.StatusOK)
	if h := doc.Texts(".search-group h2"); strings.Join(h, ",") != "办事事项（1）,公示公告（12）" {
		t.Errorf("groups %v", h)
	}
	if items := doc.Texts("#items li a"); len(items) == 0 || items[0] != "失业保险稳岗返还" {
		t.Errorf("items %v", items)
	}
	if n := len(doc.All("#notices li")); n != searchGroupSize {
		t.Errorf("%d notices shown, want %d", n, searchGroupSize)
	}
	all := doc.Must(t, `a[href^="/notices?"]`).AttrOr("href")
	if all != "/notices?q="+url.QueryEscape("稳岗返还") {
		t.Errorf("all notices → %q", all)
	}
	if n := len(ts.GetHTML(t, all, http.StatusOK).Texts("table.data tbody tr")); n != 12 {
		t.Errorf("the full list has %d rows", n)
	}
	if strings.Contains(doc.TextContent(), "稳岗返还草稿") {
		t.Error("search shows a draft")
	}

	// An item's code finds it too, as in the catalog.
	if got := ts.GetHTML(t, "/search?q=sb-020", http.StatusOK).Texts("#items li a"); len(got) != 1 || got[0] != "失业保险金申领" {
		t.Errorf("by code: %v", got)
	}

	none := ts.GetHTML(t, "/search?q="+url.QueryEscape("没有这种东西"), http.StatusOK)
	if !strings.Contains(none.TextContent(), "没有找到与“没有这种东西”相关的结果") || none.First(`.empty a[href="/catalog"]`) == nil {
		t.Errorf("no results: %s", none.TextContent())
	}
	empty := ts.GetHTML(t, "/search", http.StatusOK)
	if !strings.Contains(empty.TextContent(), "请输入关键词") {
		t.Error("no keyword")
	}
	long := ts.GetHTML(t, "/search?q="+strings.Repeat("稳", 500), http.StatusOK)
	if v := long.Must(t, "#s-q").AttrOr("value"); len([]rune(v)) != 50 {
		t.Errorf("keyword kept %d runes, want 50", len([]rune(v)))
	}
}

// TestPersonasLeadToItems: each "我是…" entry of the home page leads to a list with
// items.
func TestPersonasLeadToItems(t *testing.T) {
	ts := webtest.NewTestServer(t)
	home := ts.GetHTML(t, "/", http.StatusOK)
	links := home.All("a.persona")
	if len(links) != 6 {
		t.Fatalf("%d personas", len(links))
	}
	for _, a := range links {
		doc := ts.GetHTML(t, a.AttrOr("href"), http.StatusOK)
		if n := len(doc.All("table.catalog-table tbody tr")); n == 0 {
			t.Errorf("%s (%s) lists no items", a.AttrOr("href"), a.TextContent())
		}
	}
}

// FuzzSearchQuery: any query string gives a keyword of valid UTF-8 within the
// bound, without control characters or surrounding space.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"q=失业", "q=a&q=b", "q=%00%ff", "q=" + strings.Repeat("x", 300), "q=%20%20"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q := searchQuery(v)
		if len([]rune(q)) > 50 || strings.TrimSpace(q) != q || strings.ToValidUTF8(q, "") != q {
			t.Fatalf("%q → %q", raw, q)
		}
		for _, r := range q {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("%q → %q has a control character", raw, q)
			}
		}
	})
}
