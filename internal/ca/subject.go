package ca

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"hall/internal/ident"
)

// SubjectField names the subject attribute a certificate carries an identifier in.
type SubjectField struct {
	Name string // as configured and shown in messages: "organizationIdentifier" or a dotted OID
	OID  asn1.ObjectIdentifier
}

func (f SubjectField) String() string { return f.Name }

// Subject attributes the hall knows by name (X.520; RFC 4519 short names).
var (
	// OrganizationIdentifier (2.5.4.97) is the X.520 attribute for a legal person's
	// registration number; ETSI EN 319 412-1 writes it "NTRCN-" + the number.
	OrganizationIdentifier = SubjectField{"organizationIdentifier", asn1.ObjectIdentifier{2, 5, 4, 97}}
	// SerialNumber (2.5.4.5) is the subject's serialNumber attribute (not the
	// certificate serial number): X.520's place for a person's or an entity's
	// identifier; ETSI EN 319 412-1 writes an identity card "IDCCN-" + the number.
	SerialNumber       = SubjectField{"serialNumber", asn1.ObjectIdentifier{2, 5, 4, 5}}
	OrganizationalUnit = SubjectField{"OU", asn1.ObjectIdentifier{2, 5, 4, 11}}
	Organization       = SubjectField{"O", asn1.ObjectIdentifier{2, 5, 4, 10}}
	CommonName         = SubjectField{"CN", asn1.ObjectIdentifier{2, 5, 4, 3}}
)

// Defaults of the configurable fields (docs/ca-login.md says why).
var (
	DefaultUSCCField     = OrganizationIdentifier
	DefaultPersonIDField = SerialNumber
)

var namedFields = []SubjectField{OrganizationIdentifier, SerialNumber, OrganizationalUnit, Organization, CommonName}

// ParseSubjectField reads a configured field: one of organizationIdentifier,
// serialNumber, OU, O, CN (case-insensitive), or a dotted OID such as
// 1.2.156.10260.4.1.4 for a CA whose profile uses an attribute of its own.
func ParseSubjectField(s string) (SubjectField, error) {
	s = strings.TrimSpace(s)
	for _, f := range namedFields {
		if strings.EqualFold(s, f.Name) || s == f.OID.String() {
			return f, nil
		}
	}
	parts := strings.Split(s, ".")
	if len(parts) >= 2 {
		oid := make(asn1.ObjectIdentifier, len(parts))
		ok := true
		for i, p := range parts {
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || (i == 0 && n > 2) || p != strconv.Itoa(n) {
				ok = false
				break
			}
			oid[i] = n
		}
		if ok {
			return SubjectField{Name: s, OID: oid}, nil
		}
	}
	return SubjectField{}, fmt.Errorf("subject field %q: want organizationIdentifier, serialNumber, OU, O, CN or a dotted OID", s)
}

// Identity is what a verified certificate says about its holder.
type Identity struct {
	USCC     string // the unit's 统一社会信用代码, validated and normalised
	UnitName string // subject O, or CN when the certificate names no person
	// PersonIDNumber is the ID number of the person the certificate names, ""
	// when it names none (a unit certificate: the acting person is the legal rep).
	PersonIDNumber string
	PersonIDType   ident.IDType // resident or residence_permit when PersonIDNumber is set
	PersonName     string       // subject CN of a person certificate
	Serial         string       // certificate serial number, upper-case hex
	Issuer         string       // issuer CN
	NotAfter       time.Time
	Fingerprint    string // SHA-256 of the certificate, lower-case hex, for the audit trail
}

// Fields are the subject attributes identity extraction reads.
type Fields struct {
	USCC     SubjectField // default DefaultUSCCField
	PersonID SubjectField // default DefaultPersonIDField
}

func (f Fields) withDefaults() Fields {
	if f.USCC.OID == nil {
		f.USCC = DefaultUSCCField
	}
	if f.PersonID.OID == nil {
		f.PersonID = DefaultPersonIDField
	}
	return f
}

// ExtractIdentity reads the unit and, if named, the person from cert's subject. The
// USCC field must hold exactly one valid USCC (other values of the field, such as a
// department name in another OU, are ignored); the person field, when it holds a
// value, must be a valid 居民身份证 or 港澳台居民居住证 number (now bounds its birth
// date). Values may carry the ETSI semantics prefixes "NTRCN-" and "IDCCN-".
//
// Errors: an *Error of kind ErrSubject.
func ExtractIdentity(cert *x509.Certificate, fields Fields, now time.Time) (Identity, error) {
	fields = fields.withDefaults()
	id := Identity{Serial: SerialHex(cert), Issuer: cert.Issuer.CommonName, NotAfter: cert.NotAfter}
	sum := sha256.Sum256(cert.Raw)
	id.Fingerprint = hex.EncodeToString(sum[:])

	uscc, err := usccFrom(attributeValues(cert, fields.USCC))
	if err != nil {
		return Identity{}, subjectRefusal(cert, err.Error(), nil)
	}
	id.USCC = uscc
	person := attributeValues(cert, fields.PersonID)
	if fields.PersonID.OID.Equal(fields.USCC.OID) {
		person = nil // one field cannot hold both
	}
	if len(person) > 1 {
		return Identity{}, subjectRefusal(cert, msgBadIDNumber, errors.New("several person identifiers"))
	}
	if len(cert.Subject.Organization) > 0 {
		id.UnitName = strings.TrimSpace(cert.Subject.Organization[0])
	}
	if len(person) == 1 {
		if id.PersonIDNumber, id.PersonIDType, err = ParsePersonID(person[0], now); err != nil {
			return Identity{}, subjectRefusal(cert, msgBadIDNumber, err)
		}
		id.PersonName = strings.TrimSpace(cert.Subject.CommonName)
	} else if id.UnitName == "" {
		id.UnitName = strings.TrimSpace(cert.Subject.CommonName)
	}
	return id, nil
}

// attributeValues returns the string values of field in cert's subject, trimmed,
// empty ones left out.
func attributeValues(cert *x509.Certificate, field SubjectField) []string {
	var out []string
	for _, a := range cert.Subject.Names {
		if !a.Type.Equal(field.OID) {
			continue
		}
		s, ok := a.Value.(string)
		if !ok {
			continue
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// usccFrom picks the one USCC among the values of the USCC field. Its error text
// is the page's message.
func usccFrom(values []string) (string, error) {
	found := ""
	invalid := false
	for _, v := range values {
		u, err := ParseUSCCValue(v)
		if err != nil {
			invalid = invalid || looksLikeUSCC(v)
			continue
		}
		if found != "" && found != u {
			return "", errors.New(msgTwoUSCC)
		}
		found = u
	}
	switch {
	case found != "":
		return found, nil
	case invalid:
		return "", errors.New(msgBadUSCC)
	}
	return "", errors.New(msgNoUSCC)
}

// looksLikeUSCC reports whether a value that failed ParseUSCCValue was meant as a
// USCC (18 characters once the prefix is off), so the message can say "invalid"
// rather than "missing".
func looksLikeUSCC(v string) bool {
	return len([]rune(stripPrefix(ident.Fold(v), "NTRCN-"))) == 18
}

// ParseUSCCValue reads a USCC from a subject attribute value: the bare code or the
// ETSI form "NTRCN-" + code. It returns ident's USCC errors.
func ParseUSCCValue(v string) (string, error) {
	return ident.ValidateUSCC(stripPrefix(ident.Fold(v), "NTRCN-"))
}

// ParsePersonID reads a person's ID number from a subject attribute value: the bare
// number or the ETSI form "IDCCN-" + number. A 居民身份证 number is tried first, then
// a 港澳台居民居住证 number (same structure, region 81–83). It returns ident's errors.
func ParsePersonID(v string, now time.Time) (string, ident.IDType, error) {
	v = stripPrefix(ident.Fold(v), "IDCCN-")
	n, err := ident.ValidateID(ident.IDTypeResident, v, now)
	if err == nil {
		return n, ident.IDTypeResident, nil
	}
	if errors.Is(err, ident.ErrIDRegion) {
		if p, perr := ident.ValidateID(ident.IDTypeResidencePermit, v, now); perr == nil {
			return p, ident.IDTypeResidencePermit, nil
		}
	}
	return "", "", err
}

func stripPrefix(s, prefix string) string {
	s = strings.TrimSpace(s)
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):]
	}
	return s
}

// SerialHex is a certificate's serial number in upper-case hex, the form the
// development CA's index and `hall ca revoke` use.
func SerialHex(cert *x509.Certificate) string {
	if cert == nil || cert.SerialNumber == nil {
		return ""
	}
	return strings.ToUpper(cert.SerialNumber.Text(16))
}
