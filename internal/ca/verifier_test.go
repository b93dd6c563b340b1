package ca

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
)

func TestVerifyAccepts(t *testing.T) {
	f := newFixture(t)
	v := f.verifier()

	unit := f.unitCert()
	id, err := v.Verify([]*x509.Certificate{unit.Certificate})
	if err != nil {
		t.Fatalf("unit certificate refused: %v (%s)", err, Message(err))
	}
	if id.USCC != unit.Entry.USCC || id.UnitName != "示例科技有限公司" || id.PersonIDNumber != "" ||
		id.Serial != SerialHex(unit.Certificate) || id.Issuer != DevLabel || len(id.Fingerprint) != 64 {
		t.Fatalf("unit identity %+v", id)
	}

	uscc, idNumber := f.uscc(), f.idNumber()
	agent := f.issue(IssueRequest{Kind: KindPerson, Name: "王晓明", IDNumber: idNumber, USCC: uscc, UnitName: "示例贸易有限公司"})
	id, err = v.Verify([]*x509.Certificate{agent.Certificate, f.dev.Certificate()})
	if err != nil {
		t.Fatalf("person certificate refused: %v", err)
	}
	if id.USCC != uscc || id.PersonIDNumber != idNumber || id.PersonIDType != ident.IDTypeResident ||
		id.PersonName != "王晓明" || id.UnitName != "示例贸易有限公司" {
		t.Fatalf("person identity %+v", id)
	}

	// Past nextUpdate but within the grace period the CRL is still used.
	f.clock.Set(t0.Add(DefaultDevCRLValidity + 30*time.Minute))
	if _, err := v.Verify([]*x509.Certificate{unit.Certificate}); err != nil {
		t.Fatalf("CRL within grace: %v", err)
	}
}

// TestVerifyRefusals covers every refusal of Verify with the certificate (or CRL)
// that causes it.
func TestVerifyRefusals(t *testing.T) {
	type result struct {
		peer []*x509.Certificate
		v    *Verifier
	}
	cases := []struct {
		name    string
		setup   func(t *testing.T, f *fixture) result
		kind    error
		message string // a part of the page's message
	}{
		{"no certificate", func(t *testing.T, f *fixture) result {
			return result{nil, f.verifier()}
		}, ErrNoCertificate, "未收到数字证书"},
		{"expired", func(t *testing.T, f *fixture) result {
			is := f.issue(IssueRequest{Kind: KindUnit, Name: "示例", USCC: f.uscc(),
				NotBefore: t0.AddDate(-1, 0, 0), NotAfter: t0.Add(-time.Hour)})
			return result{[]*x509.Certificate{is.Certificate}, f.verifier()}
		}, ErrExpired, "已于2026年3月2日过期"},
		{"not yet valid", func(t *testing.T, f *fixture) result {
			is := f.issue(IssueRequest{Kind: KindUnit, Name: "示例", USCC: f.uscc(),
				NotBefore: t0.Add(48 * time.Hour), NotAfter: t0.AddDate(1, 0, 0)})
			return result{[]*x509.Certificate{is.Certificate}, f.verifier()}
		}, ErrNotYetValid, "2026年3月4日起生效"},
		{"revoked", func(t *testing.T, f *fixture) result {
			is := f.unitCert()
			v := f.verifier()
			if _, err := f.dev.Revoke(SerialHex(is.Certificate), 1); err != nil {
				t.Fatal(err)
			}
			f.publish(v)
			return result{[]*x509.Certificate{is.Certificate}, v}
		}, ErrRevoked, "已于2026年3月2日被吊销"},
		{"issued by another CA", func(t *testing.T, f *fixture) result {
			other, err := InitDevCA(filepath.Join(t.TempDir(), "other"), "另一机构", f.clock.Now)
			if err != nil {
				t.Fatal(err)
			}
			is, err := other.Issue(IssueRequest{Kind: KindUnit, Name: "示例", USCC: f.uscc()})
			if err != nil {
				t.Fatal(err)
			}
			return result{[]*x509.Certificate{is.Certificate, other.Certificate()}, f.verifier()}
		}, ErrUntrusted, "不是由本大厅认可"},
		{"forged issuer name", func(t *testing.T, f *fixture) result {
			// A CA of the same name but another key signs the certificate.
			fake, fakeKey := mint(t, &x509.Certificate{Subject: f.dev.Certificate().Subject, IsCA: true,
				KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, nil, nil)
			leaf, _ := mint(t, &x509.Certificate{Subject: unitSubject("示例", f.uscc()),
				KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, fake, fakeKey)
			return result{[]*x509.Certificate{leaf}, f.verifier()}
		}, ErrUntrusted, "不是由本大厅认可"},
		{"no digitalSignature", func(t *testing.T, f *fixture) result {
			leaf, _ := mint(t, &x509.Certificate{Subject: unitSubject("示例", f.uscc()),
				KeyUsage: x509.KeyUsageKeyAgreement, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, f.dev.cert, f.dev.key)
			return result{[]*x509.Certificate{leaf}, f.verifier()}
		}, ErrKeyUsage, "不能用于登录"},
		{"server-only extended key usage", func(t *testing.T, f *fixture) result {
			leaf, _ := mint(t, &x509.Certificate{Subject: unitSubject("示例", f.uscc()),
				KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, f.dev.cert, f.dev.key)
			return result{[]*x509.Certificate{leaf}, f.verifier()}
		}, ErrKeyUsage, "不能用于登录"},
		{"document-signing certificate", func(t *testing.T, f *fixture) result {
			// No EKU, but the signing certificate has no USCC: a subject refusal.
			is := f.issue(IssueRequest{Kind: KindSigning, Name: bureau})
			return result{[]*x509.Certificate{is.Certificate}, f.verifier()}
		}, ErrSubject, "没有统一社会信用代码"},
		{"CA certificate", func(t *testing.T, f *fixture) result {
			return result{[]*x509.Certificate{f.dev.Certificate()}, f.verifier()}
		}, ErrKeyUsage, "不能用于登录"},
		{"USCC with a wrong check character", func(t *testing.T, f *fixture) result {
			u := []byte(f.uscc())
			u[17] = map[bool]byte{true: '1', false: '0'}[u[17] == '0']
			leaf, _ := mint(t, &x509.Certificate{Subject: unitSubject("示例", string(u)),
				KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, f.dev.cert, f.dev.key)
			return result{[]*x509.Certificate{leaf}, f.verifier()}
		}, ErrSubject, "统一社会信用代码无效"},
		{"person certificate without a unit", func(t *testing.T, f *fixture) result {
			is := f.issue(IssueRequest{Kind: KindPerson, Name: "王晓明", IDNumber: f.idNumber()})
			return result{[]*x509.Certificate{is.Certificate}, f.verifier()}
		}, ErrSubject, "不是单位数字证书"},
		{"person with an invalid ID number", func(t *testing.T, f *fixture) result {
			s := unitSubject("王晓明", f.uscc())
			s.ExtraNames = append(s.ExtraNames, pkix.AttributeTypeAndValue{Type: SerialNumber.OID, Value: "320102198506150011"})
			leaf, _ := mint(t, &x509.Certificate{Subject: s,
				KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, f.dev.cert, f.dev.key)
			return result{[]*x509.Certificate{leaf}, f.verifier()}
		}, ErrSubject, "身份证件号码无效"},
		{"stale CRL", func(t *testing.T, f *fixture) result {
			is := f.unitCert()
			v := f.verifier()
			f.clock.Set(t0.Add(DefaultDevCRLValidity + 2*time.Hour)) // grace is an hour
			return result{[]*x509.Certificate{is.Certificate}, v}
		}, ErrRevocationUnavailable, "暂时无法确认"},
		{"no CRL loaded yet", func(t *testing.T, f *fixture) result {
			v, err := NewVerifier(Config{BundleFile: f.dev.Paths().Cert, CRLSources: []string{f.dev.Paths().CRL}, Now: f.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			return result{[]*x509.Certificate{f.unitCert().Certificate}, v}
		}, ErrRevocationUnavailable, "暂时无法确认"},
		{"expired intermediate CA", func(t *testing.T, f *fixture) result {
			inter, interKey := mint(t, &x509.Certificate{Subject: pkix.Name{CommonName: "过期的二级CA"}, IsCA: true,
				KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, NotBefore: t0.AddDate(-2, 0, 0), NotAfter: t0.Add(-time.Minute)},
				f.dev.cert, f.dev.key)
			leaf, _ := mint(t, &x509.Certificate{Subject: unitSubject("示例", f.uscc()), KeyUsage: x509.KeyUsageDigitalSignature,
				NotBefore: t0.AddDate(-1, 0, 0)}, inter, interKey)
			return result{[]*x509.Certificate{leaf, inter}, f.verifier()}
		}, ErrExpired, "过期的二级CA"},
		{"expired CA that no trusted CA issued", func(t *testing.T, f *fixture) result {
			inter, interKey := mint(t, &x509.Certificate{Subject: pkix.Name{CommonName: "冒充的二级CA"}, IsCA: true,
				KeyUsage: x509.KeyUsageCertSign, NotBefore: t0.AddDate(-2, 0, 0), NotAfter: t0.Add(-time.Minute)}, nil, nil)
			leaf, _ := mint(t, &x509.Certificate{Subject: unitSubject("示例", f.uscc()), KeyUsage: x509.KeyUsageDigitalSignature,
				NotBefore: t0.AddDate(-1, 0, 0)}, inter, interKey)
			return result{[]*x509.Certificate{leaf, inter}, f.verifier()}
		}, ErrUntrusted, "不是由本大厅认可"},
		{"revoked intermediate CA", func(t *testing.T, f *fixture) result {
			inter, interKey, leaf := f.viaIntermediate(t)
			dir := t.TempDir()
			rootCRL := writeCRL(t, dir, f.dev.cert, f.dev.key, 100, t0, inter)
			interCRL := writeCRL(t, dir, inter, interKey, 1, t0)
			return result{[]*x509.Certificate{leaf, inter}, f.verifier(rootCRL, interCRL)}
		}, ErrRevoked, "二级CA"},
		{"intermediate CA without a CRL", func(t *testing.T, f *fixture) result {
			inter, _, leaf := f.viaIntermediate(t)
			return result{[]*x509.Certificate{leaf, inter}, f.verifier()}
		}, ErrRevocationUnavailable, "暂时无法确认"},
		{"CRL of the intermediate signed by another key", func(t *testing.T, f *fixture) result {
			inter, _, leaf := f.viaIntermediate(t)
			// Same name and key identifier, another key.
			impostor, impostorKey := mint(t, &x509.Certificate{Subject: inter.Subject, SubjectKeyId: inter.SubjectKeyId, IsCA: true,
				KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, nil, nil)
			crl := writeCRL(t, t.TempDir(), impostor, impostorKey, 1, t0)
			return result{[]*x509.Certificate{leaf, inter}, f.verifier(crl)}
		}, ErrRevocationUnavailable, "暂时无法确认"},
	}
	// What the log shows for some refusals: the underlying cause.
	causes := map[string]string{
		"CRL of the intermediate signed by another key": "verification failure",
		"stale CRL":                     "was due for renewal",
		"intermediate CA without a CRL": "no CRL of issuer",
		"forged issuer name":            "unknown authority",
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			r := tc.setup(t, f)
			_, err := r.v.Verify(r.peer)
			e := wantKind(t, err, tc.kind)
			if !strings.Contains(e.Msg, tc.message) {
				t.Fatalf("message %q lacks %q", e.Msg, tc.message)
			}
			if c := causes[tc.name]; c != "" && !strings.Contains(err.Error(), c) {
				t.Fatalf("error %q lacks the cause %q", err, c)
			}
			if strings.Contains(err.Error(), "32010") && tc.kind != ErrSubject {
				t.Fatalf("error text shows an identifier: %v", err)
			}
		})
	}
}

func TestVerifyThroughIntermediate(t *testing.T) {
	f := newFixture(t)
	inter, interKey, leaf := f.viaIntermediate(t)
	uscc := leaf.Subject.Names[len(leaf.Subject.Names)-1].Value.(string)
	dir := t.TempDir()
	v := f.verifier(writeCRL(t, dir, inter, interKey, 1, t0))
	id, err := v.Verify([]*x509.Certificate{leaf, inter})
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	if "NTRCN-"+id.USCC != uscc {
		t.Fatalf("USCC %q from %q", id.USCC, uscc)
	}
	// Without the intermediate the chain cannot be built.
	_, err = v.Verify([]*x509.Certificate{leaf})
	wantKind(t, err, ErrUntrusted)
}

func TestNewVerifierRefusesBadConfig(t *testing.T) {
	f := newFixture(t)
	is := f.issue(IssueRequest{Kind: KindUnit, Name: "示例", USCC: f.uscc(), OutDir: t.TempDir()})
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no CRL", Config{BundleFile: f.dev.Paths().Cert}, "CRL source"},
		{"missing bundle", Config{BundleFile: filepath.Join(t.TempDir(), "none.pem"), CRLSources: []string{"x"}}, "bundle"},
		{"leaf in the bundle", Config{BundleFile: is.CertFile, CRLSources: []string{"x"}}, "not a CA certificate"},
		{"one field for both", Config{BundleFile: f.dev.Paths().Cert, CRLSources: []string{"x"},
			Fields: Fields{USCC: SerialNumber, PersonID: SerialNumber}}, "cannot both"},
		{"negative grace", Config{BundleFile: f.dev.Paths().Cert, CRLSources: []string{"x"}, Grace: -time.Second}, "grace"},
	}
	for _, tc := range cases {
		if _, err := NewVerifier(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestMessage(t *testing.T) {
	for _, err := range []error{ErrNoCertificate, ErrExpired, ErrNotYetValid, ErrRevoked, ErrUntrusted, ErrKeyUsage,
		ErrSubject, ErrRevocationUnavailable, ErrUnknownUnit, ErrNoRole} {
		if m := Message(err); m == "" || m == msgGeneric {
			t.Errorf("%v: message %q", err, m)
		}
	}
	if Message(nil) != "" || Message(errMisc) != msgGeneric {
		t.Error("nil or unrelated error")
	}
	u := UnknownUnitError("91350100M000100Y43")
	if m := Message(u); !strings.Contains(m, "9135**********0Y43") || strings.Contains(m, "M000100") {
		t.Errorf("unknown unit message %q", m)
	}
}

var errMisc = errors.New("database is down")

// viaIntermediate is an intermediate CA under the development CA and a unit
// certificate it issued, with the USCC in the ETSI form.
func (f *fixture) viaIntermediate(t *testing.T) (inter *x509.Certificate, interKey crypto.Signer, leaf *x509.Certificate) {
	inter, interKey = mint(t, &x509.Certificate{Subject: pkix.Name{CommonName: "二级CA"}, IsCA: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, f.dev.cert, f.dev.key)
	leaf, _ = mint(t, &x509.Certificate{Subject: unitSubject("示例", "NTRCN-"+f.uscc()), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, inter, interKey)
	return inter, interKey, leaf
}
