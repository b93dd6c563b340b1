package app

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/qr/qrtest"
	"hall/internal/rights"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// recordID is the ID in a record's verify link.
func recordID(t *testing.T, ts *webtest.TestServer, rec rights.Record) string {
	t.Helper()
	id, ok := strings.CutPrefix(rec.VerifyURL, ts.Config.BaseURL+"/verify/")
	if !ok {
		t.Fatalf("verify URL %q is not under %s/verify/", rec.VerifyURL, ts.Config.BaseURL)
	}
	return id
}

// TestAppRecord: 扫一扫 turns a record's verify link into the app's screen, which
// needs no sign-in and shows the record's facts, masked, and 有效; after its 6
// months 已过有效期; an unknown or malformed ID 未找到该权益单 (404).
func TestAppRecord(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 6, 2, 10, 0, 0, 0, web.Shanghai))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	rec, _ := webtest.IssueRecord(t, ts, 412)
	id := recordID(t, ts, rec)
	app := webtest.NewClient(ts)
	path := webtest.Redirected(t, app.Post(t, "/app/scan", url.Values{"link": {rec.VerifyURL}}))
	if path != "/app/records/"+id {
		t.Fatalf("scan of %q → %q", rec.VerifyURL, path)
	}
	doc := webtest.Parsed(t, app.Get(t, path), http.StatusOK)
	webtest.CheckPage(t, ts, path, doc)
	webtest.CheckRecordCheck(t, doc, rec, "valid")
	if doc.First("nav.app-tabs") == nil {
		t.Error("the screen is not in the app's layout")
	}

	clock.Advance(7 * 31 * 24 * time.Hour)
	webtest.CheckRecordCheck(t, webtest.Parsed(t, app.Get(t, path), http.StatusOK), rec, "expired")

	other := "A" + id[1:]
	if id[0] == 'A' {
		other = "B" + id[1:]
	}
	for _, p := range []string{"/app/records/" + other, "/app/records/short"} {
		doc := webtest.Parsed(t, app.Get(t, p), http.StatusNotFound)
		if h1 := doc.Must(t, "h1").TextContent(); h1 != "未找到该权益单" {
			t.Errorf("%s: h1 %q", p, h1)
		}
	}
}

// TestAppRecordRateLimit: the app's screen counts in the public page's scope, so an
// address gets rights.VerifyAddrLimits.LockAfter look-ups a window between the two;
// the next is refused (429) before any look-up.
func TestAppRecordRateLimit(t *testing.T) {
	ts := webtest.NewTestServer(t)
	half := rights.VerifyAddrLimits.LockAfter / 2
	for i := range rights.VerifyAddrLimits.LockAfter {
		p := "/app/records/unknown"
		if i < half {
			p = "/verify/unknown"
		}
		if rec := ts.Get(t, p); rec.Code != http.StatusNotFound {
			t.Fatalf("look-up %d (%s): %d, want 404", i+1, p, rec.Code)
		}
	}
	rec := ts.Get(t, "/app/records/unknown")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" ||
		!strings.Contains(rec.Body.String(), "查询过于频繁") {
		t.Errorf("look-up past the limit: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
}

// TestBrowserAppRecord: the QR code printed on a rights record (its first page
// rendered by pdftoppm and decoded), pasted into 扫一扫's 二维码链接 on a phone that
// is not signed in, opens the app's screen, which says 有效.
func TestBrowserAppRecord(t *testing.T) {
	ts := webtest.NewTestServer(t)
	rec, pdf := webtest.IssueRecord(t, ts, 412)
	file := filepath.Join(t.TempDir(), "record.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	link := qrtest.DecodePDFPage(t, file, 1)
	if link != rec.VerifyURL {
		t.Fatalf("QR code: %q, want %q", link, rec.VerifyURL)
	}

	b := browsertest.New(t)
	phone := b.NewPage(t, browsertest.Mobile())
	phone.Open(ts.URL(t) + "/app/scan")
	phone.Fill("二维码链接", link)
	phone.Click("打开")
	phone.WaitURL("/app/records/" + recordID(t, ts, rec))
	phone.WaitText("权益单验证")
	if got := browsertest.Eval[string](phone, `document.querySelector('[data-verify-result]').dataset.verifyResult`); got != "valid" {
		t.Errorf("app screen says %q, want valid", got)
	}
	if !phone.HasText("有效") || !phone.HasText(rec.UnitName) {
		t.Error("app screen does not say 有效 with the unit's name")
	}
}
