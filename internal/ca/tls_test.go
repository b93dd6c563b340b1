package ca

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLoginListener runs the CA-login TLS configuration with a real handshake: a
// valid certificate logs in, and an expired one still completes the handshake so
// that the page can say in Chinese what is wrong.
func TestLoginListener(t *testing.T) {
	f := newFixture(t)
	v := f.verifier()
	server := f.issue(IssueRequest{Kind: KindServer, Hosts: []string{"127.0.0.1", "localhost"}})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := v.VerifyTLS(r.TLS)
		if err != nil {
			http.Error(w, Message(err), http.StatusForbidden)
			return
		}
		_, _ = io.WriteString(w, id.USCC)
	}))
	srv.TLS = v.LoginTLSConfig(tls.Certificate{Certificate: [][]byte{server.Certificate.Raw}, PrivateKey: server.Key, Leaf: server.Certificate})
	srv.StartTLS()
	defer srv.Close()

	roots := x509.NewCertPool()
	roots.AddCert(f.dev.Certificate())
	get := func(client *Issued) (int, string) {
		t.Helper()
		cfg := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", Time: f.clock.Now}
		if client != nil {
			cfg.Certificates = []tls.Certificate{{Certificate: [][]byte{client.Certificate.Raw}, PrivateKey: client.Key}}
		}
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatalf("request: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}

	unit := f.unitCert()
	if code, body := get(unit); code != http.StatusOK || body != unit.Entry.USCC {
		t.Fatalf("valid certificate: %d %q", code, body)
	}
	expired := f.issue(IssueRequest{Kind: KindUnit, Name: "示例", USCC: f.uscc(), NotBefore: t0.AddDate(-1, 0, 0), NotAfter: t0.Add(-time.Hour)})
	if code, body := get(expired); code != http.StatusForbidden || !strings.Contains(body, "过期") {
		t.Fatalf("expired certificate: %d %q", code, body)
	}
	if code, body := get(nil); code != http.StatusForbidden || body != msgNoCertificate {
		t.Fatalf("no certificate: %d %q", code, body)
	}
	if _, err := v.VerifyTLS(nil); !errors.Is(err, ErrNoCertificate) {
		t.Fatalf("VerifyTLS(nil): %v", err)
	}
}
