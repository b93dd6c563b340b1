package ca

import (
	"crypto/x509"
	"errors"
	"os"
	"strings"
	"testing"

	"hall/internal/ident"
)

// Fuzz targets for the parsers of outside input: certificates presented by
// clients, the subject values inside them, and CRLs read from files or URLs.

// FuzzVerify feeds certificate bytes to Verify. Invariants: no panic; a refusal
// is an *Error with a message; only a certificate the CA really issued passes.
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	v := fx.verifier()
	genuine := map[string]bool{}
	for _, is := range []*Issued{
		fx.unitCert(),
		fx.issue(IssueRequest{Kind: KindPerson, Name: "王晓明", IDNumber: fx.idNumber(), USCC: fx.uscc()}),
		fx.issue(IssueRequest{Kind: KindPerson, Name: "王晓明", IDNumber: fx.idNumber()}),
		fx.issue(IssueRequest{Kind: KindSigning, Name: bureau}),
	} {
		genuine[string(is.Certificate.Raw)] = true
		f.Add(is.Certificate.Raw)
	}
	f.Add(fx.dev.Certificate().Raw)
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, der []byte) {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return
		}
		id, err := v.Verify([]*x509.Certificate{cert})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Msg == "" || Message(err) != e.Msg {
				t.Fatalf("refusal %v is not an *Error with a message", err)
			}
			return
		}
		if !genuine[string(der)] {
			t.Fatalf("accepted a certificate the CA did not issue: %+v", id)
		}
	})
}

// FuzzExtractIdentity feeds subject values to the identity parser. Invariants: no
// panic; an accepted USCC and ID number are valid and normalised; a refusal is
// ErrSubject with a message.
func FuzzExtractIdentity(f *testing.F) {
	id := "32010219850615101"
	id += string(ident.CheckDigit(id))
	for _, seed := range [][2]string{
		{"91350100M000100Y43", ""}, {"NTRCN-91350100M000100Y43", "IDCCN-" + id}, {"９１３５０１００Ｍ０００１００Ｙ４３", id},
		{"91350100M000100Y44", ""}, {"", id}, {"ntrcn-", "idccn-"}, {"\xff\xfe", "\x00"}, {"91350100M000100Y43", id[:17] + "Y"},
	} {
		f.Add(seed[0], seed[1], "财务部")
	}
	f.Fuzz(func(t *testing.T, usccValue, personValue, ouValue string) {
		cert := subjectCert("名称", []string{"单位"}, attr(OrganizationIdentifier, usccValue), attr(OrganizationalUnit, ouValue))
		if personValue != "" {
			cert.Subject.Names = append(cert.Subject.Names, attr(SerialNumber, personValue))
		}
		got, err := ExtractIdentity(cert, Fields{}, t0)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrSubject) || e.Msg == "" {
				t.Fatalf("refusal %v", err)
			}
			return
		}
		if u, err := ident.ValidateUSCC(got.USCC); err != nil || u != got.USCC {
			t.Fatalf("accepted USCC %q from %q", got.USCC, usccValue)
		}
		if got.PersonIDNumber != "" {
			if n, err := ident.ValidateID(got.PersonIDType, got.PersonIDNumber, t0); err != nil || n != got.PersonIDNumber {
				t.Fatalf("accepted ID number %q from %q", got.PersonIDNumber, personValue)
			}
		}
		if (got.PersonIDNumber == "") != (strings.TrimSpace(personValue) == "") {
			t.Fatalf("person %q from %q", got.PersonIDNumber, personValue)
		}
	})
}

// FuzzParseCRL feeds bytes to the CRL parser. Invariants: no panic; an accepted
// CRL has a nextUpdate not before its thisUpdate, and every entry is indexed.
func FuzzParseCRL(f *testing.F) {
	fx := newFixture(f)
	is := fx.unitCert()
	if _, err := fx.dev.Revoke(SerialHex(is.Certificate), 1); err != nil {
		f.Fatal(err)
	}
	if _, err := fx.dev.PublishCRL(DefaultDevCRLValidity); err != nil {
		f.Fatal(err)
	}
	for _, p := range []string{fx.dev.Paths().CRL, fx.dev.Paths().CRLDER} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := ParseCRL(data)
		if err != nil {
			return
		}
		if list.NextUpdate.IsZero() || list.NextUpdate.Before(list.ThisUpdate) {
			t.Fatalf("accepted a CRL with thisUpdate %v, nextUpdate %v", list.ThisUpdate, list.NextUpdate)
		}
		r := newRevocationList(list, "fuzz", t0)
		if len(r.revoked) > len(list.RevokedCertificateEntries) {
			t.Fatal("more revoked serials than entries")
		}
		_ = r.covers(fx.dev.Certificate())
	})
}
