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
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

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

func TestParseSigner(t *testing.T) {
	p := newTestPKI(t)
	rsaKey := p.signer.Key.(*rsa.PrivateKey)
	chain := append(pemOf("CERTIFICATE", p.signer.Chain[0].Raw), pemOf("CERTIFICATE", p.signer.Chain[1].Raw)...)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	ecCert := pemOf("CERTIFICATE", selfSigned(t, ecKey, x509.KeyUsageDigitalSignature, testNow.AddDate(0, -1, 0), testNow.AddDate(1, 0, 0)))
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKCS8PrivateKey(edKey)
	edCert := pemOf("CERTIFICATE", selfSigned(t, edKey, x509.KeyUsageDigitalSignature, testNow.AddDate(0, -1, 0), testNow.AddDate(1, 0, 0)))
	otherKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	expired := pemOf("CERTIFICATE", selfSigned(t, rsaKey, x509.KeyUsageDigitalSignature, testNow.AddDate(-2, 0, 0), testNow.AddDate(0, 0, -1)))
	caOnly := pemOf("CERTIFICATE", selfSigned(t, rsaKey, x509.KeyUsageCertSign, testNow.AddDate(0, -1, 0), testNow.AddDate(1, 0, 0)))

	for _, tc := range []struct {
		name      string
		cert, key []byte
		parse     string // part of ParseSigner's error; "" when it parses
		check     string // part of check's error at testNow; "" when usable
	}{
		{name: "RSA, PKCS #1, with its CA", cert: chain, key: pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))},
		{name: "RSA, PKCS #8", cert: chain, key: pemOf("PRIVATE KEY", pkcs8)},
		{name: "ECDSA, SEC 1", cert: ecCert, key: pemOf("EC PRIVATE KEY", ecDER)},
		{name: "Ed25519", cert: edCert, key: pemOf("PRIVATE KEY", edDER), check: "Ed25519"},
		{name: "key of another certificate", cert: chain, key: pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(otherKey)),
			check: "not the certificate's"},
		{name: "expired", cert: expired, key: pemOf("PRIVATE KEY", pkcs8), check: "valid"},
		{name: "certificate only for signing certificates", cert: caOnly, key: pemOf("PRIVATE KEY", pkcs8), check: "key usage"},
		{name: "no certificate", cert: []byte("not PEM"), key: pemOf("PRIVATE KEY", pkcs8), parse: "no CERTIFICATE"},
		{name: "broken certificate", cert: pemOf("CERTIFICATE", []byte{0x30, 0x03, 1, 2, 3}), key: pemOf("PRIVATE KEY", pkcs8), parse: "certificate 1"},
		{name: "no key", cert: chain, key: nil, parse: "no PEM block"},
		{name: "unknown key block", cert: chain, key: pemOf("OPENSSH PRIVATE KEY", []byte{1}), parse: "OPENSSH"},
		{name: "broken key", cert: chain, key: pemOf("PRIVATE KEY", []byte{1, 2, 3}), parse: "key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSigner(tc.cert, tc.key)
			if tc.parse != "" {
				if !errors.Is(err, ErrSigner) || !strings.Contains(err.Error(), tc.parse) {
					t.Fatalf("ParseSigner: %v, want ErrSigner saying %q", err, tc.parse)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			err = s.check(testNow)
			if tc.check == "" && err != nil || tc.check != "" && (!errors.Is(err, ErrSigner) || !strings.Contains(err.Error(), tc.check)) {
				t.Fatalf("check: %v, want %q", err, tc.check)
			}
		})
	}
}

func TestLoadSigner(t *testing.T) {
	p := newTestPKI(t)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(p.signer.Key)
	certPath := writeTemp(t, "signing.crt", append(pemOf("CERTIFICATE", p.signer.Chain[0].Raw), pemOf("CERTIFICATE", p.ca.Raw)...))
	keyPath := writeTemp(t, "signing.key", pemOf("PRIVATE KEY", pkcs8))
	s, err := LoadSigner(certPath, keyPath)
	if err != nil || len(s.Chain) != 2 || s.check(testNow) != nil {
		t.Fatalf("LoadSigner: %+v %v", s, err)
	}
	if _, err := LoadSigner(certPath+".missing", keyPath); err == nil {
		t.Fatal("a missing certificate file was accepted")
	}
	if _, err := LoadSigner(certPath, keyPath+".missing"); err == nil {
		t.Fatal("a missing key file was accepted")
	}
}

// FuzzParseSigner: the PEM files are outside input (configured paths). ParseSigner
// never panics, and refuses with ErrSigner.
func FuzzParseSigner(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(key)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: testNow, NotAfter: testNow.AddDate(1, 0, 0)}
	cert, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	f.Add(pemOf("CERTIFICATE", cert), pemOf("EC PRIVATE KEY", der))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), []byte{})
	f.Fuzz(func(t *testing.T, cert, key []byte) {
		s, err := ParseSigner(cert, key)
		if err != nil {
			if !errors.Is(err, ErrSigner) {
				t.Fatalf("error %v does not wrap ErrSigner", err)
			}
			return
		}
		if s.Key == nil || len(s.Chain) == 0 {
			t.Fatal("accepted without key or certificate")
		}
		_ = s.check(testNow)
	})
}
