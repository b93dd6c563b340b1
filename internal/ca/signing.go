package ca

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"
)

// ErrSigningCertificate is wrapped by LoadSigningIdentity's refusals of a
// certificate or key that cannot sign the rights record.
var ErrSigningCertificate = errors.New("ca: unusable document-signing certificate")

// Extended key usages that allow signing a document (checked only when the
// certificate has an extended key usage extension at all).
var (
	// oidDocumentSigning is id-kp-documentSigning (RFC 9336).
	oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}
	// oidAdobeAuthenticDocuments is Adobe's "Authentic Documents Trust" usage.
	oidAdobeAuthenticDocuments = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 5}
)

// SigningIdentity is the bureau's document-signing certificate with its key and
// the CA certificates above it, as the rights record's CMS/PAdES signature needs
// them (for github.com/digitorus/pdfsign: Signer = Key, Certificate,
// CertificateChains = [][]*x509.Certificate{append([]*x509.Certificate{Certificate}, Chain...)}).
type SigningIdentity struct {
	Certificate *x509.Certificate
	Chain       []*x509.Certificate // issuer first, up to and including the root when the file has it
	Key         crypto.Signer
}

// LoadSigningIdentity reads the rights record's signing certificate (certFile: a
// PEM file with the signing certificate first, then its CA certificates) and its
// private key (keyFile, see ReadPrivateKey), and checks that they can sign a
// document at now: the key is the certificate's, the certificate is an
// end-entity certificate valid at now with key usage digitalSignature and
// contentCommitment (non-repudiation), its extended key usage (if any) allows
// document signing, and each certificate of the chain is signed by the next.
//
// Errors wrap ErrSigningCertificate, or are the failure to read a file.
func LoadSigningIdentity(certFile, keyFile string, now time.Time) (*SigningIdentity, error) {
	certs, err := ReadCertificates(certFile)
	if err != nil {
		return nil, err
	}
	key, err := ReadPrivateKey(keyFile)
	if err != nil {
		return nil, err
	}
	id := &SigningIdentity{Certificate: certs[0], Chain: certs[1:], Key: key}
	if err := id.check(now); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrSigningCertificate, certFile, err)
	}
	return id, nil
}

func (id *SigningIdentity) check(now time.Time) error {
	c := id.Certificate
	pub, ok := id.Key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(c.PublicKey) {
		return errors.New("the private key does not belong to the certificate")
	}
	if c.IsCA {
		return errors.New("a CA certificate cannot sign documents")
	}
	const need = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	if c.KeyUsage&need != need {
		return errors.New("key usage must include digitalSignature and contentCommitment (non-repudiation)")
	}
	if !documentSigningEKU(c) {
		return errors.New("extended key usage does not allow document signing")
	}
	if now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return fmt.Errorf("the certificate is valid from %s to %s", c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly))
	}
	chain := append([]*x509.Certificate{c}, id.Chain...)
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			return fmt.Errorf("certificate %d of the file is not issued by certificate %d: %v", i+1, i+2, err)
		}
	}
	return nil
}

func documentSigningEKU(c *x509.Certificate) bool {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return true
	}
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageAny || u == x509.ExtKeyUsageEmailProtection {
			return true
		}
	}
	for _, u := range c.UnknownExtKeyUsage {
		if u.Equal(oidDocumentSigning) || u.Equal(oidAdobeAuthenticDocuments) {
			return true
		}
	}
	return false
}
