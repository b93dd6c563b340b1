package oidc_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/oidc"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestPersonLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		p := e.addPerson(t, "林晓峰")
		l, err := e.login(t, oidc.PurposePerson, &user{sub: "s-1", claims: personClaims(p)})
		if err != nil {
			t.Fatalf("login: %v", err)
		}
		if l.Subject != (auth.Subject{PersonID: p.ID}) || l.Person.ID != p.ID || l.Purpose != oidc.PurposePerson {
			t.Fatalf("login = %+v", l)
		}
		if l.Asserted.Subject != "s-1" || l.Asserted.Mobile != p.Mobile || l.Provider.ID != "gov" {
			t.Errorf("asserted %+v provider %+v", l.Asserted, l.Provider)
		}
		entries, _, err := e.svc.Audit.List(t.Context(), audit.Filter{Action: "login.person.oidc"})
		if err != nil || len(entries) != 1 || entries[0].Result != audit.Success || entries[0].PersonID != p.ID ||
			entries[0].Detail["provider"] != "gov" || strings.Contains(entries[0].Detail["id_number"], p.IDNumber[5:14]) {
			t.Fatalf("audit %+v (%v)", entries, err)
		}
	})
}

// TestCallbackRefusals runs the code flow with a provider or a browser that
// misbehaves; each must be refused with its error.
func TestCallbackRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		p := e.addPerson(t, "林晓峰")
		good := func() *user { return &user{sub: "s-1", claims: personClaims(p)} }
		tweaked := func(f func(*mockoidc.IDTokenClaims)) *user { u := good(); u.tweak = f; return u }
		at := func(d time.Duration) *jwt.NumericDate { return jwt.NewNumericDate(time.Now().Add(d)) }

		cases := []struct {
			name  string
			user  *user
			forge func(string) string
			want  error
		}{
			{"nonce of another login", tweaked(func(c *mockoidc.IDTokenClaims) { c.Nonce = "replayed-nonce" }), nil, oidc.ErrNonce},
			{"no nonce", tweaked(func(c *mockoidc.IDTokenClaims) { c.Nonce = "" }), nil, oidc.ErrNonce},
			{"wrong audience", tweaked(func(c *mockoidc.IDTokenClaims) { c.Audience = jwt.ClaimStrings{"another-client"} }), nil, oidc.ErrToken},
			{"several audiences without azp", tweaked(func(c *mockoidc.IDTokenClaims) { c.Audience = append(c.Audience, "another-client") }), nil, oidc.ErrToken},
			{"wrong issuer", tweaked(func(c *mockoidc.IDTokenClaims) { c.Issuer = "http://evil.test/oidc" }), nil, oidc.ErrToken},
			{"expired beyond the skew", tweaked(func(c *mockoidc.IDTokenClaims) { c.ExpiresAt = at(-3 * time.Minute) }), nil, oidc.ErrToken},
			{"issued in the future", tweaked(func(c *mockoidc.IDTokenClaims) { c.IssuedAt = at(5 * time.Minute) }), nil, oidc.ErrToken},
			{"issued long ago", tweaked(func(c *mockoidc.IDTokenClaims) { c.IssuedAt = at(-time.Hour) }), nil, oidc.ErrToken},
			{"not yet valid", tweaked(func(c *mockoidc.IDTokenClaims) { c.NotBefore = at(5 * time.Minute) }), nil, oidc.ErrToken},
			{"signed with another key", good(), resignedWithOtherKey(t, e.mock.Keypair.Kid), oidc.ErrToken},
			{"alg none", good(), algNone(t), oidc.ErrToken},
			{"HS256 with the public key", good(), hs256WithPublicKey(t, e.mock.Keypair.PublicKey), oidc.ErrToken},
			{"no ID number", &user{sub: "s-1", claims: map[string]any{"real_name": p.Name}}, nil, oidc.ErrClaims},
			{"ID number with a wrong check digit", &user{sub: "s-1", claims: map[string]any{"id_card": flip(p.IDNumber), "real_name": p.Name}}, nil, oidc.ErrClaims},
			{"name of someone else", &user{sub: "s-1", claims: map[string]any{"id_card": p.IDNumber, "real_name": "王大伟"}}, nil, oidc.ErrPersonMismatch},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e.forge.set(tc.forge)
				defer e.forge.set(nil)
				_, err := e.login(t, oidc.PurposePerson, tc.user)
				if !errors.Is(err, tc.want) {
					t.Fatalf("login error %v, want %v", err, tc.want)
				}
				if oidc.Message(err) == "系统繁忙，请稍后再试" {
					t.Errorf("generic message for %v", err)
				}
			})
		}
		// Within the clock skew an expired token still counts.
		u := tweaked(func(c *mockoidc.IDTokenClaims) { c.ExpiresAt = at(-time.Minute) })
		if _, err := e.login(t, oidc.PurposePerson, u); err != nil {
			t.Fatalf("token expired 1 minute ago (skew 2 minutes): %v", err)
		}
		var n int
		if err := db.QueryRow(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE action = 'login.person.oidc' AND result = 'failure'`).Scan(&n); err != nil || n != len(cases) {
			t.Errorf("%d failures audited (%v), want %d", n, err, len(cases))
		}
	})
}

// flip changes the last character of an ID number, breaking its check digit.
func flip(s string) string {
	last := s[len(s)-1]
	if last == '1' {
		return s[:len(s)-1] + "2"
	}
	return s[:len(s)-1] + "1"
}

// TestStateRefusals checks the state: single use, bound to the browser, to the
// provider, and expiring.
func TestStateRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		p := e.addPerson(t, "林晓峰")
		u := func() *user { return &user{sub: "s-1", claims: personClaims(p)} }

		q := e.authorize(t, oidc.PurposePerson, u())
		if _, err := e.oidc.Callback(t.Context(), "gov", browserB, q, attempt); !errors.Is(err, oidc.ErrState) {
			t.Errorf("callback in another browser: %v, want ErrState", err)
		}
		if _, err := e.oidc.Callback(t.Context(), "gov", browserA, q, attempt); err != nil {
			t.Fatalf("callback in the browser that started: %v", err)
		}
		if _, err := e.oidc.Callback(t.Context(), "gov", browserA, q, attempt); !errors.Is(err, oidc.ErrState) {
			t.Errorf("replayed callback: %v, want ErrState", err)
		}

		q = e.authorize(t, oidc.PurposePerson, u())
		e.clk.Add(oidc.DefaultFlowTTL)
		if _, err := e.oidc.Callback(t.Context(), "gov", browserA, q, attempt); !errors.Is(err, oidc.ErrStateExpired) {
			t.Errorf("callback after the flow's lifetime: %v, want ErrStateExpired", err)
		}
		e.clk.Add(-oidc.DefaultFlowTTL)

		// A forged state, a state of nothing, a repeated state.
		for name, q := range map[string]url.Values{
			"unknown state":   {"state": {strings.Repeat("A", 43)}, "code": {"c"}},
			"malformed state": {"state": {"short"}, "code": {"c"}},
			"no state":        {"code": {"c"}},
		} {
			if _, err := e.oidc.Callback(t.Context(), "gov", browserA, q, attempt); !errors.Is(err, oidc.ErrState) {
				t.Errorf("%s: %v, want ErrState", name, err)
			}
		}
		q = e.authorize(t, oidc.PurposePerson, u())
		q.Add("state", q.Get("state"))
		if _, err := e.oidc.Callback(t.Context(), "gov", browserA, q, attempt); !errors.Is(err, oidc.ErrBadCallback) {
			t.Errorf("two states: %v, want ErrBadCallback", err)
		}

		// A flow started with one provider cannot finish at another's callback.
		other := e.cfg
		other.ID = "licence"
		other.Kind, other.Purposes = oidc.KindLicence, nil
		two := e.newService(t, e.cfg, other)
		authURL, err := two.Start(t.Context(), "gov", oidc.PurposePerson, browserA, "")
		if err != nil {
			t.Fatal(err)
		}
		e.mock.QueueUser(u())
		q = follow(t, authURL, "http://hall.test"+oidc.CallbackPath("gov"))
		if _, err := two.Callback(t.Context(), "licence", browserA, q, attempt); !errors.Is(err, oidc.ErrState) {
			t.Errorf("callback at another provider's path: %v, want ErrState", err)
		}
		// An RFC 9207 iss naming another issuer is a mix-up.
		q = e.authorize(t, oidc.PurposePerson, u())
		q.Set("iss", "http://evil.test/oidc")
		if _, err := e.oidc.Callback(t.Context(), "gov", browserA, q, attempt); !errors.Is(err, oidc.ErrToken) {
			t.Errorf("callback with another iss: %v, want ErrToken", err)
		}
	})
}

// TestProviderErrorCallback: error= comes back; the flow is used up by it.
func TestProviderErrorCallback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		authURL, err := e.oidc.Start(t.Context(), "gov", oidc.PurposeUnit, browserA, "")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(authURL)
		state := u.Query().Get("state")
		if u.Query().Get("code_challenge_method") != "S256" || len(u.Query().Get("code_challenge")) != 43 ||
			u.Query().Get("nonce") == "" || u.Query().Get("redirect_uri") != "http://hall.test/login/oidc/gov/callback" {
			t.Fatalf("authorization request %v", u.Query())
		}
		q := url.Values{"state": {state}, "error": {"access_denied"}, "error_description": {"user cancelled"}}
		_, err = e.oidc.Callback(t.Context(), "gov", browserA, q, attempt)
		var pe *oidc.ProviderError
		if !errors.Is(err, oidc.ErrProvider) || !errors.As(err, &pe) || pe.Code != "access_denied" ||
			oidc.Message(err) != "您已在统一身份认证平台取消授权，未登录" {
			t.Fatalf("error callback: %v (%q)", err, oidc.Message(err))
		}
		q = url.Values{"state": {state}, "code": {"late-code"}}
		if _, err := e.oidc.Callback(t.Context(), "gov", browserA, q, attempt); !errors.Is(err, oidc.ErrState) {
			t.Errorf("code after the error on the same state: %v, want ErrState", err)
		}
		entries, _, err := e.svc.Audit.List(t.Context(), audit.Filter{Action: "login.unit.oidc"})
		if err != nil || len(entries) != 2 || entries[1].Detail["reason"] != "provider_error" {
			t.Errorf("audit %+v (%v)", entries, err)
		}
	})
}

// TestTokenEndpointRefusal: a code the provider refuses (here redeemed twice by
// a stale callback copy with its own flow) is ErrToken, a provider that is down
// is ErrProviderUnavailable.
func TestProviderFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		p := e.addPerson(t, "林晓峰")
		q := e.authorize(t, oidc.PurposePerson, &user{sub: "s-1", claims: personClaims(p)})
		e.mock.QueueError(&mockoidc.ServerError{Code: 400, Error: mockoidc.InvalidGrant, Description: "code used"})
		if _, err := e.oidc.Callback(t.Context(), "gov", browserA, q, attempt); !errors.Is(err, oidc.ErrToken) {
			t.Errorf("refused code: %v, want ErrToken", err)
		}
		q = e.authorize(t, oidc.PurposePerson, &user{sub: "s-1", claims: personClaims(p)})
		e.mock.QueueError(&mockoidc.ServerError{Code: 503, Error: mockoidc.InternalServerError})
		if _, err := e.oidc.Callback(t.Context(), "gov", browserA, q, attempt); !errors.Is(err, oidc.ErrProviderUnavailable) {
			t.Errorf("provider failing: %v, want ErrProviderUnavailable", err)
		}

		down := e.cfg
		down.Issuer = "http://127.0.0.1:1/oidc"
		s := e.newService(t, down)
		if _, err := s.Start(t.Context(), "gov", oidc.PurposePerson, browserA, ""); !errors.Is(err, oidc.ErrProviderUnavailable) {
			t.Errorf("Start with the provider down: %v, want ErrProviderUnavailable", err)
		}
		if _, err := s.Start(t.Context(), "nope", oidc.PurposePerson, browserA, ""); !errors.Is(err, oidc.ErrUnknownProvider) {
			t.Errorf("unknown provider: %v", err)
		}
	})
}

// TestUserInfo: claims missing from the ID token come from user info, whose
// subject must be the token's.
func TestUserInfo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, func(c *oidc.ProviderConfig) { c.UserInfo = true })
		p := e.addPerson(t, "林晓峰")
		u := &user{sub: "s-1", claims: map[string]any{"id_card": p.IDNumber, "real_name": p.Name},
			userinfo: map[string]any{"mobile": p.Mobile, "real_name": "王大伟"}}
		l, err := e.login(t, oidc.PurposePerson, u)
		if err != nil {
			t.Fatal(err)
		}
		if l.Asserted.Mobile != p.Mobile || l.Asserted.Name != p.Name {
			t.Errorf("asserted %v: the mobile comes from user info, the name from the ID token", l.Asserted)
		}
		u.infoSub = "someone-else"
		if _, err := e.login(t, oidc.PurposePerson, u); !errors.Is(err, oidc.ErrToken) {
			t.Errorf("user info of another subject: %v, want ErrToken", err)
		}
	})
}

func TestUnregisteredPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		stranger := e.addPerson(t, "赵子龙")
		if _, err := db.Exec(t.Context(), "DELETE FROM persons WHERE id = ?", stranger.ID); err != nil {
			t.Fatal(err)
		}
		_, err := e.login(t, oidc.PurposePerson, &user{sub: "s-2", claims: personClaims(stranger)})
		var ue *oidc.Unregistered
		if !errors.Is(err, oidc.ErrUnknownPerson) || !errors.As(err, &ue) {
			t.Fatalf("unknown person: %v", err)
		}
		if ue.Asserted.IDNumber != stranger.IDNumber || ue.Asserted.Name != stranger.Name || ue.Asserted.Mobile != stranger.Mobile {
			t.Errorf("prefill %v", ue.Asserted)
		}
		if oidc.Message(err) != oidc.ErrUnknownPerson.Msg {
			t.Errorf("message %q", oidc.Message(err))
		}
	})
}

// TestReturnPath: the path given to Start stays on the server with the flow — the
// provider's authorization request does not carry it — and comes back with the
// login.
func TestReturnPath(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		p := e.addPerson(t, "苏映雪")
		const next = "/me/password?from=mail"
		authURL, err := e.oidc.Start(t.Context(), "gov", oidc.PurposePerson, browserA, next)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(authURL, "password") {
			t.Errorf("the authorization request carries the return path: %s", authURL)
		}
		e.mock.QueueUser(&user{sub: "s-next", claims: personClaims(p)})
		q := follow(t, authURL, "http://hall.test"+oidc.CallbackPath("gov"))
		l, err := e.oidc.Callback(t.Context(), "gov", browserA, q, attempt)
		if err != nil || l.Next != next {
			t.Fatalf("login %+v (%v), want Next %q", l, err, next)
		}
	})
}
