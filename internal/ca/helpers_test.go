package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	mathrand "math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store/storetest"
)

// t0 is the tests' "now": every certificate and CRL is made around it.
var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

const bureau = "示范省人力资源和社会保障厅"

// fixture is a development CA in a temporary directory with a fake clock.
type fixture struct {
	t     testing.TB
	clock *clock
	dev   *DevCA
	rand  *mathrand.Rand
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	c := storetest.NewClock(t0)
	dev, err := InitDevCA(filepath.Join(t.TempDir(), "ca"), bureau, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, clock: c, dev: dev, rand: mathrand.New(mathrand.NewPCG(11, uint64(len(t.Name()))))}
}

// verifier is a Verifier on the fixture's CA and CRL (plus extra CRL sources),
// with the CRLs loaded.
func (f *fixture) verifier(extraCRLs ...string) *Verifier {
	f.t.Helper()
	v, err := NewVerifier(Config{BundleFile: f.dev.Paths().Cert, CRLSources: append([]string{f.dev.Paths().CRL}, extraCRLs...),
		Now: f.clock.Now, Grace: time.Hour})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := v.Refresh(f.t.Context()); err != nil {
		f.t.Fatal(err)
	}
	return v
}

func (f *fixture) uscc() string { return ident.GenerateUSCC(f.rand, "320102") }

func (f *fixture) idNumber() string {
	return ident.GenerateResidentID(f.rand, "320102", time.Date(1985, 6, 15, 0, 0, 0, 0, time.UTC), true)
}

func (f *fixture) issue(req IssueRequest) *Issued {
	f.t.Helper()
	is, err := f.dev.Issue(req)
	if err != nil {
		f.t.Fatalf("issue %+v: %v", req, err)
	}
	return is
}

func (f *fixture) unitCert() *Issued {
	return f.issue(IssueRequest{Kind: KindUnit, Name: "示例科技有限公司", USCC: f.uscc()})
}

// publish publishes the CRL at the fixture's clock and refreshes v.
func (f *fixture) publish(v *Verifier) {
	f.t.Helper()
	if _, err := f.dev.PublishCRL(DefaultDevCRLValidity); err != nil {
		f.t.Fatal(err)
	}
	if err := v.Refresh(f.t.Context()); err != nil {
		f.t.Fatal(err)
	}
}

// mint signs tmpl with parent's key (a fresh key for the subject), for
// certificates the development CA would not make. Serial and dates default.
func mint(t testing.TB, tmpl, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.SerialNumber == nil {
		if tmpl.SerialNumber, err = newSerial(); err != nil {
			t.Fatal(err)
		}
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = t0.Add(-time.Hour)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = t0.AddDate(1, 0, 0)
	}
	tmpl.BasicConstraintsValid = true
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

// unitSubject is the subject of a unit certificate with the default fields.
func unitSubject(name, uscc string) pkix.Name {
	return pkix.Name{CommonName: name, Organization: []string{name},
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: OrganizationIdentifier.OID, Value: uscc}}}
}

// writeCRL signs a CRL for issuer listing revoked and writes it as PEM under dir.
func writeCRL(t *testing.T, dir string, issuer *x509.Certificate, key crypto.Signer, number int64, thisUpdate time.Time, revoked ...*x509.Certificate) string {
	t.Helper()
	tmpl := &x509.RevocationList{Number: big.NewInt(number), ThisUpdate: thisUpdate, NextUpdate: thisUpdate.Add(24 * time.Hour)}
	for _, c := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: c.SerialNumber, RevocationTime: thisUpdate})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, SerialHex(issuer)+".crl.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantKind fails unless err is an *Error of kind with a non-empty message.
func wantKind(t *testing.T, err error, kind error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, kind) {
		t.Fatalf("got %v, want an *Error of kind %v", err, kind)
	}
	if Message(err) == "" || Message(err) != e.Msg {
		t.Fatalf("message %q, Msg %q", Message(err), e.Msg)
	}
	return e
}
