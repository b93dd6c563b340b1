package webtest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"hall/internal/qrlogin"
)

// OpenQRLoginPage opens the unit login's 扫码登录 tab of the hall at base (a real
// listener) in a browser of its own, and returns that browser (its cookies are the
// page's binding, which the ticket's long poll and sign-in need; requests time out
// after timeout) and the ticket ID the page holds.
func OpenQRLoginPage(t testing.TB, base string, timeout time.Duration) (*http.Client, string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	page := &http.Client{Jar: jar, Timeout: timeout}
	resp, err := page.Get(base + "/login?tab=unit&method=qr")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	id := ParseHTML(t, string(body)).Must(t, "input[name=ticket]").AttrOr("value")
	if !qrlogin.ValidID(id) {
		t.Fatalf("ticket %q on the QR login page (status %d)", id, resp.StatusCode)
	}
	return page, id
}
