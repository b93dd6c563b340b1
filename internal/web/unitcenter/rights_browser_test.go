package unitcenter

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/insurance"
	"hall/internal/qr/qrtest"
	"hall/internal/rights"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestBrowserRightsRecord: a legal rep signs in, opens 单位权益单, chooses a period
// and two insurance types and generates a record (first while another record
// holds the one build slot: 503, MsgRightsBusy, the choice kept; then again); the PDF downloaded with the
// session is the unit's (pdftotext), and the QR code on its first page (rendered
// by pdftoppm) leads to the verify page, which says 有效.
func TestBrowserRightsRecord(t *testing.T) {
	for _, tool := range []string{"pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s (poppler-utils) is needed: %v", tool, err)
		}
	}
	key := newHeldKey()
	ts := webtest.NewTestServer(t, key.oneBuild(t))
	f := webtest.NewTwoUnits(t, ts, 63)
	webtest.LoadInsurance(t, ts, f.Home, 12, 3)
	base := ts.URL(t)
	b := browsertest.New(t)
	p := b.NewPage(t, browsertest.AllowConsoleErrors("status of 503"))

	webtest.BrowserUnitLogin(t, p, base, f.Home.USCC, f.Person.Mobile, webtest.Password)
	p.ClickLink("单位权益单")
	p.WaitURL("/unit/rights")
	last := insurance.MonthOf(ts.Now().In(web.Shanghai)).Add(-1)
	p.Fill("查询起始年月", last.Add(-5).String())
	p.Fill("查询截止年月", last.String())
	p.Uncheck("失业保险")

	// While another record of the unit holds the one build slot, 生成权益单 is
	// told to try again, with the choice still on the form.
	held, done := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(done)
		_, _, err := ts.Rights.Issue(context.Background(), f.Home.ID, rights.Actor{PersonID: f.Person.ID},
			rights.Form{From: last.String(), To: last.String(), Types: []string{"pension"}})
		held <- err
	}()
	defer func() { key.let(); <-done }()
	select {
	case <-key.signing:
	case err := <-held:
		t.Fatalf("the holding record ended without signing: %v", err)
	}
	p.Click("生成权益单")
	p.WaitText(MsgRightsBusy)
	kept := browsertest.Eval[string](p, `[document.querySelector('#f-from').value, document.querySelector('#f-to').value,
		...['pension', 'injury', 'unemployment'].map((t) => document.querySelector('#rights-type-' + t).checked)].join(' ')`)
	if want := last.Add(-5).String() + " " + last.String() + " true true false"; kept != want {
		t.Errorf("the form after 繁忙: %q, want %q (months, then 养老, 工伤, 失业 ticked)", kept, want)
	}
	key.let()
	if err := <-held; err != nil {
		t.Fatalf("the holding record: %v", err)
	}

	p.Click("生成权益单")
	p.WaitText("权益单已生成")
	href := browsertest.Eval[string](p, `document.querySelector('[data-rights-issued] a').getAttribute('href')`)
	if !strings.HasPrefix(href, "/unit/rights/") {
		t.Fatalf("download link %q", href)
	}
	// The download, fetched with the page's session as the link would.
	b64 := browsertest.Eval[string](p, `fetch(`+"`"+href+"`"+`).then((r) => r.arrayBuffer()).then((buf) => {
		const u = new Uint8Array(buf); let s = '';
		for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]);
		return btoa(s);
	})`)
	pdf, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("download is not a PDF (%v): %q", err, pdf[:min(len(pdf), 16)])
	}
	path := filepath.Join(t.TempDir(), "record.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	text, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{f.Home.Name, "企业基本养老保险", "工伤保险"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("pdftotext finds no %q", want)
		}
	}
	link := qrtest.DecodePDFPage(t, path, 1)
	prefix := ts.Config.BaseURL + "/verify/"
	if !strings.HasPrefix(link, prefix) {
		t.Fatalf("QR code: %q, want a link under %s", link, prefix)
	}
	// The configured BaseURL is not the test server's port: follow the link's path.
	p.Open(base + strings.TrimPrefix(link, ts.Config.BaseURL))
	p.WaitText("社会保险权益记录单验证")
	if got := browsertest.Eval[string](p, `document.querySelector('[data-verify-result]').dataset.verifyResult`); got != "valid" {
		t.Errorf("verify page says %q, want valid", got)
	}
	if !p.HasText("有效") || !p.HasText(f.Home.Name) {
		t.Error("verify page does not say 有效 with the unit's name")
	}
}
