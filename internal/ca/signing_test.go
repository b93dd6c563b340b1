package ca

import (
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEnsureSigning(t *testing.T) {
	f := newFixture(t)
	id, err := f.dev.EnsureSigning(bureau)
	if err != nil {
		t.Fatal(err)
	}
	c := id.Certificate
	if c.Subject.CommonName != bureau || c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment ||
		len(id.Chain) != 1 || !id.Chain[0].Equal(f.dev.Certificate()) {
		t.Fatalf("signing identity %v, usage %b, chain %d", c.Subject, c.KeyUsage, len(id.Chain))
	}
	again, err := f.dev.EnsureSigning(bureau)
	if err != nil || !again.Certificate.Equal(c) {
		t.Fatalf("second call issued another certificate: %v", err)
	}
	// Near its end, or revoked, it is replaced.
	f.clock.Set(c.NotAfter.Add(-24 * time.Hour))
	renewed, err := f.dev.EnsureSigning(bureau)
	if err != nil || renewed.Certificate.Equal(c) {
		t.Fatalf("not renewed near its end: %v", err)
	}
	if _, err := f.dev.Revoke(SerialHex(renewed.Certificate), 4); err != nil {
		t.Fatal(err)
	}
	if replaced, err := f.dev.EnsureSigning(bureau); err != nil || replaced.Certificate.Equal(renewed.Certificate) {
		t.Fatalf("revoked certificate kept: %v", err)
	}
}

func TestLoadSigningIdentityRefusals(t *testing.T) {
	f := newFixture(t)
	out := t.TempDir()
	signing := f.issue(IssueRequest{Kind: KindSigning, Name: bureau, OutDir: out})
	other := f.issue(IssueRequest{Kind: KindSigning, Name: bureau, OutDir: out})
	unit := f.issue(IssueRequest{Kind: KindUnit, Name: "示例", USCC: f.uscc(), OutDir: out})
	server := f.issue(IssueRequest{Kind: KindServer, Hosts: []string{"localhost"}, OutDir: out})

	// A chain whose second certificate did not issue the first.
	foreign, err := InitDevCA(filepath.Join(t.TempDir(), "foreign"), "另一机构", f.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	badChain := filepath.Join(out, "bad-chain.pem")
	if err := os.WriteFile(badChain, encodeCertificates(signing.Certificate, foreign.Certificate()), 0o644); err != nil {
		t.Fatal(err)
	}
	caKey := f.dev.Paths().Key
	cases := []struct {
		name            string
		cert, key, want string
		at              time.Time
	}{
		{"key of another certificate", signing.CertFile, other.KeyFile, "does not belong", t0},
		{"login certificate", unit.CertFile, unit.KeyFile, "contentCommitment", t0},
		{"server certificate", server.CertFile, server.KeyFile, "contentCommitment", t0},
		{"CA certificate", f.dev.Paths().Cert, caKey, "CA certificate", t0},
		{"expired", signing.CertFile, signing.KeyFile, "valid from", signing.Certificate.NotAfter.Add(time.Second)},
		{"chain that does not link", badChain, signing.KeyFile, "not issued by", t0},
	}
	for _, tc := range cases {
		_, err := LoadSigningIdentity(tc.cert, tc.key, tc.at)
		if !errors.Is(err, ErrSigningCertificate) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrSigningCertificate mentioning %q", tc.name, err, tc.want)
		}
	}
	if _, err := LoadSigningIdentity(filepath.Join(out, "none.pem"), signing.KeyFile, t0); err == nil {
		t.Error("missing certificate file accepted")
	}
	if _, err := LoadSigningIdentity(signing.CertFile, signing.CertFile, t0); err == nil {
		t.Error("certificate file accepted as a key")
	}
	if id, err := LoadSigningIdentity(signing.CertFile, signing.KeyFile, t0); err != nil || len(id.Chain) != 1 {
		t.Fatalf("good signing identity: %v", err)
	}
}

func TestEnsureServer(t *testing.T) {
	f := newFixture(t)
	if _, err := f.dev.EnsureServer(nil); err == nil {
		t.Fatal("server certificate without a host")
	}
	first, err := f.dev.EnsureServer([]string{"hall.example.test", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if first.Leaf.VerifyHostname("hall.example.test") != nil || first.Leaf.VerifyHostname("127.0.0.1") != nil {
		t.Fatalf("names %v %v", first.Leaf.DNSNames, first.Leaf.IPAddresses)
	}
	again, err := f.dev.EnsureServer([]string{"hall.example.test", "127.0.0.1"})
	if err != nil || !again.Leaf.Equal(first.Leaf) {
		t.Fatalf("not reused: %v", err)
	}
	other, err := f.dev.EnsureServer([]string{"localhost"})
	if err != nil || other.Leaf.Equal(first.Leaf) {
		t.Fatalf("another name reused the first certificate: %v", err)
	}
}
