package ca

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// CRL reason codes of RFC 5280 §5.3.1 by name, for `hall ca revoke --reason`.
var reasonCodes = map[string]int{
	"unspecified": 0, "keyCompromise": 1, "cACompromise": 2, "affiliationChanged": 3,
	"superseded": 4, "cessationOfOperation": 5, "certificateHold": 6, "privilegeWithdrawn": 9,
}

// ParseReason reads an RFC 5280 CRL reason name (keyCompromise, superseded, …),
// case-insensitive; "" is unspecified.
func ParseReason(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	for name, code := range reasonCodes {
		if strings.EqualFold(name, s) {
			return code, nil
		}
	}
	return 0, fmt.Errorf("unknown revocation reason %q (unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn)", s)
}

// Revoke records the revocation of the certificate with serial (hex, any case,
// colons allowed) at the clock's time. Like a real CA's, the revocation reaches
// relying parties with the next CRL: call PublishCRL. It returns ErrUnknownSerial
// or ErrAlreadyRevoked.
func (d *DevCA) Revoke(serial string, reason int) (IndexEntry, error) {
	want := serialText(strings.ReplaceAll(strings.TrimSpace(serial), ":", ""))
	var out IndexEntry
	err := d.update(func(ix *index) error {
		for i := range ix.Certificates {
			e := &ix.Certificates[i]
			if e.Serial != want {
				continue
			}
			if e.RevokedAt != nil {
				return ErrAlreadyRevoked
			}
			at := d.now().UTC().Truncate(time.Second)
			e.RevokedAt, e.Reason = &at, reason
			out = *e
			return nil
		}
		return ErrUnknownSerial
	})
	return out, err
}

// CRLInfo describes a published CRL.
type CRLInfo struct {
	Number     int64
	Entries    int
	ThisUpdate time.Time
	NextUpdate time.Time
	PEMFile    string
	DERFile    string
}

// PublishCRL signs a new CRL listing every revoked certificate, valid for
// validity (nextUpdate), with the next CRL number, and writes it as PEM (Paths().CRL)
// and DER (Paths().CRLDER), each replaced atomically.
func (d *DevCA) PublishCRL(validity time.Duration) (CRLInfo, error) {
	unlock, err := lock(d.paths)
	if err != nil {
		return CRLInfo{}, err
	}
	defer unlock()
	return d.publishCRLLocked(validity)
}

func (d *DevCA) publishCRLLocked(validity time.Duration) (CRLInfo, error) {
	if validity <= 0 {
		return CRLInfo{}, fmt.Errorf("CRL validity must be positive, not %s", validity)
	}
	ix, err := d.readIndex()
	if err != nil {
		return CRLInfo{}, err
	}
	ix.CRLNumber++
	now := d.now().UTC().Truncate(time.Second)
	tmpl := &x509.RevocationList{Number: big.NewInt(ix.CRLNumber), ThisUpdate: now, NextUpdate: now.Add(validity)}
	for _, e := range ix.Certificates {
		if e.RevokedAt == nil {
			continue
		}
		n, ok := new(big.Int).SetString(e.Serial, 16)
		if !ok {
			return CRLInfo{}, fmt.Errorf("index: bad serial %q", e.Serial)
		}
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: n, RevocationTime: *e.RevokedAt, ReasonCode: e.Reason})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, d.cert, d.key)
	if err != nil {
		return CRLInfo{}, err
	}
	if err := writeFileAtomic(d.paths.CRLDER, der, 0o644); err != nil {
		return CRLInfo{}, err
	}
	if err := writeFileAtomic(d.paths.CRL, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o644); err != nil {
		return CRLInfo{}, err
	}
	if err := d.writeIndex(ix); err != nil {
		return CRLInfo{}, err
	}
	return CRLInfo{Number: ix.CRLNumber, Entries: len(tmpl.RevokedCertificateEntries), ThisUpdate: tmpl.ThisUpdate,
		NextUpdate: tmpl.NextUpdate, PEMFile: d.paths.CRL, DERFile: d.paths.CRLDER}, nil
}
