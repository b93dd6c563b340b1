package ca

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Defaults of Config.
const (
	DefaultRefreshInterval = 30 * time.Minute
	DefaultGrace           = 6 * time.Hour
)

// Config configures a Verifier.
type Config struct {
	// BundleFile is a PEM file of the CA certificates the hall trusts for login.
	// Every certificate in it is a trust anchor and must be a CA certificate.
	BundleFile string
	// CRLSources are file paths or http(s) URLs of the CRLs of those CAs (and of
	// their intermediate CAs), DER or PEM. At least one is required: the hall does
	// not accept a certificate whose revocation it cannot check.
	CRLSources []string
	// RefreshInterval is how often Run re-reads the CRLs (default 30 minutes).
	RefreshInterval time.Duration
	// Grace is how long past its nextUpdate a CRL is still used (default 6 hours);
	// after that logins through its CA are refused with ErrRevocationUnavailable.
	Grace time.Duration
	// Fields are the subject attributes of the USCC and of a person's ID number.
	Fields Fields
	// Now is the clock (default time.Now).
	Now func() time.Time
	// HTTPClient fetches CRLs from URLs (default: a client with a 30-second timeout).
	HTTPClient *http.Client
	Log        *slog.Logger
}

// Verifier checks client certificates for CA login (SPEC L3). It is safe for
// concurrent use; Run keeps its CRLs fresh.
type Verifier struct {
	cfg       Config
	roots     *x509.CertPool
	rootCerts []*x509.Certificate
	sources   []*crlSource
	now       func() time.Time
	client    *http.Client
	log       *slog.Logger
}

// NewVerifier reads the CA bundle and returns a Verifier with no CRL loaded yet:
// call Refresh (or Run) before the first login, which until then is refused with
// ErrRevocationUnavailable. It fails when the bundle cannot be read, holds no
// certificate or holds one that is not a CA, or when no CRL source is given.
func NewVerifier(cfg Config) (*Verifier, error) {
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = DefaultRefreshInterval
	}
	if cfg.Grace < 0 {
		return nil, errors.New("ca: negative CRL grace period")
	}
	if cfg.Grace == 0 {
		cfg.Grace = DefaultGrace
	}
	cfg.Fields = cfg.Fields.withDefaults()
	if cfg.Fields.USCC.OID.Equal(cfg.Fields.PersonID.OID) {
		return nil, fmt.Errorf("ca: the USCC and the person's ID number cannot both be in %s", cfg.Fields.USCC)
	}
	if len(cfg.CRLSources) == 0 {
		return nil, errors.New("ca: at least one CRL source is required: revocation is always checked")
	}
	v := &Verifier{cfg: cfg, now: cfg.Now, client: cfg.HTTPClient, log: cfg.Log}
	if v.now == nil {
		v.now = time.Now
	}
	if v.client == nil {
		v.client = &http.Client{Timeout: 30 * time.Second}
	}
	if v.log == nil {
		v.log = slog.Default()
	}
	certs, err := ReadCertificates(cfg.BundleFile)
	if err != nil {
		return nil, fmt.Errorf("ca: bundle: %w", err)
	}
	v.roots = x509.NewCertPool()
	for _, c := range certs {
		if !c.BasicConstraintsValid || !c.IsCA {
			return nil, fmt.Errorf("ca: bundle %s: %q is not a CA certificate", cfg.BundleFile, c.Subject.String())
		}
		v.roots.AddCert(c)
	}
	v.rootCerts = certs
	for _, loc := range cfg.CRLSources {
		v.sources = append(v.sources, &crlSource{location: loc})
	}
	return v, nil
}

// Verify checks a client certificate as presented in TLS (the leaf first, then
// any intermediate CA certificates the client sent) and returns who it names.
// Checks, in this order:
//
//  1. a certificate is there (ErrNoCertificate);
//  2. the leaf's validity dates against the clock (ErrNotYetValid, ErrExpired);
//  3. the leaf is made for login: key usage digitalSignature, not a CA
//     (ErrKeyUsage);
//  4. a chain to a CA of the bundle, with every certificate valid now and
//     extended key usage clientAuth (or none) along it (ErrUntrusted; ErrExpired
//     or ErrNotYetValid for a CA certificate; ErrKeyUsage for the EKU);
//  5. revocation of every certificate of the chain but the trust anchor, by its
//     issuer's CRL (ErrRevoked, ErrRevocationUnavailable);
//  6. the subject's unit and person (ErrSubject).
//
// Every refusal is an *Error; Message gives its text for the page.
func (v *Verifier) Verify(peer []*x509.Certificate) (Identity, error) {
	if len(peer) == 0 || peer[0] == nil {
		return Identity{}, refusal(ErrNoCertificate, nil, true, nil)
	}
	leaf, now := peer[0], v.now()
	if err := checkDates(leaf, true, now); err != nil {
		return Identity{}, err
	}
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 || leaf.IsCA {
		return Identity{}, refusal(ErrKeyUsage, leaf, true,
			fmt.Errorf("key usage %b, CA %t: login needs digitalSignature on an end-entity certificate", leaf.KeyUsage, leaf.IsCA))
	}
	inter := x509.NewCertPool()
	for _, c := range peer[1:] {
		if c != nil {
			inter.AddCert(c)
		}
	}
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: v.roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return Identity{}, v.chainRefusal(leaf, peer[1:], now, err)
	}
	if err := v.checkRevocation(chains, now); err != nil {
		return Identity{}, err
	}
	return ExtractIdentity(leaf, v.cfg.Fields, now)
}

// VerifyTLS is Verify for the client certificate of a TLS connection (r.TLS of
// an http.Request on the CA-login listener); a nil state is ErrNoCertificate.
func (v *Verifier) VerifyTLS(state *tls.ConnectionState) (Identity, error) {
	if state == nil {
		return Identity{}, refusal(ErrNoCertificate, nil, true, errors.New("not a TLS connection"))
	}
	return v.Verify(state.PeerCertificates)
}

func checkDates(c *x509.Certificate, leaf bool, now time.Time) error {
	switch {
	case now.Before(c.NotBefore):
		return refusal(ErrNotYetValid, c, leaf, nil)
	case now.After(c.NotAfter):
		return refusal(ErrExpired, c, leaf, nil)
	}
	return nil
}

// chainRefusal turns an x509 verification error into a refusal. A CA certificate
// outside its dates is named (ErrExpired, ErrNotYetValid) only when it signed the
// leaf and is a CA of the bundle or issued by one, so that a forged CA is still
// "untrusted".
func (v *Verifier) chainRefusal(leaf *x509.Certificate, presented []*x509.Certificate, now time.Time, err error) error {
	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) {
		switch {
		case invalid.Reason == x509.IncompatibleUsage:
			return refusal(ErrKeyUsage, leaf, true, err)
		case invalid.Reason == x509.Expired && (invalid.Cert == leaf || v.vouched(leaf, invalid.Cert)):
			if dateErr := checkDates(invalid.Cert, invalid.Cert == leaf, now); dateErr != nil {
				return dateErr
			}
		}
	}
	// When other candidates were tried after it, x509 reports the CA certificate
	// outside its dates only as "unknown authority".
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		for _, c := range presented {
			if c == nil || !v.vouched(leaf, c) {
				continue
			}
			if dateErr := checkDates(c, false, now); dateErr != nil {
				return dateErr
			}
		}
	}
	return refusal(ErrUntrusted, leaf, true, err)
}

// vouched reports whether issuer signed leaf and is a CA of the bundle or issued by one.
func (v *Verifier) vouched(leaf, issuer *x509.Certificate) bool {
	if issuer == nil || !issuer.IsCA || leaf.CheckSignatureFrom(issuer) != nil {
		return false
	}
	for _, root := range v.rootCerts {
		if issuer.Equal(root) || issuer.CheckSignatureFrom(root) == nil {
			return true
		}
	}
	return false
}

// checkRevocation accepts when one chain has every certificate but its anchor
// checked against a fresh CRL and none revoked. Otherwise it returns ErrRevoked if
// any chain has a revoked certificate, else ErrRevocationUnavailable.
func (v *Verifier) checkRevocation(chains [][]*x509.Certificate, now time.Time) error {
	lists := v.currentLists()
	var firstErr error
	for _, chain := range chains {
		err := chainRevocation(lists, chain, now, v.cfg.Grace)
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrRevoked) {
			return err
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

func chainRevocation(lists []*revocationList, chain []*x509.Certificate, now time.Time, grace time.Duration) error {
	for i := 0; i+1 < len(chain); i++ {
		if err := revocationStatus(lists, chain[i], chain[i+1], i == 0, now, grace); err != nil {
			return err
		}
	}
	return nil
}

// LoginTLSConfig is the tls.Config of the dedicated CA-login listener. It serves
// server and asks every client for a certificate (RequestClientCert), listing
// the bundle's CAs so that the browser offers only certificates they issued. TLS
// itself checks only that the client holds the certificate's private key; the
// chain, dates, usage and revocation are left to Verify, so that a refusal is a
// page in Chinese rather than a handshake failure the browser reports in its own
// words (docs/ca-login.md).
func (v *Verifier) LoginTLSConfig(server tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{server},
		ClientAuth:   tls.RequestClientCert,
		ClientCAs:    v.roots,
		MinVersion:   tls.VersionTLS12,
	}
}
