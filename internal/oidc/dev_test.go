package oidc_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/oidc"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// devEnv is the test environment with the development provider served on a
// listener of its own, and the login service configured with its two providers.
type devEnv struct {
	*env
	dev  *oidc.DevProvider
	base string
}

func newDevEnv(t *testing.T, db *store.DB) *devEnv {
	t.Helper()
	e := newEnv(t, db)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	dev, err := oidc.NewDevProvider(oidc.DevConfig{BaseURL: base, HallBaseURL: "http://hall.test",
		Directory: oidc.DBDirectory(db), Now: e.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: dev.Handler()}}
	srv.Start()
	t.Cleanup(srv.Close)
	e.oidc = e.newService(t, dev.Providers()...)
	return &devEnv{env: e, dev: dev, base: base}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// page starts a login and fetches the provider's login page: its HTML and the
// authorization request's parameters.
func (d *devEnv) page(t *testing.T, provider string, purpose oidc.Purpose) (string, string, url.Values) {
	t.Helper()
	authURL, err := d.oidc.Start(t.Context(), provider, purpose, browserA, "")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	resp, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login page: %d %s", resp.StatusCode, body)
	}
	u, _ := url.Parse(authURL)
	return string(body), u.Scheme + "://" + u.Host + u.Path, u.Query()
}

// submit posts the login page with form (added to the request's parameters) and
// returns the redirect's query.
func submit(t *testing.T, endpoint string, params, form url.Values) (*http.Response, url.Values) {
	t.Helper()
	v := url.Values{}
	for k, vs := range params {
		v[k] = vs
	}
	for k, vs := range form {
		v[k] = vs
	}
	resp, err := noRedirect.PostForm(endpoint, v)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil {
		return resp, nil
	}
	return resp, loc.Query()
}

// TestDevProvider runs the hall's login against the development provider the way
// a tester does in a browser: both providers, the identities it lists, cancel.
func TestDevProvider(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := newDevEnv(t, db)
		rep, agent := d.addPerson(t, "周明远"), d.addPerson(t, "李强")
		u := d.addUnit(t, "示范澄睿信息技术有限公司", rep)
		d.addMember(t, u, agent, unit.Membership{Role: unit.RoleAgent, Status: unit.StatusActive})

		html, endpoint, params := d.page(t, "licence", oidc.PurposeUnit)
		if !strings.Contains(html, "开发环境") || !strings.Contains(html, "电子营业执照") ||
			!strings.Contains(html, "示范澄睿信息技术有限公司 · 经办人") || strings.Contains(html, agent.IDNumber) {
			t.Fatalf("login page lacks the label or the identities, or shows an ID number unmasked:\n%s", html)
		}
		key := regexp.MustCompile(`value="([^"]+)"> 示范澄睿信息技术有限公司 · 经办人`).FindStringSubmatch(html)
		if key == nil {
			t.Fatalf("no radio button for the agent:\n%s", html)
		}
		resp, q := submit(t, endpoint, params, url.Values{"action": {"login"}, "identity": {key[1]}})
		if resp.StatusCode != http.StatusFound || q.Get("iss") != d.base+"/licence" {
			t.Fatalf("login answered %d, query %v", resp.StatusCode, q)
		}
		l, err := d.oidc.Callback(t.Context(), "licence", browserA, q, attempt)
		if err != nil {
			t.Fatalf("licence login: %v", err)
		}
		if l.Subject != (auth.Subject{PersonID: agent.ID, UnitID: u.ID, Role: auth.RoleAgent}) || !l.Provider.Development {
			t.Fatalf("licence login %+v", l)
		}

		// The provincial SSO, a personal login typed in by hand.
		_, endpoint, params = d.page(t, "gov", oidc.PurposePerson)
		_, q = submit(t, endpoint, params, url.Values{"action": {"login"}, "identity": {"manual"},
			"id_number": {rep.IDNumber}, "name": {rep.Name}})
		if l, err = d.oidc.Callback(t.Context(), "gov", browserA, q, attempt); err != nil || l.Subject != (auth.Subject{PersonID: rep.ID}) {
			t.Fatalf("gov login %+v, %v", l, err)
		}

		// Cancel: the hall hears access_denied.
		_, endpoint, params = d.page(t, "gov", oidc.PurposeUnit)
		_, q = submit(t, endpoint, params, url.Values{"action": {"cancel"}})
		if _, err := d.oidc.Callback(t.Context(), "gov", browserA, q, attempt); !errors.Is(err, oidc.ErrProvider) {
			t.Fatalf("cancel: %v, want a provider error", err)
		}
		// A licence cannot sign a person in personally.
		if _, err := d.oidc.Start(t.Context(), "licence", oidc.PurposePerson, browserA, ""); !errors.Is(err, oidc.ErrUnknownProvider) {
			t.Errorf("licence for a personal login: %v", err)
		}
	})
}

// TestDevProviderBehavesLikeARealOne: codes expire and are single use, PKCE and
// the registered redirect URI are enforced, tokens need the client's secret.
func TestDevProviderBehavesLikeARealOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := newDevEnv(t, db)
		rep := d.addPerson(t, "周明远")
		login := url.Values{"action": {"login"}, "identity": {"manual"}, "id_number": {rep.IDNumber}, "name": {rep.Name}}

		// A code redeemed after a minute is refused.
		_, endpoint, params := d.page(t, "gov", oidc.PurposePerson)
		_, q := submit(t, endpoint, params, login)
		d.clk.Add(61 * time.Second)
		if _, err := d.oidc.Callback(t.Context(), "gov", browserA, q, attempt); !errors.Is(err, oidc.ErrToken) {
			t.Errorf("expired code: %v, want ErrToken", err)
		}

		// A code is redeemed once: a second redemption, by anyone, is refused.
		_, endpoint, params = d.page(t, "gov", oidc.PurposePerson)
		_, q = submit(t, endpoint, params, login)
		if _, err := d.oidc.Callback(t.Context(), "gov", browserA, q, attempt); err != nil {
			t.Fatal(err)
		}
		gov := d.dev.Providers()[0]
		redeem := func(form url.Values, user, pass string) int {
			req, _ := http.NewRequest(http.MethodPost, gov.Issuer+"/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if user != "" {
				req.SetBasicAuth(user, pass)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {"http://hall.test/login/oidc/gov/callback"},
			"code_verifier": {strings.Repeat("v", 43)}}
		if got := redeem(form, gov.ClientID, gov.ClientSecret); got != http.StatusBadRequest {
			t.Errorf("second redemption: %d, want 400", got)
		}
		// A fresh code without the right verifier, or without the secret.
		_, endpoint, params = d.page(t, "gov", oidc.PurposePerson)
		_, q = submit(t, endpoint, params, login)
		form.Set("code", q.Get("code"))
		if got := redeem(form, gov.ClientID, "wrong"); got != http.StatusUnauthorized {
			t.Errorf("wrong client secret: %d, want 401", got)
		}
		if got := redeem(form, gov.ClientID, gov.ClientSecret); got != http.StatusBadRequest {
			t.Errorf("wrong PKCE verifier: %d, want 400", got)
		}

		// A redirect URI that is not the hall's gets an error page, not a redirect.
		_, endpoint, params = d.page(t, "gov", oidc.PurposePerson)
		params.Set("redirect_uri", "http://evil.test/cb")
		if resp, _ := submit(t, endpoint, params, login); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("foreign redirect URI: %d, want 400", resp.StatusCode)
		}
		// No PKCE: sent back with invalid_request.
		_, endpoint, params = d.page(t, "gov", oidc.PurposePerson)
		params.Del("code_challenge")
		if _, q := submit(t, endpoint, params, login); q.Get("error") != "invalid_request" {
			t.Errorf("no PKCE: %v, want error=invalid_request", q)
		}
	})
}
