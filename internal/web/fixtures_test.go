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
	"hall/internal/registry"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/unit"
)

// Shared fixtures of the web tests: a fake clock, a world of invented persons and
// units (every ID number, mobile and credit code comes from ident's generators),
// sessions created directly, and an HTTP client that keeps cookies.

// testPassword is the account password of every fixture person (invented; passes
// the policy).
const testPassword = "Acct-Fixture-2026"

// testClock is a fake clock, safe for concurrent use, that tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// withClock is a newTestServer option that rebuilds the whole service graph on the
// fake clock: every service keeps the clock it was built with, so replacing
// Services.Now alone would leave sessions, units and SMS codes on the real one.
func withClock(t testing.TB, c *testClock) func(*services.Services) {
	return func(svc *services.Services) {
		b, err := services.Build(svc.Config, svc.DB, svc.Log, c.Now)
		if err != nil {
			t.Fatalf("services on a fake clock: %v", err)
		}
		*svc = *b
	}
}

// world makes invented persons, units, memberships and registry entries, written
// through the domain services. Its generator is seeded, so numbers are well-formed
// and distinct within a test.
type world struct {
	ts *testServer
	g  *rand.Rand
}

func newWorld(ts *testServer, seed uint64) *world {
	return &world{ts: ts, g: rand.New(rand.NewPCG(seed, 0xacc7))}
}

// idNumber is an invented resident ID number.
func (w *world) idNumber() string {
	return ident.GenerateResidentID(w.g, "", time.Time{}, w.g.IntN(2) == 0)
}

// mobile is an invented mobile number.
func (w *world) mobile() string { return ident.GenerateMobile(w.g) }

// person creates a real-name personal account with testPassword, as registration
// would.
func (w *world) person(t testing.TB, name string) person.Person {
	t.Helper()
	var p person.Person
	w.tx(t, func(ctx context.Context, tx *store.Tx) error {
		hash, err := w.ts.Hasher.Hash(ctx, testPassword)
		if err != nil {
			return err
		}
		p, err = w.ts.Persons.CreateTx(ctx, tx, person.NewAccount{IDType: ident.IDTypeResident, IDNumber: w.idNumber(),
			Name: name, Mobile: w.mobile(), PasswordHash: hash}, "192.0.2.10")
		return err
	})
	return p
}

// unit opens an invented unit whose legal rep is legalRep.
func (w *world) unit(t testing.TB, name string, legalRep person.Person) unit.Unit {
	t.Helper()
	var u unit.Unit
	w.tx(t, func(ctx context.Context, tx *store.Tx) error {
		var err error
		u, err = w.ts.Units.Create(ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(w.g, "320102"), Name: name,
			UnitType: "企业", Region: "320102", Address: "示范市示范区示范路1号", LegalRepPersonID: legalRep.ID})
		return err
	})
	return u
}

// unitWithRep creates a legal rep named repName and their unit.
func (w *world) unitWithRep(t testing.TB, unitName, repName string) (unit.Unit, person.Person) {
	t.Helper()
	p := w.person(t, repName)
	return w.unit(t, unitName, p), p
}

// member adds a membership; m needs UnitID, PersonID, Role and Status. A unit
// password, when given, is hashed.
func (w *world) member(t testing.TB, m unit.Membership, unitPassword string) unit.Membership {
	t.Helper()
	w.tx(t, func(ctx context.Context, tx *store.Tx) error {
		if unitPassword != "" {
			h, err := w.ts.Hasher.Hash(ctx, unitPassword)
			if err != nil {
				return err
			}
			m.PasswordHash = h
		}
		var err error
		m, err = w.ts.Units.AddMembership(ctx, tx, m)
		return err
	})
	return m
}

// registered is an invented active unit in the development registry; Password is
// its legal rep's password when createPerson opens their account.
type registered struct {
	Entry    registry.Entry
	Password string
}

// registered stores an invented active unit, with its legal rep, in the development
// registry.
func (w *world) registered(t testing.TB, name, legalRep string) registered {
	t.Helper()
	e := registry.Entry{
		USCC:             ident.GenerateUSCC(w.g, "320106"),
		Name:             name,
		UnitType:         registry.UnitEnterprise,
		LegalRepIDType:   ident.IDTypeResident,
		LegalRepIDNumber: ident.GenerateResidentID(w.g, "320106", time.Date(1982, 3, 9, 0, 0, 0, 0, time.UTC), false),
		LegalRepName:     legalRep,
		RegisteredAt:     time.Date(2018, 7, 2, 0, 0, 0, 0, time.UTC),
		Address:          "江苏省南京市鼓楼区和畅路66号",
		Region:           "320106",
		Status:           registry.StatusActive,
	}
	w.tx(t, func(ctx context.Context, tx *store.Tx) error {
		_, err := w.ts.DevRegistry.Upsert(ctx, tx, e)
		return err
	})
	return registered{Entry: e, Password: "Lan#Xi2026ok"}
}

// stepOne is step 1 of unit registration filled in for the registry entry.
func (fx registered) stepOne() url.Values {
	return url.Values{
		"uscc": {fx.Entry.USCC}, "unit_name": {fx.Entry.Name}, "id_type": {string(fx.Entry.LegalRepIDType)},
		"id_number": {fx.Entry.LegalRepIDNumber}, "legal_rep_name": {fx.Entry.LegalRepName}, "agreed": {"1"},
	}
}

// createPerson opens the legal rep's personal account (the existing-account variant).
func (fx registered) createPerson(t testing.TB, ts *testServer, mobile string) person.Person {
	t.Helper()
	hash, err := ts.Hasher.Hash(t.Context(), fx.Password)
	if err != nil {
		t.Fatal(err)
	}
	var p person.Person
	err = ts.DB.Tx(t.Context(), func(tx *store.Tx) error {
		p, err = ts.Persons.CreateTx(t.Context(), tx, person.NewAccount{IDType: fx.Entry.LegalRepIDType,
			IDNumber: fx.Entry.LegalRepIDNumber, Name: fx.Entry.LegalRepName, Mobile: mobile, PasswordHash: hash}, "192.0.2.1")
		return err
	})
	if err != nil {
		t.Fatalf("create person: %v", err)
	}
	return p
}

func (w *world) tx(t testing.TB, fn func(context.Context, *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := w.ts.DB.Tx(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("fixture: %v", err)
	}
}

// registerForm is a valid personal registration form for a new invented person.
func (w *world) registerForm(name string) url.Values {
	return url.Values{
		"id_type":   {string(ident.IDTypeResident)},
		"id_number": {w.idNumber()},
		"name":      {name},
		"mobile":    {w.mobile()},
		"password":  {testPassword},
		"confirm":   {testPassword},
		"sms_code":  {"000000"},
		"agreed":    {"1"},
		"action":    {"register"},
	}
}

// client is a browser without JavaScript on the test server's router: it keeps the
// cookies the server sets (the browser binding, the session) and sends them back.
// Like every current browser it says where a request comes from (Sec-Fetch-Site:
// same-origin) unless the test sets that or Origin itself; a legacy client (IE
// compatibility mode) sends neither.
type client struct {
	ts      *testServer
	cookies map[string]*http.Cookie
	remote  string
	legacy  bool
}

func newClient(ts *testServer) *client {
	return &client{ts: ts, cookies: map[string]*http.Cookie{}, remote: "198.51.100.7:40000"}
}

// send sends r with the client's cookies and keeps the cookies of the answer.
func (c *client) send(t testing.TB, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	r.RemoteAddr = c.remote
	if !c.legacy && r.Header.Get("Sec-Fetch-Site") == "" && r.Header.Get("Origin") == "" {
		r.Header.Set("Sec-Fetch-Site", "same-origin")
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

// do sends a request with the client's cookies; a non-nil form is posted.
func (c *client) do(t testing.TB, method, target string, form url.Values, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	for k, vs := range header {
		r.Header[k] = vs
	}
	return c.send(t, r)
}

func (c *client) get(t testing.TB, target string) *httptest.ResponseRecorder {
	t.Helper()
	return c.do(t, http.MethodGet, target, nil, nil)
}

func (c *client) post(t testing.TB, target string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	return c.do(t, http.MethodPost, target, form, nil)
}

// page GETs target, checks the status and parses the page.
func (c *client) page(t testing.TB, target string, want int) *htmlNode {
	t.Helper()
	rec := c.get(t, target)
	wantStatus(t, "GET "+target, rec, want)
	return parseHTML(t, rec.Body.String())
}

// session is the session cookie's value ("" when signed out).
func (c *client) session() string {
	if ck := c.cookies[c.ts.cookieName("hall_session")]; ck != nil {
		return ck.Value
	}
	return ""
}

// setSession makes the client send token as its session cookie.
func (c *client) setSession(token string) {
	name := c.ts.cookieName("hall_session")
	c.cookies[name] = &http.Cookie{Name: name, Value: token}
}

// signIn signs the client in as subj with a session created directly, as a login
// page would after checking credentials.
//
// The session records the proof a login of subj makes with a password (the
// personal one, or the unit password of an administrator or agent), made now;
// signInBy says which proof instead.
func signIn(t testing.TB, c *client, subj auth.Subject) {
	t.Helper()
	proof := auth.ProofPassword
	if subj.UnitID != 0 {
		proof = ueLoginProof(subj)
	}
	signInBy(t, c, subj, proof)
}

// signInBy is signIn for a session opened with proof (auth.ProofSMS for a
// 手机动态码 login, auth.ProofNone for a session that proved nothing it records).
func signInBy(t testing.TB, c *client, subj auth.Subject, proof auth.Proof) {
	t.Helper()
	token, _, err := c.ts.Sessions.Create(context.Background(), subj, auth.Meta{ClientAddr: "192.0.2.1", Proof: proof})
	if err != nil {
		t.Fatalf("session: %v", err)
	}
	c.setSession(token)
}

// unitSubject is the subject of person p acting in unit u in role r.
func unitSubject(p person.Person, u unit.Unit, r unit.Role) auth.Subject {
	return auth.Subject{PersonID: p.ID, UnitID: u.ID, Role: auth.Role(r)}
}

// sessionCookie is the session cookie a response sets, or nil.
func sessionCookie(ts *testServer, rec *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == ts.cookieName("hall_session") {
			return c
		}
	}
	return nil
}

var codeRe = regexp.MustCompile(`验证码为(\d{6})`)

// latestCode reads the newest code texted to mobile from the development outbox.
func latestCode(t testing.TB, ts *testServer, mobile string) string {
	t.Helper()
	m, err := ts.DevOutbox.Latest(context.Background(), mobile)
	if err != nil {
		t.Fatalf("outbox for %s: %v", ident.MaskMobile(mobile), err)
	}
	sub := codeRe.FindStringSubmatch(m.Text)
	if sub == nil {
		t.Fatalf("no code in %q", m.Text)
	}
	return sub[1]
}

// wantStatus fails the test when rec's status is not want.
func wantStatus(t testing.TB, what string, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("%s: status %d, want %d (Location %q)\n%s", what, rec.Code, want, rec.Header().Get("Location"), shortBody(rec.Body.String()))
	}
}

// wantRedirect fails the test unless rec is a 303 to location.
func wantRedirect(t testing.TB, what string, rec *httptest.ResponseRecorder, location string) {
	t.Helper()
	wantStatus(t, what, rec, http.StatusSeeOther)
	if got := rec.Header().Get("Location"); got != location {
		t.Fatalf("%s: redirect to %q, want %q", what, got, location)
	}
}

// redirected checks a 303 and returns its Location.
func redirected(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want 303\n%s", rec.Code, shortBody(rec.Body.String()))
	}
	return rec.Header().Get("Location")
}

// parsed checks the status of rec and parses the page.
func parsed(t testing.TB, rec *httptest.ResponseRecorder, want int) *htmlNode {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d\n%s", rec.Code, want, shortBody(rec.Body.String()))
	}
	return parseHTML(t, rec.Body.String())
}

// fieldError is the message shown beside field name ("" when none). It also checks
// that the message is tied to its input (aria-describedby) and inside the same
// .field.
func fieldError(t testing.TB, doc *htmlNode, name string) string {
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

// topError is the whole-form message ("" for none).
func topError(doc *htmlNode) string {
	if n := doc.First(".alert-error"); n != nil {
		return n.TextContent()
	}
	return ""
}

// rowCount counts rows of a table (fixed table names only).
func rowCount(t testing.TB, ts *testServer, table string) int {
	t.Helper()
	var n int
	if err := ts.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// cloneForm copies a form so a test case can change it.
func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
