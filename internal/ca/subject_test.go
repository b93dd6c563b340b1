package ca

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	mathrand "math/rand/v2"
	"strings"
	"testing"

	"hall/internal/ident"
)

// subjectCert is a certificate with only a subject, enough for ExtractIdentity.
func subjectCert(cn string, o []string, attrs ...pkix.AttributeTypeAndValue) *x509.Certificate {
	names := []pkix.AttributeTypeAndValue{{Type: CommonName.OID, Value: cn}}
	for _, v := range o {
		names = append(names, pkix.AttributeTypeAndValue{Type: Organization.OID, Value: v})
	}
	names = append(names, attrs...)
	return &x509.Certificate{Raw: []byte(cn), SerialNumber: big.NewInt(0xAB),
		Subject: pkix.Name{CommonName: cn, Organization: o, Names: names}}
}

func attr(f SubjectField, v string) pkix.AttributeTypeAndValue {
	return pkix.AttributeTypeAndValue{Type: f.OID, Value: v}
}

func TestExtractIdentity(t *testing.T) {
	const uscc = "91350100M000100Y43"
	other := ident.GenerateUSCC(mathrand.New(mathrand.NewPCG(1, 2)), "320102")
	id := "32010219850615" + "101"
	id += string(ident.CheckDigit(id))
	permit := "81000019900101" + "002"
	permit += string(ident.CheckDigit(permit))
	ou := OrganizationalUnit
	cases := []struct {
		name   string
		cert   *x509.Certificate
		fields Fields
		want   Identity // USCC, UnitName, PersonIDNumber, PersonName compared
		msg    string   // a refusal's message, "" for success
	}{
		{"unit, bare USCC", subjectCert("示例有限公司", []string{"示例有限公司"}, attr(OrganizationIdentifier, uscc)), Fields{},
			Identity{USCC: uscc, UnitName: "示例有限公司"}, ""},
		{"unit, ETSI form, lower case", subjectCert("示例有限公司", nil, attr(OrganizationIdentifier, "ntrcn-"+strings.ToLower(uscc))), Fields{},
			Identity{USCC: uscc, UnitName: "示例有限公司"}, ""},
		{"unit, full-width", subjectCert("示例", nil, attr(OrganizationIdentifier, "９１３５０１００Ｍ０００１００Ｙ４３")), Fields{},
			Identity{USCC: uscc, UnitName: "示例"}, ""},
		{"USCC among OUs", subjectCert("示例", nil, attr(ou, "财务部"), attr(ou, uscc)), Fields{USCC: ou},
			Identity{USCC: uscc, UnitName: "示例"}, ""},
		{"USCC twice, same value", subjectCert("示例", nil, attr(ou, uscc), attr(ou, "NTRCN-"+uscc)), Fields{USCC: ou},
			Identity{USCC: uscc, UnitName: "示例"}, ""},
		{"USCC in a configured OID", subjectCert("示例", nil, attr(SubjectField{"x", asn1.ObjectIdentifier{1, 2, 156, 10260, 4, 1, 4}}, uscc)),
			Fields{USCC: SubjectField{"1.2.156.10260.4.1.4", asn1.ObjectIdentifier{1, 2, 156, 10260, 4, 1, 4}}},
			Identity{USCC: uscc, UnitName: "示例"}, ""},
		{"person acting for a unit", subjectCert("王晓明", []string{"示例有限公司"}, attr(OrganizationIdentifier, uscc), attr(SerialNumber, "IDCCN-"+id)), Fields{},
			Identity{USCC: uscc, UnitName: "示例有限公司", PersonIDNumber: id, PersonName: "王晓明"}, ""},
		{"person with a residence permit", subjectCert("陈嘉欣", nil, attr(OrganizationIdentifier, uscc), attr(SerialNumber, permit)), Fields{},
			Identity{USCC: uscc, PersonIDNumber: permit, PersonName: "陈嘉欣"}, ""},
		{"no USCC", subjectCert("示例", nil), Fields{}, Identity{}, msgNoUSCC},
		{"USCC in another field than configured", subjectCert("示例", nil, attr(OrganizationIdentifier, uscc)), Fields{USCC: ou}, Identity{}, msgNoUSCC},
		{"USCC with a bad check character", subjectCert("示例", nil, attr(OrganizationIdentifier, uscc[:17]+"4")), Fields{}, Identity{}, msgBadUSCC},
		{"two different USCCs", subjectCert("示例", nil, attr(ou, uscc), attr(ou, other)), Fields{USCC: ou}, Identity{}, msgTwoUSCC},
		{"bad ID number", subjectCert("王晓明", nil, attr(OrganizationIdentifier, uscc), attr(SerialNumber, id[:17]+"Y")), Fields{}, Identity{}, msgBadIDNumber},
		{"two ID numbers", subjectCert("王晓明", nil, attr(OrganizationIdentifier, uscc), attr(SerialNumber, id), attr(SerialNumber, id)), Fields{}, Identity{}, msgBadIDNumber},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ExtractIdentity(tc.cert, tc.fields, t0)
			if tc.msg != "" {
				e := wantKind(t, err, ErrSubject)
				if e.Msg != tc.msg {
					t.Fatalf("message %q, want %q", e.Msg, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if got.USCC != tc.want.USCC || got.UnitName != tc.want.UnitName || got.PersonIDNumber != tc.want.PersonIDNumber ||
				got.PersonName != tc.want.PersonName || got.Serial != "AB" {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, _, err := new(DevCA).template(IssueRequest{Kind: KindPerson, Name: "王晓明", IDNumber: "12345"}, t0); err == nil {
		t.Fatal("a bad ID number was issued")
	}
}

func TestParseSubjectField(t *testing.T) {
	good := map[string]string{
		"organizationIdentifier": "2.5.4.97", "ORGANIZATIONIDENTIFIER": "2.5.4.97", "2.5.4.97": "2.5.4.97",
		"serialNumber": "2.5.4.5", "OU": "2.5.4.11", "ou": "2.5.4.11", "O": "2.5.4.10", "CN": "2.5.4.3",
		"1.2.156.10260.4.1.4": "1.2.156.10260.4.1.4", " 2.5.4.5 ": "2.5.4.5",
	}
	for in, oid := range good {
		f, err := ParseSubjectField(in)
		if err != nil || f.OID.String() != oid {
			t.Errorf("%q → %v, %v; want %s", in, f, err, oid)
		}
	}
	for _, in := range []string{"", "uscc", "2", "2.5.x", "3.1", "1..2", "2.-5", "1.02", "2.5.4.97.", "C"} {
		if f, err := ParseSubjectField(in); err == nil {
			t.Errorf("%q accepted as %v", in, f)
		}
	}
}
