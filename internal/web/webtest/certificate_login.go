package webtest

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"hall/internal/ca"
	"hall/internal/services"
)

// CALogin is a development CA (as `hall ca init` makes one) trusted for CA login
// by a test server, and the CA-login listener's address, reserved before the
// server is built so that the login page can send browsers there.
type CALogin struct {
	Dev      *ca.DevCA
	Verifier *ca.Verifier
	URL      string // https://127.0.0.1:PORT, the CA-login listener
	listener net.Listener
}

// NewCALogin makes the development CA under a temporary directory, its first CRL
// loaded by a verifier, and reserves the listener's port.
func NewCALogin(t testing.TB) *CALogin {
	t.Helper()
	dev, err := ca.InitDevCA(filepath.Join(t.TempDir(), "ca"), "示范省人力资源和社会保障厅", nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ca.NewVerifier(ca.Config{BundleFile: dev.Paths().Cert, CRLSources: []string{dev.Paths().CRL}, Log: DiscardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() }) // test cleanup; a close error changes no result
	return &CALogin{Dev: dev, Verifier: v, URL: "https://" + l.Addr().String(), listener: l}
}

// Option turns CA login on in the server being built.
func (c *CALogin) Option() func(*services.Services) {
	return func(svc *services.Services) {
		svc.Config.CA.LoginURL = c.URL
		svc.UseCALogin(c.Verifier)
	}
}

// Serve starts ts's CA-login listener over TLS on the reserved port, with the
// server certificate and the client-certificate request serve uses.
func (c *CALogin) Serve(t testing.TB, ts *TestServer) {
	t.Helper()
	server, err := c.Dev.EnsureServer([]string{"127.0.0.1", "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(ts.CertificateHandler())
	_ = hs.Listener.Close() // test cleanup; a close error changes no result
	hs.Listener = c.listener
	hs.TLS = c.Verifier.LoginTLSConfig(server)
	hs.StartTLS()
	t.Cleanup(hs.Close)
}

// Issue makes a certificate with the development CA; the test fails if it cannot.
func (c *CALogin) Issue(t testing.TB, req ca.IssueRequest) *ca.Issued {
	t.Helper()
	is, err := c.Dev.Issue(req)
	if err != nil {
		t.Fatalf("issue %s certificate: %v", req.Kind, err)
	}
	return is
}

// Publish publishes the development CA's CRL (after a revocation) and has the
// verifier read it, as the refresh loop would.
func (c *CALogin) Publish(t testing.TB) {
	t.Helper()
	if _, err := c.Dev.PublishCRL(ca.DefaultDevCRLValidity); err != nil {
		t.Fatal(err)
	}
	if err := c.Verifier.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// Browser is an HTTP client that behaves like a browser with cert installed (nil:
// none): it keeps cookies, trusts the development CA for the listener's
// certificate, follows no redirect by itself, and presents cert when asked — even
// one of a CA the listener did not name, which a browser would not offer but a
// client can send.
func (c *CALogin) Browser(t testing.TB, cert *ca.Issued) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(c.Dev.Certificate())
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if cert != nil {
		chain := [][]byte{cert.Certificate.Raw}
		for _, ca := range cert.Chain {
			chain = append(chain, ca.Raw)
		}
		present := &tls.Certificate{Certificate: chain, PrivateKey: cert.Key, Leaf: cert.Certificate}
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return present, nil }
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
