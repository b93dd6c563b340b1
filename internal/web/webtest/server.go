package webtest

import (
	"context"
	"fmt"
	"hall/internal/browsertest"
	"hall/internal/web"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/config"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// Audiences are the audiences every test server mounts: the whole hall, as
// internal/web/site mounts it, so that a test reaches the pages of every audience (a
// login before a unit page). Each test package's TestMain sets it through Main: a test
// inside an audience package cannot import internal/web/site, which imports it.
var Audiences []web.Mount

// Main runs a test package's tests with every audience mounted: it checks every page
// that a browser test loads with axe-core (WCAG 2.1 A and AA, no serious or critical
// violation), so that every page of every flow is held to it, and stops the shared
// headless Chromium after the run.
func Main(m *testing.M, audiences ...web.Mount) {
	Audiences = audiences
	browsertest.CheckEveryPage()
	browsertest.Main(m)
}

// TestServer is the real server (router, middleware, templates) on a fresh, migrated
// and seeded SQLite database, built the way cmd/hall builds it. Tests send requests
// through it with Get/Do, or start it on a port with URL for a browser.
type TestServer struct {
	*web.Server
	DB      *store.DB
	Catalog *cases.Catalog
	url     string
}

// NewTestServer builds a TestServer with every audience mounted. Options may change the dependencies (for
// example the clock or the config) before the server is built.
func NewTestServer(t testing.TB, opts ...func(*services.Services)) *TestServer {
	t.Helper()
	// The catalog's seed is the same for every test server: it is done once, in the
	// database that each test server gets a copy of.
	db := storetest.SQLitePrepared(t, "catalog", func(ctx context.Context, db *store.DB) error {
		if err := cases.NewCatalog(db).Seed(ctx); err != nil {
			return fmt.Errorf("seed catalog: %w", err)
		}
		return nil
	})
	return newTestServer(t, db, opts...)
}

// NewPostgresTestServer is NewTestServer on a fresh, migrated PostgreSQL database
// (storetest.Postgres: skipped when PostgreSQL is unreachable, failed under CI=true),
// with the catalog seeded, for the tests that run the hall's pages on both engines.
func NewPostgresTestServer(t testing.TB, opts ...func(*services.Services)) *TestServer {
	t.Helper()
	db := storetest.Postgres(t)
	if err := cases.NewCatalog(db).Seed(t.Context()); err != nil {
		t.Fatalf("seed catalog: %v", err)
	}
	return newTestServer(t, db, opts...)
}

// newTestServer builds the server on db, whose catalog is seeded.
func newTestServer(t testing.TB, db *store.DB, opts ...func(*services.Services)) *TestServer {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	// Under the race detector one password hash takes about a second, and the
	// suite runs packages side by side on two cores: the default 2s queue would
	// answer 503 to a test that merely logs several people in at once. Tests of
	// that 503 build their own hasher (account.TestLoginBusy).
	cfg.HashMaxWait = time.Minute
	// The login queue is set rather than derived: derived, it follows the measured
	// hash time, which the race detector and packages tested side by side stretch
	// to seconds, so that a test logging twenty people in at once
	// (TestLoginThrottleParallel) could meet a 429 on a slow run. A thousand is far
	// above what any test sends at once; the tests of the 429 build their own
	// hasher with a bound of their own (account.TestLoginBusy).
	cfg.HashMaxQueued = 1000
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	catalog := cases.NewCatalog(db)
	cfg.AuditKey = "test-audit-key"
	svc, err := services.Build(cfg, db, DiscardLogger(), nil)
	if err != nil {
		t.Fatalf("services: %v", err)
	}
	for _, o := range opts {
		o(svc)
	}
	if len(Audiences) == 0 {
		t.Fatal("webtest: no audiences; the test package's TestMain calls webtest.Main")
	}
	s, err := web.New(svc, Audiences...)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	s.SetReady()
	return &TestServer{Server: s, DB: db, Catalog: catalog}
}

// Do sends r through the router and returns the recorded response.
func (ts *TestServer) Do(t testing.TB, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	ts.ServeHTTP(rec, r)
	return rec
}

// Get sends a GET for target (a path with an optional query) through the router.
func (ts *TestServer) Get(t testing.TB, target string) *httptest.ResponseRecorder {
	t.Helper()
	return ts.Do(t, httptest.NewRequest(http.MethodGet, target, nil))
}

// GetHTML sends a GET, checks the status and the HTML content type, and parses the
// Page.
func (ts *TestServer) GetHTML(t testing.TB, target string, wantStatus int) *HTMLNode {
	t.Helper()
	rec := ts.Get(t, target)
	if rec.Code != wantStatus {
		t.Fatalf("GET %s: status %d, want %d\n%s", target, rec.Code, wantStatus, ShortBody(rec.Body.String()))
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("GET %s: Content-Type %q, want text/html", target, ct)
	}
	return ParseHTML(t, rec.Body.String())
}

// URL starts the server on a local port (once) and returns its base URL, for
// browser tests and for fetching with a real HTTP Client. It stops at cleanup.
func (ts *TestServer) URL(t testing.TB) string {
	t.Helper()
	if ts.url == "" {
		hs := httptest.NewServer(ts)
		t.Cleanup(hs.Close)
		ts.url = hs.URL
	}
	return ts.url
}

func ShortBody(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// DiscardLogger keeps test output readable; failing tests print what they check.
func DiscardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// FetchStatus GETs an absolute URL with a real HTTP Client, following no redirects.
func FetchStatus(t testing.TB, rawURL string) int {
	t.Helper()
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(rawURL)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body) // only the status matters; draining lets the connection be reused
	return resp.StatusCode
}

// Serve starts ts on a port chosen before the server was built, so that
// Config.BaseURL (which the QR codes carry) is the address the browser uses.
func Serve(t testing.TB, opts ...func(*services.Services)) (*TestServer, string) {
	t.Helper()
	return ServeThrough(t, nil, opts...)
}

// ServeThrough is Serve with the listener's requests passed through wrap (when not
// nil) before the server: a test that records every answer the browser received.
func ServeThrough(t testing.TB, wrap func(http.Handler) http.Handler, opts ...func(*services.Services)) (*TestServer, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	opts = append([]func(*services.Services){func(svc *services.Services) { svc.Config.BaseURL = base }}, opts...)
	ts := NewTestServer(t, opts...)
	var h http.Handler = ts
	if wrap != nil {
		h = wrap(ts)
	}
	hs := httptest.NewUnstartedServer(h)
	_ = hs.Listener.Close() // the placeholder listener is replaced before use
	hs.Listener = l
	hs.Start()
	t.Cleanup(hs.Close)
	ts.url = base
	return ts, base
}
