package account

import (
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
)

// sameBody makes two answers for two mobiles comparable: the mobile (as typed
// and masked) becomes a placeholder, and so do per-request tokens.
func sameBody(body, mobile string) string {
	body = strings.ReplaceAll(body, mobile, "{mobile}")
	body = strings.ReplaceAll(body, ident.MaskMobile(mobile), "{masked}")
	return tokens.ReplaceAllString(body, `$1{token}"`)
}

// tokens are the attributes that carry a per-request token (CSRF, captcha,
// script nonce).
var tokens = regexp.MustCompile(`((?:name="(?:csrf|_csrf|csrf_token|captcha_token)" value=|name="csrf-token" content=|nonce=|data-captcha[a-z-]*=)")[^"]*"`)

// TestLoginCodeSameForUnknown: the 手机动态码 Form's 获取验证码 answers a mobile
// with an account and one without byte for byte alike — the first send, a second
// one 20 s later (the same remaining countdown) — and the registration form's send
// that follows meets the same resend window for both. Only the registered mobile is
// texted.
func TestLoginCodeSameForUnknown(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 5, 8, 1, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 91)
	known := w.Person(t, "冯晓岚").Mobile
	unknown := w.Mobile()

	type answer struct {
		code int
		body string
	}
	series := func(mobile, remote string) []answer {
		c := webtest.NewClient(ts)
		c.Remote = remote
		c.Get(t, "/login?tab=person&method=sms")
		var out []answer
		post := func(target string) {
			rec := c.Post(t, target, url.Values{"mobile": {mobile}, "action": {actionSendCode}})
			out = append(out, answer{rec.Code, sameBody(rec.Body.String(), mobile)})
		}
		start := clock.Now()
		post("/login/sms")
		clock.Advance(20 * time.Second)
		post("/login/sms")
		clock.Advance(10 * time.Second)
		post("/register")
		clock.Advance(start.Add(10 * time.Minute).Sub(clock.Now())) // the next series starts afresh
		return out
	}
	got := series(known, "192.0.2.61:1000")
	other := series(unknown, "192.0.2.62:1000")
	what := []string{"first login send", "login send after 20 s", "registration send after 30 s"}
	for i := range got {
		if got[i] != other[i] {
			t.Errorf("%s: registered %d, unknown %d; bodies differ:\n%s", what[i], got[i].code, other[i].code,
				firstDifference(got[i].body, other[i].body))
		}
	}
	// What the answers say: the code went out if the mobile is registered, the
	// countdown runs from the first send, and the registration send must wait.
	doc := webtest.ParseHTML(t, got[0].body)
	if n := doc.First(".acct-sms-notice"); n == nil || n.TextContent() != "如该手机号已注册，验证码已发送至{masked}，5分钟内有效" {
		t.Errorf("first send notice: %v", n)
	}
	if b := webtest.ParseHTML(t, got[1].body).Must(t, `button[value="send-code"]`); b.AttrOr("data-sms-wait") != "40" {
		t.Errorf("second send countdown %q, want 40", b.AttrOr("data-sms-wait"))
	}
	if got[2].code != http.StatusUnprocessableEntity || !strings.Contains(webtest.FieldError(t, webtest.ParseHTML(t, got[2].body), fieldSMSCode), "30秒后再试") {
		t.Errorf("registration send after a login send: %d %q", got[2].code, webtest.FieldError(t, webtest.ParseHTML(t, got[2].body), fieldSMSCode))
	}
	if n := settingsOutboxCount(t, ts, known); n != 1 {
		t.Errorf("registered mobile texted %d times, want 1", n)
	}
	if n := settingsOutboxCount(t, ts, unknown); n != 0 {
		t.Errorf("a mobile without an account was texted %d times", n)
	}
}

// firstDifference shows where two strings first differ.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-120, 0)
	return "…" + a[from:min(i+120, len(a))] + "\n---\n…" + b[from:min(i+120, len(b))]
}
