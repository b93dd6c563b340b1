package account

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/oidc"
	"hall/internal/person"
	"hall/internal/services"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// withDevOIDC runs the development OpenID Connect provider on a port of its own, as
// `hall serve` does, and wires the hall's relying party to it (the hall's base URL
// is the one the test server has by then, so redirect URIs match).
func withDevOIDC(t testing.TB) func(*services.Services) {
	return func(svc *services.Services) {
		t.Helper()
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dev, err := oidc.NewDevProvider(oidc.DevConfig{BaseURL: "http://" + l.Addr().String(),
			HallBaseURL: svc.Config.BaseURL, Directory: oidc.DBDirectory(svc.DB), Now: svc.Now})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewUnstartedServer(dev.Handler())
		hs.Listener.Close()
		hs.Listener = l
		hs.Start()
		t.Cleanup(hs.Close)
		svc.DevOIDC = dev
		svc.OIDC, err = oidc.New(oidc.Deps{DB: svc.DB, Flows: svc.Flows, Persons: svc.Persons, Units: svc.Units,
			Delegation: svc.Delegation, Registry: svc.Registry, Audit: svc.Audit, Now: svc.Now},
			oidc.Config{BaseURL: svc.Config.BaseURL}, dev.Providers())
		if err != nil {
			t.Fatal(err)
		}
	}
}

// oidcIdentity is what the tester types on the development provider's page.
func oidcIdentity(p person.Person, u *unit.Unit, role unit.Role) url.Values {
	v := url.Values{"identity": {"manual"}, "id_number": {p.IDNumber}, "name": {p.Name}, "mobile": {p.Mobile}}
	if u != nil {
		v.Set("uscc", u.USCC)
		v.Set("unit_name", u.Name)
		v.Set("role", string(role))
	}
	return v
}

// noRedirect is an HTTP client to the provider that shows each redirect.
var noRedirect = &http.Client{Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// oidcLogin starts a login through the provider on the purpose's tab, answers the
// provider's page with action (登录 "login" or 取消 "cancel") as identity, and
// returns the hall's answer to the callback.
func oidcLogin(t *testing.T, c *webtest.Client, provider, purpose, action string, identity url.Values) *httptest.ResponseRecorder {
	t.Helper()
	rec := c.Get(t, "/login/oidc/"+provider+"?purpose="+purpose)
	webtest.WantStatus(t, "start", rec, http.StatusSeeOther)
	callback := oidcProviderAnswer(t, rec.Header().Get("Location"), action, identity)
	return c.Get(t, callback)
}

// oidcProviderAnswer posts the development provider's login page and returns the
// hall callback (path and query) it redirects to.
func oidcProviderAnswer(t *testing.T, authorize, action string, identity url.Values) string {
	t.Helper()
	au, err := url.Parse(authorize)
	if err != nil {
		t.Fatal(err)
	}
	form := au.Query()
	for k, vs := range identity {
		form[k] = vs
	}
	form.Set("action", action)
	au.RawQuery = ""
	resp, err := noRedirect.PostForm(au.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("provider answered %d, want a redirect to the hall", resp.StatusCode)
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if back.Path != oidc.CallbackPath(strings.Split(strings.TrimPrefix(au.Path, "/"), "/")[0]) {
		t.Fatalf("provider sent the browser to %s", back)
	}
	return back.RequestURI()
}

// sessionSubject is the subject of the client's session.
func sessionSubject(t *testing.T, ts *webtest.TestServer, c *webtest.Client) (auth.Session, bool) {
	t.Helper()
	s, err := ts.Sessions.Lookup(t.Context(), c.Session())
	return s, err == nil
}

func TestLoginOtherMethodsListProviders(t *testing.T) {
	ts := webtest.NewTestServer(t, withDevOIDC(t))
	for _, tc := range []struct {
		target string
		want   []string
	}{
		{"/login?tab=unit&method=other", []string{"/login/oidc/gov?purpose=unit", "/login/oidc/licence?purpose=unit"}},
		{"/login?tab=person&method=other", []string{"/login/oidc/gov?purpose=person"}},
	} {
		doc := ts.GetHTML(t, tc.target, http.StatusOK)
		var got []string
		for _, a := range doc.All(".acct-other a") {
			got = append(got, a.AttrOr("href"))
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: provider links %q, want %q", tc.target, got, tc.want)
		}
		if !strings.Contains(doc.TextContent(), "开发环境") {
			t.Errorf("%s: the development provider is not labelled 开发环境", tc.target)
		}
		for _, a := range doc.All("a") {
			if h := a.AttrOr("href"); h == "/soon/sso-login" || h == "/soon/license-login" {
				t.Errorf("%s: placeholder link %s is still there", tc.target, a.AttrOr("href"))
			}
		}
	}
}

// Without providers the tabs offer no 其他登录方式 at all.
func TestLoginOtherMethodsHiddenWithoutProviders(t *testing.T) {
	ts := webtest.NewTestServer(t, func(svc *services.Services) { svc.OIDC = nil })
	for _, target := range []string{"/login?tab=unit", "/login?tab=person"} {
		doc := ts.GetHTML(t, target, http.StatusOK)
		if strings.Contains(doc.TextContent(), "其他登录方式") {
			t.Errorf("%s offers 其他登录方式 with no provider configured", target)
		}
	}
	webtest.WantStatus(t, "start", ts.Get(t, "/login/oidc/gov?purpose=unit"), http.StatusNotFound)
}

func TestLoginOIDC(t *testing.T) {
	ts := webtest.NewTestServer(t, withDevOIDC(t))
	w := webtest.NewWorld(ts, 311)
	u, rep := w.UnitWithRep(t, "南京云杉数据服务有限公司", "陆思远")
	stranger := w.Person(t, "韩雨桐")

	t.Run("unit login as legal rep lands in the unit center", func(t *testing.T) {
		c := webtest.NewClient(ts)
		rec := oidcLogin(t, c, "gov", "unit", "login", oidcIdentity(rep, &u, unit.RoleLegalRep))
		webtest.WantStatus(t, "callback", rec, http.StatusSeeOther)
		if loc := rec.Header().Get("Location"); loc != "/unit/" {
			t.Fatalf("landed on %q, want /unit/", loc)
		}
		s, ok := sessionSubject(t, ts, c)
		if !ok || s.Subject != webtest.UnitSubject(rep, u, unit.RoleLegalRep) || s.Proof != auth.ProofOIDC {
			t.Fatalf("session %+v (live %v), want the legal rep in the unit proved by oidc", s, ok)
		}
		webtest.WantStatus(t, "unit home", c.Get(t, "/unit/"), http.StatusOK)
	})

	t.Run("personal login lands in the personal center", func(t *testing.T) {
		c := webtest.NewClient(ts)
		rec := oidcLogin(t, c, "gov", "person", "login", oidcIdentity(stranger, nil, ""))
		webtest.WantStatus(t, "callback", rec, http.StatusSeeOther)
		if loc := rec.Header().Get("Location"); loc != "/me" {
			t.Fatalf("landed on %q, want /me", loc)
		}
		if s, ok := sessionSubject(t, ts, c); !ok || s.Subject != (auth.Subject{PersonID: stranger.ID}) {
			t.Fatalf("session %+v (live %v), want the person alone", s, ok)
		}
	})

	refusals := []struct {
		name, provider, purpose, action string
		identity                        url.Values
		status                          int
		msg                             string
	}{
		{"no role in the unit", "gov", "unit", "login", oidcIdentity(stranger, &u, unit.RoleAgent), http.StatusForbidden, oidc.ErrNoRole.Msg},
		{"cancelled at the provider", "licence", "unit", "cancel", nil, http.StatusBadRequest,
			(&oidc.ProviderError{Code: "access_denied"}).Message()},
		{"name differs from the account's", "gov", "person", "login",
			url.Values{"identity": {"manual"}, "id_number": {stranger.IDNumber}, "name": {"韩雨"}}, http.StatusForbidden,
			oidc.ErrPersonMismatch.Msg},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			c := webtest.NewClient(ts)
			rec := oidcLogin(t, c, tc.provider, tc.purpose, tc.action, tc.identity)
			webtest.WantStatus(t, "callback", rec, tc.status)
			doc := webtest.ParseHTML(t, rec.Body.String())
			if got := doc.Must(t, `[role="alert"]`).TextContent(); got != tc.msg {
				t.Errorf("message %q, want %q", got, tc.msg)
			}
			if cur := doc.Must(t, `.acct-methods a[aria-current="page"]`).TextContent(); cur != "其他登录方式" {
				t.Errorf("the page shows method %q, want 其他登录方式", cur)
			}
			if c.Session() != "" {
				t.Error("a refused login left a session")
			}
		})
	}

	t.Run("a replayed callback is refused", func(t *testing.T) {
		c := webtest.NewClient(ts)
		rec := c.Get(t, "/login/oidc/gov?purpose=person")
		callback := oidcProviderAnswer(t, rec.Header().Get("Location"), "login", oidcIdentity(stranger, nil, ""))
		webtest.WantStatus(t, "first callback", c.Get(t, callback), http.StatusSeeOther)
		again := c.Get(t, callback)
		webtest.WantStatus(t, "replayed callback", again, http.StatusBadRequest)
		if !strings.Contains(again.Body.String(), oidc.ErrState.Msg) {
			t.Errorf("the replay does not say %q", oidc.ErrState.Msg)
		}
	})

	t.Run("a callback in another browser is refused", func(t *testing.T) {
		c := webtest.NewClient(ts)
		rec := c.Get(t, "/login/oidc/gov?purpose=person")
		callback := oidcProviderAnswer(t, rec.Header().Get("Location"), "login", oidcIdentity(stranger, nil, ""))
		other := webtest.NewClient(ts)
		webtest.WantStatus(t, "other browser", other.Get(t, callback), http.StatusBadRequest)
		if other.Session() != "" {
			t.Error("another browser was signed in")
		}
	})

	t.Run("an unknown provider", func(t *testing.T) {
		c := webtest.NewClient(ts)
		webtest.WantStatus(t, "start", c.Get(t, "/login/oidc/nope?purpose=unit"), http.StatusNotFound)
		// An e-business licence cannot sign a person in personally.
		webtest.WantStatus(t, "start", c.Get(t, "/login/oidc/licence?purpose=person"), http.StatusNotFound)
	})
}

// A person with no account is sent to 个人用户注册 with the asserted identity filled
// in; the ID number never appears in a URL, and the hand-off is worth nothing in
// another browser.
func TestLoginOIDCUnregisteredToRegistration(t *testing.T) {
	ts := webtest.NewTestServer(t, withDevOIDC(t))
	w := webtest.NewWorld(ts, 312)
	newcomer := person.Person{IDNumber: w.IDNumber(), Name: "苏明哲", Mobile: w.Mobile()}
	c := webtest.NewClient(ts)
	rec := oidcLogin(t, c, "gov", "person", "login", oidcIdentity(newcomer, nil, ""))
	webtest.WantStatus(t, "callback", rec, http.StatusSeeOther)
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, "/register?from=") || strings.Contains(loc, newcomer.IDNumber) {
		t.Fatalf("sent to %q, want the registration with an opaque hand-off", loc)
	}
	doc := c.Page(t, loc, http.StatusOK)
	for field, want := range map[string]string{"id_number": newcomer.IDNumber, "name": newcomer.Name, "mobile": newcomer.Mobile} {
		if got := doc.Must(t, `input[name="`+field+`"]`).AttrOr("value"); got != want {
			t.Errorf("%s filled with %q, want %q", field, got, want)
		}
	}
	notice := doc.Must(t, ".oidc-register").TextContent()
	if !strings.Contains(notice, ident.MaskID(newcomer.IDNumber)) || strings.Contains(notice, newcomer.IDNumber) {
		t.Errorf("notice %q does not show the ID number masked", notice)
	}
	other := webtest.NewClient(ts)
	doc = other.Page(t, loc, http.StatusOK)
	if got := doc.Must(t, `input[name="id_number"]`).AttrOr("value"); got != "" || doc.First(".oidc-register") != nil {
		t.Errorf("another browser sees the hand-off (id_number %q)", got)
	}
}

// R5: the registry's legal representative's first login through the e-business
// licence opens the unit's account and says so.
func TestLoginOIDCOpensUnit(t *testing.T) {
	ts := webtest.NewTestServer(t, withDevOIDC(t))
	w := webtest.NewWorld(ts, 313)
	fx := w.Registered(t, "南京青禾软件有限公司", "宋知远")
	rep := fx.CreatePerson(t, ts, w.Mobile())
	c := webtest.NewClient(ts)
	id := url.Values{"identity": {"manual"}, "id_number": {rep.IDNumber}, "name": {rep.Name},
		"uscc": {fx.Entry.USCC}, "unit_name": {fx.Entry.Name}, "role": {"legal_rep"}}
	rec := oidcLogin(t, c, "licence", "unit", "login", id)
	webtest.WantStatus(t, "callback", rec, http.StatusSeeOther)
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, "/login/unit-opened/") {
		t.Fatalf("sent to %q, want the page that says the account was opened", loc)
	}
	u, err := ts.Units.ByAccount(t.Context(), fx.Entry.USCC)
	if err != nil {
		t.Fatalf("the unit was not opened: %v", err)
	}
	doc := c.Page(t, loc, http.StatusOK)
	webtest.CheckPage(t, ts, loc, doc)
	if got := doc.Must(t, ".oidc-unit-number").TextContent(); got != u.UnitNumber {
		t.Errorf("unit number %q, want %q", got, u.UnitNumber)
	}
	// The page is this browser's: another one, even signed in, does not get it.
	other := webtest.NewClient(ts)
	webtest.SignIn(t, other, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	webtest.WantStatus(t, "other browser", other.Get(t, loc), http.StatusNotFound)
	// The second login through the licence goes straight to the unit center.
	again := webtest.NewClient(ts)
	rec = oidcLogin(t, again, "licence", "unit", "login", id)
	webtest.WantStatus(t, "second login", rec, http.StatusSeeOther)
	if got := rec.Header().Get("Location"); got != "/unit/" {
		t.Errorf("second login landed on %q, want /unit/", got)
	}
}

// TestLoginOIDCStartRateLimited: every start saves a flow for an anonymous browser,
// so starts are counted per address (oidc.ScopeStartAddr); past the limit the link
// answers 429 and saves nothing, while another address still starts.
func TestLoginOIDCStartRateLimited(t *testing.T) {
	ts := webtest.NewTestServer(t, withDevOIDC(t))
	c := webtest.NewClient(ts)
	for i := range oidc.StartAddrLimits.LockAfter {
		if rec := c.Get(t, "/login/oidc/gov?purpose=person"); rec.Code != http.StatusSeeOther {
			t.Fatalf("start %d: status %d, want 303", i+1, rec.Code)
		}
	}
	flows := webtest.RowCount(t, ts, "flows")
	rec := c.Get(t, "/login/oidc/gov?purpose=person")
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "提交过于频繁") {
		t.Fatalf("start past the limit: status %d, want 429 with the wait", rec.Code)
	}
	if got := rec.Header().Get("Retry-After"); got == "" || got == "0" {
		t.Errorf("start past the limit: Retry-After %q", got)
	}
	if got := webtest.RowCount(t, ts, "flows"); got != flows {
		t.Errorf("a refused start saved a flow: %d rows, want %d", got, flows)
	}
	other := webtest.NewClient(ts)
	other.Remote = "203.0.113.9:50000"
	if rec := other.Get(t, "/login/oidc/gov?purpose=person"); rec.Code != http.StatusSeeOther {
		t.Errorf("another address: status %d, want 303", rec.Code)
	}
}

// TestLoginOIDCCallbackRateLimited: every callback, a forged one too, writes its
// outcome to the audit log, so callbacks are counted per address
// (oidc.ScopeCallbackAddr); past the limit the answer is 429 and nothing is written.
func TestLoginOIDCCallbackRateLimited(t *testing.T) {
	ts := webtest.NewTestServer(t, withDevOIDC(t))
	c := webtest.NewClient(ts)
	forged := "/login/oidc/gov/callback?state=forged&code=x"
	for i := range oidc.StartAddrLimits.LockAfter {
		if rec := c.Get(t, forged); rec.Code == http.StatusTooManyRequests {
			t.Fatalf("callback %d refused by the rate limit before the limit", i+1)
		}
	}
	audits := webtest.RowCount(t, ts, "audit_log")
	rec := c.Get(t, forged)
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "提交过于频繁") {
		t.Fatalf("callback past the limit: status %d, want 429 with the wait", rec.Code)
	}
	if got := webtest.RowCount(t, ts, "audit_log"); got != audits {
		t.Errorf("a refused callback wrote to the audit log: %d rows, want %d", got, audits)
	}
}

// TestLoginOIDCReturnPath: a login through a provider returns to the page the
// visitor was sent to the login page from, under the password login's rules for
// return paths: a path of the hall, never another site.
func TestLoginOIDCReturnPath(t *testing.T) {
	ts := webtest.NewTestServer(t, withDevOIDC(t))
	w := webtest.NewWorld(ts, 312)
	u, rep := w.UnitWithRep(t, "南京青禾信息技术有限公司", "沈若川")
	stranger := w.Person(t, "任晚晴")

	// The login page's provider links carry the return path.
	const deep = "/unit/items?only=1"
	doc := webtest.NewClient(ts).Page(t, "/login?tab=unit&method=other&next="+url.QueryEscape(deep), http.StatusOK)
	if got := providerLinkNext(t, doc); got != deep {
		t.Errorf("the provider link returns to %q, want %q", got, deep)
	}

	cases := []struct{ next, want string }{
		{deep, deep},
		{"/unit/agents", "/unit/agents"},
		{"", "/unit/"},
		{"//evil.example/unit/", "/unit/"},
		{"https://evil.example/unit/", "/unit/"},
		{"/\\evil.example", "/unit/"},
	}
	for _, c := range cases {
		t.Run(c.next, func(t *testing.T) {
			cl := webtest.NewClient(ts)
			rec := cl.Get(t, "/login/oidc/gov?purpose=unit&next="+url.QueryEscape(c.next))
			webtest.WantStatus(t, "start", rec, http.StatusSeeOther)
			if strings.Contains(rec.Header().Get("Location"), "evil") {
				t.Errorf("the provider is sent the return path: %s", rec.Header().Get("Location"))
			}
			callback := oidcProviderAnswer(t, rec.Header().Get("Location"), "login", oidcIdentity(rep, &u, unit.RoleLegalRep))
			webtest.WantRedirect(t, "callback", cl.Get(t, callback), c.want)
		})
	}

	t.Run("a refusal keeps the return path for another try", func(t *testing.T) {
		cl := webtest.NewClient(ts)
		rec := cl.Get(t, "/login/oidc/gov?purpose=unit&next="+url.QueryEscape(deep))
		callback := oidcProviderAnswer(t, rec.Header().Get("Location"), "login", oidcIdentity(stranger, &u, unit.RoleAgent))
		doc := webtest.Parsed(t, cl.Get(t, callback), http.StatusForbidden)
		if got := providerLinkNext(t, doc); got != deep {
			t.Errorf("after the refusal the provider link returns to %q, want %q", got, deep)
		}
	})
}

// providerLinkNext is the return path the login page's first provider link carries.
func providerLinkNext(t *testing.T, doc *webtest.HTMLNode) string {
	t.Helper()
	href, err := url.Parse(doc.Must(t, ".acct-other a").AttrOr("href"))
	if err != nil {
		t.Fatal(err)
	}
	return href.Query().Get("next")
}
