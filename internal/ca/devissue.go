package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"hall/internal/ident"
)

// Kind is what a development certificate is for.
type Kind string

const (
	KindUnit    Kind = "unit"    // a unit's login certificate (USCC, unit name)
	KindPerson  Kind = "person"  // a person's login certificate (ID number, name; USCC when acting for a unit)
	KindSigning Kind = "signing" // the bureau's document-signing certificate for the rights record
	KindServer  Kind = "server"  // the TLS server certificate of the CA-login listener
)

// Validity defaults of the development CA.
const (
	DefaultDevValidity    = 365 * 24 * time.Hour
	DefaultDevCRLValidity = 7 * 24 * time.Hour
)

// IssueRequest asks the development CA for a certificate.
type IssueRequest struct {
	Kind Kind
	// Name is the subject CN: the unit's name (unit), the person's name (person),
	// the signer's name (signing). Unused for server certificates.
	Name     string
	USCC     string   // unit: required; person: optional, the unit the person acts for
	UnitName string   // person with USCC: the unit's name (subject O)
	IDNumber string   // person: required, a 居民身份证 or 港澳台居民居住证 number
	Hosts    []string // server: DNS names and IP addresses
	// Fields are the subject attributes the hall reads the USCC and ID number from
	// (its configuration), so that the certificate is read back as issued.
	Fields Fields
	// Encryption makes a unit or person certificate the encryption half of a
	// UKey's pair (key usage keyEncipherment and keyAgreement, no
	// digitalSignature), which cannot log in: what a browser offers beside the
	// signing certificate.
	Encryption bool
	// NotBefore and NotAfter default to an hour ago and DefaultDevValidity on.
	NotBefore, NotAfter time.Time
	// OutDir, when set, is where the certificate (PEM, with the CA certificate
	// after it), the key (PKCS#8 PEM, 0600) and a PKCS#12 file (0600) are written,
	// named <kind>-<serial>. P12Password protects the PKCS#12 file; empty means a
	// random one, returned in Issued.
	OutDir      string
	P12Password string
}

// Issued is a certificate the development CA made.
type Issued struct {
	Certificate *x509.Certificate
	Key         crypto.Signer
	Chain       []*x509.Certificate // the CA certificate
	Entry       IndexEntry
	// Files written when the request had OutDir.
	CertFile, KeyFile, P12File, P12Password string
}

var errNoHosts = errors.New("--host: at least one host name or address is required")

// Issue makes a certificate for req, records it in the index and, with OutDir,
// writes its files. Errors name the request field at fault.
func (d *DevCA) Issue(req IssueRequest) (*Issued, error) {
	now := d.now()
	req.Fields = req.Fields.withDefaults()
	tmpl, entry, err := d.template(req, now)
	if err != nil {
		return nil, err
	}
	if req.NotBefore.IsZero() {
		req.NotBefore = now.Add(-time.Hour)
	}
	if req.NotAfter.IsZero() {
		req.NotAfter = now.Add(DefaultDevValidity)
	}
	if !req.NotAfter.After(req.NotBefore) {
		return nil, errors.New("notAfter must be after notBefore")
	}
	if tmpl.SerialNumber, err = newSerial(); err != nil {
		return nil, err
	}
	tmpl.NotBefore, tmpl.NotAfter = req.NotBefore, req.NotAfter
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, d.cert, key.Public(), d.key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	entry.Serial, entry.Kind, entry.Name = SerialHex(cert), req.Kind, cert.Subject.CommonName
	entry.NotBefore, entry.NotAfter = cert.NotBefore.UTC(), cert.NotAfter.UTC()
	is := &Issued{Certificate: cert, Key: key, Chain: []*x509.Certificate{d.cert}, Entry: entry}
	if req.OutDir != "" {
		if err := is.write(req.OutDir, req.P12Password); err != nil {
			return nil, err
		}
		is.Entry.CertFile, is.Entry.KeyFile = is.CertFile, is.KeyFile
	}
	if err := d.update(func(ix *index) error {
		ix.Certificates = append(ix.Certificates, is.Entry)
		return nil
	}); err != nil {
		return nil, err
	}
	return is, nil
}

// template checks req and returns the certificate template (without serial and
// dates) and the index entry's identity fields.
func (d *DevCA) template(req IssueRequest, now time.Time) (*x509.Certificate, IndexEntry, error) {
	var entry IndexEntry
	name := strings.TrimSpace(req.Name)
	tmpl := &x509.Certificate{BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature}
	subject := pkix.Name{Country: []string{"CN"}, CommonName: name}
	attr := func(f SubjectField, v string) {
		subject.ExtraNames = append(subject.ExtraNames, pkix.AttributeTypeAndValue{Type: f.OID, Value: v})
	}
	switch req.Kind {
	case KindUnit, KindPerson:
		if name == "" {
			return nil, entry, errors.New("--name: the subject name is required")
		}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		if req.Encryption {
			tmpl.KeyUsage = x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement
		}
		if req.Kind == KindUnit || req.USCC != "" {
			u, err := ident.ValidateUSCC(req.USCC)
			if err != nil {
				return nil, entry, fmt.Errorf("--uscc: %w", err)
			}
			entry.USCC = u
			attr(req.Fields.USCC, u)
		}
		if req.Kind == KindUnit {
			subject.Organization = []string{name}
			break
		}
		id, _, err := ParsePersonID(req.IDNumber, now)
		if err != nil {
			return nil, entry, fmt.Errorf("--id-number: %w", err)
		}
		entry.IDNumber = ident.MaskID(id)
		attr(req.Fields.PersonID, id)
		if u := strings.TrimSpace(req.UnitName); u != "" {
			subject.Organization = []string{u}
		}
	case KindSigning:
		if name == "" {
			return nil, entry, errors.New("--name: the signer's name is required")
		}
		subject.Organization = []string{name}
		tmpl.KeyUsage |= x509.KeyUsageContentCommitment
	case KindServer:
		if len(req.Hosts) == 0 {
			return nil, entry, errNoHosts
		}
		for _, h := range req.Hosts {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
		}
		subject.CommonName = req.Hosts[0]
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	default:
		return nil, entry, fmt.Errorf("unknown certificate kind %q (unit, person, signing or server)", req.Kind)
	}
	tmpl.Subject = subject
	return tmpl, entry, nil
}

// write stores the certificate, key and PKCS#12 file in dir.
func (is *Issued) write(dir, password string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if password == "" {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		password = hex.EncodeToString(b)
	}
	base := filepath.Join(dir, string(is.Entry.Kind)+"-"+SerialHex(is.Certificate))
	keyPEM, err := encodePrivateKey(is.Key)
	if err != nil {
		return err
	}
	// Modern2023: PBES2 with AES-256 and an HMAC-SHA-256 MAC, which Chromium
	// (NSS), Firefox, Windows and OpenSSL 1.1.1+ import.
	p12, err := pkcs12.Modern2023.Encode(is.Key, is.Certificate, is.Chain, password)
	if err != nil {
		return err
	}
	is.CertFile, is.KeyFile, is.P12File, is.P12Password = base+".pem", base+".key", base+".p12", password
	if err := writeFileAtomic(is.CertFile, encodeCertificates(append([]*x509.Certificate{is.Certificate}, is.Chain...)...), 0o644); err != nil {
		return err
	}
	if err := writeFileAtomic(is.KeyFile, keyPEM, 0o600); err != nil {
		return err
	}
	return writeFileAtomic(is.P12File, p12, 0o600)
}
