package web_test

import (
	"hall/internal/web/webtest"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthAndReadiness(t *testing.T) {
	ts := webtest.NewTestServer(t)
	// NewTestServer marks the server ready; walk it through every state.
	cases := []struct {
		set  func()
		want int
		body string
	}{
		{func() { ts.SetStarting() }, http.StatusServiceUnavailable, "starting"},
		{ts.SetReady, http.StatusOK, "ready"},
		{ts.Drain, http.StatusServiceUnavailable, "draining"},
	}
	for _, c := range cases {
		c.set()
		rec := ts.Get(t, "/readyz")
		if rec.Code != c.want || !strings.Contains(rec.Body.String(), c.body) {
			t.Errorf("readyz: %d %q, want %d %q", rec.Code, rec.Body.String(), c.want, c.body)
		}
		if h := ts.Get(t, "/healthz"); h.Code != http.StatusOK {
			t.Errorf("healthz answered %d while %s", h.Code, c.body)
		}
	}
	ts.SetReady()
	ts.DB.Close()
	if rec := ts.Get(t, "/readyz"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed: %d, want 503", rec.Code)
	}
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	ts := webtest.NewTestServer(t)
	ts.Get(t, "/catalog")
	ts.Get(t, "/no-such-page")
	rec := httptest.NewRecorder()
	ts.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("admin /metrics answered %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{`hall_http_requests_total{code="200",route="GET /catalog"} 1`, `code="404"`, "hall_http_request_duration_seconds_bucket"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestMetricsAreNotPublic: the public listener has no /metrics (it lists every route
// and its traffic); the operations listener has it, and the probes.
func TestMetricsAreNotPublic(t *testing.T) {
	ts := webtest.NewTestServer(t)
	ts.Get(t, "/catalog")
	if rec := ts.Get(t, "/metrics"); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "hall_http_requests_total") {
		t.Fatalf("public /metrics answered %d:\n%s", rec.Code, webtest.ShortBody(rec.Body.String()))
	}
	for _, path := range []string{"/metrics", "/healthz", "/readyz"} {
		rec := httptest.NewRecorder()
		ts.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("admin %s answered %d", path, rec.Code)
		}
	}
}

func TestPanicIsRecoveredWithGenericPage(t *testing.T) {
	ts := webtest.NewTestServer(t)
	var logged strings.Builder
	ts.Log = slog.New(slog.NewTextHandler(&logged, nil))
	h := ts.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret detail 42") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	body := rec.Body.String()
	id := rec.Header().Get("X-Request-Id")
	if strings.Contains(body, "secret detail") || id == "" || !strings.Contains(body, id) {
		t.Fatalf("the error page must hide the panic and show the request ID %q:\n%s", id, webtest.ShortBody(body))
	}
	if !strings.Contains(logged.String(), "secret detail 42") || !strings.Contains(logged.String(), "stack=") {
		t.Fatalf("the panic and its stack must be logged: %s", logged.String())
	}
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	ts := webtest.NewTestServer(t)
	r := httptest.NewRequest(http.MethodPost, "/catalog", strings.NewReader("q=x"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if rec := ts.Do(t, r); rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site POST answered %d, want 403", rec.Code)
	}
}

func TestAccessLogMasksIdentifiers(t *testing.T) {
	ts := webtest.NewTestServer(t)
	var logged strings.Builder
	ts.Log = slog.New(slog.NewTextHandler(&logged, nil))
	ts.Get(t, "/catalog?q=13812341234&id=32010219900307241X")
	out := logged.String()
	if strings.Contains(out, "13812341234") || strings.Contains(out, "32010219900307241X") {
		t.Fatalf("access log leaks identifiers: %s", out)
	}
	if !strings.Contains(out, "138****1234") {
		t.Fatalf("access log lacks the masked mobile: %s", out)
	}
}

func TestStaticAssetsAreFingerprinted(t *testing.T) {
	ts := webtest.NewTestServer(t)
	u, err := ts.AssetURL("css/hall.css")
	if err != nil {
		t.Fatal(err)
	}
	rec := ts.Get(t, u)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Fatalf("%s: %d %q", u, rec.Code, rec.Header().Get("Cache-Control"))
	}
	stale := strings.Replace(u, "/static/", "/static/000000000000", 1)
	if rec := ts.Get(t, stale); rec.Header().Get("Cache-Control") == "public, max-age=31536000, immutable" {
		t.Fatal("a stale hash must not be cached forever")
	}
	if _, err := ts.AssetURL("css/missing.css"); err == nil {
		t.Fatal("an unknown asset name must be an error")
	}
}
