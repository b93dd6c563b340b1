package services

import (
	"crypto/x509"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hall/internal/ca"
	"hall/internal/config"
)

func testConfig(t *testing.T, args ...string) config.Config {
	t.Helper()
	cfg := config.Defaults()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := config.Register(fs, &cfg, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse(append([]string{"--data-dir", t.TempDir()}, args...)); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestCAOffByDefault: with no CA setting there is no verifier and no CA directory.
func TestCAOffByDefault(t *testing.T) {
	cfg := testConfig(t)
	v, err := buildCA(cfg, nil, time.Now)
	if err != nil || v != nil {
		t.Fatalf("verifier %v, %v", v, err)
	}
	if _, err := os.Stat(ca.DevCADir(cfg.DataDir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("CA directory made: %v", err)
	}
	s := &Services{Config: cfg, Now: time.Now}
	if _, err := s.CALoginTLSConfig(); err == nil {
		t.Fatal("TLS configuration without CA login")
	}
}

// TestDevelopmentCALogin: a CA-login listener in development trusts the
// development CA (made on first use) and gets a server certificate from it.
func TestDevelopmentCALogin(t *testing.T) {
	cfg := testConfig(t, "--ca-login-addr", "192.0.2.10:8443")
	v, err := buildCA(cfg, nil, time.Now)
	if err != nil || v == nil {
		t.Fatalf("verifier %v, %v", v, err)
	}
	s := &Services{Config: cfg, Now: time.Now, CA: v}
	tc, err := s.CALoginTLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(tc.Certificates[0].Certificate[0])
	if err != nil || leaf.VerifyHostname("192.0.2.10") != nil || leaf.VerifyHostname("localhost") != nil {
		t.Fatalf("server certificate for %v %v: %v", leaf.DNSNames, leaf.IPAddresses, err)
	}
	again, err := s.CALoginTLSConfig()
	if err != nil || !again.Certificates[0].Leaf.Equal(tc.Certificates[0].Leaf) {
		t.Fatalf("a second server certificate was issued: %v", err)
	}

	// A unit certificate of the development CA logs in once the CRLs are read.
	d, err := ca.OpenDevCA(ca.DevCADir(cfg.DataDir), nil)
	if err != nil {
		t.Fatal(err)
	}
	is, err := d.Issue(ca.IssueRequest{Kind: ca.KindUnit, Name: "示例", USCC: "91350100M000100Y43"})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	if id, err := v.Verify([]*x509.Certificate{is.Certificate}); err != nil || id.USCC != "91350100M000100Y43" {
		t.Fatalf("login: %+v, %v", id, err)
	}
}

func TestRightsSigning(t *testing.T) {
	cfg := testConfig(t)
	s := &Services{Config: cfg, Now: time.Now}
	id, err := s.RightsSigning()
	if err != nil {
		t.Fatal(err)
	}
	if id.Certificate.Subject.CommonName != cfg.BureauName || !strings.Contains(id.Chain[0].Subject.CommonName, "开发") {
		t.Fatalf("development signing identity %v by %v", id.Certificate.Subject, id.Chain[0].Subject)
	}

	// Configured files win; production has no development fallback.
	d, err := ca.OpenDevCA(ca.DevCADir(cfg.DataDir), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	is, err := d.Issue(ca.IssueRequest{Kind: ca.KindSigning, Name: "另一签名者", OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	s.Config.RightsSigningCertFile, s.Config.RightsSigningKeyFile = is.CertFile, is.KeyFile
	if got, err := s.RightsSigning(); err != nil || got.Certificate.Subject.CommonName != "另一签名者" {
		t.Fatalf("configured identity: %v", err)
	}
	s.Config.RightsSigningKeyFile = filepath.Join(out, "missing.key")
	if _, err := s.RightsSigning(); err == nil {
		t.Fatal("missing key accepted")
	}
	s.Config.RightsSigningCertFile, s.Config.RightsSigningKeyFile, s.Config.Mode = "", "", config.Production
	if _, err := s.RightsSigning(); err == nil || !strings.Contains(err.Error(), "rights-signing-cert") {
		t.Fatalf("production without a signing certificate: %v", err)
	}
}
