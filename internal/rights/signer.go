package rights

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
)

// ErrSigner is wrapped by the errors New returns for an unusable
// signing key or certificate: unreadable PEM, a key that does not belong to the
// certificate, a certificate without the digitalSignature key usage, or one that
// is not valid now.
var ErrSigner = errors.New("rights: unusable signing key or certificate")

// Signer is the bureau's signing key and certificate chain: Chain[0] is the
// certificate of Key, followed by its issuers up to (not necessarily including)
// the root. The signature embeds the chain so that a verifier that trusts the
// root can build the path.
type Signer struct {
	Key   crypto.Signer
	Chain []*x509.Certificate
}

// check reports why s cannot sign at now: no key or certificate, a key that is
// not the certificate's, a key type the PDF signature does not take, a certificate
// without digitalSignature or contentCommitment, or outside its validity.
func (s Signer) check(now time.Time) error {
	if s.Key == nil || len(s.Chain) == 0 || s.Chain[0] == nil {
		return fmt.Errorf("%w: no key or certificate", ErrSigner)
	}
	c := s.Chain[0]
	switch s.Key.(type) {
	case *rsa.PrivateKey, *ecdsa.PrivateKey:
	case ed25519.PrivateKey:
		return fmt.Errorf("%w: Ed25519 keys are not used for PDF signatures; use RSA or ECDSA", ErrSigner)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if pub, ok := s.Key.Public().(equaler); !ok || !pub.Equal(c.PublicKey) {
		return fmt.Errorf("%w: the key is not the certificate's", ErrSigner)
	}
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("%w: the certificate is not for digital signatures (key usage)", ErrSigner)
	}
	if now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return fmt.Errorf("%w: the certificate is valid %s to %s", ErrSigner,
			c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly))
	}
	return nil
}

// signPDF adds a certification signature (CMS, SHA-256, with the ESS
// signing-certificate-v2 attribute; DocMDP: no changes allowed) over the whole of
// doc as an incremental update, and returns the signed file. Nothing is fetched
// from the network: no time-stamp authority, no revocation data.
func (s Signer) signPDF(doc []byte, name, reason string, at time.Time) ([]byte, error) {
	in := bytes.NewReader(doc)
	rdr, err := pdf.NewReader(in, int64(len(doc)))
	if err != nil {
		return nil, fmt.Errorf("rights: read PDF to sign: %w", err)
	}
	var out bytes.Buffer
	out.Grow(len(doc) + 16<<10)
	err = sign.Sign(in, &out, rdr, int64(len(doc)), sign.SignData{
		Signature: sign.SignDataSignature{
			CertType:   sign.CertificationSignature,
			DocMDPPerm: sign.DoNotAllowAnyChangesPerms,
			Info:       sign.SignDataSignatureInfo{Name: name, Reason: reason, Date: at},
		},
		Signer:            s.Key,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       s.Chain[0],
		CertificateChains: [][]*x509.Certificate{s.Chain},
	})
	if err != nil {
		return nil, fmt.Errorf("rights: sign PDF: %w", err)
	}
	return out.Bytes(), nil
}
