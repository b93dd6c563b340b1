package registry

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeRegistry serves the wire format from a map and can be told to misbehave.
type fakeRegistry struct {
	mu     sync.Mutex // the handler runs on the server's goroutines
	units  map[string]Entry
	status int           // non-zero: answer with this status
	body   string        // non-empty: answer 200 with this body
	delay  time.Duration // sleep before answering
	paths  []string
}

func (f *fakeRegistry) set(fn func(f *fakeRegistry)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeRegistry) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

func (f *fakeRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path)
	status, body, delay := f.status, f.body, f.delay
	e, found := f.units[strings.TrimPrefix(r.URL.Path, "/api/v1/units/")]
	f.mu.Unlock()
	if r.Header.Get(APIKeyHeader) != "k-test" {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case status != 0:
		http.Error(w, "boom", status)
		return
	case body != "":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
		return
	}
	if !found {
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"uscc": e.USCC, "name": e.Name, "unit_type": e.UnitType.Label(),
		"legal_rep_id_type": e.LegalRepIDType.Label(), "legal_rep_id_number": e.LegalRepIDNumber,
		"legal_rep_name": e.LegalRepName, "registered_at": e.RegisteredAt.Format("2006-01-02"),
		"address": e.Address, "region": e.Region, "status": e.Status.Label(),
		"updated_at": "2024-05-01T08:00:00.1234567+08:00",
	})
}

func newFake(t *testing.T) (*fakeRegistry, *HTTP) {
	t.Helper()
	e := activeEntry(50)
	f := &fakeRegistry{units: map[string]Entry{e.USCC: e}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	h, err := NewHTTP(srv.URL+"/api/v1/", "k-test", &http.Client{Timeout: 200 * time.Millisecond}, newClock().Now)
	if err != nil {
		t.Fatal(err)
	}
	return f, h
}

func TestHTTPLookup(t *testing.T) {
	f, h := newFake(t)
	want := activeEntry(50)
	got, err := h.Lookup(context.Background(), strings.ToLower(want.USCC))
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	assertSame(t, got, want)
	if wantAt := time.Date(2024, 5, 1, 0, 0, 0, 123456000, time.UTC); !got.UpdatedAt.Equal(wantAt) {
		t.Fatalf("UpdatedAt %v, want %v", got.UpdatedAt, wantAt)
	}
	if p := f.seen(); len(p) != 1 || p[0] != "/api/v1/units/"+want.USCC {
		t.Fatalf("paths %q", p)
	}
}

func TestHTTPErrors(t *testing.T) {
	other := activeEntry(51)
	valid := activeEntry(50)
	bodyOf := func(edit func(m map[string]string)) string {
		m := map[string]string{"uscc": valid.USCC, "name": valid.Name, "unit_type": "企业",
			"legal_rep_id_type": "居民身份证", "legal_rep_id_number": valid.LegalRepIDNumber,
			"legal_rep_name": valid.LegalRepName, "registered_at": "2015-03-07", "status": "存续"}
		edit(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := []struct {
		name  string
		setup func(f *fakeRegistry, h *HTTP)
		uscc  string
		want  error
	}{
		{"unknown unit", nil, other.USCC, ErrNotFound},
		{"malformed USCC is not sent", nil, "91320102/../x", ErrNotFound},
		{"server error", func(f *fakeRegistry, _ *HTTP) { f.status = 503 }, valid.USCC, ErrUnavailable},
		{"500", func(f *fakeRegistry, _ *HTTP) { f.status = 500 }, valid.USCC, ErrUnavailable},
		{"rate limited", func(f *fakeRegistry, _ *HTTP) { f.status = 429 }, valid.USCC, ErrUnavailable},
		{"wrong API key", func(_ *fakeRegistry, h *HTTP) { h.apiKey = "wrong" }, valid.USCC, ErrUnavailable},
		{"timeout", func(f *fakeRegistry, _ *HTTP) { f.delay = time.Second }, valid.USCC, ErrUnavailable},
		{"not JSON", func(f *fakeRegistry, _ *HTTP) { f.body = "<html>维护中</html>" }, valid.USCC, ErrUnavailable},
		{"invalid entry", func(f *fakeRegistry, _ *HTTP) {
			f.body = bodyOf(func(m map[string]string) { m["status"] = "unknown" })
		}, valid.USCC, ErrUnavailable},
		{"another unit", func(f *fakeRegistry, _ *HTTP) {
			f.body = bodyOf(func(m map[string]string) { m["uscc"] = other.USCC })
		}, valid.USCC, ErrUnavailable},
		{"bad updated_at", func(f *fakeRegistry, _ *HTTP) {
			f.body = bodyOf(func(m map[string]string) { m["updated_at"] = "yesterday" })
		}, valid.USCC, ErrUnavailable},
		{"huge body", func(f *fakeRegistry, _ *HTTP) { f.body = `"` + strings.Repeat("a", maxBody) + `"` }, valid.USCC, ErrUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, h := newFake(t)
			if tc.setup != nil {
				f.set(func(f *fakeRegistry) { tc.setup(f, h) })
			}
			_, err := h.Lookup(context.Background(), tc.uscc)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Lookup = %v, want %v", err, tc.want)
			}
			if tc.want == ErrNotFound && errors.Is(err, ErrUnavailable) {
				t.Fatal("not-found must not look like an outage")
			}
			if p := f.seen(); strings.Contains(tc.uscc, "/") && len(p) != 0 {
				t.Fatalf("malformed USCC was sent: %v", p)
			}
		})
	}
}

func TestHTTPContextCancelled(t *testing.T) {
	f, h := newFake(t)
	f.set(func(f *fakeRegistry) { f.delay = time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := h.Lookup(ctx, activeEntry(50).USCC)
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lookup = %v, want ErrUnavailable wrapping the deadline", err)
	}
}

func TestNewHTTP(t *testing.T) {
	cases := []struct {
		url, key string
		ok       bool
	}{
		{"https://registry.example.gov.cn/api", "secret-1", true},
		{"http://127.0.0.1:8080", "secret-1", true},
		{"http://localhost:8080/x", "secret-1", true},
		{"http://[::1]:8080", "secret-1", true},
		{"http://registry.example.gov.cn", "secret-1", false},
		{"https://registry.example.gov.cn", "", false},
		{"ftp://registry.example.gov.cn", "secret-1", false},
		{"registry.example.gov.cn", "secret-1", false},
		{"https://registry.example.gov.cn/?a=1", "secret-1", false},
	}
	for _, tc := range cases {
		h, err := NewHTTP(tc.url, tc.key, nil, nil)
		if (err == nil) != tc.ok {
			t.Errorf("NewHTTP(%q, %q) error = %v, want ok=%v", tc.url, tc.key, err, tc.ok)
		}
		if err == nil && (h.client.Timeout != DefaultHTTPTimeout || strings.Contains(h.String(), tc.key)) {
			t.Errorf("NewHTTP(%q): timeout %v, String %q", tc.url, h.client.Timeout, h)
		}
	}
}
