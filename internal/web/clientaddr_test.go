package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"

	"hall/internal/audit"
	"hall/internal/services"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

func withTrustedProxies(cidrs ...string) func(*services.Services) {
	return func(svc *services.Services) {
		for _, c := range cidrs {
			svc.Config.TrustedProxies = append(svc.Config.TrustedProxies, netip.MustParsePrefix(c))
		}
	}
}

// TestClientAddrBehindProxies checks the address every handler sees (ClientAddr, the
// key of per-address limits and the address in audit records) through the real
// middleware: X-Forwarded-For counts only from a configured proxy.
func TestClientAddrBehindProxies(t *testing.T) {
	cases := []struct {
		name    string
		trusted []string
		peer    string
		xff     []string
		want    string
	}{
		{"no proxy configured ignores the header", nil, "10.0.0.2:4000", []string{"198.51.100.1"}, "10.0.0.2"},
		{"spoofed header from an untrusted peer", []string{"10.0.0.0/8"}, "203.0.113.9:4000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted proxy", []string{"10.0.0.0/8"}, "10.0.0.2:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"forged entry left of the proxy's", []string{"10.0.0.0/8"}, "10.0.0.2:4000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"two hops", []string{"10.0.0.0/8", "192.0.2.0/24"}, "10.0.0.2:4000", []string{"198.51.100.1, 192.0.2.7"}, "198.51.100.1"},
		{"IPv6", []string{"fd00::/8"}, "[fd00::2]:4000", []string{"2001:db8::7"}, "2001:db8::7"},
		{"garbage", []string{"10.0.0.0/8"}, "10.0.0.2:4000", []string{"not-an-address"}, "10.0.0.2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := webtest.NewTestServer(t, withTrustedProxies(tc.trusted...))
			var got string
			h := ts.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = web.ClientAddr(r) }))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.peer
			r.Header["X-Forwarded-For"] = tc.xff
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Fatalf("client address %q, want %q", got, tc.want)
			}
		})
	}
}

// TestLoginAuditRecordsForwardedClient: behind a trusted proxy two people are two
// addresses in the login audit, not the proxy's one.
func TestLoginAuditRecordsForwardedClient(t *testing.T) {
	ts := webtest.NewTestServer(t, withTrustedProxies("10.0.0.0/8"))
	p := webtest.NewWorld(ts, 91).Person(t, "张伟")
	for _, client := range []string{"198.51.100.1", "2001:db8::9"} {
		c := webtest.NewClient(ts)
		c.Remote = "10.0.0.2:4000"
		rec := c.Do(t, http.MethodPost, "/login/person", url.Values{"login": {p.IDNumber}, "password": {"wrong-Password-1"}},
			http.Header{"X-Forwarded-For": {"203.0.113.66, " + client}})
		if rec.Code >= 500 {
			t.Fatalf("login answered %d", rec.Code)
		}
	}
	es, _, err := ts.Audit.List(t.Context(), audit.Filter{Action: "login.person.password"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.ClientIP] = true
	}
	if len(es) != 2 || !seen["198.51.100.1"] || !seen["2001:db8::9"] {
		t.Fatalf("audited client addresses %v, want 198.51.100.1 and 2001:db8::9", seen)
	}
}
