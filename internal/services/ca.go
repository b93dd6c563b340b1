package services

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"hall/internal/ca"
	"hall/internal/certlogin"
	"hall/internal/config"
)

// CA-certificate login (SPEC L3) and the rights record's signing identity (U3).

// buildCA returns the CA-login verifier when CA login is configured (a CA bundle
// or a CA-login listener), nil when it is off. In development without a bundle it
// trusts the development CA under DATA-DIR/ca, creating it on first use. The
// caller runs its Run loop; until the first refresh, CA logins are refused.
func buildCA(cfg config.Config, log *slog.Logger, now func() time.Time) (*ca.Verifier, error) {
	if cfg.CA.BundleFile == "" && cfg.CA.LoginAddr == "" {
		return nil, nil
	}
	vc := ca.Config{BundleFile: cfg.CA.BundleFile, CRLSources: cfg.CA.CRLSources, RefreshInterval: cfg.CA.CRLRefresh,
		Grace: cfg.CA.CRLGrace, Fields: cfg.CA.Fields(), Now: now, Log: log}
	if vc.BundleFile == "" {
		d, err := devCA(cfg, now)
		if err != nil {
			return nil, err
		}
		vc.BundleFile, vc.CRLSources = d.Paths().Cert, []string{d.Paths().CRL}
	}
	return ca.NewVerifier(vc)
}

// UseCALogin turns CA login on with verifier v: the login page offers it and the
// CA-login listener's handler checks certificates with v. Build calls it when the
// listener is configured; tests call it with a verifier of their own CA.
// The listener's public URL is worked out here, once, from the configuration as
// it stands (the home page and the login page ask for it on every request).
func (s *Services) UseCALogin(v *ca.Verifier) {
	s.CA = v
	s.CertLogin = certlogin.New(certlogin.Deps{DB: s.DB, Verifier: v, Flows: s.Flows, Units: s.Units,
		Persons: s.Persons, Delegation: s.Delegation, Audit: s.Audit})
	s.caLoginURL = s.Config.CA.PublicLoginURL(s.Config.BaseURL)
}

// CALoginURL is the public URL of the CA-login listener the login page sends
// browsers to; "" when CA login is off.
func (s *Services) CALoginURL() string { return s.caLoginURL }

// devCA opens the development CA under the data directory, creating it when
// there is none. Development mode only.
func devCA(cfg config.Config, now func() time.Time) (*ca.DevCA, error) {
	if !cfg.Dev() {
		return nil, errors.New("the development CA is not used in production mode")
	}
	dir := ca.DevCADir(cfg.DataDir)
	d, err := ca.OpenDevCA(dir, now)
	if errors.Is(err, ca.ErrNoDevCA) {
		d, err = ca.InitDevCA(dir, cfg.BureauName, now)
		if errors.Is(err, ca.ErrDevCAExists) { // another process made it meanwhile
			d, err = ca.OpenDevCA(dir, now)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("development CA: %w", err)
	}
	return d, nil
}

// CALoginTLSConfig is the tls.Config of the CA-login listener (Config.CA.LoginAddr):
// the configured server certificate, or in development one from the development
// CA for the listener's host, localhost and 127.0.0.1. It returns an error when CA
// login is off.
func (s *Services) CALoginTLSConfig() (*tls.Config, error) {
	if s.CA == nil {
		return nil, errors.New("CA login is not configured")
	}
	x := s.Config.CA
	if x.LoginCertFile != "" {
		cert, err := tls.LoadX509KeyPair(x.LoginCertFile, x.LoginKeyFile)
		if err != nil {
			return nil, fmt.Errorf("ca-login-tls-cert: %w", err)
		}
		return s.CA.LoginTLSConfig(cert), nil
	}
	d, err := devCA(s.Config, s.Now)
	if err != nil {
		return nil, err
	}
	hosts := []string{"localhost", "127.0.0.1"}
	if h, _, err := net.SplitHostPort(x.LoginAddr); err == nil && h != "" && h != "localhost" && h != "127.0.0.1" &&
		h != "0.0.0.0" && h != "::" {
		hosts = append([]string{h}, hosts...)
	}
	cert, err := d.EnsureServer(hosts)
	if err != nil {
		return nil, err
	}
	return s.CA.LoginTLSConfig(cert), nil
}

// RightsSigning returns the identity that signs rights records: the configured
// certificate and key (Config.RightsSigningCertFile/KeyFile), or in development
// one from the development CA named after the bureau. The caller loads it once at
// start; errors wrap ca.ErrSigningCertificate or are a file's.
func (s *Services) RightsSigning() (*ca.SigningIdentity, error) {
	if s.Config.RightsSigningCertFile != "" {
		return ca.LoadSigningIdentity(s.Config.RightsSigningCertFile, s.Config.RightsSigningKeyFile, s.Now())
	}
	d, err := devCA(s.Config, s.Now)
	if err != nil {
		return nil, fmt.Errorf("rights-signing-cert is required: %w", err)
	}
	return d.EnsureSigning(s.Config.BureauName)
}
