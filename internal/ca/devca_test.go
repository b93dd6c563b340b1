package ca

import (
	"crypto"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"hall/internal/ident"
)

func TestInitDevCA(t *testing.T) {
	f := newFixture(t)
	p := f.dev.Paths()
	for path, want := range map[string]os.FileMode{p.Dir: 0o700, p.Key: 0o600, p.Index: 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
	c := f.dev.Certificate()
	if !c.IsCA || c.Subject.CommonName != DevLabel || c.KeyUsage&x509.KeyUsageCRLSign == 0 || c.CheckSignatureFrom(c) != nil {
		t.Fatalf("CA certificate %+v", c.Subject)
	}
	// A first CRL is there at once, so a verifier works right after init.
	if _, err := os.Stat(p.CRL); err != nil {
		t.Fatal(err)
	}
	if _, err := InitDevCA(p.Dir, bureau, f.clock.Now); !errors.Is(err, ErrDevCAExists) {
		t.Fatalf("second init: %v", err)
	}
	again, err := OpenDevCA(p.Dir, f.clock.Now)
	if err != nil || !again.Certificate().Equal(c) {
		t.Fatalf("open: %v", err)
	}
	if _, err := OpenDevCA(t.TempDir(), nil); !errors.Is(err, ErrNoDevCA) {
		t.Fatalf("open of an empty directory: %v", err)
	}
}

func TestIssueRefusesBadRequests(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name string
		req  IssueRequest
		want string
	}{
		{"unit without USCC", IssueRequest{Kind: KindUnit, Name: "示例"}, "--uscc"},
		{"unit with a bad USCC", IssueRequest{Kind: KindUnit, Name: "示例", USCC: "91350100M000100Y44"}, "--uscc"},
		{"unit without name", IssueRequest{Kind: KindUnit, Name: " ", USCC: f.uscc()}, "--name"},
		{"person without ID number", IssueRequest{Kind: KindPerson, Name: "王晓明"}, "--id-number"},
		{"person with a bad USCC", IssueRequest{Kind: KindPerson, Name: "王晓明", IDNumber: f.idNumber(), USCC: "X"}, "--uscc"},
		{"signing without name", IssueRequest{Kind: KindSigning}, "--name"},
		{"server without host", IssueRequest{Kind: KindServer}, "--host"},
		{"unknown kind", IssueRequest{Kind: "root", Name: "x"}, "unknown certificate kind"},
		{"dates reversed", IssueRequest{Kind: KindSigning, Name: "x", NotBefore: t0, NotAfter: t0.Add(-time.Hour)}, "notAfter"},
	}
	for _, tc := range cases {
		if _, err := f.dev.Issue(tc.req); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
	if ix, _ := f.dev.Index(); len(ix) != 0 {
		t.Fatalf("refused requests were indexed: %+v", ix)
	}
}

func TestIssueWritesFilesAndPKCS12(t *testing.T) {
	f := newFixture(t)
	out := t.TempDir()
	idNumber := f.idNumber()
	is := f.issue(IssueRequest{Kind: KindPerson, Name: "王晓明", IDNumber: idNumber, USCC: f.uscc(), UnitName: "示例有限公司",
		OutDir: out, P12Password: "开发测试-密码"})
	for _, p := range []string{is.KeyFile, is.P12File} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v", p, err)
		}
	}
	data, err := os.ReadFile(is.P12File)
	if err != nil {
		t.Fatal(err)
	}
	key, cert, chain, err := pkcs12.DecodeChain(data, "开发测试-密码")
	if err != nil {
		t.Fatal(err)
	}
	if !cert.Equal(is.Certificate) || len(chain) != 1 || !chain[0].Equal(f.dev.Certificate()) {
		t.Fatalf("PKCS#12 holds %v and %d CA certificates", cert.Subject, len(chain))
	}
	if k, ok := key.(crypto.Signer); !ok || !k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(cert.PublicKey) {
		t.Fatalf("PKCS#12 key %T does not match its certificate", key)
	}
	if _, _, _, err := pkcs12.DecodeChain(data, "wrong"); err == nil {
		t.Fatal("PKCS#12 opened with a wrong password")
	}
	certs, err := ReadCertificates(is.CertFile)
	if err != nil || len(certs) != 2 || !certs[1].Equal(f.dev.Certificate()) {
		t.Fatalf("PEM chain: %d certificates, %v", len(certs), err)
	}
	if k, err := ReadPrivateKey(is.KeyFile); err != nil || !k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(is.Certificate.PublicKey) {
		t.Fatalf("key file: %v", err)
	}
	ix, _ := f.dev.Index()
	if len(ix) != 1 || ix[0].Serial != SerialHex(is.Certificate) || ix[0].CertFile != is.CertFile ||
		ix[0].IDNumber != ident.MaskID(idNumber) {
		t.Fatalf("index %+v", ix)
	}
	// Without a password one is made up and returned.
	is2 := f.issue(IssueRequest{Kind: KindUnit, Name: "示例", USCC: f.uscc(), OutDir: out})
	data, _ = os.ReadFile(is2.P12File)
	if len(is2.P12Password) < 16 {
		t.Fatalf("made-up password %q", is2.P12Password)
	}
	if _, _, _, err := pkcs12.DecodeChain(data, is2.P12Password); err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(is2.P12File) != out {
		t.Fatalf("written to %s", is2.P12File)
	}
}

func TestRevokeAndPublish(t *testing.T) {
	f := newFixture(t)
	a, b := f.unitCert(), f.unitCert()
	if _, err := f.dev.Revoke("not-a-serial", 0); !errors.Is(err, ErrUnknownSerial) {
		t.Fatalf("unknown serial: %v", err)
	}
	// Lower case with colons, as openssl prints serials.
	var colons []string
	s := strings.ToLower(SerialHex(a.Certificate))
	if len(s)%2 == 1 {
		s = "0" + s
	}
	for i := 0; i < len(s); i += 2 {
		colons = append(colons, s[i:i+2])
	}
	reason, err := ParseReason("KEYCOMPROMISE")
	if err != nil || reason != 1 {
		t.Fatalf("reason %d, %v", reason, err)
	}
	e, err := f.dev.Revoke(strings.Join(colons, ":"), reason)
	if err != nil || e.RevokedAt == nil || !e.RevokedAt.Equal(t0) || e.Reason != 1 {
		t.Fatalf("revoke: %+v, %v", e, err)
	}
	if _, err := f.dev.Revoke(SerialHex(a.Certificate), 0); !errors.Is(err, ErrAlreadyRevoked) {
		t.Fatalf("second revocation: %v", err)
	}
	if _, err := ParseReason("because"); err == nil {
		t.Fatal("unknown reason accepted")
	}
	info, err := f.dev.PublishCRL(24 * time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if info.Number != 2 || info.Entries != 1 || !info.NextUpdate.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("CRL %+v", info)
	}
	data, _ := os.ReadFile(info.PEMFile)
	list, err := ParseCRL(data)
	if err != nil || list.CheckSignatureFrom(f.dev.Certificate()) != nil {
		t.Fatalf("published CRL: %v", err)
	}
	r := newRevocationList(list, "test", t0)
	if _, ok := r.revoked[SerialHex(a.Certificate)]; !ok {
		t.Fatal("revoked certificate not listed")
	}
	if _, ok := r.revoked[SerialHex(b.Certificate)]; ok {
		t.Fatal("valid certificate listed")
	}
	if _, err := f.dev.PublishCRL(0); err == nil {
		t.Fatal("CRL without validity published")
	}
}

// TestConcurrentIssues: commands issuing at once lose no index entry.
func TestConcurrentIssues(t *testing.T) {
	f := newFixture(t)
	const n = 10
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A CA opened separately, as a second `hall ca` process would.
			d, err := OpenDevCA(f.dev.Paths().Dir, f.clock.Now)
			if err == nil {
				_, err = d.Issue(IssueRequest{Kind: KindSigning, Name: "并发测试"})
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ix, err := f.dev.Index()
	if err != nil || len(ix) != n {
		t.Fatalf("%d index entries, %v", len(ix), err)
	}
}

// TestIssueEncryptionCertificate: the encryption half of a UKey pair carries the
// unit's identity but no digitalSignature, so it cannot log in.
func TestIssueEncryptionCertificate(t *testing.T) {
	f := newFixture(t)
	v := f.verifier()
	is := f.issue(IssueRequest{Kind: KindUnit, Name: "示例科技有限公司", USCC: f.uscc(), Encryption: true})
	if ku := is.Certificate.KeyUsage; ku&x509.KeyUsageDigitalSignature != 0 || ku&x509.KeyUsageKeyEncipherment == 0 {
		t.Fatalf("key usage %b", ku)
	}
	_, err := v.Verify([]*x509.Certificate{is.Certificate})
	wantKind(t, err, ErrKeyUsage)
}
