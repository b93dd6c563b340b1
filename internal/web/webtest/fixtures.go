package webtest

import (
	"context"
	"database/sql"
	"errors"
	"hall/internal/web"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
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
// sessions created directly, and an HTTP Client that keeps cookies.

// Password is the account password of every fixture person (invented; passes
// the policy).
// #nosec G101 -- the password of a fixture account that exists only in test databases.
const Password = "Acct-Fixture-2026"

// Clock is a fake clock, safe for concurrent use, that tests move by hand.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock is a clock that starts at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// WithClock is a NewTestServer option that rebuilds the whole service graph on the
// fake clock: every service keeps the clock it was built with, so replacing
// Services.Now alone would leave sessions, units and SMS codes on the real one.
func WithClock(t testing.TB, c *Clock) func(*services.Services) {
	return func(svc *services.Services) {
		b, err := services.Build(svc.Config, svc.DB, svc.Log, c.Now)
		if err != nil {
			t.Fatalf("services on a fake clock: %v", err)
		}
		*svc = *b
	}
}

// World makes invented persons, units, memberships and registry entries, written
// through the domain services. Its generator is seeded, so numbers are well-formed
// and distinct within a test.
type World struct {
	Server    *TestServer
	Generator *rand.Rand
}

func NewWorld(ts *TestServer, seed uint64) *World {
	// #nosec G404 -- test fixtures must be reproducible from their seed; nothing secret is drawn.
	return &World{Server: ts, Generator: rand.New(rand.NewPCG(seed, 0xacc7))}
}

// IDNumber is an invented resident ID number.
func (w *World) IDNumber() string {
	return ident.GenerateResidentID(w.Generator, "", time.Time{}, w.Generator.IntN(2) == 0)
}

// Mobile is an invented mobile number.
func (w *World) Mobile() string { return ident.GenerateMobile(w.Generator) }

// Person creates a real-name personal account with testPassword, as registration
// would.
func (w *World) Person(t testing.TB, name string) person.Person {
	t.Helper()
	var p person.Person
	w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		hash, err := w.Server.Hasher.Hash(ctx, Password)
		if err != nil {
			return err
		}
		p, err = w.Server.Persons.CreateTx(ctx, tx, person.NewAccount{IDType: ident.IDTypeResident, IDNumber: w.IDNumber(),
			Name: name, Mobile: w.Mobile(), PasswordHash: hash}, "192.0.2.10")
		return err
	})
	return p
}

// Unit opens an invented unit whose legal rep is legalRep.
func (w *World) Unit(t testing.TB, name string, legalRep person.Person) unit.Unit {
	t.Helper()
	var u unit.Unit
	w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		var err error
		u, err = w.Server.Units.Create(ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(w.Generator, "320102"), Name: name,
			UnitType: "企业", Region: "320102", Address: "示范市示范区示范路1号", LegalRepPersonID: legalRep.ID})
		return err
	})
	return u
}

// UnitWithRep creates a legal rep named repName and their unit.
func (w *World) UnitWithRep(t testing.TB, unitName, repName string) (unit.Unit, person.Person) {
	t.Helper()
	p := w.Person(t, repName)
	return w.Unit(t, unitName, p), p
}

// Member adds a membership; m needs UnitID, PersonID, Role and Status. A Unit
// password, when given, is hashed.
func (w *World) Member(t testing.TB, m unit.Membership, unitPassword string) unit.Membership {
	t.Helper()
	w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		if unitPassword != "" {
			h, err := w.Server.Hasher.Hash(ctx, unitPassword)
			if err != nil {
				return err
			}
			m.PasswordHash = h
		}
		var err error
		m, err = w.Server.Units.AddMembership(ctx, tx, m)
		return err
	})
	return m
}

// RegisteredUnit is an invented active unit in the development registry; Password is
// its legal rep's password when CreatePerson opens their account.
type RegisteredUnit struct {
	Entry    registry.Entry
	Password string
}

// Registered stores an invented active unit, with its legal rep, in the development
// registry.
func (w *World) Registered(t testing.TB, name, legalRep string) RegisteredUnit {
	t.Helper()
	e := registry.Entry{
		USCC:             ident.GenerateUSCC(w.Generator, "320106"),
		Name:             name,
		UnitType:         registry.UnitEnterprise,
		LegalRepIDType:   ident.IDTypeResident,
		LegalRepIDNumber: ident.GenerateResidentID(w.Generator, "320106", time.Date(1982, 3, 9, 0, 0, 0, 0, time.UTC), false),
		LegalRepName:     legalRep,
		RegisteredAt:     time.Date(2018, 7, 2, 0, 0, 0, 0, time.UTC),
		Address:          "江苏省南京市鼓楼区和畅路66号",
		Region:           "320106",
		Status:           registry.StatusActive,
	}
	w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		_, err := w.Server.DevRegistry.Upsert(ctx, tx, e)
		return err
	})
	return RegisteredUnit{Entry: e, Password: "Lan#Xi2026ok"}
}

// StepOne is step 1 of unit registration filled in for the registry entry.
func (fx RegisteredUnit) StepOne() url.Values {
	return url.Values{
		"uscc": {fx.Entry.USCC}, "unit_name": {fx.Entry.Name}, "id_type": {string(fx.Entry.LegalRepIDType)},
		"id_number": {fx.Entry.LegalRepIDNumber}, "legal_rep_name": {fx.Entry.LegalRepName}, "agreed": {"1"},
	}
}

// CreatePerson opens the legal rep's personal account (the existing-account variant).
func (fx RegisteredUnit) CreatePerson(t testing.TB, ts *TestServer, mobile string) person.Person {
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

func (w *World) Tx(t testing.TB, fn func(context.Context, *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := w.Server.DB.Tx(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("fixture: %v", err)
	}
}

// RegisterForm is a valid personal registration form for a new invented person.
func (w *World) RegisterForm(name string) url.Values {
	return url.Values{
		"id_type":   {string(ident.IDTypeResident)},
		"id_number": {w.IDNumber()},
		"name":      {name},
		"mobile":    {w.Mobile()},
		"password":  {Password},
		"confirm":   {Password},
		"sms_code":  {"000000"},
		"agreed":    {"1"},
		"action":    {"register"},
	}
}

// Client is a browser without JavaScript on the test server's router: it keeps the
// Cookies the server sets (the browser binding, the session) and sends them back.
// Like every current browser it says where a request comes from (Sec-Fetch-Site:
// same-origin) unless the test sets that or Origin itself; a legacy client (IE
// compatibility mode) sends neither.
type Client struct {
	Server *TestServer
	// Handler is where requests go when set (the operations listener's
	// AdminHandler, for the back office); the server's public handler otherwise.
	Handler http.Handler
	Cookies map[string]*http.Cookie
	Remote  string
	Legacy  bool
}

func NewClient(ts *TestServer) *Client {
	return &Client{Server: ts, Cookies: map[string]*http.Cookie{}, Remote: "198.51.100.7:40000"}
}

// Send sends r with the client's cookies and keeps the cookies of the answer.
func (c *Client) Send(t testing.TB, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	r.RemoteAddr = c.Remote
	if !c.Legacy && r.Header.Get("Sec-Fetch-Site") == "" && r.Header.Get("Origin") == "" {
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for _, ck := range c.Cookies {
		// #nosec G124 -- a cookie the test client sends, not one a server sets.
		r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	var rec *httptest.ResponseRecorder
	if c.Handler != nil {
		rec = httptest.NewRecorder()
		c.Handler.ServeHTTP(rec, r)
	} else {
		rec = c.Server.Do(t, r)
	}
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.Cookies, ck.Name)
		} else {
			c.Cookies[ck.Name] = ck
		}
	}
	return rec
}

// do sends a request with the client's cookies; a non-nil form is posted.
func (c *Client) Do(t testing.TB, method, target string, form url.Values, header http.Header) *httptest.ResponseRecorder {
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
	return c.Send(t, r)
}

func (c *Client) Get(t testing.TB, target string) *httptest.ResponseRecorder {
	t.Helper()
	return c.Do(t, http.MethodGet, target, nil, nil)
}

func (c *Client) Post(t testing.TB, target string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	return c.Do(t, http.MethodPost, target, form, nil)
}

// Page GETs target, checks the status and parses the page.
func (c *Client) Page(t testing.TB, target string, want int) *HTMLNode {
	t.Helper()
	rec := c.Get(t, target)
	WantStatus(t, "GET "+target, rec, want)
	return ParseHTML(t, rec.Body.String())
}

// Session is the session cookie's value ("" when signed out).
func (c *Client) Session() string {
	if ck := c.Cookies[c.Server.CookieName("hall_session")]; ck != nil {
		return ck.Value
	}
	return ""
}

// SetSession makes the client send token as its session cookie.
func (c *Client) SetSession(token string) {
	name := c.Server.CookieName("hall_session")
	// #nosec G124 -- a cookie the test client sends, not one a server sets.
	c.Cookies[name] = &http.Cookie{Name: name, Value: token}
}

// SignIn signs the client in as subj with a session created directly, as a login
// Page would after checking credentials.
//
// The session records the proof a login of subj makes with a password (the
// personal one, or the unit password of an administrator or agent), made now
// and resting on that password as it is stored; SignInBy says which proof
// instead. A subject whose password is not stored now (a pending agent: no unit
// password yet, or cleared) could not make that proof, and the test fails
// (StoredPassword); a test that means a session without a proof for it uses
// SignInBy with auth.ProofNone.
func SignIn(t testing.TB, c *Client, subj auth.Subject) {
	t.Helper()
	proof := auth.ProofPassword
	if subj.UnitID != 0 {
		proof = web.UnitLoginProof(subj)
	}
	SignInBy(t, c, subj, proof)
}

// SignInBy is SignIn for a session opened with proof (auth.ProofSMS for a
// 手机动态码 login, auth.ProofNone for a session that proved nothing it records).
// A password's proof rests, as a login's does, on the password as it is stored
// now (StoredPassword).
func SignInBy(t testing.TB, c *Client, subj auth.Subject, proof auth.Proof) {
	t.Helper()
	meta := auth.Meta{ClientAddr: "192.0.2.1", Proof: proof}
	switch proof {
	case auth.ProofPassword, auth.ProofUnitPassword, auth.ProofInstitutionPassword:
		meta.Verified = StoredPassword(t, c.Server, subj, proof)
	}
	token, _, err := c.Server.Sessions.Create(context.Background(), subj, meta)
	if err != nil {
		t.Fatalf("session: %v", err)
	}
	c.SetSession(token)
}

// StoredPassword is the password a login of subj with proof has just verified,
// read as it is stored now: the person's own (auth.ProofPassword), the unit
// password of subj's membership (auth.ProofUnitPassword) or the institution's
// (auth.ProofInstitutionPassword). A subject without that password stored (a
// membership not yet confirmed) could not have signed in with it: the test
// fails.
func StoredPassword(t testing.TB, ts *TestServer, subj auth.Subject, proof auth.Proof) auth.Verified {
	t.Helper()
	ctx := context.Background()
	var c auth.Credential
	var hash string
	var err error
	switch proof {
	case auth.ProofPassword:
		c = auth.Credential{PersonID: subj.PersonID}
		err = ts.DB.QueryRow(ctx, `SELECT COALESCE(password_hash, '') FROM persons WHERE id = ?`, subj.PersonID).Scan(&hash)
	case auth.ProofUnitPassword:
		err = ts.DB.QueryRow(ctx, `SELECT id, COALESCE(password_hash, '') FROM memberships WHERE unit_id = ? AND person_id = ?`,
			subj.UnitID, subj.PersonID).Scan(&c.MembershipID, &hash)
	case auth.ProofInstitutionPassword:
		c = auth.Credential{InstitutionID: subj.InstitutionID}
		err = ts.DB.QueryRow(ctx, `SELECT COALESCE(password_hash, '') FROM institutions WHERE id = ?`, subj.InstitutionID).Scan(&hash)
	default:
		t.Fatalf("StoredPassword: %q is no password's proof", proof)
	}
	if errors.Is(err, sql.ErrNoRows) || err == nil && hash == "" {
		t.Fatalf("%+v has no stored password for %q", subj, proof)
	}
	if err != nil {
		t.Fatalf("the stored password of %+v for %q: %v", subj, proof, err)
	}
	return auth.NewVerified(c, hash)
}

// UnitSubject is the subject of person p acting in unit u in role r.
func UnitSubject(p person.Person, u unit.Unit, r unit.Role) auth.Subject {
	return auth.Subject{PersonID: p.ID, UnitID: u.ID, Role: auth.Role(r)}
}

// RepDesk is an invented unit with its legal representative signed in on Client:
// where most tests of the unit center's pages start. World is the seeded world
// both were made in, for the test's further persons and numbers.
type RepDesk struct {
	World  *World
	Rep    person.Person
	Unit   unit.Unit
	Client *Client
}

// SignInLegalRep makes a person named repName, the unit named unitName with them
// as its legal representative (in a world seeded with seed), and a client signed
// in as them in the unit.
func SignInLegalRep(t testing.TB, ts *TestServer, seed uint64, repName, unitName string) RepDesk {
	t.Helper()
	w := NewWorld(ts, seed)
	rep := w.Person(t, repName)
	u := w.Unit(t, unitName, rep)
	c := NewClient(ts)
	SignIn(t, c, UnitSubject(rep, u, unit.RoleLegalRep))
	return RepDesk{World: w, Rep: rep, Unit: u, Client: c}
}

// SessionCookie is the session cookie a response sets, or nil.
func SessionCookie(ts *TestServer, rec *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == ts.CookieName("hall_session") {
			return c
		}
	}
	return nil
}

var CodePattern = regexp.MustCompile(`验证码为(\d{6})`)

// LatestCode reads the newest code texted to mobile from the development outbox.
func LatestCode(t testing.TB, ts *TestServer, mobile string) string {
	t.Helper()
	m, err := ts.DevOutbox.Latest(context.Background(), mobile)
	if err != nil {
		t.Fatalf("outbox for %s: %v", ident.MaskMobile(mobile), err)
	}
	sub := CodePattern.FindStringSubmatch(m.Text)
	if sub == nil {
		t.Fatalf("no code in %q", m.Text)
	}
	return sub[1]
}

// WantStatus fails the test when rec's status is not want.
func WantStatus(t testing.TB, what string, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("%s: status %d, want %d (Location %q)\n%s", what, rec.Code, want, rec.Header().Get("Location"), ShortBody(rec.Body.String()))
	}
}

// WantRetryAfter fails the test unless rec is a 429 whose Retry-After says
// seconds.
func WantRetryAfter(t testing.TB, what string, rec *httptest.ResponseRecorder, seconds int) {
	t.Helper()
	WantStatus(t, what, rec, http.StatusTooManyRequests)
	if got := rec.Header().Get("Retry-After"); got != strconv.Itoa(seconds) {
		t.Errorf("%s: Retry-After %q, want %d", what, got, seconds)
	}
}

// WantRetryAfterAbout fails the test unless rec is a 429 whose Retry-After is what
// is left of lock, which began at the earliest at since (just before the requests
// that started it): between lock less the time since then, rounded down, and lock.
// The test's own pace is taken out, so a slow machine does not fail it.
func WantRetryAfterAbout(t testing.TB, what string, rec *httptest.ResponseRecorder, lock time.Duration, since time.Time) {
	t.Helper()
	WantStatus(t, what, rec, http.StatusTooManyRequests)
	got, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	want, least := int(lock.Seconds()), int((lock-time.Since(since)).Seconds())-1
	if err != nil || got > want || got < least {
		t.Errorf("%s: Retry-After %q, want %d to %d", what, rec.Header().Get("Retry-After"), least, want)
	}
}

// WantRedirect fails the test unless rec is a 303 to location.
func WantRedirect(t testing.TB, what string, rec *httptest.ResponseRecorder, location string) {
	t.Helper()
	WantStatus(t, what, rec, http.StatusSeeOther)
	if got := rec.Header().Get("Location"); got != location {
		t.Fatalf("%s: redirect to %q, want %q", what, got, location)
	}
}

// Redirected checks a 303 and returns its Location.
func Redirected(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want 303\n%s", rec.Code, ShortBody(rec.Body.String()))
	}
	return rec.Header().Get("Location")
}

// Parsed checks the status of rec and parses the page.
func Parsed(t testing.TB, rec *httptest.ResponseRecorder, want int) *HTMLNode {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d\n%s", rec.Code, want, ShortBody(rec.Body.String()))
	}
	return ParseHTML(t, rec.Body.String())
}

// FieldError is the message shown beside field name ("" when none). It also checks
// that the message is tied to its input (aria-describedby) and inside the same
// .Field.
func FieldError(t testing.TB, doc *HTMLNode, name string) string {
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

// TopError is the whole-Form message ("" for none).
func TopError(doc *HTMLNode) string {
	if n := doc.First(".alert-error"); n != nil {
		return n.TextContent()
	}
	return ""
}

// RowCount counts rows of a table (fixed table names only).
func RowCount(t testing.TB, ts *TestServer, table string) int {
	t.Helper()
	var n int
	if err := ts.DB.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// CloneForm copies a form so a test case can change it.
func CloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
