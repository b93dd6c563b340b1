package account

import (
	"context"
	"fmt"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMS sends are counted per mobile and per client address (throttle scopes
// sms-Send, sms-Send-addr): captcha after 3 sends of one mobile in an hour, refusal
// after 5 until the hour is over; captcha after 5 sends from one address.

// settingsSendAnswer is what a 获取验证码 showed.
type settingsSendAnswer struct {
	Code       int
	Msg        string // beside the code field
	Sent       bool   // the "验证码已发送" notice
	Captcha    bool   // the puzzle inside the code field, with its script
	Background bool   // the button sends in the background (sms-code.js)
}

func settingsSend(t *testing.T, c *webtest.Client, target string, form url.Values) settingsSendAnswer {
	t.Helper()
	rec := c.Post(t, target, form)
	doc := webtest.ParseHTML(t, rec.Body.String())
	a := settingsSendAnswer{Code: rec.Code, Msg: webtest.FieldError(t, doc, fieldSMSCode)}
	a.Sent = doc.First(".acct-sms-notice") != nil
	if doc.First(".acs-send-captcha") != nil {
		a.Captcha = true
		script := false
		for _, n := range doc.All("script[src]") {
			script = script || strings.Contains(n.AttrOr("src"), "slider-captcha")
		}
		if !script {
			t.Error("send captcha without its script")
		}
	}
	if b := doc.First(`button[value="send-code"]`); b != nil {
		_, a.Background = b.Attr("data-sms-send")
	}
	return a
}

func settingsOutboxCount(t *testing.T, ts *webtest.TestServer, mobile string) int {
	t.Helper()
	return len(webtest.SMSTexts(t, ts, mobile, ""))
}

// TestSettingsSMSSendThrottle: the login's 获取验证码 for one mobile, with a fake clock:
// three sends, then the captcha, two more with it, then a refusal with the time it
// ends, and sends again after it. A Mobile without an account gets exactly the same
// answers (it is counted before the look-up), and is never texted.
func TestSettingsSMSSendThrottle(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 5, 8, 1, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 81)
	known := w.Person(t, "冯晓岚").Mobile
	unknown := w.Mobile()

	series := func(mobile, remote string) []settingsSendAnswer {
		c := webtest.NewClient(ts)
		c.Remote = remote
		form := url.Values{"mobile": {mobile}, "action": {"send-code"}}
		var out []settingsSendAnswer
		send := func(token bool, seed uint64) {
			f := form
			if token {
				f = withToken(form, webtest.SolveCaptcha(t, ts, c, seed))
			}
			out = append(out, settingsSend(t, c, "/login/sms", f))
			clock.Advance(61 * time.Second)
		}
		send(false, 0)
		send(false, 0)
		send(false, 0)
		send(false, 0) // captcha wanted
		send(true, 1)
		send(true, 2)
		send(true, 3) // refused until the hour is over
		clock.Advance(time.Hour)
		send(false, 0)
		return out
	}
	sent := settingsSendAnswer{Code: http.StatusOK, Sent: true, Background: true}
	captchaWanted := settingsSendAnswer{Code: http.StatusUnprocessableEntity, Msg: settingsMsgSendCaptcha, Captcha: true}

	start := clock.Now()
	got := series(known, "192.0.2.31:1000")
	// The 5th send (the 2nd with the captcha) reached the limit and locked the
	// Mobile for an hour from then.
	lockedUntil := start.Add(5*61*time.Second + time.Hour)
	for i, want := range []settingsSendAnswer{sent, sent, sent, captchaWanted, sent, sent} {
		if got[i] != want {
			t.Errorf("known mobile, send %d: %+v, want %+v", i+1, got[i], want)
		}
	}
	if want := fmt.Sprintf(settingsMsgSendLocked, lockedUntil.In(web.Shanghai).Format("15:04")); got[6].Code != http.StatusUnprocessableEntity || got[6].Msg != want || got[6].Sent {
		t.Errorf("send 7: %+v, want the refusal", got[6])
	}
	if got[7] != sent {
		t.Errorf("send after the hour: %+v", got[7])
	}
	if n := settingsOutboxCount(t, ts, known); n != 6 {
		t.Errorf("%d codes texted, want 6", n)
	}

	other := series(unknown, "192.0.2.32:1000")
	for i := range got {
		// The refusal names a time, which moved with the clock.
		if i == 6 {
			if other[i].Code != got[i].Code || !strings.HasPrefix(other[i].Msg, "获取验证码过于频繁") {
				t.Errorf("unknown mobile, send 7: %+v", other[i])
			}
			continue
		}
		if other[i] != got[i] {
			t.Errorf("unknown mobile, send %d: %+v, known mobile had %+v", i+1, other[i], got[i])
		}
	}
	if n := settingsOutboxCount(t, ts, unknown); n != 0 {
		t.Errorf("a mobile without an account was texted %d times", n)
	}
}

// TestSettingsSMSSendParallel: twenty registrations ask for codes at once from one
// address, each for another mobile: at most five go out (the address's captcha
// threshold), the others ask for the captcha.
func TestSettingsSMSSendParallel(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 82)
	const n = 20
	mobiles := make([]string, n)
	clients := make([]*webtest.Client, n)
	for i := range clients {
		mobiles[i] = w.Mobile()
		clients[i] = webtest.NewClient(ts)
		clients[i].Remote = "203.0.113.50:" + string(rune('1'+i%9)) + "000"
	}
	answers := make([]settingsSendAnswer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range clients {
		wg.Go(func() {
			<-start
			answers[i] = settingsSend(t, clients[i], "/register", url.Values{"mobile": {mobiles[i]}, "action": {"send-code"}})
		})
	}
	close(start)
	wg.Wait()
	texted, captcha := 0, 0
	for i, a := range answers {
		switch {
		case a.Sent && a.Code == http.StatusOK:
			texted++
		case a.Captcha && a.Code == http.StatusUnprocessableEntity && a.Msg == settingsMsgSendCaptcha && !a.Background:
			captcha++
		default:
			t.Errorf("send %d: %+v", i, a)
		}
	}
	var out int
	if err := ts.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM sms_outbox").Scan(&out); err != nil {
		t.Fatal(err)
	}
	if texted == 0 || texted > 5 || out != texted || texted+captcha != n {
		t.Fatalf("%d sent (%d in the outbox), %d asked for the captcha; want 1–5 sent", texted, out, captcha)
	}
	// With the captcha solved, the address may go on.
	c := clients[0]
	a := settingsSend(t, c, "/register", withToken(url.Values{"mobile": {w.Mobile()}, "action": {"send-code"}}, webtest.SolveCaptcha(t, ts, c, 9)))
	if !a.Sent {
		t.Fatalf("send with the captcha: %+v", a)
	}
}

// TestSettingsSMSSendUnitRegistration: unit registration's 获取验证码 is counted too; for a legal rep
// with an account (no mobile typed) the flow stands for the account's mobile.
func TestSettingsSMSSendUnitRegistration(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 5, 8, 1, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 83)
	fx := w.Registered(t, "南京澄明仪器有限公司", "严青")
	mobile := w.Mobile()
	fx.CreatePerson(t, ts, mobile)
	c := webtest.NewClient(ts)
	flowURL := unitRegistrationToAccount(t, ts, c, fx)
	form := url.Values{"action": {"send-code"}}
	for i := 1; i <= 3; i++ {
		webtest.Parsed(t, c.Post(t, flowURL, form), http.StatusOK)
		clock.Advance(61 * time.Second)
	}
	doc := webtest.Parsed(t, c.Post(t, flowURL, form), http.StatusUnprocessableEntity)
	if got := webtest.FieldError(t, doc, "sms_code"); got != settingsMsgSendCaptcha {
		t.Errorf("4th send: %q", got)
	}
	if doc.First(".acs-send-captcha") == nil {
		t.Fatal("no captcha in the code field")
	}
	if _, ok := doc.Must(t, `button[value="send-code"]`).Attr("data-sms-send"); ok {
		t.Error("the button still sends in the background")
	}
	if n := settingsOutboxCount(t, ts, mobile); n != 3 {
		t.Fatalf("%d codes texted, want 3", n)
	}
	webtest.Parsed(t, c.Post(t, flowURL, withToken(form, webtest.SolveCaptcha(t, ts, c, 5))), http.StatusOK)
	if n := settingsOutboxCount(t, ts, mobile); n != 4 {
		t.Fatalf("%d codes texted after the captcha, want 4", n)
	}
}
