package rights

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

// selfSigned makes a certificate for key's public half, signed by itself.
func selfSigned(t *testing.T, key crypto.Signer, usage x509.KeyUsage, from, until time.Time) []byte {
	t.Helper()
	pub := key.Public()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: testBureau},
		NotBefore: from, NotAfter: until, KeyUsage: usage}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestSignerCheck: the key and certificate are loaded by internal/ca (the
// bureau's identity files); check is what refuses an identity that cannot sign.
func TestSignerCheck(t *testing.T) {
	p := newTestPKI(t)
	rsaKey := p.signer.Key.(*rsa.PrivateKey)
	certificate := func(der []byte) []*x509.Certificate {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return []*x509.Certificate{c}
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecChain := certificate(selfSigned(t, ecKey, x509.KeyUsageDigitalSignature, testNow.AddDate(0, -1, 0), testNow.AddDate(1, 0, 0)))
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edChain := certificate(selfSigned(t, edKey, x509.KeyUsageDigitalSignature, testNow.AddDate(0, -1, 0), testNow.AddDate(1, 0, 0)))
	otherKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	expired := certificate(selfSigned(t, rsaKey, x509.KeyUsageDigitalSignature, testNow.AddDate(-2, 0, 0), testNow.AddDate(0, 0, -1)))
	caOnly := certificate(selfSigned(t, rsaKey, x509.KeyUsageCertSign, testNow.AddDate(0, -1, 0), testNow.AddDate(1, 0, 0)))

	for _, tc := range []struct {
		name   string
		signer Signer
		check  string // part of check's error at testNow; "" when usable
	}{
		{name: "RSA with its CA", signer: p.signer},
		{name: "ECDSA", signer: Signer{Key: ecKey, Chain: ecChain}},
		{name: "Ed25519", signer: Signer{Key: edKey, Chain: edChain}, check: "Ed25519"},
		{name: "key of another certificate", signer: Signer{Key: otherKey, Chain: p.signer.Chain}, check: "not the certificate's"},
		{name: "expired", signer: Signer{Key: rsaKey, Chain: expired}, check: "valid"},
		{name: "certificate only for signing certificates", signer: Signer{Key: rsaKey, Chain: caOnly}, check: "key usage"},
		{name: "no certificate", signer: Signer{Key: rsaKey}, check: "no key or certificate"},
		{name: "no key", signer: Signer{Chain: p.signer.Chain}, check: "no key or certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.signer.check(testNow)
			if tc.check == "" && err != nil || tc.check != "" && (!errors.Is(err, ErrSigner) || !strings.Contains(err.Error(), tc.check)) {
				t.Fatalf("check: %v, want %q", err, tc.check)
			}
		})
	}
}
