package unitcenter

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// infoFx is a unit with six months of insurance data (80 employees, foreigners,
// projects, subsidiaries), its legal rep signed in.
type infoFx struct {
	ts  *webtest.TestServer
	w   *webtest.World
	u   unit.Unit
	rep person.Person
	c   *webtest.Client
	// ids are the employees' full ID numbers, which no page or file may show.
	ids []string
}

func infoBuild(t *testing.T) *infoFx {
	t.Helper()
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 0x1f0)
	rep := w.Person(t, "钟明远")
	u := w.Unit(t, "示范信川精密机械有限公司", rep)
	last := insurance.MonthOf(ts.Now().In(web.Shanghai)).Add(-1)
	w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		_, err := insurance.LoadDemo(ctx, tx, rand.New(rand.NewPCG(5, 5)), []insurance.DemoUnit{{USCC: u.USCC, Region: "320102",
			Employees: 80, InjuryClass: 5, Construction: true, Subsidiaries: 3, Foreigners: 2}}, last, 6, insurance.DefaultBounds)
		return err
	})
	fx := &infoFx{ts: ts, w: w, u: u, rep: rep, c: webtest.NewClient(ts)}
	webtest.SignIn(t, fx.c, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	rows, err := ts.DB.Query(context.Background(), "SELECT id_number FROM insurance_employees WHERE uscc = ?", u.USCC)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		fx.ids = append(fx.ids, id)
	}
	if len(fx.ids) < 80 {
		t.Fatalf("only %d employees", len(fx.ids))
	}
	return fx
}

// noFullIDs fails when body holds any employee's full ID number.
func (fx *infoFx) noFullIDs(t *testing.T, what, body string) {
	t.Helper()
	for _, id := range fx.ids {
		if strings.Contains(body, id) {
			t.Fatalf("%s shows the full ID number %s", what, id)
		}
	}
}

// tableRows are the cells of the page's list.
func tableRows(doc *webtest.HTMLNode) [][]string {
	var out [][]string
	for _, tr := range doc.All("table.ui-rows tbody tr") {
		out = append(out, tr.Texts("td"))
	}
	return out
}

func link(t *testing.T, doc *webtest.HTMLNode, rel string) string {
	t.Helper()
	a := doc.First(`.pagination a[rel=` + rel + `]`)
	if a == nil {
		return ""
	}
	return a.AttrOr("href")
}

func TestUnitInfoBasicAndTabs(t *testing.T) {
	fx := infoBuild(t)
	doc := fx.c.Page(t, "/unit/info", http.StatusOK)
	webtest.CheckPage(t, fx.ts, "/unit/info", doc)
	text := doc.TextContent()
	for _, want := range []string{fx.u.USCC, fx.u.Name, fx.u.UnitNumber, ident.MaskName(fx.rep.Name), ident.MaskID(fx.rep.IDNumber),
		"法人基础信息修改需要原注册登记机构办理后", "企业基本养老保险", "参保缴费"} {
		if !strings.Contains(text, want) {
			t.Errorf("单位信息 lacks %q", want)
		}
	}
	if strings.Contains(text, fx.rep.Name) || strings.Contains(text, fx.rep.IDNumber) {
		t.Error("the legal rep's name or ID number is shown in full")
	}
	if doc.First(`a[href="/unit/info/edit"]`) == nil {
		t.Error("no 修改 link for the legal rep")
	}
	var tabs []string
	for _, a := range doc.All("nav.ui-tabs a") {
		tabs = append(tabs, a.TextContent())
	}
	want := []string{"参保信息", "人员缴费基数", "外国人互免信息", "超龄人员", "人员月度变更", "到龄人员", "缴费信息", "养老待遇", "工程工伤", "二级单位"}
	if !slices.Equal(tabs, want) {
		t.Fatalf("tabs %v, want %v", tabs, want)
	}
	// Every tab answers, with rows where the demo has them, and no full ID.
	for _, a := range doc.All("nav.ui-tabs a") {
		href := a.AttrOr("href")
		rec := fx.c.Get(t, href)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", href, rec.Code)
		}
		fx.noFullIDs(t, href, rec.Body.String())
		d := webtest.ParseHTML(t, rec.Body.String())
		if got := d.Must(t, "h3#ui-tab-title").TextContent(); got != a.TextContent() {
			t.Errorf("%s: tab title %q", href, got)
		}
		if cur := d.Must(t, `nav.ui-tabs a[aria-current=page]`).TextContent(); cur != a.TextContent() {
			t.Errorf("%s: current tab %q", href, cur)
		}
		if name := a.TextContent(); name != "到龄人员" && name != "超龄人员" && name != "养老待遇" && len(tableRows(d)) == 0 {
			t.Errorf("%s: no rows", href)
		}
	}
}

func TestUnitInfoPagingSortFilter(t *testing.T) {
	fx := infoBuild(t)
	first := fx.c.Page(t, "/unit/info?tab=payments", http.StatusOK)
	rows1 := tableRows(first)
	if len(rows1) != insurance.DefaultLimit {
		t.Fatalf("first page: %d rows", len(rows1))
	}
	if link(t, first, "prev") != "" {
		t.Error("the first page offers 上一页")
	}
	next := link(t, first, "next")
	if !strings.Contains(next, "after=") {
		t.Fatalf("下一页 %q carries no cursor", next)
	}
	second := fx.c.Page(t, next, http.StatusOK)
	rows2 := tableRows(second)
	if len(rows2) != insurance.DefaultLimit || slices.EqualFunc(rows1, rows2, slices.Equal) {
		t.Fatalf("second page: %d rows, the same as the first: %v", len(rows2), slices.EqualFunc(rows1, rows2, slices.Equal))
	}
	for _, r := range rows2 {
		if r[0] > rows1[len(rows1)-1][0] {
			t.Fatalf("second page has %s after %s: not newest first", r[0], rows1[len(rows1)-1][0])
		}
	}
	third := fx.c.Page(t, link(t, second, "next"), http.StatusOK)
	// 上一页 from the third page is the second, and from there the first.
	back := fx.c.Page(t, link(t, third, "prev"), http.StatusOK)
	if !slices.EqualFunc(tableRows(back), rows2, slices.Equal) {
		t.Fatal("上一页 from the third page is not the second")
	}
	back = fx.c.Page(t, link(t, back, "prev"), http.StatusOK)
	if !slices.EqualFunc(tableRows(back), rows1, slices.Equal) {
		t.Fatal("上一页 twice from the third page is not the first")
	}
	if link(t, back, "prev") != "" {
		t.Error("the first page reached backwards offers 上一页")
	}
	if fx.c.Get(t, "/unit/info?tab=payments&after=bm90LWEtY3Vyc29y").Code != http.StatusBadRequest {
		t.Error("a forged cursor is not refused")
	}

	// Oldest first.
	old := tableRows(fx.c.Page(t, "/unit/info?tab=payments&sort=old", http.StatusOK))
	if old[0][0] >= rows1[0][0] {
		t.Errorf("oldest first starts with %s, newest first with %s", old[0][0], rows1[0][0])
	}

	// Filter by one person: by full name, by full ID number and by the masks the
	// page shows; never a full ID in the page.
	var name, id string
	if err := fx.ts.DB.QueryRow(context.Background(), "SELECT name, id_number FROM insurance_employees WHERE uscc = ? ORDER BY id_number LIMIT 1",
		fx.u.USCC).Scan(&name, &id); err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{name, id, ident.MaskID(id)} {
		rec := fx.c.Get(t, fx.filtered(t, "changes", typed))
		fx.noFullIDs(t, "the filtered page", rec.Body.String())
		rows := tableRows(webtest.ParseHTML(t, rec.Body.String()))
		found := false
		for _, r := range rows {
			found = found || r[2] == ident.MaskID(id)
			if typed != ident.MaskID(id) && (r[1] != ident.MaskName(name) || r[2] != ident.MaskID(id)) {
				t.Errorf("filter %q kept %v", typed, r)
			}
			if typed == ident.MaskID(id) && r[2] != ident.MaskID(id) {
				t.Errorf("mask filter kept %v", r)
			}
		}
		if !found {
			t.Errorf("filter %q: the person's changes are missing (%d rows)", typed, len(rows))
		}
	}
	none := fx.c.Page(t, "/unit/info?tab=changes&person=不存在的人", http.StatusOK)
	if len(tableRows(none)) != 0 || !strings.Contains(none.TextContent(), "没有与“不存在的人”相符的记录") {
		t.Error("an unknown person does not empty the list")
	}
}

// filtered posts the person filter typed on tab and answers the address it
// redirects to, which must carry no full ID number.
func (fx *infoFx) filtered(t *testing.T, tab, typed string) string {
	t.Helper()
	rec := fx.c.Post(t, "/unit/info", url.Values{"tab": {tab}, "person": {typed}})
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/unit/info?") {
		t.Fatalf("filter %q: %d %q", typed, rec.Code, loc)
	}
	fx.noFullIDs(t, "the filter's redirect", loc)
	return loc
}

// TestUnitInfoFilterByFullID: a full ID number typed as the filter reaches no
// address — not the redirect, not a link or form of the filtered page, not a
// bookmarked ?person= (answered by a redirect to the key's address) — and the
// filter, its paging and its export keep only that person's rows.
func TestUnitInfoFilterByFullID(t *testing.T) {
	fx := infoBuild(t)
	var name, id string
	if err := fx.ts.DB.QueryRow(context.Background(), `SELECT e.name, e.id_number FROM insurance_employees e WHERE e.uscc = ?
		ORDER BY (SELECT COUNT(*) FROM insurance_payments p WHERE p.uscc = e.uscc AND p.id_number = e.id_number) DESC LIMIT 1`,
		fx.u.USCC).Scan(&name, &id); err != nil {
		t.Fatal(err)
	}
	loc := fx.filtered(t, "payments", id)
	if !strings.Contains(loc, "who=") || strings.Contains(loc, "person=") {
		t.Fatalf("the redirect %q names the person otherwise than by key", loc)
	}
	rec := fx.c.Get(t, loc)
	if rec.Code != http.StatusOK {
		t.Fatalf("the filtered page answers %d", rec.Code)
	}
	fx.noFullIDs(t, "the filtered page", rec.Body.String())
	doc := webtest.ParseHTML(t, rec.Body.String())
	if got := doc.Must(t, "#ui-person").AttrOr("value"); got != ident.MaskID(id) {
		t.Errorf("the filter shows %q, want the masked %q", got, ident.MaskID(id))
	}
	rows := tableRows(doc)
	if len(rows) == 0 {
		t.Fatal("the filter by the full ID number keeps nothing")
	}
	for _, r := range rows {
		if r[3] != ident.MaskID(id) {
			t.Fatalf("the filter kept %v", r)
		}
	}
	links := 0
	for _, a := range append(doc.All("a"), doc.All("form")...) {
		fx.noFullIDs(t, "a link of the filtered page", a.AttrOr("href")+a.AttrOr("action"))
		if strings.Contains(a.AttrOr("href"), "who=") {
			links++
		}
	}
	if links < 3 { // the orders, the exports and the next page keep the filter
		t.Errorf("only %d links of the page keep the filter", links)
	}
	if next := doc.First(`a[rel="next"]`); next != nil {
		for _, r := range tableRows(fx.c.Page(t, next.AttrOr("href"), http.StatusOK)) {
			if r[3] != ident.MaskID(id) {
				t.Fatalf("the next page kept %v", r)
			}
		}
	}
	exp := doc.Must(t, `a[href^="/unit/info/export"]`).AttrOr("href")
	lines, raw := fx.readCSV(t, exp, false)
	fx.noFullIDs(t, "the filtered export", string(raw))
	var want int
	if err := fx.ts.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM insurance_payments WHERE uscc = ? AND id_number = ?",
		fx.u.USCC, id).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if len(lines)-1 != want || len(rows) == 0 {
		t.Errorf("the filtered export has %d rows, the person %d payments", len(lines)-1, want)
	}

	old := fx.c.Get(t, "/unit/info?tab=payments&person="+url.QueryEscape(id))
	if old.Code != http.StatusSeeOther || old.Header().Get("Location") != loc {
		t.Errorf("a bookmarked ?person=<ID> answers %d %q, want a redirect to %q", old.Code, old.Header().Get("Location"), loc)
	}
	stale := fx.c.Page(t, "/unit/info?tab=payments&who=0123456789abcdef", http.StatusOK)
	if len(tableRows(stale)) != 0 || !strings.Contains(stale.TextContent(), "没有与“所选人员”相符的记录") {
		t.Error("a key of nobody does not empty the list")
	}
}

// readCSV reads the export of target, decoding GB18030 when gb.
func (fx *infoFx) readCSV(t *testing.T, target string, gb bool) ([][]string, []byte) {
	t.Helper()
	rec := fx.c.Get(t, target)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment;") {
		t.Fatalf("%s: %d %q %q", target, rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"))
	}
	raw := rec.Body.Bytes()
	var r io.Reader = bytes.NewReader(raw)
	if gb {
		r = simplifiedchinese.GB18030.NewDecoder().Reader(r)
	} else {
		if !bytes.HasPrefix(raw, []byte("\ufeff")) {
			t.Fatal("the UTF-8 file has no byte-order mark")
		}
		r = bytes.NewReader(raw[3:])
	}
	lines, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	return lines, raw
}

func TestUnitInfoExport(t *testing.T) {
	fx := infoBuild(t)
	doc := fx.c.Page(t, "/unit/info?tab=payments", http.StatusOK)
	utf := doc.Must(t, `a[href^="/unit/info/export"]`).AttrOr("href")
	var gbURL string
	for _, a := range doc.All(`a[href^="/unit/info/export"]`) {
		if a.TextContent() == "导出CSV（Excel 适用）" {
			gbURL = a.AttrOr("href")
		}
	}
	if !strings.Contains(gbURL, "encoding=gb18030") {
		t.Fatalf("no 导出CSV（Excel 适用） link: %q", gbURL)
	}
	lines, raw := fx.readCSV(t, utf, false)
	fx.noFullIDs(t, "the CSV", string(raw))
	var want int
	if err := fx.ts.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM insurance_payments WHERE uscc = ?", fx.u.USCC).Scan(&want); err != nil {
		t.Fatal(err)
	}
	// More than one page of the read model (MaxLimit): the stream pages on.
	if len(lines)-1 != want || want <= insurance.MaxLimit {
		t.Fatalf("the CSV has %d rows, the unit %d payments", len(lines)-1, want)
	}
	if !slices.Equal(lines[0], infoTabByKey("payments").Headers) {
		t.Fatalf("header %v", lines[0])
	}
	gbLines, gbRaw := fx.readCSV(t, gbURL, true)
	if !slices.EqualFunc(lines, gbLines, slices.Equal) {
		t.Fatal("the GB18030 file decodes to other lines than the UTF-8 one")
	}
	if bytes.Contains(gbRaw, []byte("险种类型")) || !bytes.Contains(gbRaw, []byte{0xcf, 0xd5}) { // 险 in GB18030
		t.Fatal("the GB18030 file is not GB18030")
	}

	// The filter and the order apply; the cursor does not (the file is the list).
	var name string
	if err := fx.ts.DB.QueryRow(context.Background(), "SELECT name FROM insurance_employees WHERE uscc = ? ORDER BY id_number LIMIT 1",
		fx.u.USCC).Scan(&name); err != nil {
		t.Fatal(err)
	}
	one, _ := fx.readCSV(t, "/unit/info/export?tab=changes&sort=old&after=garbage&person="+url.QueryEscape(name), false)
	if len(one) < 2 {
		t.Fatalf("the filtered export has %d lines", len(one))
	}
	for _, l := range one[1:] {
		if l[1] != ident.MaskName(name) {
			t.Fatalf("filtered export kept %v", l)
		}
	}
	for i := 2; i < len(one); i++ {
		if one[i][0] < one[i-1][0] {
			t.Fatal("the export is not oldest first")
		}
	}
}

func TestUnitInfoEdit(t *testing.T) {
	fx := infoBuild(t)
	doc := fx.c.Page(t, "/unit/info/edit", http.StatusOK)
	webtest.CheckPage(t, fx.ts, "/unit/info/edit", doc)
	if !strings.Contains(doc.TextContent(), "法人基础信息修改需要原注册登记机构办理后") {
		t.Error("the form lacks the legal-rep explanation")
	}
	if doc.First(`input[name="name"], input[name="uscc"], input[name="legal_rep"]`) != nil {
		t.Error("the form lets the registry's data be edited")
	}
	form := func(addr, contact, phone string) url.Values {
		return url.Values{infoFieldWasAddress: {fx.u.Address}, infoFieldWasContact: {""}, infoFieldWasPhone: {""},
			unit.FieldAddress: {addr}, unit.FieldContactName: {contact}, unit.FieldContactPhone: {phone}}
	}
	// Invalid: each message beside its field, nothing stored.
	rec := fx.c.Post(t, "/unit/info/edit", form("路", "陈1", "110"))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid form: %d", rec.Code)
	}
	bad := webtest.ParseHTML(t, rec.Body.String())
	for field, msg := range map[string]string{unit.FieldAddress: "单位地址过短", unit.FieldContactName: "只能包含汉字", unit.FieldContactPhone: "联系电话格式不正确"} {
		if e := bad.First("#e-" + field); e == nil || !strings.Contains(e.TextContent(), msg) {
			t.Errorf("no %q beside %s", msg, field)
		}
	}
	// Valid: stored, audited, the page says so and shows the phone masked.
	rec = fx.c.Post(t, "/unit/info/edit", form("示范市示范区信川路18号", "许 澄", "139 0000 1234"))
	if loc := webtest.Redirected(t, rec); loc != "/unit/info?notice=saved" {
		t.Fatalf("saved → %q", loc)
	}
	u, _ := fx.ts.Units.Get(context.Background(), fx.u.ID)
	if u.Address != "示范市示范区信川路18号" || u.ContactName != "许 澄" || u.ContactPhone != "13900001234" {
		t.Fatalf("stored %+v", unit.ContactOf(u))
	}
	page := fx.c.Page(t, "/unit/info?notice=saved", http.StatusOK)
	if got := page.Must(t, ".ui-phone").TextContent(); got != "139****1234" {
		t.Errorf("the phone shows as %q", got)
	}
	es, _, err := fx.ts.Audit.List(context.Background(), audit.Filter{UnitID: fx.u.ID, Action: "unit.info.change"})
	if err != nil || len(es) != 1 || es[0].PersonID != fx.rep.ID || es[0].Detail["contact_phone.new"] != "139****1234" {
		t.Fatalf("audit: %+v, %v", es, err)
	}
	// The form again shows the phone only masked; left empty it keeps it.
	again := fx.c.Page(t, "/unit/info/edit", http.StatusOK)
	if strings.Contains(again.TextContent()+again.Must(t, "form.ui-edit-form").AttrOr("action"), "13900001234") ||
		strings.Contains(fx.c.Get(t, "/unit/info/edit").Body.String(), "13900001234") {
		t.Error("the form shows the phone in full")
	}
	keep := url.Values{infoFieldWasAddress: {u.Address}, infoFieldWasContact: {u.ContactName}, infoFieldWasPhone: {"139****1234"},
		unit.FieldAddress: {u.Address}, unit.FieldContactName: {"许澄"}, unit.FieldContactPhone: {""}}
	webtest.Redirected(t, fx.c.Post(t, "/unit/info/edit", keep))
	if u2, _ := fx.ts.Units.Get(context.Background(), fx.u.ID); u2.ContactPhone != "13900001234" || u2.ContactName != "许澄" {
		t.Fatalf("after keeping the phone: %+v", unit.ContactOf(u2))
	}
	// A form based on the page before that change is refused, nothing stored.
	rec = fx.c.Post(t, "/unit/info/edit", keep)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), infoMsgChanged) {
		t.Fatalf("stale form: %d", rec.Code)
	}
}

// TestUnitInfoEditAgents: an agent without SB-009 sees the page but not 修改 and is
// refused the form and the change; with SB-009 it may.
func TestUnitInfoEditAgents(t *testing.T) {
	fx := infoBuild(t)
	agent := func(items ...string) *webtest.Client {
		p := fx.w.Person(t, "蔺北辰")
		m := fx.w.Member(t, unit.Membership{UnitID: fx.u.ID, PersonID: p.ID, Role: unit.RoleAgent, Status: unit.StatusActive}, "Agent-Pass-2026")
		if _, err := fx.ts.DB.Exec(context.Background(), "DELETE FROM grants WHERE membership_id = ?", m.ID); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if _, err := fx.ts.DB.Exec(context.Background(), "INSERT INTO grants (membership_id, item_code, granted_by, granted_at) VALUES (?, ?, ?, ?)",
				m.ID, it, fx.rep.ID, store.Time(time.Now())); err != nil {
				t.Fatal(err)
			}
		}
		c := webtest.NewClient(fx.ts)
		webtest.SignIn(t, c, webtest.UnitSubject(p, fx.u, unit.RoleAgent))
		return c
	}
	out := agent("SB-001")
	doc := out.Page(t, "/unit/info", http.StatusOK)
	if doc.First(`a[href="/unit/info/edit"]`) != nil || !strings.Contains(doc.TextContent(), "单位参保信息变更登记") {
		t.Error("an agent without the grant is offered 修改, or not told why not")
	}
	if rec := out.Get(t, "/unit/info/edit"); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "不在您的授权范围内") {
		t.Fatalf("the form for an agent without the grant: %d", rec.Code)
	}
	before, _ := fx.ts.Units.Get(context.Background(), fx.u.ID)
	rec := out.Post(t, "/unit/info/edit", url.Values{infoFieldWasAddress: {before.Address}, unit.FieldAddress: {"示范市示范区另一路1号"},
		unit.FieldContactName: {"蔺北辰"}, unit.FieldContactPhone: {"13900005678"}})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("the change by an agent without the grant: %d", rec.Code)
	}
	if after, _ := fx.ts.Units.Get(context.Background(), fx.u.ID); after != before {
		t.Fatal("a refused change changed the unit")
	}
	in := agent("SB-009")
	if in.Page(t, "/unit/info", http.StatusOK).First(`a[href="/unit/info/edit"]`) == nil {
		t.Error("an agent with the grant is not offered 修改")
	}
	webtest.Redirected(t, in.Post(t, "/unit/info/edit", url.Values{infoFieldWasAddress: {before.Address}, unit.FieldAddress: {"示范市示范区另一路1号"},
		unit.FieldContactName: {"蔺北辰"}, unit.FieldContactPhone: {"13900005678"}}))
}

// TestUnitInfoExportFailure: a read that fails before the first byte of the file
// answers the error page, not a file.
func TestUnitInfoExportFailure(t *testing.T) {
	fx := infoBuild(t)
	if _, err := fx.ts.DB.Exec(context.Background(), "DROP TABLE insurance_changes"); err != nil {
		t.Fatal(err)
	}
	rec := fx.c.Get(t, "/unit/info/export?tab=changes")
	if rec.Code != http.StatusInternalServerError || rec.Header().Get("Content-Disposition") != "" ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("failed export: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"))
	}
}
