package config

import (
	"strings"
	"testing"
	"time"
)

func TestCASettings(t *testing.T) {
	env := map[string]string{
		"HALL_CA_CRL":             " /etc/hall/ca1.crl , https://crl.example.cn/ca2.crl ",
		"HALL_CA_CRL_REFRESH":     "10m",
		"HALL_CA_USCC_FIELD":      "OU",
		"HALL_RIGHTS_SIGNING_KEY": "/etc/hall/signing.key",
	}
	c, err := parse(t, env, "--ca-bundle", "/etc/hall/ca.pem", "--ca-login-addr", "0.0.0.0:8443",
		"--rights-signing-cert", "/etc/hall/signing.pem")
	if err != nil {
		t.Fatal(err)
	}
	x := c.CA
	if x.BundleFile != "/etc/hall/ca.pem" || len(x.CRLSources) != 2 || x.CRLSources[1] != "https://crl.example.cn/ca2.crl" ||
		x.CRLRefresh != 10*time.Minute || x.CRLGrace != 6*time.Hour || x.LoginAddr != "0.0.0.0:8443" ||
		c.RightsSigningCertFile != "/etc/hall/signing.pem" || c.RightsSigningKeyFile != "/etc/hall/signing.key" {
		t.Fatalf("CA settings %+v, rights %q %q", x, c.RightsSigningCertFile, c.RightsSigningKeyFile)
	}
	if f := x.Fields(); f.USCC.OID.String() != "2.5.4.11" || f.PersonID.OID.String() != "2.5.4.5" {
		t.Fatalf("fields %+v", f)
	}
	// Production with everything set.
	if _, err := parse(t, nil, productionArgs("--base-url", "https://hall.example.gov.cn", "--ca-login-addr", ":8443",
		"--ca-login-tls-cert", "s.pem", "--ca-login-tls-key", "s.key", "--ca-bundle", "ca.pem", "--ca-crl", "https://crl.example.cn/x.crl")...); err != nil {
		t.Fatal(err)
	}
}

func TestCASettingsInvalid(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"login address", []string{"--ca-login-addr", "8443"}, "ca-login-addr"},
		{"login on the public listener", []string{"--addr", "127.0.0.1:9000", "--ca-login-addr", "127.0.0.1:9000"}, "listener of its own"},
		{"login on the admin listener", []string{"--admin-addr", "127.0.0.1:9001", "--ca-login-addr", "127.0.0.1:9001"}, "listener of its own"},
		{"bundle without CRL", []string{"--ca-bundle", "ca.pem"}, "ca-bundle and ca-crl"},
		{"CRL without bundle", []string{"--ca-crl", "crl.pem"}, "ca-bundle and ca-crl"},
		{"LDAP CRL", []string{"--ca-bundle", "ca.pem", "--ca-crl", "ldap://ldap.example.cn/cn=crl1"}, "file path or an http(s) URL"},
		{"URL without host", []string{"--ca-bundle", "ca.pem", "--ca-crl", "https:///crl"}, "file path or an http(s) URL"},
		{"refresh too often", []string{"--ca-crl-refresh", "10s"}, "ca-crl-refresh"},
		{"refresh too rare", []string{"--ca-crl-refresh", "48h"}, "ca-crl-refresh"},
		{"negative grace", []string{"--ca-crl-grace", "-1h"}, "ca-crl-grace"},
		{"grace too long", []string{"--ca-crl-grace", "200h"}, "ca-crl-grace"},
		{"unknown USCC field", []string{"--ca-uscc-field", "uscc"}, "ca-uscc-field"},
		{"unknown person field", []string{"--ca-person-id-field", "1.x"}, "ca-person-id-field"},
		{"one field for both", []string{"--ca-uscc-field", "2.5.4.5"}, "different attributes"},
		{"TLS certificate without key", []string{"--ca-login-tls-cert", "s.pem"}, "go together"},
		{"login URL over http", []string{"--ca-login-addr", "127.0.0.1:8443", "--ca-login-url", "http://hall.example.gov.cn:8443"}, "ca-login-url"},
		{"login URL with a path", []string{"--ca-login-addr", "127.0.0.1:8443", "--ca-login-url", "https://hall.example.gov.cn/ca"}, "ca-login-url"},
		{"login URL without listener", []string{"--ca-login-url", "https://hall.example.gov.cn:8443"}, "needs ca-login-addr"},
		{"signing key without certificate", []string{"--rights-signing-key", "k.pem"}, "rights-signing-cert and rights-signing-key"},
		{"production login without bundle", productionArgs("--base-url", "https://hall.example.gov.cn", "--ca-login-addr", ":8443"), "production CA login needs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, nil, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// TestCALoginURL: where the login page sends a browser for CA login, and --demo's
// listener.
func TestCALoginURL(t *testing.T) {
	c, err := parse(t, nil, "--base-url", "http://hall.example.gov.cn:8080", "--ca-login-addr", "0.0.0.0:8443")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CA.PublicLoginURL(c.BaseURL); got != "https://hall.example.gov.cn:8443" {
		t.Errorf("derived URL %q", got)
	}
	c, err = parse(t, nil, "--ca-login-addr", "10.0.0.5:8443", "--ca-login-url", "https://ca.hall.example.gov.cn/")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CA.PublicLoginURL(c.BaseURL); got != "https://ca.hall.example.gov.cn" {
		t.Errorf("configured URL %q", got)
	}
	if c, err = parse(t, nil); err != nil || c.CA.PublicLoginURL(c.BaseURL) != "" {
		t.Errorf("CA login off: %v %q", err, c.CA.PublicLoginURL(c.BaseURL))
	}
	if c, err = parse(t, nil, "--demo"); err != nil || c.CA.LoginAddr != DemoLoginAddr || !c.CA.LoginAddrDemo {
		t.Errorf("--demo: %v %+v", err, c.CA)
	}
}
