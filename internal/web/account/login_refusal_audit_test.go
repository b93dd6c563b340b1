package account

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/captcha"
	"hall/internal/ident"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestLoginRefusalsAudited: what the login gate refuses before any password is
// checked is audited ("login.refused": the captcha missing or its token refused, the
// attempts paused), aggregated per reason and client address to one record a minute
// with the count of those left out; the failure that pauses the account is audited
// as "login.lock" with the pause's end. Records carry the login masked, never the
// ID number, the password or the captcha token.
func TestLoginRefusalsAudited(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 5, 6, 1, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 161)
	p := w.Person(t, "龙安")
	right := url.Values{"login": {p.IDNumber}, "password": {webtest.Password}}
	wrong := url.Values{"login": {p.IDNumber}, "password": {"Wrong-Password-1"}}
	c := webtest.NewClient(ts)
	c.Remote = "203.0.113.161:5000"

	records := func(action string) []audit.Entry {
		t.Helper()
		es, _, err := ts.Audit.List(t.Context(), audit.Filter{Action: action, PerPage: audit.MaxPerPage})
		if err != nil {
			t.Fatal(err)
		}
		var out []audit.Entry
		for _, e := range es {
			if e.Action == action { // the filter is a prefix
				out = append(out, e)
			}
		}
		return out
	}
	wantRecord := func(what string, e audit.Entry, detail map[string]string) {
		t.Helper()
		if e.Result != audit.Denied || e.ClientIP != "203.0.113.161" {
			t.Errorf("%s: result %q, client %q", what, e.Result, e.ClientIP)
		}
		want := map[string]string{"form": "/login/person", "login": ident.MaskID(p.IDNumber)}
		for k, v := range detail {
			want[k] = v
		}
		for k, v := range want {
			if e.Detail[k] != v {
				t.Errorf("%s: detail %s = %q, want %q (all: %v)", what, k, e.Detail[k], v, e.Detail)
			}
		}
	}

	wantAnswer(t, "wrong 1", postLogin(t, c, "/login/person", wrong), wrongLogin)
	wantAnswer(t, "wrong 2", postLogin(t, c, "/login/person", wrong), wrongLogin)
	wantAnswer(t, "wrong 3", postLogin(t, c, "/login/person", wrong), wrongCaptcha)
	if n := len(records("login.refused")); n != 0 {
		t.Fatalf("%d refusals recorded for wrong passwords (auth audits those)", n)
	}
	// Without the captcha: refused, recorded once within the minute.
	for range 3 {
		wantAnswer(t, "without captcha", postLogin(t, c, "/login/person", right), captchaWanted)
	}
	got := records("login.refused")
	if len(got) != 1 {
		t.Fatalf("%d records for three refusals within a minute, want 1", len(got))
	}
	wantRecord("captcha required", got[0], map[string]string{"reason": "captcha_required"})
	if _, ok := got[0].Detail["repeats"]; ok {
		t.Errorf("the first record counts repeats: %v", got[0].Detail)
	}
	// A minute later the next one is recorded with the two left out.
	clock.Advance(web.RefusalAuditEvery)
	postLogin(t, c, "/login/person", right)
	got = records("login.refused")
	if len(got) != 2 {
		t.Fatalf("%d records a minute later, want 2", len(got))
	}
	wantRecord("captcha required again", got[0], map[string]string{"reason": "captcha_required", "repeats": "2"})
	// A token of another browser: refused for another reason, recorded at once.
	foreign := webtest.SolveCaptcha(t, ts, webtest.NewClient(ts), 1)
	wantAnswer(t, "foreign token", postLogin(t, c, "/login/person", withToken(right, foreign)),
		loginAnswer{Code: http.StatusUnprocessableEntity, Captcha: true, CaptchaMsg: captcha.FormMessage(captcha.ErrNotFound)})
	got = records("login.refused")
	if len(got) != 3 {
		t.Fatalf("%d records after a refused token, want 3", len(got))
	}
	wantRecord("captcha refused", got[0], map[string]string{"reason": "captcha_refused"})

	// Two more failures pause the account: the lock is recorded with its end.
	postLogin(t, c, "/login/person", withToken(wrong, webtest.SolveCaptcha(t, ts, c, 2)))
	wantAnswer(t, "fifth failure", postLogin(t, c, "/login/person", withToken(wrong, webtest.SolveCaptcha(t, ts, c, 3))), paused)
	until := clock.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339)
	locks := records("login.lock")
	if len(locks) != 1 {
		t.Fatalf("%d lock records, want 1", len(locks))
	}
	wantRecord("lock", locks[0], map[string]string{"reason": "paused", "until": until})
	// Refusals while paused: one record for two.
	for range 2 {
		wantAnswer(t, "right while paused", postLogin(t, c, "/login/person", withToken(right, webtest.SolveCaptcha(t, ts, c, 4))), paused)
	}
	got = records("login.refused")
	if len(got) != 4 {
		t.Fatalf("%d records after two refusals while paused, want 4", len(got))
	}
	wantRecord("paused", got[0], map[string]string{"reason": "paused", "until": until})

	// Nothing typed in full: no ID number, password or token in any record.
	for _, e := range append(records("login.refused"), records("login.lock")...) {
		for k, v := range e.Detail {
			if strings.Contains(v, p.IDNumber) || strings.Contains(v, webtest.Password) || strings.Contains(v, foreign) || k == captcha.FormField {
				t.Errorf("%s detail %s = %q shows what was typed", e.Action, k, v)
			}
		}
	}
}
