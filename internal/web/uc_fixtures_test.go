package web

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/unit"
)

// Fixtures of the unit user center tests: invented persons and units written through
// the domain services, and sessions created directly, so these tests do not depend
// on the login pages.

// ucPassword is every fixture person's account password (invented).
const ucPassword = "Uc-Fixture-2026!"

// ucWorld holds the fixtures' random source, so that ID numbers, mobiles and credit
// codes are well-formed and distinct within a test.
type ucWorld struct {
	ts *testServer
	g  *rand.Rand
}

func ucNewWorld(ts *testServer, seed uint64) *ucWorld {
	return &ucWorld{ts: ts, g: rand.New(rand.NewPCG(seed, seed^0x75632d77))}
}

// person registers an invented real-name person with ucPassword.
func (w *ucWorld) person(t testing.TB, name string) person.Person {
	t.Helper()
	ctx := context.Background()
	hash, err := w.ts.Hasher.Hash(ctx, ucPassword)
	if err != nil {
		t.Fatalf("hash: %v", err)
	}
	acct := person.NewAccount{IDType: ident.IDTypeResident, IDNumber: ident.GenerateResidentID(w.g, "", time.Time{}, w.g.IntN(2) == 0),
		Name: name, Mobile: ident.GenerateMobile(w.g), PasswordHash: hash}
	var p person.Person
	err = w.ts.DB.Tx(ctx, func(tx *store.Tx) error {
		p, err = w.ts.Persons.CreateTx(ctx, tx, acct, "127.0.0.1")
		return err
	})
	if err != nil {
		t.Fatalf("create person %s: %v", name, err)
	}
	return p
}

// unit opens an invented unit whose legal rep is legalRep.
func (w *ucWorld) unit(t testing.TB, name string, legalRep person.Person) unit.Unit {
	t.Helper()
	ctx := context.Background()
	var u unit.Unit
	err := w.ts.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		u, err = w.ts.Units.Create(ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(w.g, "320102"), Name: name,
			UnitType: "企业", Region: "320102", Address: "示范市示范区示范路1号", LegalRepPersonID: legalRep.ID})
		return err
	})
	if err != nil {
		t.Fatalf("create unit %s: %v", name, err)
	}
	return u
}

// member adds a membership; m needs UnitID, PersonID, Role and Status. A unit
// password, when given, is hashed.
func (w *ucWorld) member(t testing.TB, m unit.Membership, unitPassword string) unit.Membership {
	t.Helper()
	ctx := context.Background()
	if unitPassword != "" {
		h, err := w.ts.Hasher.Hash(ctx, unitPassword)
		if err != nil {
			t.Fatalf("hash: %v", err)
		}
		m.PasswordHash = h
	}
	err := w.ts.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		m, err = w.ts.Units.AddMembership(ctx, tx, m)
		return err
	})
	if err != nil {
		t.Fatalf("add membership: %v", err)
	}
	return m
}

// ucSignIn starts a session for subj directly (as a login page would after checking
// credentials) and returns its cookie.
func ucSignIn(t testing.TB, ts *testServer, subj auth.Subject) *http.Cookie {
	t.Helper()
	token, _, err := ts.Sessions.Create(context.Background(), subj, auth.Meta{ClientAddr: "192.0.2.1", UserAgent: "uc-test"})
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	return &http.Cookie{Name: ts.cookieName("hall_session"), Value: token}
}

// ucUnitSubject is the subject of person p acting in unit u in role r.
func ucUnitSubject(p person.Person, u unit.Unit, r unit.Role) auth.Subject {
	return auth.Subject{PersonID: p.ID, UnitID: u.ID, Role: auth.Role(r)}
}

// ucDo sends a request with the session cookie (nil: none); a non-nil form is
// posted.
func ucDo(t testing.TB, ts *testServer, method, target string, c *http.Cookie, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	if c != nil {
		r.AddCookie(c)
	}
	return ts.Do(t, r)
}

// ucGetHTML GETs target with the cookie, checks the status and parses the page.
func ucGetHTML(t testing.TB, ts *testServer, target string, c *http.Cookie, want int) *htmlNode {
	t.Helper()
	rec := ucDo(t, ts, http.MethodGet, target, c, nil)
	if rec.Code != want {
		t.Fatalf("GET %s: status %d, want %d (Location %q)\n%s", target, rec.Code, want, rec.Header().Get("Location"), shortBody(rec.Body.String()))
	}
	return parseHTML(t, rec.Body.String())
}

// ucSessionCookie returns the session cookie a response sets, or nil.
func ucSessionCookie(ts *testServer, rec *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == ts.cookieName("hall_session") {
			return c
		}
	}
	return nil
}

// ucClock is a fake clock safe for concurrent use.
type ucClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *ucClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *ucClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// ucWithClock is a newTestServer option that rebuilds the whole service graph on
// the fake clock: every service keeps the clock it was built with, so replacing
// Services.Now alone would leave sessions and units on the real one.
func ucWithClock(t testing.TB, c *ucClock) func(*services.Services) {
	return func(svc *services.Services) {
		rebuilt, err := services.Build(svc.Config, svc.DB, svc.Log, c.Now)
		if err != nil {
			t.Fatalf("services on a fake clock: %v", err)
		}
		*svc = *rebuilt
	}
}
