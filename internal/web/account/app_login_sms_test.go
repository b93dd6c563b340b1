package account

import (
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hall/internal/ident"
)

// appSMSSend presses 获取验证码 on the app's SMS login and returns the status and the
// notice under the code field with the masked mobile taken out.
func appSMSSend(t *testing.T, c *webtest.Client, mobile string) (int, string) {
	t.Helper()
	rec := c.Post(t, "/app/login/sms", url.Values{"mobile": {mobile}, "action": {actionSendCode}, "next": {"/app/me"}})
	doc := webtest.ParseHTML(t, rec.Body.String())
	n := doc.First(".acct-sms-notice")
	if n == nil {
		t.Fatalf("send to %s: no notice (%d)\n%s", ident.MaskMobile(mobile), rec.Code, webtest.ShortBody(rec.Body.String()))
	}
	if doc.Must(t, "#f-mobile").AttrOr("value") != mobile || doc.Must(t, "input[name=next]").AttrOr("value") != "/app/me" {
		t.Error("the mobile or the return path was not kept")
	}
	return rec.Code, strings.Replace(n.TextContent(), ident.MaskMobile(mobile), "…", 1)
}

// TestAppLoginSMS: the app signs in by SMS code (A1) beside the password: the login
// Page links to it; 获取验证码 answers alike for a mobile with an account and one
// without, and texts only the first; a wrong code is refused with one message; the
// right one opens a personal session and returns to the page in the app; a return
// Path outside the app is not followed.
func TestAppLoginSMS(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 141)
	p := w.Person(t, "林映雪")
	stranger := w.Mobile()

	doc := webtest.Parsed(t, webtest.NewClient(ts).Get(t, "/app/login?next=%2Fapp%2Fme"), http.StatusOK)
	if doc.First(`a[href="/app/login/sms?next=%2fapp%2fme"]`) == nil {
		t.Fatal("the app's login has no 短信验证码登录 keeping the return path")
	}
	phone := webtest.NewClient(ts)
	doc = webtest.Parsed(t, phone.Get(t, "/app/login/sms?next=%2Fapp%2Fme"), http.StatusOK)
	webtest.CheckPage(t, ts, "/app/login/sms", doc)
	if doc.Must(t, "form[action='/app/login/sms'] input[name=next]").AttrOr("value") != "/app/me" {
		t.Error("the return path is not in the form")
	}
	if doc.First(".app-tabs") == nil {
		t.Error("the SMS login is not drawn as an app page")
	}

	code1, msg1 := appSMSSend(t, phone, p.Mobile)
	code2, msg2 := appSMSSend(t, webtest.NewClient(ts), stranger)
	if code1 != http.StatusOK || code1 != code2 || msg1 != msg2 {
		t.Errorf("registered: %d %q; unknown: %d %q", code1, msg1, code2, msg2)
	}
	if _, err := ts.DevOutbox.Latest(t.Context(), stranger); err == nil {
		t.Error("a code was texted to a mobile without an account")
	}
	code := webtest.LatestCode(t, ts, p.Mobile)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for _, f := range []url.Values{
		{"mobile": {p.Mobile}, "sms_code": {wrong}, "action": {"login"}, "next": {"/app/me"}},
		{"mobile": {stranger}, "sms_code": {code}, "action": {"login"}, "next": {"/app/me"}},
	} {
		doc := webtest.Parsed(t, phone.Post(t, "/app/login/sms", f), http.StatusUnprocessableEntity)
		if got := webtest.TopError(doc); got != web.MsgBadSMSLogin {
			t.Errorf("refused: %q", got)
		}
	}
	if phone.Session() != "" {
		t.Fatal("signed in by a wrong code")
	}
	webtest.WantRedirect(t, "login by code", phone.Post(t, "/app/login/sms",
		url.Values{"mobile": {p.Mobile}, "sms_code": {code}, "action": {"login"}, "next": {"/app/me"}}), "/app/me")
	doc = webtest.Parsed(t, phone.Get(t, "/app/me"), http.StatusOK)
	if !strings.Contains(doc.TextContent(), p.MaskedMobile()) {
		t.Error("我的 does not show the signed-in person")
	}

	// A return path outside the app goes to the app's home.
	other := webtest.NewClient(ts)
	other.Remote = "198.51.100.9:40000"
	q := w.Person(t, "邹知远") // p's resend window has not passed: another person

	appSMSSendNext(t, other, q.Mobile, "https://evil.example/app/")
	webtest.WantRedirect(t, "foreign next", other.Post(t, "/app/login/sms", url.Values{"mobile": {q.Mobile},
		"sms_code": {webtest.LatestCode(t, ts, q.Mobile)}, "action": {"login"}, "next": {"https://evil.example/app/"}}), "/app/")
}

// appSMSSendNext presses 获取验证码 with a return path and expects the code sent.
func appSMSSendNext(t *testing.T, c *webtest.Client, mobile, next string) {
	t.Helper()
	rec := c.Post(t, "/app/login/sms", url.Values{"mobile": {mobile}, "action": {actionSendCode}, "next": {next}})
	webtest.WantStatus(t, "send", rec, http.StatusOK)
}

// TestAppLoginSMSSharesGate: the app's SMS login counts with the web's 手机动态码:
// wrong codes typed on the web make the app ask for the slider captcha for that
// Mobile, and codes asked for on the web count against the app's 获取验证码.
func TestAppLoginSMSSharesGate(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 142)
	p := w.Person(t, "褚清和")

	web := webtest.NewClient(ts)
	web.Remote = "198.51.100.21:40000"
	webtest.WantStatus(t, "web send", web.Post(t, "/login/sms", url.Values{"mobile": {p.Mobile}, "action": {actionSendCode}}), http.StatusOK)
	code := webtest.LatestCode(t, ts, p.Mobile)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for range 3 {
		webtest.WantStatus(t, "web wrong code", web.Post(t, "/login/sms", url.Values{"mobile": {p.Mobile}, "sms_code": {wrong}, "action": {"login"}}),
			http.StatusUnprocessableEntity)
	}
	phone := webtest.NewClient(ts)
	phone.Remote = "203.0.113.44:40000"
	doc := webtest.Parsed(t, phone.Post(t, "/app/login/sms", url.Values{"mobile": {p.Mobile}, "sms_code": {wrong}, "action": {"login"}}),
		http.StatusUnprocessableEntity)
	if doc.First(".slider-captcha") == nil {
		t.Error("after three wrong codes on the web the app does not ask for the captcha")
	}

	// Sends: two more on the web (the quiet resend counts too), then the app's is
	// the fourth for this mobile and needs the captcha.
	for range 2 {
		webtest.WantStatus(t, "web send", web.Post(t, "/login/sms", url.Values{"mobile": {p.Mobile}, "action": {actionSendCode}}), http.StatusOK)
	}
	rec := phone.Post(t, "/app/login/sms", url.Values{"mobile": {p.Mobile}, "action": {actionSendCode}})
	webtest.WantStatus(t, "app send", rec, http.StatusUnprocessableEntity)
	if got := webtest.FieldError(t, webtest.ParseHTML(t, rec.Body.String()), fieldSMSCode); got != settingsMsgSendCaptcha {
		t.Errorf("the app's fourth send: %q", got)
	}
}
