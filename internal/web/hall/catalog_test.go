package hall

import (
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"hall/internal/cases"
)

// catalogRows returns the cells of the catalog table, one map per row by column name.
func catalogRows(t *testing.T, doc *webtest.HTMLNode) []map[string]string {
	t.Helper()
	var rows []map[string]string
	for _, tr := range doc.All("table.catalog-table tbody tr") {
		row := map[string]string{}
		for _, cell := range tr.All("th, td") {
			row[cell.AttrOr("data-label")] = cell.TextContent()
		}
		rows = append(rows, row)
	}
	return rows
}

func TestCatalogList(t *testing.T) {
	ts := webtest.NewTestServer(t)
	doc := ts.GetHTML(t, "/catalog", http.StatusOK)
	head := doc.Texts("table.catalog-table thead th")
	if want := []string{"事项名称", "事项类别", "服务对象", "办理方式", "办件类型", "承诺期限"}; !slices.Equal(head, want) {
		t.Errorf("columns %v, want %v", head, want)
	}
	rows := catalogRows(t, doc)
	if len(rows) != cases.DefaultPerPage {
		t.Fatalf("%d rows on the first page, want %d", len(rows), cases.DefaultPerPage)
	}
	if rows[0]["事项名称"] != "失业保险稳岗返还" || rows[0]["事项类别"] != "就业创业" ||
		rows[0]["服务对象"] != "单位" || rows[0]["办理方式"] != "网上办理" || rows[0]["办件类型"] != "承诺件" ||
		rows[0]["承诺期限"] != "10个工作日" {
		t.Errorf("first row %v", rows[0])
	}
	if got := doc.Must(t, `.result-bar [role=status]`).TextContent(); !strings.Contains(got, "第 1/") {
		t.Errorf("result bar %q", got)
	}
	if doc.Must(t, ".pagination a[rel=next]").AttrOr("href") != "/catalog?page=2" {
		t.Errorf("next page link %q", doc.Must(t, ".pagination a[rel=next]").AttrOr("href"))
	}
	if doc.First(".pagination a[rel=prev]") != nil {
		t.Error("a previous-page link on the first page")
	}
	// Item names link to their pages.
	if href := doc.Must(t, "table.catalog-table tbody th a").AttrOr("href"); href != "/catalog/JY-001" {
		t.Errorf("first item links to %s", href)
	}
}

func TestCatalogFilters(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tests := []struct {
		query string
		check func(map[string]string) bool
		min   int
	}{
		{"category=LD", func(r map[string]string) bool { return r["事项类别"] == "劳动关系" }, 6},
		{"applicant=person", func(r map[string]string) bool { return strings.Contains(r["服务对象"], "个人") }, 10},
		{"applicant=unit", func(r map[string]string) bool { return strings.Contains(r["服务对象"], "单位") }, 20},
		{"channel=online", func(r map[string]string) bool { return strings.Contains(r["办理方式"], "网上") }, 20},
		{"channel=counter", func(r map[string]string) bool { return strings.Contains(r["办理方式"], "窗口") }, 10},
		{"q=" + url.QueryEscape("参保登记"), func(r map[string]string) bool { return strings.Contains(r["事项名称"], "参保登记") }, 4},
		{"topic=injured", func(r map[string]string) bool {
			return strings.Contains(r["事项名称"], "工伤") || strings.Contains(r["事项名称"], "劳动能力")
		}, 3},
		{"category=SB&applicant=person&channel=online", func(r map[string]string) bool {
			return r["事项类别"] == "社会保险" && strings.Contains(r["服务对象"], "个人") && strings.Contains(r["办理方式"], "网上")
		}, 2},
	}
	for _, tc := range tests {
		doc := ts.GetHTML(t, "/catalog?"+tc.query, http.StatusOK)
		rows := catalogRows(t, doc)
		if len(rows) < min(tc.min, cases.DefaultPerPage) {
			t.Errorf("%s: %d rows, want at least %d", tc.query, len(rows), tc.min)
		}
		for _, r := range rows {
			if !tc.check(r) {
				t.Errorf("%s: unexpected row %v", tc.query, r)
			}
		}
	}

	// The form shows the filter in effect.
	doc := ts.GetHTML(t, "/catalog?category=LD&applicant=unit&channel=counter&q=%E5%90%88%E5%90%8C", http.StatusOK)
	if v := doc.Must(t, "#f-category option[selected]").AttrOr("value"); v != "LD" {
		t.Errorf("selected category %q", v)
	}
	if v := doc.Must(t, "#f-applicant option[selected]").AttrOr("value"); v != "unit" {
		t.Errorf("selected applicant %q", v)
	}
	if v := doc.Must(t, "#f-channel option[selected]").AttrOr("value"); v != "counter" {
		t.Errorf("selected channel %q", v)
	}
	if v := doc.Must(t, "#f-q").AttrOr("value"); v != "合同" {
		t.Errorf("keyword %q", v)
	}
	if rows := catalogRows(t, doc); len(rows) != 1 || rows[0]["事项名称"] != "集体合同审查" {
		t.Errorf("rows %v", rows)
	}

	// A topic keeps itself in the form and can be cleared.
	doc = ts.GetHTML(t, "/catalog?topic=pension&channel=counter", http.StatusOK)
	if doc.Must(t, "h1").TextContent() != "主题服务：企业养老保险" {
		t.Errorf("h1 %q", doc.Must(t, "h1").TextContent())
	}
	if doc.Must(t, `form.filters input[type=hidden][name=topic]`).AttrOr("value") != "pension" {
		t.Error("the filter form drops the topic")
	}
	if href := doc.Must(t, ".chip a").AttrOr("href"); href != "/catalog?channel=counter" {
		t.Errorf("clear-topic link %q", href)
	}
	doc = ts.GetHTML(t, "/catalog?topic=graduate", http.StatusOK)
	if doc.Must(t, "h1").TextContent() != "我是高校毕业生" {
		t.Errorf("h1 %q", doc.Must(t, "h1").TextContent())
	}

	// 个人办事 / 单位办事 in the navigation.
	for q, nav := range map[string]string{"applicant=person": "个人办事", "applicant=unit": "单位办事", "": "服务清单", "category=SB": "服务清单"} {
		doc := ts.GetHTML(t, "/catalog?"+q, http.StatusOK)
		if cur := doc.Must(t, `nav.main-nav a[aria-current=page]`).TextContent(); cur != nav {
			t.Errorf("/catalog?%s: current nav %q, want %q", q, cur, nav)
		}
	}
}

func TestCatalogPaging(t *testing.T) {
	ts := webtest.NewTestServer(t)
	// Page links keep the filters.
	doc := ts.GetHTML(t, "/catalog?applicant=unit&page=2", http.StatusOK)
	cur := doc.Must(t, ".pagination a[aria-current=page]")
	if cur.TextContent() != "2" {
		t.Errorf("current page %q", cur.TextContent())
	}
	for _, a := range doc.All(".pagination a") {
		u, _ := url.Parse(a.AttrOr("href"))
		if u.Query().Get("applicant") != "unit" {
			t.Errorf("page link %s drops the filter", a.AttrOr("href"))
		}
	}
	if href := doc.Must(t, ".pagination a[rel=prev]").AttrOr("href"); href != "/catalog?applicant=unit" {
		t.Errorf("prev link %q", href)
	}
	// Out of range pages clamp to the first or last page.
	_, total, err := ts.Catalog.List(t.Context(), cases.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	last := cases.Pages(total, cases.DefaultPerPage)
	for _, p := range []string{"999", "99999999999999999999999"} {
		doc := ts.GetHTML(t, "/catalog?page="+p, http.StatusOK)
		want := strconv.Itoa(last) // a number too large for an int clamps too
		if got := doc.Must(t, ".pagination a[aria-current=page]").TextContent(); got != want {
			t.Errorf("page=%s shows page %s, want %s", p, got, want)
		}
		if len(catalogRows(t, doc)) == 0 {
			t.Errorf("page=%s shows no rows", p)
		}
	}
	for _, p := range []string{"0", "-3", "abc", "1.5", ""} {
		doc := ts.GetHTML(t, "/catalog?page="+url.QueryEscape(p), http.StatusOK)
		if got := doc.Must(t, ".pagination a[aria-current=page]").TextContent(); got != "1" {
			t.Errorf("page=%q shows page %s, want 1", p, got)
		}
	}
}

func TestCatalogGarbageParams(t *testing.T) {
	ts := webtest.NewTestServer(t)
	for _, q := range []string{
		"category=%3Cscript%3Ealert(1)%3C/script%3E",
		"category=XX&applicant=martian&channel=fax&topic=nope",
		"applicant=both", // "both" is a value of items, not of the filter
		"q=%ff%fe", "q=%00", "q=" + strings.Repeat("%E5%BE%88", 500),
		"q=%25", "q=_", "q=%27%3B+DROP+TABLE+catalog_items%3B--",
		"page=1e9", "page=%ff", "page=9223372036854775807", "page=-9223372036854775808",
		"category=SB&category=LD", "q[]=x", "%zz=1", "topic=%ff", "topic=" + strings.Repeat("a", 300),
	} {
		rec := ts.Get(t, "/catalog?"+q)
		if rec.Code != http.StatusOK {
			t.Errorf("/catalog?%s: status %d", q, rec.Code)
			continue
		}
		doc := webtest.ParseHTML(t, rec.Body.String())
		if strings.Contains(rec.Body.String(), "<script>alert") {
			t.Errorf("/catalog?%s: the value is echoed unescaped", q)
		}
		if doc.First("table.catalog-table") == nil && doc.First(".empty") == nil {
			t.Errorf("/catalog?%s: neither a table nor an empty state", q)
		}
	}
	// Ignored values leave the whole catalog.
	doc := ts.GetHTML(t, "/catalog?category=XX&applicant=martian&channel=fax&topic=nope", http.StatusOK)
	if got := doc.Must(t, ".result-bar [role=status] strong").TextContent(); got != totalItems(t, ts) {
		t.Errorf("bad filters show %s items, want all %s", got, totalItems(t, ts))
	}
}

func totalItems(t *testing.T, ts *webtest.TestServer) string {
	t.Helper()
	_, total, err := ts.Catalog.List(t.Context(), cases.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(total)
}

func TestCatalogEmptyState(t *testing.T) {
	ts := webtest.NewTestServer(t)
	doc := ts.GetHTML(t, "/catalog?q="+url.QueryEscape("没有这个事项"), http.StatusOK)
	if doc.First("table.catalog-table") != nil {
		t.Error("a table for an empty result")
	}
	empty := doc.Must(t, ".empty")
	if txt := empty.TextContent(); !strings.Contains(txt, "没有找到符合条件的事项") || !strings.Contains(txt, "没有这个事项") {
		t.Errorf("empty state %q", txt)
	}
	if empty.Must(t, "a").AttrOr("href") != "/catalog" {
		t.Error("the empty state does not lead back to the whole catalog")
	}
	if doc.First(".pagination") != nil {
		t.Error("pagination on an empty result")
	}
	// The keyword may still match a notice: the whole-site search is one click away.
	if href := doc.Must(t, `.result-bar a[href^="/search?"]`).AttrOr("href"); !strings.EqualFold(href, "/search?q="+url.QueryEscape("没有这个事项")) {
		t.Errorf("site search link %q", href)
	}
}

func TestCatalogItem(t *testing.T) {
	ts := webtest.NewTestServer(t)
	doc := ts.GetHTML(t, "/catalog/LD-001", http.StatusOK)
	if h1 := doc.Must(t, "h1").TextContent(); h1 != "企业实行不定时工作制和综合计算工时工作制审批" {
		t.Errorf("h1 %q", h1)
	}
	facts := map[string]string{}
	for _, d := range doc.All("dl.facts > div") {
		facts[d.Must(t, "dt").TextContent()] = d.Must(t, "dd").TextContent()
	}
	for k, want := range map[string]string{
		"事项编码": "LD-001", "事项类别": "劳动关系", "服务对象": "单位", "办理方式": "网上或窗口办理",
		"办件类型": "承诺件", "法定期限": "20个工作日", "承诺期限": "13个工作日", "到现场次数": "0 次",
	} {
		if facts[k] != want {
			t.Errorf("%s = %q, want %q", k, facts[k], want)
		}
	}
	if n := len(doc.All("table.materials-table tbody tr")); n != 4 {
		t.Errorf("%d materials, want 4", n)
	}
	apply := doc.Must(t, ".apply-panel").TextContent()
	if !strings.Contains(apply, "登录后在线办理") || !strings.Contains(apply, "窗口") {
		t.Errorf("how to apply: %q", apply)
	}
	if href := doc.Must(t, ".apply-panel a.button").AttrOr("href"); href != "/unit/items/LD-001" {
		t.Errorf("login link %q", href)
	}

	// A counter-only item sends people to the counter, with no login button.
	doc = ts.GetHTML(t, "/catalog/SB-010", http.StatusOK)
	apply = doc.Must(t, ".apply-panel").TextContent()
	if !strings.Contains(apply, "经办窗口") || strings.Contains(apply, "登录后在线办理") || doc.First(".apply-panel a.button") != nil {
		t.Errorf("counter item: %q", apply)
	}
	// An item without materials says so.
	doc = ts.GetHTML(t, "/catalog/SB-007", http.StatusOK)
	if !strings.Contains(doc.Must(t, "main").TextContent(), "无需提交材料") {
		t.Error("SB-007 does not say that no materials are needed")
	}

	for _, code := range []string{"NO-999", "sb-001", "%ff", "SB-001%00", strings.Repeat("A", 200)} {
		doc := ts.GetHTML(t, "/catalog/"+code, http.StatusNotFound)
		if !strings.Contains(doc.Must(t, "main").TextContent(), "事项不存在") {
			t.Errorf("/catalog/%s: no 事项不存在 message", code)
		}
	}
}
