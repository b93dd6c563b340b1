package ca

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"
)

// revocationList is one CRL that parsed and passed the load-time checks.
type revocationList struct {
	list     *x509.RevocationList
	revoked  map[string]time.Time // SerialHex of each entry → its revocation time
	source   string
	loadedAt time.Time

	// signatures remembers CheckSignatureFrom per issuer certificate (SHA-256 of
	// its DER): a nil error means the issuer signed this CRL. A large CRL is then
	// hashed once, not at every login.
	signatures sync.Map // [32]byte → error
	// issuer is a certificate that verified this CRL's signature, so the next CRL
	// of the same source can be checked against it when it is loaded.
	issuerMu sync.Mutex
	issuer   *x509.Certificate
}

// ParseCRL reads a CRL in DER or PEM ("X509 CRL") form and checks what can be
// checked without its issuer: it parses and has a nextUpdate (a CRL without one
// cannot tell when it is stale). It is the parser of CRL bytes from outside; the
// issuer's signature is checked by the Verifier.
func ParseCRL(data []byte) (*x509.RevocationList, error) {
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN")) {
		block, _ := pem.Decode(bytes.TrimSpace(data))
		if block == nil || block.Type != "X509 CRL" {
			return nil, errors.New("ca: PEM data is not an X509 CRL")
		}
		data = block.Bytes
	}
	list, err := x509.ParseRevocationList(data)
	if err != nil {
		return nil, fmt.Errorf("ca: parse CRL: %w", err)
	}
	if list.NextUpdate.IsZero() {
		return nil, errors.New("ca: CRL has no nextUpdate, so its freshness cannot be judged")
	}
	if list.NextUpdate.Before(list.ThisUpdate) {
		return nil, errors.New("ca: CRL nextUpdate is before its thisUpdate")
	}
	return list, nil
}

func newRevocationList(list *x509.RevocationList, source string, now time.Time) *revocationList {
	r := &revocationList{list: list, source: source, loadedAt: now,
		revoked: make(map[string]time.Time, len(list.RevokedCertificateEntries))}
	for _, e := range list.RevokedCertificateEntries {
		if e.SerialNumber != nil {
			r.revoked[serialText(e.SerialNumber.Text(16))] = e.RevocationTime
		}
	}
	return r
}

// covers reports whether the CRL is issued by issuer: the same name, and the same
// key when both name it.
func (r *revocationList) covers(issuer *x509.Certificate) bool {
	if !bytes.Equal(r.list.RawIssuer, issuer.RawSubject) {
		return false
	}
	return len(r.list.AuthorityKeyId) == 0 || len(issuer.SubjectKeyId) == 0 ||
		bytes.Equal(r.list.AuthorityKeyId, issuer.SubjectKeyId)
}

// signedBy checks (once per issuer) that issuer signed the CRL.
func (r *revocationList) signedBy(issuer *x509.Certificate) error {
	key := sha256.Sum256(issuer.Raw)
	if v, ok := r.signatures.Load(key); ok {
		err, _ := v.(error)
		return err
	}
	err := r.list.CheckSignatureFrom(issuer)
	if err != nil {
		r.signatures.Store(key, err)
		return err
	}
	r.signatures.Store(key, nil)
	r.issuerMu.Lock()
	r.issuer = issuer
	r.issuerMu.Unlock()
	return nil
}

func (r *revocationList) knownIssuer() *x509.Certificate {
	r.issuerMu.Lock()
	defer r.issuerMu.Unlock()
	return r.issuer
}

// serialText normalises a hex serial: upper case, no leading zeros.
func serialText(hex string) string {
	b := []byte(hex)
	for len(b) > 1 && b[0] == '0' {
		b = b[1:]
	}
	return string(bytes.ToUpper(b))
}

// revocationStatus checks cert, issued by issuer, against the loaded CRLs of
// issuer that issuer signed. It returns an *Error of kind ErrRevoked when any of
// them lists cert (a revocation is not undone by time or by another CRL), one of
// kind ErrRevocationUnavailable when there is no such CRL or the freshest is past
// nextUpdate + grace, and nil otherwise.
func revocationStatus(lists []*revocationList, cert, issuer *x509.Certificate, leaf bool, now time.Time, grace time.Duration) error {
	var freshest *revocationList
	var sigErr error
	serial := SerialHex(cert)
	for _, r := range lists {
		if r == nil || !r.covers(issuer) {
			continue
		}
		if err := r.signedBy(issuer); err != nil {
			sigErr = fmt.Errorf("CRL from %s: %w", r.source, err)
			continue
		}
		if at, ok := r.revoked[serial]; ok {
			return revokedRefusal(cert, leaf, at)
		}
		if freshest == nil || r.list.NextUpdate.After(freshest.list.NextUpdate) {
			freshest = r
		}
	}
	if freshest == nil {
		cause := fmt.Errorf("no CRL of issuer %q is loaded", issuer.Subject.String())
		if sigErr != nil {
			cause = sigErr
		}
		return refusal(ErrRevocationUnavailable, cert, leaf, cause)
	}
	if deadline := freshest.list.NextUpdate.Add(grace); now.After(deadline) {
		return refusal(ErrRevocationUnavailable, cert, leaf,
			fmt.Errorf("CRL from %s was due for renewal at %s (grace until %s)", freshest.source,
				freshest.list.NextUpdate.UTC().Format(time.RFC3339), deadline.UTC().Format(time.RFC3339)))
	}
	return nil
}
