package web

import (
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/services"
	"hall/internal/store"
)

// uregClient is a browser for HTTP tests: it keeps the cookies the server sets (the
// binding and the session), so a flow continues across requests.
type uregClient struct {
	ts      *testServer
	cookies map[string]*http.Cookie
}

func uregNewClient(ts *testServer) *uregClient {
	return &uregClient{ts: ts, cookies: map[string]*http.Cookie{}}
}

func (c *uregClient) do(t testing.TB, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	for _, ck := range c.cookies {
		r.AddCookie(ck)
	}
	rec := c.ts.Do(t, r)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	return rec
}

func (c *uregClient) get(t testing.TB, target string) *httptest.ResponseRecorder {
	t.Helper()
	return c.do(t, httptest.NewRequest(http.MethodGet, target, nil))
}

func (c *uregClient) post(t testing.TB, target string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(t, r)
}

// page checks the status and parses the page.
func uregPage(t testing.TB, rec *httptest.ResponseRecorder, want int) *htmlNode {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d\n%s", rec.Code, want, shortBody(rec.Body.String()))
	}
	return parseHTML(t, rec.Body.String())
}

// uregRedirect checks a 303 and returns its Location.
func uregRedirect(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want 303\n%s", rec.Code, shortBody(rec.Body.String()))
	}
	return rec.Header().Get("Location")
}

// uregFieldError is the message shown beside a field ("" for none).
func uregFieldError(doc *htmlNode, field string) string {
	if n := doc.First("#e-" + field); n != nil {
		return n.TextContent()
	}
	return ""
}

// uregTopError is the whole-form message ("" for none).
func uregTopError(doc *htmlNode) string {
	if n := doc.First(".alert-error"); n != nil {
		return n.TextContent()
	}
	return ""
}

// uregFixture is one unit in the development registry, with its legal rep.
type uregFixture struct {
	Entry    registry.Entry
	Password string
}

var uregRandMu sync.Mutex
var uregRand = rand.New(rand.NewPCG(20260413, 42))

// uregGen runs fn with the shared test generator (tests run in parallel packages).
func uregGen[T any](fn func(*rand.Rand) T) T {
	uregRandMu.Lock()
	defer uregRandMu.Unlock()
	return fn(uregRand)
}

// uregSeed stores an invented active unit in the development registry.
func uregSeed(t testing.TB, ts *testServer, name, legalRep string) uregFixture {
	t.Helper()
	e := registry.Entry{
		USCC:           uregGen(func(g *rand.Rand) string { return ident.GenerateUSCC(g, "320106") }),
		Name:           name,
		UnitType:       registry.UnitEnterprise,
		LegalRepIDType: ident.IDTypeResident,
		LegalRepIDNumber: uregGen(func(g *rand.Rand) string {
			return ident.GenerateResidentID(g, "320106", time.Date(1982, 3, 9, 0, 0, 0, 0, time.UTC), false)
		}),
		LegalRepName: legalRep,
		RegisteredAt: time.Date(2018, 7, 2, 0, 0, 0, 0, time.UTC),
		Address:      "江苏省南京市鼓楼区和畅路66号",
		Region:       "320106",
		Status:       registry.StatusActive,
	}
	err := ts.DB.Tx(t.Context(), func(tx *store.Tx) error {
		_, err := ts.DevRegistry.Upsert(t.Context(), tx, e)
		return err
	})
	if err != nil {
		t.Fatalf("registry: %v", err)
	}
	return uregFixture{Entry: e, Password: "Lan#Xi2026ok"}
}

// stepOne is step 1 filled in for the fixture.
func (fx uregFixture) stepOne() url.Values {
	return url.Values{
		"uscc": {fx.Entry.USCC}, "unit_name": {fx.Entry.Name}, "id_type": {string(fx.Entry.LegalRepIDType)},
		"id_number": {fx.Entry.LegalRepIDNumber}, "legal_rep_name": {fx.Entry.LegalRepName}, "agreed": {"1"},
	}
}

// createPerson opens the legal rep's personal account (the existing-account variant).
func (fx uregFixture) createPerson(t testing.TB, ts *testServer, mobile string) person.Person {
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

func uregMobile() string { return uregGen(ident.GenerateMobile) }

// uregCode reads the latest code sent to mobile from the development outbox.
func uregCode(t testing.TB, ts *testServer, mobile string) string {
	t.Helper()
	msg, err := ts.DevOutbox.Latest(t.Context(), mobile)
	if err != nil {
		t.Fatalf("outbox: %v", err)
	}
	code := regexp.MustCompile(`[0-9]{6}`).FindString(msg.Text)
	if code == "" {
		t.Fatalf("no code in %q", msg.Text)
	}
	return code
}

// uregFlowPath is the flow page a step-1 redirect points to.
var uregFlowPath = regexp.MustCompile(`^/register/unit/([A-Za-z0-9_-]{43})$`)

// uregStart runs step 1 and returns the flow ID.
func uregStart(t testing.TB, c *uregClient, fx uregFixture) string {
	t.Helper()
	loc := uregRedirect(t, c.post(t, "/register/unit", fx.stepOne()))
	m := uregFlowPath.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("step 1 redirected to %q", loc)
	}
	return m[1]
}

// uregSessionID reads the verification session ID from the verify step's page.
func uregSessionID(t testing.TB, c *uregClient, flowID string) string {
	t.Helper()
	doc := uregPage(t, c.get(t, "/register/unit/"+flowID), http.StatusOK)
	wait := doc.Must(t, "[data-verify-wait]").AttrOr("data-verify-wait")
	m := regexp.MustCompile(`^/verify/([A-Za-z0-9_-]{43})/wait\?flow=`).FindStringSubmatch(wait)
	if m == nil {
		t.Fatalf("wait URL %q", wait)
	}
	return m[1]
}

// uregClock is a fake clock for the server's services.
type uregClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *uregClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *uregClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// uregWithClock rebuilds the services on the fake clock.
func uregWithClock(c *uregClock) func(*services.Services) {
	return func(svc *services.Services) {
		b, err := services.Build(svc.Config, svc.DB, svc.Log, c.Now)
		if err != nil {
			panic(err)
		}
		*svc = *b
	}
}

// uregServe starts ts on a port chosen before the server was built, so that
// Config.BaseURL (which the QR codes carry) is the address the browser uses.
func uregServe(t testing.TB, opts ...func(*services.Services)) (*testServer, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	opts = append([]func(*services.Services){func(svc *services.Services) { svc.Config.BaseURL = base }}, opts...)
	ts := newTestServer(t, opts...)
	hs := httptest.NewUnstartedServer(ts)
	hs.Listener.Close()
	hs.Listener = l
	hs.Start()
	t.Cleanup(hs.Close)
	ts.url = base
	return ts, base
}
