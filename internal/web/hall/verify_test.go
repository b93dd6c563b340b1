package hall

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/rights"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// verifyIssue issues a record of a unit with demo insurance data on ts and returns
// its verify path and the record.
func verifyIssue(t *testing.T, ts *webtest.TestServer) (string, rights.Record) {
	t.Helper()
	rec, _ := webtest.IssueRecord(t, ts, 411)
	u, err := url.Parse(rec.VerifyURL)
	if err != nil || !strings.HasPrefix(rec.VerifyURL, ts.Config.BaseURL+"/verify/") {
		t.Fatalf("verify URL %q (%v) is not under %s/verify/", rec.VerifyURL, err, ts.Config.BaseURL)
	}
	return u.Path, rec
}

// TestVerifyRecord: the QR code's link shows the record's facts, masked, and 有效;
// after its 6 months 已过有效期; an unknown or malformed ID 未找到该权益单 (404).
func TestVerifyRecord(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 6, 2, 10, 0, 0, 0, web.Shanghai))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	path, rec := verifyIssue(t, ts)
	doc := ts.GetHTML(t, path, http.StatusOK)
	webtest.CheckPage(t, ts, path, doc)
	webtest.CheckRecordCheck(t, doc, rec, "valid")

	clock.Advance(7 * 31 * 24 * time.Hour)
	webtest.CheckRecordCheck(t, ts.GetHTML(t, path, http.StatusOK), rec, "expired")

	id := strings.TrimPrefix(path, "/verify/")
	other := "A" + id[1:]
	if id[0] == 'A' {
		other = "B" + id[1:]
	}
	for _, p := range []string{"/verify/" + other, "/verify/short", "/verify/" + strings.Repeat("x", 300)} {
		doc := ts.GetHTML(t, p, http.StatusNotFound)
		if h1 := doc.Must(t, "h1").TextContent(); h1 != "未找到该权益单" {
			t.Errorf("%s: h1 %q", p[:min(len(p), 30)], h1)
		}
	}
}

// TestVerifyRateLimit: an address gets rights.VerifyAddrLimits.LockAfter look-ups a
// window; the next is refused (429) before any look-up.
func TestVerifyRateLimit(t *testing.T) {
	ts := webtest.NewTestServer(t)
	for i := range rights.VerifyAddrLimits.LockAfter {
		if rec := ts.Get(t, "/verify/unknown"); rec.Code != http.StatusNotFound {
			t.Fatalf("look-up %d: %d, want 404", i+1, rec.Code)
		}
	}
	rec := ts.Get(t, "/verify/unknown")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" ||
		!strings.Contains(rec.Body.String(), "查询过于频繁") {
		t.Errorf("look-up past the limit: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
}
