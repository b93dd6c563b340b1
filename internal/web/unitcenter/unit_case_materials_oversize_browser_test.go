package unitcenter

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/cases"
	"hall/internal/web/webtest"
)

// TestBrowserFilesOverLimit: with JavaScript, a file past the form's limit is
// refused before the form is sent — the page stays as it was, the server's
// message shows beside the file field, tied to it, and nothing reaches the
// server; a file within the limit clears it.
func TestBrowserFilesOverLimit(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 0x4131)
	base := ts.URL(t)

	big := filepath.Join(t.TempDir(), "劳动合同.png")
	if err := os.WriteFile(big, webtest.ScanPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, materialBodyLimit()); err != nil { // sparse: only its size counts
		t.Fatal(err)
	}

	b := browsertest.New(t)
	p := b.NewPage(t)
	webtest.BrowserUnitLogin(t, p, base, f.Home.USCC, f.Person.Mobile, webtest.Password)
	p.Open(base + "/unit/items/" + cases.ItemEnrolment + "/apply")
	p.Fill("职工姓名", "严大件")
	p.Fill("劳动合同（选传）", big)
	browsertest.Eval[bool](p, `(window.notReloaded = true)`)
	p.Click("提交申请")
	p.WaitText("上传的文件合计超过20MB，请压缩或分开上传")
	p.Screenshot("files-over-limit")
	if !browsertest.Eval[bool](p, `window.notReloaded === true`) {
		t.Fatal("the form was sent")
	}
	if got := browsertest.Eval[string](p, `document.getElementById('f-file_contract').getAttribute('aria-describedby') + ' ' +
		document.getElementById('f-file_contract').getAttribute('aria-invalid') + ' ' +
		document.getElementById('e-file_contract').textContent`); !strings.HasPrefix(got, "e-file_contract true 上传的文件合计超过20MB") {
		t.Fatalf("the message is not beside the file field, tied to it: %q", got)
	}
	var n int
	if err := ts.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM cases`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d cases, %v", n, err)
	}

	// A file within the limit: the message goes, and 保存草稿 sends the form.
	p.Fill("劳动合同（选传）", writeMaterial(t, "劳动合同.png"))
	p.Click("保存草稿")
	p.WaitURL("/unit/cases")
	p.WaitText("草稿已保存")
}
