package account

import (
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/services"
	"hall/internal/unit"
)

// The session-timeout notice's data on signed-in pages and its keep-alive route.

func TestSettingsTimeoutData(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 5, 9, 1, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 91)
	u, rep := w.UnitWithRep(t, "示范恒通电子有限公司", "乔安")

	if ts.GetHTML(t, "/", http.StatusOK).First("[data-acs-timeout]") != nil {
		t.Error("the notice's data on an anonymous page")
	}
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	clock.Advance(40 * time.Second) // inside Lookup's one-minute granularity
	for _, path := range []string{"/unit/", "/me", "/catalog"} {
		doc := c.Page(t, path, http.StatusOK)
		n := doc.Must(t, "[data-acs-timeout]")
		want := map[string]string{
			"data-idle-left":     strconv.Itoa(30*60 - 40),
			"data-absolute-left": strconv.Itoa(12*3600 - 40),
			"data-absolute-at":   "21:00", // 01:00 UTC + 12 h, in Asia/Shanghai
			"data-warn-idle":     "120",
			"data-warn-absolute": "600",
			"data-keepalive":     "/session/keepalive",
			"data-login":         "/login?tab=unit",
		}
		for name, v := range want {
			if got := n.AttrOr(name); got != v {
				t.Errorf("%s: %s=%q, want %q", path, name, got, v)
			}
		}
		if _, hidden := n.Attr("hidden"); !hidden {
			t.Errorf("%s: the data element is visible", path)
		}
		script := false
		for _, s := range doc.All("script[src]") {
			script = script || strings.Contains(s.AttrOr("src"), "session-timeout")
		}
		if !script {
			t.Errorf("%s: no session-timeout.js", path)
		}
	}
	// A short idle timeout gets its notice at half of it.
	short := webtest.NewTestServer(t, settingsWithIdle(t, clock, 3*time.Minute))
	sc := webtest.NewClient(short)
	webtest.SignIn(t, sc, settingsPersonSubject(t, short, 901))
	if got := sc.Page(t, "/me", http.StatusOK).Must(t, "[data-acs-timeout]").AttrOr("data-warn-idle"); got != "90" {
		t.Errorf("warn lead for a 3-minute idle: %q, want 90", got)
	}
}

// settingsWithIdle is a NewTestServer option: the services on the fake clock with the
// given idle timeout.
func settingsWithIdle(t testing.TB, c *webtest.Clock, idle time.Duration) func(*services.Services) {
	return func(svc *services.Services) {
		svc.Config.SessionIdle = idle
		webtest.WithClock(t, c)(svc)
	}
}

// settingsPersonSubject is a new invented person's personal subject on ts.
func settingsPersonSubject(t *testing.T, ts *webtest.TestServer, seed uint64) auth.Subject {
	return auth.Subject{PersonID: webtest.NewWorld(ts, seed).Person(t, "柏舟").ID}
}

// TestSettingsKeepAlive: the keep-alive restarts the idle time from now (even within the
// one minute in which a page view would not), never past the absolute end; it needs
// a live session, POST, and a same-origin request.
func TestSettingsKeepAlive(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 5, 9, 1, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, settingsPersonSubject(t, ts, 902))
	idle := 30 * 60

	clock.Advance(30 * time.Second)
	code, body := webtest.KeepAlivePost(t, c, nil)
	if code != http.StatusOK || !body.OK || body.IdleLeft != idle || body.AbsoluteLeft != 12*3600-30 || body.AbsoluteAt != "21:00" {
		t.Fatalf("keep-alive: %d %+v", code, body)
	}
	// Idle for 29 minutes, kept alive, idle for 29 more: still signed in, 58
	// minutes after the last page.
	clock.Advance(29 * time.Minute)
	if code, body = webtest.KeepAlivePost(t, c, nil); code != http.StatusOK || body.IdleLeft != idle {
		t.Fatalf("keep-alive after 29 minutes: %d %+v", code, body)
	}
	clock.Advance(29 * time.Minute)
	c.Page(t, "/me", http.StatusOK)

	// Without a keep-alive the session runs out; then the keep-alive refuses.
	clock.Advance(30 * time.Minute)
	if code, body = webtest.KeepAlivePost(t, c, nil); code != http.StatusUnauthorized || body.OK || body.Message == "" {
		t.Fatalf("keep-alive of an expired session: %d %+v", code, body)
	}
	if c.Session() != "" {
		t.Error("the cookie of an expired session was not cleared")
	}
	anon := webtest.NewClient(ts)
	if code, _ := webtest.KeepAlivePost(t, anon, nil); code != http.StatusUnauthorized {
		t.Errorf("keep-alive without a session: %d", code)
	}

	// Only POST, only from the hall's own pages.
	c2 := webtest.NewClient(ts)
	webtest.SignIn(t, c2, settingsPersonSubject(t, ts, 903))
	rec := c2.Get(t, "/session/keepalive")
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodPost {
		t.Errorf("GET: %d Allow=%q", rec.Code, rec.Header().Get("Allow"))
	}
	if code, _ := webtest.KeepAlivePost(t, c2, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}); code != http.StatusForbidden {
		t.Errorf("cross-site keep-alive: %d, want 403", code)
	}
	if code, _ := webtest.KeepAlivePost(t, c2, http.Header{"Sec-Fetch-Site": {"same-origin"}}); code != http.StatusOK {
		t.Errorf("same-origin keep-alive: %d", code)
	}
	// Without JavaScript the form goes back to the page.
	rec = c2.Post(t, "/session/keepalive", url.Values{"next": {"/me"}})
	webtest.WantRedirect(t, "form keep-alive", rec, "/me")
	rec = c2.Post(t, "/session/keepalive", url.Values{"next": {"https://evil.example/"}})
	webtest.WantRedirect(t, "form keep-alive to another site", rec, "/")

	// Near the absolute end the idle time is what is left of the session.
	for body.AbsoluteLeft == 0 || body.AbsoluteLeft > 40*60 {
		clock.Advance(25 * time.Minute)
		if code, body = webtest.KeepAlivePost(t, c2, nil); code != http.StatusOK {
			t.Fatalf("keep-alive at %s: %d", clock.Now(), code)
		}
	}
	clock.Advance(15 * time.Minute)
	code, body = webtest.KeepAlivePost(t, c2, nil)
	if code != http.StatusOK || body.IdleLeft != body.AbsoluteLeft || body.AbsoluteLeft > 30*60 {
		t.Fatalf("keep-alive near the absolute end: %d %+v", code, body)
	}
	clock.Advance(time.Duration(body.AbsoluteLeft)*time.Second + time.Second)
	if code, _ := webtest.KeepAlivePost(t, c2, nil); code != http.StatusUnauthorized {
		t.Fatalf("keep-alive past the absolute end: %d", code)
	}
}

// TestSettingsCookieFlags checks the session and binding cookies against QUALITY.md:
// HttpOnly and SameSite=Lax always; Secure and the __Host- prefix (Path=/, no
// Domain) when the hall is served over TLS; the same attributes on the cookie that
// clears the session, or a browser would keep the __Host- one.
func TestSettingsCookieFlags(t *testing.T) {
	for _, tc := range []struct {
		base   string
		prefix string
		secure bool
	}{
		{"http://127.0.0.1:8080", "", false},
		{"https://hall.example.test", "__Host-", true},
	} {
		t.Run(tc.base, func(t *testing.T) {
			ts := webtest.NewTestServer(t, func(svc *services.Services) { svc.Config.BaseURL = tc.base })
			p := webtest.NewWorld(ts, 93).Person(t, "温如")
			c := webtest.NewClient(ts)
			check := func(what string, ck *http.Cookie, name string) {
				t.Helper()
				if ck == nil {
					t.Fatalf("%s: no cookie %s", what, name)
				}
				if ck.Name != tc.prefix+name || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode ||
					ck.Secure != tc.secure || ck.Path != "/" || ck.Domain != "" {
					t.Errorf("%s: %s", what, ck.String())
				}
			}
			byName := func(cs []*http.Cookie, name string) *http.Cookie {
				for _, ck := range cs {
					if ck.Name == tc.prefix+name {
						return ck
					}
				}
				return nil
			}
			rec := c.Get(t, "/login")
			check("binding", byName(rec.Result().Cookies(), "hall_b"), "hall_b")
			rec = c.Post(t, "/login/person", url.Values{"login": {p.IDNumber}, "password": {webtest.Password}})
			webtest.WantRedirect(t, "login", rec, "/me")
			sc := byName(rec.Result().Cookies(), "hall_session")
			check("session", sc, "hall_session")
			// A browser-Session cookie: it ends with the browser; the server's idle
			// and absolute limits end the session itself.
			if sc.MaxAge != 0 || sc.RawExpires != "" {
				t.Errorf("session cookie persists: %s", sc.String())
			}
			rec = c.Post(t, "/logout", nil)
			cleared := byName(rec.Result().Cookies(), "hall_session")
			check("cleared", cleared, "hall_session")
			if cleared.MaxAge >= 0 {
				t.Errorf("logout cookie Max-Age %d, want deletion", cleared.MaxAge)
			}
		})
	}
}
