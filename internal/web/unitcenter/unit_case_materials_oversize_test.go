package unitcenter

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/services"
	"hall/internal/web/webtest"
)

// TestCaseFormOverLimit: a form whose body is over its route's limit (a file past
// materialBodyLimit) comes back as the same form with 413, the message naming the
// limit beside the file field (tied to it by aria-describedby, as every field's
// message is), the values typed before the file kept, and nothing stored: no case,
// no file, the draft as it was. The same for 保存草稿, and for the correction form
// of a returned case, which stays returned.
func TestCaseFormOverLimit(t *testing.T) {
	var dataDir string
	ts := webtest.NewTestServer(t, func(s *services.Services) { dataDir = s.Config.DataDir })
	desk := webtest.SignInLegalRep(t, ts, 0x4130, "严超限", "示范超限机械有限公司")
	w, u, c := desk.World, desk.Unit, desk.Client

	// A draft saved before: an over-limit 保存草稿 must leave it as it was.
	if rec := c.Post(t, "/unit/items/SB-002/draft", url.Values{cases.FieldName: {"旧草稿"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("save draft: %d", rec.Code)
	}
	draft := func() (form []byte, saved time.Time) {
		t.Helper()
		if err := ts.DB.QueryRow(context.Background(), `SELECT form, saved_at FROM case_drafts WHERE unit_id = ?`, u.ID).
			Scan(&form, &saved); err != nil {
			t.Fatal(err)
		}
		return form, saved
	}
	files := func() int {
		t.Helper()
		n := 0
		err := filepath.WalkDir(filepath.Join(dataDir, "scans"), func(_ string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				n++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	count := func(table string) int {
		t.Helper()
		var n int
		if err := ts.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil { // #nosec G202 -- a table name of the test
			t.Fatal(err)
		}
		return n
	}
	wantDraft, wantSaved := draft()
	wantCases, wantFiles := count("cases"), files()

	month := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01")
	form := url.Values{cases.FieldName: {"严新工"}, cases.FieldIDNumber: {w.IDNumber()}, cases.FieldStartMonth: {month},
		cases.FieldBase: {"6000"}, cases.FieldTypes: {"pension"}}
	big := append(webtest.ScanPNG(t), make([]byte, materialBodyLimit())...)
	msg := "上传的文件合计超过20MB，请压缩或分开上传"
	for _, target := range []string{"/unit/items/SB-002/apply", "/unit/items/SB-002/draft"} {
		rec := c.PostFiles(t, target, form, webtest.FormFile{Field: "file_contract", Name: "合同.png", Body: big})
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s: %d, want 413", target, rec.Code)
		}
		doc := webtest.ParseHTML(t, rec.Body.String())
		if doc.First(`form[action="/unit/items/SB-002/apply"][enctype="multipart/form-data"]`) == nil {
			t.Fatalf("%s: not the form again: %s", target, doc.TextContent())
		}
		e := doc.Must(t, "#e-file_contract")
		if !strings.Contains(e.TextContent(), msg) {
			t.Fatalf("%s: beside the file field: %q", target, e.TextContent())
		}
		in := doc.Must(t, "#f-file_contract")
		if in.AttrOr("aria-describedby") != "e-file_contract" || in.AttrOr("aria-invalid") != "true" {
			t.Fatalf("%s: the message is not tied to the file field", target)
		}
		for field, want := range map[string]string{"#f-name": "严新工", "#f-base": "6000", "#f-start_month": month} {
			if v := doc.Must(t, field).AttrOr("value"); v != want {
				t.Errorf("%s: %s = %q, want %q kept", target, field, v, want)
			}
		}
		if doc.First("#f-types-pension[checked]") == nil || doc.First("#f-types-injury[checked]") != nil {
			t.Errorf("%s: the insurance types typed were not kept", target)
		}
		if !strings.Contains(doc.TextContent(), "您有一份未提交的草稿") {
			t.Errorf("%s: the form does not say the draft is still there", target)
		}
		if got := count("cases"); got != wantCases {
			t.Fatalf("%s: %d cases, want %d", target, got, wantCases)
		}
		if got := files(); got != wantFiles {
			t.Fatalf("%s: %d stored files, want %d", target, got, wantFiles)
		}
		if got, saved := draft(); !bytes.Equal(got, wantDraft) || !saved.Equal(wantSaved) {
			t.Fatalf("%s: the draft changed: %q at %v", target, got, saved)
		}
	}

	// The correction form of a returned case.
	ctx := context.Background()
	if rec := c.PostFiles(t, "/unit/items/SB-002/apply", form); rec.Code != http.StatusSeeOther {
		t.Fatalf("apply: %d", rec.Code)
	}
	review := newBackOffice(t, ts, "big")
	id := review.onlySubmitted(t).ID
	review.sendBack(t, id, "请补充劳动合同")
	wantFiles = files()
	fix := url.Values{cases.FieldName: {"严改名"}}
	target := "/unit/cases/" + strconv.FormatInt(id, 10) + "/resubmit"
	rec := c.PostFiles(t, target, fix, webtest.FormFile{Field: "file_contract", Name: "合同.png", Body: big})
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("resubmit: %d, want 413", rec.Code)
	}
	doc := webtest.ParseHTML(t, rec.Body.String())
	if doc.First(`form[action="`+target+`"]`) == nil || !strings.Contains(doc.Must(t, "#e-file_contract").TextContent(), msg) ||
		doc.Must(t, "#f-file_contract").AttrOr("aria-describedby") != "e-file_contract" {
		t.Fatalf("resubmit: not the correction form with the message beside the file field: %s", doc.TextContent())
	}
	// What was typed is kept; what was not sent again shows as it was sent before.
	if v := doc.Must(t, "#f-name").AttrOr("value"); v != "严改名" {
		t.Errorf("resubmit: name = %q, want the one typed", v)
	}
	if v := doc.Must(t, "#f-base").AttrOr("value"); v != "6000" {
		t.Errorf("resubmit: base = %q, want the one sent before", v)
	}
	got, _, err := ts.Cases.StaffCase(ctx, review.clerk, id)
	if err != nil || got.State != cases.StateReturned {
		t.Fatalf("resubmit: the case is %s, %v; want still returned", got.State, err)
	}
	if n := files(); n != wantFiles {
		t.Fatalf("resubmit: %d stored files, want %d", n, wantFiles)
	}
}
