package admin

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/services"
	"hall/internal/web/webtest"
)

// TestBackOfficeCookies: every cookie the back office's login page and login post
// set, in each mode, by the public site's rule applied to the back office's own URL.
// A plain http:// back office (development, or admin-base-url http:// with
// allow-insecure-http) sets the bare names without Secure — a browser drops a
// Secure cookie set over plain HTTP and refuses a __Host- one without Secure.
// Served over https — admin-base-url https:// behind a TLS-terminating proxy, the
// listener itself plain HTTP, or TLS on the listener — every cookie is __Host-,
// Secure, HttpOnly, SameSite=Strict, Path=/ without Domain. Each mode's cookies are
// the ones it reads back: the session cookie set by the login opens the home page.
func TestBackOfficeCookies(t *testing.T) {
	for _, tc := range []struct {
		name         string
		adminBaseURL string // "": the default, http://ADMIN-ADDR
		tls          bool   // the request reached the listener over TLS
		prefix       string
		secure       bool
	}{
		{"plain http (development default)", "", false, "", false},
		{"https behind a TLS-terminating proxy", "https://admin.hall.example.gov.cn", false, "__Host-", true},
		{"TLS on the listener", "", true, "__Host-", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []func(*services.Services)
			if tc.adminBaseURL != "" {
				opts = append(opts, func(svc *services.Services) { svc.Config.AdminBaseURL = tc.adminBaseURL })
			}
			ts := webtest.NewTestServer(t, opts...)
			tm := newTeam(t, ts)
			origin := "http://admin.test"
			if tc.tls {
				origin = "https://admin.test"
			}
			send := func(r *http.Request) *httptest.ResponseRecorder {
				r.Header.Set("Sec-Fetch-Site", "same-origin")
				rec := httptest.NewRecorder()
				ts.AdminHandler().ServeHTTP(rec, r)
				return rec
			}
			// cookies checks every Set-Cookie of rec against the mode and returns
			// them by their names without the prefix; want is those names.
			cookies := func(what string, rec *httptest.ResponseRecorder, want ...string) map[string]*http.Cookie {
				t.Helper()
				raw := rec.Header().Values("Set-Cookie")
				got := map[string]*http.Cookie{}
				parsed := rec.Result().Cookies()
				if len(parsed) != len(raw) {
					t.Fatalf("%s: %d Set-Cookie headers, %d of them parse: %q", what, len(raw), len(parsed), raw)
				}
				for _, c := range parsed {
					base, ok := strings.CutPrefix(c.Name, tc.prefix)
					if !ok || (tc.prefix == "" && strings.HasPrefix(c.Name, "__")) {
						t.Errorf("%s: cookie %q, want the prefix %q", what, c.Name, tc.prefix)
					}
					if c.Secure != tc.secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" {
						t.Errorf("%s: cookie %q is Secure=%v HttpOnly=%v SameSite=%v Path=%q Domain=%q, want Secure=%v HttpOnly SameSite=Strict Path=/ and no Domain (%s)",
							what, c.Name, c.Secure, c.HttpOnly, c.SameSite, c.Path, c.Domain, tc.secure, c.Raw)
					}
					got[base] = c
				}
				if len(got) != len(want) {
					t.Errorf("%s: cookies %q, want %q", what, raw, want)
				}
				for _, name := range want {
					if got[name] == nil {
						t.Fatalf("%s: no cookie %s%s among %q", what, tc.prefix, name, raw)
					}
				}
				return got
			}

			page := send(httptest.NewRequest(http.MethodGet, origin+"/admin/login", nil))
			webtest.WantStatus(t, "login page", page, http.StatusOK)
			login := cookies("login page", page, loginCookie)[loginCookie]

			form := url.Values{"login": {tm.security.Staff.Login}, "password": {staffPassword}, "code": {tm.security.code(t, time.Now())}}
			r := httptest.NewRequest(http.MethodPost, origin+"/admin/login", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.AddCookie(&http.Cookie{Name: login.Name, Value: login.Value})
			post := send(r)
			webtest.WantRedirect(t, "login", post, "/admin/")
			session := cookies("login post", post, sessionCookie)[sessionCookie]
			if session.MaxAge != 0 || !session.Expires.IsZero() {
				t.Errorf("the session cookie outlives the browser: %s", session.Raw)
			}

			r = httptest.NewRequest(http.MethodGet, origin+"/admin/", nil)
			r.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
			home := send(r)
			webtest.WantStatus(t, "the home page with the session cookie", home, http.StatusOK)
			if !strings.Contains(home.Body.String(), "您的角色：") {
				t.Errorf("the home page with the session cookie:\n%s", webtest.ShortBody(home.Body.String()))
			}
		})
	}
}
