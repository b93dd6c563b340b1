package ca

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunPicksUpRevocation: a certificate revoked and published while the hall
// runs is refused after the next scheduled refresh, without a restart.
func TestRunPicksUpRevocation(t *testing.T) {
	f := newFixture(t)
	is := f.unitCert()
	v, err := NewVerifier(Config{BundleFile: f.dev.Paths().Cert, CRLSources: []string{f.dev.Paths().CRL},
		Now: f.clock.Now, RefreshInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- v.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v", err)
		}
	}()

	peer := []*x509.Certificate{is.Certificate}
	waitFor(t, func() bool { _, err := v.Verify(peer); return err == nil }, "the first CRL to load")
	if _, err := f.dev.Revoke(SerialHex(is.Certificate), 0); err != nil {
		t.Fatal(err)
	}
	// Recorded but not published: still accepted, as with a real CA.
	time.Sleep(60 * time.Millisecond)
	if _, err := v.Verify(peer); err != nil {
		t.Fatalf("refused before the CRL was published: %v", err)
	}
	if _, err := f.dev.PublishCRL(DefaultDevCRLValidity); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, err := v.Verify(peer); return errors.Is(err, ErrRevoked) }, "the revocation to be seen")
	st := v.CRLStatus()
	if len(st) != 1 || !st[0].Loaded || st[0].Entries != 1 || st[0].Stale || st[0].LastError != "" {
		t.Fatalf("status %+v", st)
	}
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// crlServer serves whatever body holds, with an ETag, and counts requests and
// conditional hits.
type crlServer struct {
	mu       sync.Mutex
	body     []byte
	status   int
	requests atomic.Int32
	notMod   atomic.Int32
}

func (s *crlServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	body, status := s.body, s.status
	s.mu.Unlock()
	if status != 0 {
		http.Error(w, "down", status)
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	if r.Header.Get("If-None-Match") == etag {
		s.notMod.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/pkix-crl")
	_, _ = w.Write(body)
}

func (s *crlServer) set(body []byte, status int) {
	s.mu.Lock()
	s.body, s.status = body, status
	s.mu.Unlock()
}

func TestHTTPSource(t *testing.T) {
	f := newFixture(t)
	is := f.unitCert()
	der, err := os.ReadFile(f.dev.Paths().CRLDER)
	if err != nil {
		t.Fatal(err)
	}
	srv := &crlServer{body: der}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	v, err := NewVerifier(Config{BundleFile: f.dev.Paths().Cert, CRLSources: []string{hs.URL + "/crl.crl"}, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := v.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	peer := []*x509.Certificate{is.Certificate}
	if _, err := v.Verify(peer); err != nil {
		t.Fatalf("refused with a CRL over HTTP: %v", err)
	}
	// Unchanged: a conditional GET answered 304.
	if err := v.Refresh(ctx); err != nil || srv.notMod.Load() != 1 {
		t.Fatalf("second refresh: %v, %d not-modified answers", err, srv.notMod.Load())
	}

	// Revoked and published: the next refresh sees it.
	if _, err := f.dev.Revoke(SerialHex(is.Certificate), 1); err != nil {
		t.Fatal(err)
	}
	newer, err := f.dev.PublishCRL(DefaultDevCRLValidity)
	if err != nil {
		t.Fatal(err)
	}
	newDER, _ := os.ReadFile(newer.DERFile)
	srv.set(newDER, 0)
	if err := v.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	wantKind(t, func() error { _, err := v.Verify(peer); return err }(), ErrRevoked)

	// The server fails: the CRL in use stays.
	srv.set(nil, http.StatusServiceUnavailable)
	if err := v.Refresh(ctx); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("refresh against a failing server: %v", err)
	}
	wantKind(t, func() error { _, err := v.Verify(peer); return err }(), ErrRevoked)
	if st := v.CRLStatus(); !strings.Contains(st[0].LastError, "503") || !st[0].Loaded {
		t.Fatalf("status %+v", st)
	}

	// An older CRL (the one without the revocation) is refused as a replay.
	srv.set(der, 0)
	for range 2 { // and again: a refused CRL is not remembered as the one in use
		if err := v.Refresh(ctx); err == nil || !strings.Contains(err.Error(), "replay") {
			t.Fatalf("replayed CRL: %v", err)
		}
	}
	wantKind(t, func() error { _, err := v.Verify(peer); return err }(), ErrRevoked)

	// Garbage is refused and changes nothing.
	srv.set([]byte("<html>portal login</html>"), 0)
	if err := v.Refresh(ctx); err == nil {
		t.Fatal("garbage accepted as a CRL")
	}
	wantKind(t, func() error { _, err := v.Verify(peer); return err }(), ErrRevoked)
}

func TestCRLOfTheRootWithABadSignatureIsRefusedAtLoad(t *testing.T) {
	f := newFixture(t)
	impostor, impostorKey := mint(t, &x509.Certificate{Subject: f.dev.Certificate().Subject, IsCA: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, nil, nil)
	forged := writeCRL(t, t.TempDir(), impostor, impostorKey, 99, t0)
	v, err := NewVerifier(Config{BundleFile: f.dev.Paths().Cert, CRLSources: []string{forged}, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Refresh(t.Context()); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Fatalf("forged CRL: %v", err)
	}
	if st := v.CRLStatus(); st[0].Loaded {
		t.Fatal("forged CRL in use")
	}
	_, err = v.Verify([]*x509.Certificate{f.unitCert().Certificate})
	wantKind(t, err, ErrRevocationUnavailable)
}

func TestParseCRL(t *testing.T) {
	f := newFixture(t)
	pemData, _ := os.ReadFile(f.dev.Paths().CRL)
	derData, _ := os.ReadFile(f.dev.Paths().CRLDER)
	for name, data := range map[string][]byte{"PEM": pemData, "DER": derData, "PEM with blank lines": append([]byte("\n\n"), pemData...)} {
		if _, err := ParseCRL(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, data := range map[string][]byte{
		"empty":           nil,
		"certificate PEM": encodeCertificates(f.dev.Certificate()),
		"truncated DER":   derData[:len(derData)/2],
	} {
		if _, err := ParseCRL(data); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
