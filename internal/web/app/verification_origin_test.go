package app

import (
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hall/internal/captcha"
	"hall/internal/verify"
)

// passwordResetDesktopUA is the User-Agent of the desktop browser in these tests.
const passwordResetDesktopUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"

// TestAppVerifyShowsOrigin: a password reset started in a desktop browser shows, on
// the app's verification screen, which browser asks (device from its User-Agent,
// the masked address, the time it started in Beijing time) and what approving lets
// it do; the full address is not shown; 不是我本人操作 refuses, and the desktop
// flow cannot go on.
func TestAppVerifyShowsOrigin(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 131)
	p := w.Person(t, "唐若溪")
	desk := webtest.NewClient(ts)
	desk.Remote = "203.0.113.57:51234"
	flowID := webtest.RecoveryStart(t, desk, webtest.RecoveryPersonForm(p))
	webtest.Redirected(t, desk.Do(t, http.MethodPost, "/recover/"+flowID+"/captcha",
		url.Values{captcha.FormField: {webtest.RecoverySolveCaptcha(t, ts, desk)}}, http.Header{"User-Agent": {passwordResetDesktopUA}}))
	sid := webtest.RecoverySessionID(t, desk, flowID)
	sess, err := ts.Verify.Lookup(t.Context(), sid)
	if err != nil {
		t.Fatal(err)
	}

	phone := webtest.NewClient(ts)
	phone.Remote = "192.0.2.80:40000"
	webtest.AppLogin(t, phone, p)
	doc := webtest.Parsed(t, phone.Get(t, "/app/v/"+sid), http.StatusOK)
	webtest.CheckPage(t, ts, "/app/v/"+sid, doc)
	origin := doc.Must(t, ".app-origin").TextContent()
	for _, want := range []string{"Windows 电脑 · Chrome", "203.0.113.*", sess.CreatedAt.In(web.Shanghai).Format("2006-01-02 15:04:05")} {
		if !strings.Contains(origin, want) {
			t.Errorf("the origin %q lacks %q", origin, want)
		}
	}
	text := doc.TextContent()
	for _, want := range []string{verify.PurposeLabel(verify.PurposeRecover), "批准后，该浏览器将可以为您的账号设置新密码"} {
		if !strings.Contains(text, want) {
			t.Errorf("the screen lacks %q", want)
		}
	}
	if strings.Contains(text, "203.0.113.57") || strings.Contains(text, "192.0.2") {
		t.Error("the screen shows a full client address")
	}
	buttons := doc.Texts("form.app-decide button")
	if len(buttons) != 2 || buttons[1] != "不是我本人操作" {
		t.Fatalf("buttons %v", buttons)
	}

	loc := webtest.Redirected(t, phone.Post(t, "/app/v/"+sid, url.Values{"decision": {"refuse"}}))
	doc = webtest.Parsed(t, phone.Get(t, loc), http.StatusOK)
	if h1 := doc.Must(t, "h1").TextContent(); h1 != "认证失败："+verify.NoteRefused {
		t.Errorf("result %q", h1)
	}
	doc = webtest.Parsed(t, desk.Post(t, "/recover/"+flowID+"/verified", nil), http.StatusUnprocessableEntity)
	if !strings.Contains(webtest.TopError(doc), "人脸识别未通过") {
		t.Errorf("the desktop flow after the refusal: %q", webtest.TopError(doc))
	}
}
