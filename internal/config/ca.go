package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"hall/internal/ca"
)

// CA holds the settings of CA-certificate login (SPEC L3); docs/ca-login.md
// explains them.
type CA struct {
	// LoginAddr is the dedicated TLS listener that asks browsers for a client
	// certificate; empty turns CA login off.
	LoginAddr string
	// LoginAddrDemo says LoginAddr is --demo's default (DemoLoginAddr), not
	// configured: a busy port then turns CA login off instead of stopping serve.
	LoginAddrDemo bool
	// LoginURL is that listener's public https URL, where the login page sends
	// the browser; empty means https://<host of base-url>:<port of LoginAddr>.
	LoginURL string
	// LoginCertFile and LoginKeyFile are that listener's TLS server certificate
	// (PEM, intermediates after it) and key. Development may leave them empty for
	// one from the development CA.
	LoginCertFile, LoginKeyFile string
	// BundleFile is the PEM file of the CAs trusted for login; CRLSources their
	// CRLs (file paths or http(s) URLs). Development may leave both empty for the
	// development CA under DATA-DIR/ca.
	BundleFile string
	CRLSources []string
	// CRLRefresh is how often the CRLs are read again; CRLGrace how long past its
	// nextUpdate a CRL is still used before CA logins through its CA are refused.
	CRLRefresh, CRLGrace time.Duration
	// USCCField and PersonIDField name the subject attributes of the unit's USCC
	// and of a person's ID number (ca.ParseSubjectField).
	USCCField, PersonIDField string
}

// DemoLoginAddr is the CA-login listener `hall serve --demo` opens when none is
// configured, so that CA login can be tried with the development CA.
const DemoLoginAddr = "127.0.0.1:8443"

func caDefaults() CA {
	return CA{CRLRefresh: ca.DefaultRefreshInterval, CRLGrace: ca.DefaultGrace,
		USCCField: ca.DefaultUSCCField.Name, PersonIDField: ca.DefaultPersonIDField.Name}
}

var caKeys = []key{
	{name: "ca-login-addr", help: "address of the TLS listener for CA-certificate login (docs/ca-login.md); empty turns CA login off", bind: str(func(c *Config) *string { return &c.CA.LoginAddr })},
	{name: "ca-login-url", help: "public https URL of the CA-login listener (default https://HOST-OF-BASE-URL:PORT-OF-CA-LOGIN-ADDR)", bind: str(func(c *Config) *string { return &c.CA.LoginURL })},
	{name: "ca-login-tls-cert", help: "TLS server certificate (PEM) of the CA-login listener; development: empty uses one from the development CA", bind: str(func(c *Config) *string { return &c.CA.LoginCertFile })},
	{name: "ca-login-tls-key", help: "private key (PEM) of ca-login-tls-cert", bind: str(func(c *Config) *string { return &c.CA.LoginKeyFile })},
	{name: "ca-bundle", help: "PEM file of the CA certificates trusted for CA login; development: empty uses the development CA (hall ca init)", bind: str(func(c *Config) *string { return &c.CA.BundleFile })},
	{name: "ca-crl", help: "comma-separated CRL sources of those CAs: file paths or http(s) URLs, DER or PEM (required with ca-bundle)", bind: func(fs *flag.FlagSet, c *Config, n, h string) {
		fs.Func(n, h, func(s string) error {
			c.CA.CRLSources = nil
			for _, part := range strings.Split(s, ",") {
				if part = strings.TrimSpace(part); part != "" {
					c.CA.CRLSources = append(c.CA.CRLSources, part)
				}
			}
			return nil
		})
	}},
	{name: "ca-crl-refresh", help: "how often the CRLs are read again", bind: dur(func(c *Config) *time.Duration { return &c.CA.CRLRefresh })},
	{name: "ca-crl-grace", help: "how long past its nextUpdate a CRL is still used; after that CA logins through its CA are refused", bind: dur(func(c *Config) *time.Duration { return &c.CA.CRLGrace })},
	{name: "ca-uscc-field", help: "subject attribute holding the unit's USCC: organizationIdentifier, serialNumber, OU, O, CN or a dotted OID", bind: str(func(c *Config) *string { return &c.CA.USCCField })},
	{name: "ca-person-id-field", help: "subject attribute holding a person's ID number in a certificate that names a person", bind: str(func(c *Config) *string { return &c.CA.PersonIDField })},
	{name: "rights-signing-cert", help: "the bureau's document-signing certificate (PEM, CA chain after it) for the rights record; development: empty uses one from the development CA", bind: str(func(c *Config) *string { return &c.RightsSigningCertFile })},
	{name: "rights-signing-key", help: "private key (PEM) of rights-signing-cert", bind: str(func(c *Config) *string { return &c.RightsSigningKeyFile })},
}

// PublicLoginURL is where the login page sends a browser for CA login: LoginURL,
// or https on base's host at LoginAddr's port; "" when CA login is off.
func (c CA) PublicLoginURL(base string) string {
	if c.LoginURL != "" || c.LoginAddr == "" {
		return c.LoginURL
	}
	_, port, err := net.SplitHostPort(c.LoginAddr)
	u, uerr := url.Parse(base)
	if err != nil || uerr != nil || u.Hostname() == "" {
		return ""
	}
	return "https://" + net.JoinHostPort(u.Hostname(), port)
}

// Fields returns the parsed subject fields; Validate has checked them.
func (c CA) Fields() ca.Fields {
	u, _ := ca.ParseSubjectField(c.USCCField)
	p, _ := ca.ParseSubjectField(c.PersonIDField)
	return ca.Fields{USCC: u, PersonID: p}
}

// validateCA checks the CA settings of c.
func (c *Config) validateCA() []error {
	var errs []error
	x := &c.CA
	if c.Demo && c.Mode == Development && x.LoginAddr == "" && x.BundleFile == "" {
		x.LoginAddr, x.LoginAddrDemo = DemoLoginAddr, true
	}
	if x.LoginAddr != "" {
		if _, _, err := net.SplitHostPort(x.LoginAddr); err != nil {
			errs = append(errs, fmt.Errorf("ca-login-addr %q: %v", x.LoginAddr, err))
		} else if x.LoginAddr == c.Addr || x.LoginAddr == c.AdminAddr {
			errs = append(errs, errors.New("ca-login-addr must be a listener of its own, not addr or admin-addr: it asks every browser for a certificate"))
		}
		if c.Mode == Production && (x.LoginCertFile == "" || x.BundleFile == "") {
			errs = append(errs, errors.New("production CA login needs ca-login-tls-cert, ca-login-tls-key, ca-bundle and ca-crl"))
		}
	}
	if x.LoginURL != "" {
		if u, err := url.Parse(x.LoginURL); err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			errs = append(errs, fmt.Errorf("ca-login-url %q must be an https:// URL without a path", x.LoginURL))
		} else if x.LoginAddr == "" {
			errs = append(errs, errors.New("ca-login-url needs ca-login-addr, the listener it names"))
		}
		x.LoginURL = strings.TrimRight(x.LoginURL, "/")
	}
	if (x.LoginCertFile == "") != (x.LoginKeyFile == "") {
		errs = append(errs, errors.New("ca-login-tls-cert and ca-login-tls-key go together"))
	}
	if (x.BundleFile == "") != (len(x.CRLSources) == 0) {
		errs = append(errs, errors.New("ca-bundle and ca-crl go together: revocation is always checked"))
	}
	for _, s := range x.CRLSources {
		if strings.Contains(s, "://") {
			if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, fmt.Errorf("ca-crl %q: a CRL source is a file path or an http(s) URL (mirror an LDAP distribution point to one of those)", s))
			}
		}
	}
	if x.CRLRefresh < time.Minute || x.CRLRefresh > 24*time.Hour {
		errs = append(errs, fmt.Errorf("ca-crl-refresh must be between 1m and 24h, not %s", x.CRLRefresh))
	}
	if x.CRLGrace < 0 || x.CRLGrace > 7*24*time.Hour {
		errs = append(errs, fmt.Errorf("ca-crl-grace must be between 0 and 168h, not %s", x.CRLGrace))
	}
	u, uerr := ca.ParseSubjectField(x.USCCField)
	p, perr := ca.ParseSubjectField(x.PersonIDField)
	switch {
	case uerr != nil:
		errs = append(errs, fmt.Errorf("ca-uscc-field: %v", uerr))
	case perr != nil:
		errs = append(errs, fmt.Errorf("ca-person-id-field: %v", perr))
	case u.OID.Equal(p.OID):
		errs = append(errs, errors.New("ca-uscc-field and ca-person-id-field must name different attributes"))
	}
	if (c.RightsSigningCertFile == "") != (c.RightsSigningKeyFile == "") {
		errs = append(errs, errors.New("rights-signing-cert and rights-signing-key go together"))
	}
	return errs
}
