package web

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
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

// Helpers of the personal-account tests (acct_*_test.go). Every person, unit and
// number is invented with ident's generators.

// acctPassword is the password of every fixture person (invented; passes the policy).
const acctPassword = "Acct-Fixture-2026"

// acctClient is a browser without JavaScript on the test server's router: it keeps
// the cookies the server sets (the browser binding, the session) and sends them back.
type acctClient struct {
	ts      *testServer
	cookies map[string]*http.Cookie
	remote  string
}

func acctNewClient(ts *testServer) *acctClient {
	return &acctClient{ts: ts, cookies: map[string]*http.Cookie{}, remote: "198.51.100.7:40000"}
}

// do sends a request with the client's cookies; a non-nil form is posted.
func (c *acctClient) do(t testing.TB, method, target string, form url.Values, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	r.RemoteAddr = c.remote
	for k, vs := range header {
		r.Header[k] = vs
	}
	for _, ck := range c.cookies {
		r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	rec := c.ts.Do(t, r)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	return rec
}

func (c *acctClient) get(t testing.TB, target string) *httptest.ResponseRecorder {
	t.Helper()
	return c.do(t, http.MethodGet, target, nil, nil)
}

func (c *acctClient) post(t testing.TB, target string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	return c.do(t, http.MethodPost, target, form, nil)
}

// page GETs target, checks the status and parses the page.
func (c *acctClient) page(t testing.TB, target string, want int) *htmlNode {
	t.Helper()
	rec := c.get(t, target)
	acctWantStatus(t, "GET "+target, rec, want)
	return parseHTML(t, rec.Body.String())
}

// session is the session cookie's value ("" when signed out).
func (c *acctClient) session() string {
	if ck := c.cookies[c.ts.cookieName("hall_session")]; ck != nil {
		return ck.Value
	}
	return ""
}

// acctWantStatus fails the test when rec's status is not want.
func acctWantStatus(t testing.TB, what string, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("%s: status %d, want %d (Location %q)\n%s", what, rec.Code, want, rec.Header().Get("Location"), shortBody(rec.Body.String()))
	}
}

// acctWantRedirect fails the test unless rec is a 303 to location.
func acctWantRedirect(t testing.TB, what string, rec *httptest.ResponseRecorder, location string) {
	t.Helper()
	acctWantStatus(t, what, rec, http.StatusSeeOther)
	if got := rec.Header().Get("Location"); got != location {
		t.Fatalf("%s: redirect to %q, want %q", what, got, location)
	}
}

// acctFieldError is the message shown beside field name ("" when none). It also
// checks that the message is tied to its input (aria-describedby) and inside the
// same .field.
func acctFieldError(t testing.TB, doc *htmlNode, name string) string {
	t.Helper()
	e := doc.First("#e-" + name)
	if e == nil {
		return ""
	}
	in := doc.First("#f-" + name)
	if in == nil {
		t.Fatalf("message for %s has no field", name)
	}
	if !strings.Contains(in.AttrOr("aria-describedby"), "e-"+name) {
		t.Errorf("field %s: aria-describedby %q does not name its message", name, in.AttrOr("aria-describedby"))
	}
	if e.Parent != in.Parent && e.Parent != in.Parent.Parent {
		t.Errorf("message for %s is not beside its field", name)
	}
	return e.TextContent()
}

// acctWorld makes invented people and units.
type acctWorld struct {
	ts *testServer
	g  *rand.Rand
}

func acctNewWorld(ts *testServer, seed uint64) *acctWorld {
	return &acctWorld{ts: ts, g: rand.New(rand.NewPCG(seed, 0xacc7))}
}

func (w *acctWorld) idNumber() string {
	return ident.GenerateResidentID(w.g, "", time.Time{}, w.g.IntN(2) == 0)
}

func (w *acctWorld) mobile() string { return ident.GenerateMobile(w.g) }

// person creates an account with acctPassword, as registration would.
func (w *acctWorld) person(t testing.TB, name string) person.Person {
	t.Helper()
	var p person.Person
	w.tx(t, func(ctx context.Context, tx *store.Tx) error {
		var err error
		p, err = w.newPerson(ctx, tx, name)
		return err
	})
	return p
}

func (w *acctWorld) newPerson(ctx context.Context, tx *store.Tx, name string) (person.Person, error) {
	hash, err := w.ts.Hasher.Hash(ctx, acctPassword)
	if err != nil {
		return person.Person{}, err
	}
	return w.ts.Persons.CreateTx(ctx, tx, person.NewAccount{IDType: ident.IDTypeResident, IDNumber: w.idNumber(),
		Name: name, Mobile: w.mobile(), PasswordHash: hash}, "192.0.2.10")
}

// unitWithRep creates a legal rep and the unit in one transaction.
func (w *acctWorld) unitWithRep(t testing.TB, unitName, repName string) (unit.Unit, person.Person) {
	t.Helper()
	var u unit.Unit
	var p person.Person
	w.tx(t, func(ctx context.Context, tx *store.Tx) error {
		var err error
		if p, err = w.newPerson(ctx, tx, repName); err != nil {
			return err
		}
		u, err = w.ts.Units.Create(ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(w.g, ""), Name: unitName,
			UnitType: "企业", Region: "320102", Address: "示范市示范区示范路8号", LegalRepPersonID: p.ID})
		return err
	})
	return u, p
}

// member adds a membership with a unit password.
func (w *acctWorld) member(t testing.TB, m unit.Membership, unitPassword string) {
	t.Helper()
	w.tx(t, func(ctx context.Context, tx *store.Tx) error {
		h, err := w.ts.Hasher.Hash(ctx, unitPassword)
		if err != nil {
			return err
		}
		m.PasswordHash = h
		_, err = w.ts.Units.AddMembership(ctx, tx, m)
		return err
	})
}

func (w *acctWorld) tx(t testing.TB, fn func(context.Context, *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := w.ts.DB.Tx(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("fixture: %v", err)
	}
}

// acctSignIn signs the client in as subj directly, as a login page would.
func acctSignIn(t testing.TB, c *acctClient, subj auth.Subject) {
	t.Helper()
	token, _, err := c.ts.Sessions.Create(context.Background(), subj, auth.Meta{ClientAddr: "192.0.2.1"})
	if err != nil {
		t.Fatalf("session: %v", err)
	}
	name := c.ts.cookieName("hall_session")
	c.cookies[name] = &http.Cookie{Name: name, Value: token}
}

var acctCodeRe = regexp.MustCompile(`验证码为(\d{6})`)

// acctLatestCode reads the newest code texted to mobile from the development outbox.
func acctLatestCode(t testing.TB, ts *testServer, mobile string) string {
	t.Helper()
	m, err := ts.DevOutbox.Latest(context.Background(), mobile)
	if err != nil {
		t.Fatalf("outbox for %s: %v", ident.MaskMobile(mobile), err)
	}
	sub := acctCodeRe.FindStringSubmatch(m.Text)
	if sub == nil {
		t.Fatalf("no code in %q", m.Text)
	}
	return sub[1]
}

// acctCount counts rows of a table (fixed table names only).
func acctCount(t testing.TB, ts *testServer, table string) int {
	t.Helper()
	var n int
	if err := ts.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// acctClock is a fake clock that tests move by hand.
type acctClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *acctClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *acctClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// acctWithClock rebuilds the services on the fake clock (each service keeps the clock
// it was built with, so setting Services.Now alone would not reach the SMS codes).
func acctWithClock(t testing.TB, c *acctClock) func(*services.Services) {
	return func(svc *services.Services) {
		b, err := services.Build(svc.Config, svc.DB, svc.Log, c.Now)
		if err != nil {
			t.Fatalf("services on a fake clock: %v", err)
		}
		*svc = *b
	}
}

// acctRegisterForm is a valid registration form for a new invented person.
func (w *acctWorld) registerForm(name string) url.Values {
	return url.Values{
		"id_type":   {string(ident.IDTypeResident)},
		"id_number": {w.idNumber()},
		"name":      {name},
		"mobile":    {w.mobile()},
		"password":  {acctPassword},
		"confirm":   {acctPassword},
		"sms_code":  {"000000"},
		"agreed":    {"1"},
		"action":    {"register"},
	}
}

// acctClone copies a form so a test case can change it.
func acctClone(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
