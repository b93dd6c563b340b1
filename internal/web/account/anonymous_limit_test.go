package account

import (
	"fmt"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/throttle"
)

// appealForm is a valid 用户申诉 Form.
func appealForm(w *webtest.World) url.Values {
	return url.Values{"kind": {"id_taken"}, "id_type": {"resident"}, "id_number": {w.IDNumber()}, "name": {"霍光"},
		"contact_mobile": {w.Mobile()}, "description": {"我的证件号码已被他人注册。"}}
}

// TestAnonAppealCaptcha: an appeal without the solved slider puzzle is refused
// beside the puzzle and stored nowhere; with it, it is filed.
func TestAnonAppealCaptcha(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 93)
	c := webtest.NewClient(ts)
	doc := c.Page(t, "/appeal", http.StatusOK)
	if doc.First(`form[action="/appeal"] .slider-captcha[data-captcha-field="captcha_token"]`) == nil {
		t.Error("the appeal form has no slider captcha")
	}
	f := appealForm(w)
	for _, token := range []string{"", "forged-token"} {
		rec := c.Post(t, "/appeal", withToken(f, token))
		webtest.WantStatus(t, "appeal without the puzzle", rec, http.StatusUnprocessableEntity)
		if msg := webtest.ParseHTML(t, rec.Body.String()).First("#e-captcha_token"); msg == nil || msg.TextContent() != web.MsgCaptcha {
			t.Errorf("token %q: no message beside the puzzle", token)
		}
	}
	if n := webtest.RowCount(t, ts, "appeals"); n != 0 {
		t.Fatalf("%d appeals stored without the puzzle", n)
	}
	token := webtest.SolveCaptcha(t, ts, c, 1)
	webtest.WantStatus(t, "appeal with the puzzle", c.Post(t, "/appeal", withToken(f, token)), http.StatusSeeOther)
	// A pass token works once.
	webtest.WantStatus(t, "the same token again", c.Post(t, "/appeal", withToken(f, token)), http.StatusUnprocessableEntity)
	if n := webtest.RowCount(t, ts, "appeals"); n != 1 {
		t.Fatalf("%d appeals stored, want 1", n)
	}
}

// TestAnonAppealRate: ten appeals from one address within a minute are filed, the
// eleventh is refused with 429 and the time to come back, and a form refused for
// its fields does not count. Another address is not affected.
func TestAnonAppealRate(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 5, 8, 1, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 94)
	l, _ := ts.Throttle.Limits(throttle.ScopeAppealAddr)
	file := func(c *webtest.Client, f url.Values, seed uint64) *http.Response {
		rec := c.Post(t, "/appeal", withToken(f, webtest.SolveCaptcha(t, ts, c, seed)))
		return rec.Result()
	}
	c := webtest.NewClient(ts)
	c.Remote = "203.0.113.80:1000"
	bad := appealForm(w)
	bad.Set("name", "")
	if res := file(c, bad, 100); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a bad form: %d", res.StatusCode)
	}
	for i := range l.LockAfter {
		if res := file(c, appealForm(w), uint64(i)); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("appeal %d: %d, want it filed", i+1, res.StatusCode)
		}
		clock.Advance(time.Second)
	}
	rec := c.Post(t, "/appeal", withToken(appealForm(w), webtest.SolveCaptcha(t, ts, c, 99)))
	webtest.WantRetryAfter(t, fmt.Sprintf("appeal %d", l.LockAfter+1), rec, int((l.LockFor - time.Second).Seconds()))
	until := clock.Now().Add(l.LockFor - time.Second).In(web.Shanghai).Format("15:04")
	if top := webtest.ParseHTML(t, rec.Body.String()).Must(t, ".alert-error").TextContent(); top != fmt.Sprintf(web.MsgTooMany, until) {
		t.Errorf("refusal %q", top)
	}
	if n := webtest.RowCount(t, ts, "appeals"); n != l.LockAfter {
		t.Errorf("%d appeals stored, want %d", n, l.LockAfter)
	}
	other := webtest.NewClient(ts)
	other.Remote = "203.0.113.81:1000"
	if res := file(other, appealForm(w), 7); res.StatusCode != http.StatusSeeOther {
		t.Errorf("another address: %d", res.StatusCode)
	}
}

// TestAnonCaptchaRate: /captcha/new draws puzzles up to its per-address rate, also
// for clients that drop the cookie, then answers 429 with a JSON message and draws
// None; in parallel too.
func TestAnonCaptchaRate(t *testing.T) {
	ts := webtest.NewTestServer(t)
	l, _ := ts.Throttle.Limits(throttle.ScopeCaptchaAddr)
	codes := make([]int, l.LockAfter+10)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			c := webtest.NewClient(ts) // a new browser every time: the cookie is dropped
			c.Remote = "203.0.113.90:1000"
			codes[i] = c.Get(t, "/captcha/new?purpose=login").Code
		})
	}
	wg.Wait()
	n := map[int]int{}
	for _, code := range codes {
		n[code]++
	}
	if n[http.StatusOK] != l.LockAfter || n[http.StatusTooManyRequests] != 10 {
		t.Fatalf("answers %v, want %d × 200 and 10 × 429", n, l.LockAfter)
	}
	if got := webtest.RowCount(t, ts, "captcha_challenges"); got != l.LockAfter {
		t.Errorf("%d puzzles stored, want %d", got, l.LockAfter)
	}
	c := webtest.NewClient(ts)
	c.Remote = "203.0.113.90:1000"
	rec := c.Get(t, "/captcha/new?purpose=login")
	webtest.WantStatus(t, "over the rate", rec, http.StatusTooManyRequests)
	if got := rec.Header().Get("Retry-After"); got == "" || got == "0" {
		t.Errorf("Retry-After %q", got)
	}
	if body := rec.Body.String(); !strings.Contains(body, `"ok":false`) || !strings.Contains(body, "拼图验证请求过于频繁，请于 ") {
		t.Errorf("429 body %s", body)
	}
	if rec.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	// Another address still gets puzzles.
	c.Remote = "203.0.113.91:1000"
	webtest.WantStatus(t, "another address", c.Get(t, "/captcha/new?purpose=login"), http.StatusOK)
}

// TestCaptchaPerBrowserRetryAfter: a browser that drew its share of puzzles within
// one lifetime of a puzzle is refused with 429, and Retry-After says when the first
// of them leaves the window (about the puzzle's TTL), not the hall's default.
func TestCaptchaPerBrowserRetryAfter(t *testing.T) {
	ts := webtest.NewTestServer(t)
	cfg := ts.Captcha.Config()
	c := webtest.NewClient(ts)
	started := time.Now() // the first puzzle's TTL starts after this
	for i := range cfg.MaxPerBinding {
		webtest.WantStatus(t, fmt.Sprintf("puzzle %d", i+1), c.Get(t, "/captcha/new?purpose=login"), http.StatusOK)
	}
	rec := c.Get(t, "/captcha/new?purpose=login")
	webtest.WantRetryAfterAbout(t, "puzzle past the browser's share", rec, cfg.TTL, started)
	if body := rec.Body.String(); !strings.Contains(body, `"ok":false`) || !strings.Contains(body, "操作过于频繁") {
		t.Errorf("429 body %s", body)
	}
}
