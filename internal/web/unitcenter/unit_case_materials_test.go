package unitcenter

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestCaseMaterialsOverHTTP: 退工停保登记's required 解除（终止）劳动合同证明 — missing,
// or a file that is not a document, is refused beside its file field with the rest
// of the form kept; a file sent with a form refused for another field stays
// attached; the case page lists the material, and its download is an attachment
// for the unit's users who may handle the item only: another unit gets a 404, an
// agent without the grant a 403.
func TestCaseMaterialsOverHTTP(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x3e7, "韩立材", "示范材料机械有限公司")
	w, rep, u, c := desk.World, desk.Rep, desk.Unit, desk.Client
	emp := ident.GenerateResidentID(w.Generator, "320104", time.Date(1991, 5, 6, 0, 0, 0, 0, time.UTC), true)
	enrolEmployee(t, ts, u.USCC, emp, "何其材")

	doc := c.Page(t, "/unit/items/SB-004/apply", http.StatusOK)
	webtest.CheckPage(t, ts, "/unit/items/SB-004/apply", doc)
	if f := doc.First(`form[enctype="multipart/form-data"] input[type="file"][name="file_termination"]`); f == nil ||
		!strings.Contains(doc.TextContent(), "解除（终止）劳动合同证明") || !strings.Contains(doc.TextContent(), cases.MaterialTypes) {
		t.Fatal("the form has no file field for the required material with its types and limit")
	}
	today := ts.Now().In(web.Shanghai)
	form := url.Values{cases.FieldIDNumber: {emp}, cases.FieldName: {"何其材"}, cases.FieldLeaveDate: {today.Format("2006-01-02")},
		cases.FieldStopMonth: {insurance.MonthOf(today).String()}, cases.FieldReason: {"expired"}}
	for _, c2 := range []struct {
		name  string
		files []webtest.FormFile
		want  string
	}{
		{"missing", nil, "请上传解除（终止）劳动合同证明"},
		{"not a document", []webtest.FormFile{{Field: "file_termination", Name: "证明.pdf",
			Body: []byte(strings.Repeat("<html><script>alert(1)</script></html>", 4))}}, "只能上传PDF、JPG或PNG格式的扫描件"},
		{"empty", []webtest.FormFile{{Field: "file_termination", Name: "证明.pdf", Body: []byte("%PDF-1.4")}}, "文件为空或过小"},
	} {
		rec := c.PostFiles(t, "/unit/items/SB-004/apply", form, c2.files...)
		if rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d", c2.name, rec.Code)
		}
		back := webtest.ParseHTML(t, rec.Body.String())
		if e := back.First("#e-file_termination"); e == nil || !strings.Contains(e.TextContent(), c2.want) {
			t.Fatalf("%s: no message beside the file field", c2.name)
		}
		if in := back.First(`input[name="leave_date"]`); in == nil || in.AttrOr("value") != today.Format("2006-01-02") {
			t.Fatalf("%s: the rest of the form was not kept", c2.name)
		}
	}
	// A file over the limit is refused beside the field too.
	big := append(webtest.ScanPNG(t), make([]byte, 10<<20)...)
	rec := c.PostFiles(t, "/unit/items/SB-004/apply", form, webtest.FormFile{Field: "file_termination", Name: "大.png", Body: big})
	if e := webtest.ParseHTML(t, rec.Body.String()).First("#e-file_termination"); rec.Code != http.StatusUnprocessableEntity ||
		e == nil || !strings.Contains(e.TextContent(), "不能超过10MB") {
		t.Fatalf("oversize: %d", rec.Code)
	}

	// Refused for the stop month, the proof sent stays attached.
	late := url.Values{}
	for k, v := range form {
		late[k] = v
	}
	late.Set(cases.FieldStopMonth, "2001-01")
	rec = c.PostFiles(t, "/unit/items/SB-004/apply", late, webtest.FormFile{Field: "file_termination", Name: "证明.png", Body: webtest.ScanPNG(t)})
	back := webtest.ParseHTML(t, rec.Body.String())
	ref := back.First(`input[type="hidden"][name="material_termination"]`)
	if rec.Code != http.StatusUnprocessableEntity || ref == nil || !strings.Contains(back.TextContent(), "已上传：证明.png（PNG") {
		t.Fatalf("the refused form lost the proof: %d", rec.Code)
	}
	form.Set("material_termination", ref.AttrOr("value"))
	rec = c.PostFiles(t, "/unit/items/SB-004/apply", form)
	loc := appliedCase(t, rec) // with the carried proof
	detail := c.Page(t, loc, http.StatusOK)
	webtest.CheckPage(t, ts, loc, detail)
	link := detail.First(`a[href^="` + loc + `/materials/"]`)
	if link == nil || !strings.Contains(detail.TextContent(), "证明.png") || !strings.Contains(detail.TextContent(), "PNG") {
		t.Fatal("the case page does not list the material")
	}
	href := link.AttrOr("href")
	dl := c.Get(t, href)
	if dl.Code != http.StatusOK || dl.Header().Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(dl.Header().Get("Content-Disposition"), "attachment;") ||
		dl.Header().Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(dl.Body.Bytes(), webtest.ScanPNG(t)) {
		t.Fatalf("download: %d %v", dl.Code, dl.Header())
	}

	// Another unit's legal rep: no such case.
	rep2 := w.Person(t, "袁别家")
	u2 := w.Unit(t, "示范别家商贸有限公司", rep2)
	other := webtest.NewClient(ts)
	webtest.SignIn(t, other, webtest.UnitSubject(rep2, u2, unit.RoleLegalRep))
	if rec := other.Get(t, href); rec.Code != http.StatusNotFound {
		t.Fatalf("another unit: %d, want 404", rec.Code)
	}
	agent := func(name, item, password string) *webtest.Client {
		return grantedAgent(t, ts, w, u, rep.ID, name, item, password)
	}
	without, with := agent("郑他材", cases.ItemSubsidy, "Agt-Other-Pass-7"), agent("冯本材", cases.ItemLeave, "Agt-Granted-Pass-7")
	if rec := without.Get(t, href); rec.Code != http.StatusForbidden {
		t.Fatalf("agent without the grant: %d, want 403", rec.Code)
	}
	if rec := with.Get(t, href); rec.Code != http.StatusOK {
		t.Fatalf("agent with the grant: %d, want 200", rec.Code)
	}
	// The case page offers the link only to whom it serves.
	if page := without.Page(t, loc, http.StatusOK); page.First(`a[href="`+href+`"]`) != nil || !strings.Contains(page.TextContent(), "无该事项授权") {
		t.Error("the case page offers an agent without the grant a link to a refusal")
	}
	if with.Page(t, loc, http.StatusOK).First(`a[href="`+href+`"]`) == nil {
		t.Error("the case page does not offer the granted agent the material")
	}
}

// TestMaterialUploadBudgetOverHTTP: a person who has uploaded the day's 60
// materials is refused the 61st beside its file field, with the rest of the form
// kept, on 提交申请 and on 保存草稿 alike (no draft saved without it), and the
// file is not written to the scans store.
func TestMaterialUploadBudgetOverHTTP(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x3e8, "韩立额", "示范额度机械有限公司")
	rep, u, c := desk.Rep, desk.Unit, desk.Client
	ctx := context.Background()
	now := ts.Now()
	// The day's uploads so far: 60 files, as the budget's table records them.
	for i := range cases.DefaultUploadBudget.PersonFiles {
		id := strings.Repeat("a", 40) + string(rune('A'+i/26)) + string(rune('a'+i%26)) + "0"
		if _, err := ts.DB.Exec(ctx, `INSERT INTO material_uploads (id, unit_id, person_id, size, uploaded_at) VALUES (?, ?, ?, ?, ?)`,
			id, u.ID, rep.ID, 1000, store.Time(now.Add(-time.Duration(i+1)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	scansDir := filepath.Join(ts.Config.DataDir, "scans")
	before := countFiles(t, scansDir)
	form := url.Values{cases.FieldName: {"何其额"}}
	rec := c.PostFiles(t, "/unit/items/SB-002/apply", form, webtest.FormFile{Field: "file_contract", Name: "合同.png", Body: webtest.ScanPNG(t)})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", rec.Code)
	}
	back := webtest.ParseHTML(t, rec.Body.String())
	// The oldest of the 60, an hour old, leaves the window in 23 hours.
	until := store.Time(now.Add(-60 * time.Minute)).Add(24 * time.Hour).In(web.Shanghai)
	if until.Truncate(time.Minute).Before(until) {
		until = until.Truncate(time.Minute).Add(time.Minute)
	}
	want := "您24小时内上传的材料已达上限（每人最多60份、共200MB），请于" + until.Format("1月2日 15:04") + "后再上传"
	if e := back.First("#e-file_contract"); e == nil || !strings.Contains(e.TextContent(), want) {
		t.Fatalf("no budget message beside the file field; want %q", want)
	}
	if in := back.First(`input[name="name"]`); in == nil || in.AttrOr("value") != "何其额" {
		t.Fatal("the rest of the form was not kept")
	}
	if got := countFiles(t, scansDir); got != before {
		t.Fatalf("the refused upload was written: %d files, were %d", got, before)
	}
	// 保存草稿 with the file: the same message beside the field, and no draft
	// saved that would silently lack the file.
	rec = c.PostFiles(t, "/unit/items/SB-002/draft", form, webtest.FormFile{Field: "file_contract", Name: "合同.png", Body: webtest.ScanPNG(t)})
	if e := webtest.ParseHTML(t, rec.Body.String()).First("#e-file_contract"); rec.Code != http.StatusUnprocessableEntity ||
		e == nil || !strings.Contains(e.TextContent(), want) {
		t.Fatalf("draft over the budget: %d", rec.Code)
	}
	var n, drafts int
	if err := ts.DB.QueryRow(ctx, `SELECT COUNT(*) FROM case_drafts WHERE person_id = ?`, rep.ID).Scan(&drafts); err != nil || drafts != 0 {
		t.Fatalf("%d drafts saved: %v", drafts, err)
	}
	if got := countFiles(t, scansDir); got != before {
		t.Fatalf("the refused upload was written: %d files, were %d", got, before)
	}
	if err := ts.DB.QueryRow(ctx, `SELECT COUNT(*) FROM material_uploads WHERE person_id = ?`, rep.ID).Scan(&n); err != nil || n != 60 {
		t.Fatalf("%d uploads recorded, want 60: %v", n, err)
	}
}

// countFiles counts the files under dir; a missing dir holds none.
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if !d.IsDir() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
