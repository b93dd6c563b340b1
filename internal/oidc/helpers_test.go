package oidc_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"hall/internal/auth"
	"hall/internal/config"
	"hall/internal/ident"
	"hall/internal/oidc"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

func newClock() *clock { return storetest.NewClock(time.Now().UTC()) }

const (
	browserA = "browser-A-binding-0123456789abcdef"
	browserB = "browser-B-binding-0123456789abcdef"
)

var attempt = auth.Attempt{ClientAddr: "192.0.2.10", RequestID: "req-1"}

// env is the hall's services on a test database with a mock provider ("gov", kind
// KindGov, person and unit logins) configured against it.
type env struct {
	svc   *services.Services
	oidc  *oidc.Service
	clk   *clock
	mock  *mockoidc.MockOIDC
	forge *forger
	g     *rand.Rand
	cfg   oidc.ProviderConfig
}

// claim names the mock provider's tokens use.
var mockClaims = oidc.ClaimNames{IDNumber: "id_card", Name: "real_name", Mobile: "mobile", USCC: "uscc",
	UnitName: "org_name", Role: "role"}

func newEnv(t *testing.T, db *store.DB, adjust ...func(*oidc.ProviderConfig)) *env {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.AuditKey = "oidc-test-audit-key"
	cfg.OIDCDevAddr = ""
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	clk := newClock()
	svc, err := services.Build(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)), clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{svc: svc, clk: clk, forge: &forger{}, g: rand.New(rand.NewPCG(uint64(len(t.Name())), 11))}
	e.mock = startMock(t, e.forge)
	mc := e.mock.Config()
	e.cfg = oidc.ProviderConfig{ID: "gov", Kind: oidc.KindGov, DisplayName: "示范省政务服务网", Issuer: mc.Issuer,
		ClientID: mc.ClientID, ClientSecret: mc.ClientSecret, TokenAuth: oidc.AuthPost, Claims: mockClaims}
	for _, f := range adjust {
		f(&e.cfg)
	}
	e.oidc = e.newService(t, e.cfg)
	return e
}

func (e *env) newService(t *testing.T, pcs ...oidc.ProviderConfig) *oidc.Service {
	t.Helper()
	s, err := buildOIDC(e.svc, e.svc.Registry, e.clk.Now, pcs...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// buildOIDC is the login service on svc's services, asking reg, with the hall at
// http://hall.test.
func buildOIDC(svc *services.Services, reg registry.Registry, now func() time.Time, pcs ...oidc.ProviderConfig) (*oidc.Service, error) {
	return oidc.New(oidc.Deps{DB: svc.DB, Flows: svc.Flows, Persons: svc.Persons, Units: svc.Units,
		Delegation: svc.Delegation, Registry: reg, Audit: svc.Audit, Now: now},
		oidc.Config{BaseURL: "http://hall.test"}, pcs)
}

// startMock runs a mockoidc server whose token responses pass through forge.
func startMock(t *testing.T, f *forger) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Keypair.KeyID(); err != nil { // computed lazily: once, before concurrent use
		t.Fatal(err)
	}
	if err := m.AddMiddleware(f.middleware); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

// user is a mock provider account: the claims it asserts, and a change to the ID
// token's standard claims for tests of the checks.
type user struct {
	sub      string
	claims   map[string]any
	userinfo map[string]any // answered by the user-info endpoint besides sub
	infoSub  string         // sub the user-info endpoint answers with ("" = sub)
	tweak    func(*mockoidc.IDTokenClaims)
}

func (u *user) ID() string { return u.sub }

func (u *user) Userinfo([]string) ([]byte, error) {
	m := map[string]any{"sub": u.sub}
	if u.infoSub != "" {
		m["sub"] = u.infoSub
	}
	for k, v := range u.userinfo {
		m[k] = v
	}
	return json.Marshal(m)
}

func (u *user) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.tweak != nil {
		u.tweak(base)
	}
	return extraClaims{base, u.claims}, nil
}

// extraClaims are the standard claims plus the user's own.
type extraClaims struct {
	*mockoidc.IDTokenClaims
	extra map[string]any
}

func (c extraClaims) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(c.IDTokenClaims)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range c.extra {
		m[k] = v
	}
	return json.Marshal(m)
}

// personClaims are the claims the provider asserts for p.
func personClaims(p person.Person) map[string]any {
	return map[string]any{"id_card": p.IDNumber, "real_name": p.Name, "mobile": p.Mobile}
}

// unitClaims are the claims for p acting for the unit with the USCC.
func unitClaims(p person.Person, uscc, name string, role string) map[string]any {
	c := personClaims(p)
	c["uscc"], c["org_name"] = uscc, name
	if role != "" {
		c["role"] = role
	}
	return c
}

// login runs a whole login for browserA: Start, the provider's authorization
// endpoint with u logged in, and Callback with what came back.
func (e *env) login(t *testing.T, purpose oidc.Purpose, u *user) (oidc.Login, error) {
	t.Helper()
	q := e.authorize(t, purpose, u)
	return e.oidc.Callback(t.Context(), "gov", browserA, q, attempt)
}

// authorize starts a login for browserA and returns the callback query the
// provider sent the browser back with.
func (e *env) authorize(t *testing.T, purpose oidc.Purpose, u *user) url.Values {
	t.Helper()
	authURL, err := e.oidc.Start(t.Context(), "gov", purpose, browserA, "")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if u != nil {
		e.mock.QueueUser(u)
	}
	return follow(t, authURL, "http://hall.test"+oidc.CallbackPath("gov"))
}

// follow requests authURL without following redirects and returns the query of
// the redirect, which must go to callback.
func follow(t *testing.T, authURL, callback string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorization answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != callback {
		t.Fatalf("redirected to %s, want %s", got, callback)
	}
	return loc.Query()
}

// addPerson registers an invented person.
func (e *env) addPerson(t *testing.T, name string) person.Person {
	t.Helper()
	var p person.Person
	err := e.svc.DB.Tx(t.Context(), func(tx *store.Tx) error {
		var err error
		p, err = e.svc.Persons.CreateTx(t.Context(), tx, person.NewAccount{IDType: ident.IDTypeResident,
			IDNumber: ident.GenerateResidentID(e.g, "320102", time.Date(1980+e.g.IntN(20), time.Month(1+e.g.IntN(12)), 1+e.g.IntN(28), 0, 0, 0, 0, time.UTC), e.g.IntN(2) == 0),
			Name:     name, Mobile: ident.GenerateMobile(e.g)}, "192.0.2.1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// addUnit opens an invented unit with legalRep as its legal rep.
func (e *env) addUnit(t *testing.T, name string, legalRep person.Person) unit.Unit {
	t.Helper()
	var u unit.Unit
	err := e.svc.DB.Tx(t.Context(), func(tx *store.Tx) error {
		var err error
		u, err = e.svc.Units.Create(t.Context(), tx, unit.NewUnit{USCC: ident.GenerateUSCC(e.g, "320102"), Name: name,
			UnitType: "企业", Region: "320102", LegalRepPersonID: legalRep.ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// addMember gives p a role in u.
func (e *env) addMember(t *testing.T, u unit.Unit, p person.Person, m unit.Membership) {
	t.Helper()
	m.UnitID, m.PersonID = u.ID, p.ID
	err := e.svc.DB.Tx(t.Context(), func(tx *store.Tx) error {
		_, err := e.svc.Units.AddMembership(t.Context(), tx, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// addEntry stores a registry entry for an invented unit whose legal rep is p.
func (e *env) addEntry(t *testing.T, name string, p person.Person, status registry.Status) registry.Entry {
	t.Helper()
	en := registry.Entry{USCC: ident.GenerateUSCC(e.g, "320102"), Name: name, UnitType: registry.UnitEnterprise,
		LegalRepIDType: p.IDType, LegalRepIDNumber: p.IDNumber, LegalRepName: p.Name,
		RegisteredAt: time.Date(2018, 3, 1, 0, 0, 0, 0, time.UTC), Address: "示范省示范市人民路1号",
		Region: "320102", Status: status}
	err := e.svc.DB.Tx(t.Context(), func(tx *store.Tx) error {
		_, err := e.svc.DevRegistry.Upsert(t.Context(), tx, en)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return en
}

// count runs a COUNT query.
func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
