package browsertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// A browser of its own, for the rare test that needs what the shared one cannot
// give: a client certificate that the browser presents to a site in the TLS
// handshake (CA login, SPEC L3), as a clerk's browser with the unit's
// certificate installed does.
//
// Chromium on Linux keeps its certificates in the NSS database under
// $HOME/.pki/nssdb, whatever its user data directory, so the browser gets a HOME
// of its own with a database made by NSS's own tools (Debian's libnss3-tools:
// certutil and pk12util). It chooses the certificate without a dialog when the
// content setting auto_select_certificate (the setting behind the policy
// AutoSelectCertificateForUrls) names the site: the profile's preferences say so
// before the start, with no policy file under /etc. That setting lives in the
// profile and incognito contexts do not inherit it, which is why the pages of such
// a browser open in the profile's own browser context.

// LaunchOption sets up a browser of its own ([Launch]).
type LaunchOption func(*launchConfig)

// launchConfig is what a browser needs beyond the shared one's flags.
type launchConfig struct {
	home  string   // HOME of the browser, with its NSS database
	roots []string // PEM files of CA certificates trusted for servers
	certs []clientCertificate
	prefs map[string]any // the profile's Default/Preferences, when not nil
}

// clientCertificate is a PKCS#12 file presented to the sites of origin.
type clientCertificate struct {
	origin, p12File, password string
}

// TrustRoot makes the browser trust the CA certificate in the PEM file pemFile
// for the certificates of servers, as an administrator who installs a CA does.
func TrustRoot(pemFile string) LaunchOption {
	return func(c *launchConfig) { c.roots = append(c.roots, pemFile) }
}

// ClientCertificate installs the key and certificate of the PKCS#12 file p12File
// (protected by password) and has the browser present it, without asking, when a
// server of origin (such as "https://127.0.0.1:8443") asks for a client
// certificate.
func ClientCertificate(origin, p12File, password string) LaunchOption {
	return func(c *launchConfig) {
		c.certs = append(c.certs, clientCertificate{origin: origin, p12File: p12File, password: password})
	}
}

// Launch starts a Chromium of its own for t, set up by opts, and stops it at the
// cleanup of t. Its pages share the profile's cookies (each [Browser.NewPage]
// opens a tab in the profile's browser context), so a test that needs a clean
// browser launches another. Like [New], it skips the test when Chromium or, for a
// certificate, NSS's certutil and pk12util are missing, and fails it when CI is
// set.
func Launch(t testing.TB, opts ...LaunchOption) *Browser {
	t.Helper()
	var cfg launchConfig
	for _, o := range opts {
		o(&cfg)
	}
	path := ExecPath()
	if path == "" {
		missing(t, "Chromium not found at /usr/bin/chromium or $CHROMIUM_PATH; install the Debian package chromium (scripts/test does)")
	}
	if len(cfg.roots)+len(cfg.certs) > 0 {
		for _, tool := range []string{"certutil", "pk12util"} {
			if _, err := exec.LookPath(tool); err != nil {
				missing(t, tool+" not found; install the Debian package libnss3-tools (scripts/test does)")
			}
		}
		home, err := os.MkdirTemp("", profilePrefix+strconv.Itoa(os.Getpid())+"-home-")
		if err != nil {
			t.Fatal(err)
		}
		cfg.home = home
		if err := cfg.makeNSSDatabase(); err != nil {
			_ = os.RemoveAll(home) // best-effort cleanup of the browser's own home
			t.Fatalf("browsertest: %v", err)
		}
		cfg.prefs = cfg.autoSelectPreferences()
	}
	inst, err := launch(path, cfg)
	if err != nil {
		if cfg.home != "" {
			_ = os.RemoveAll(cfg.home) // best-effort cleanup of the browser's own home
		}
		t.Fatalf("browsertest: starting Chromium (%s): %v", path, err)
	}
	b := &Browser{inst: inst, own: true}
	t.Cleanup(func() {
		b.closePages()
		inst.stop()
	})
	return b
}

// missing skips t for a missing tool, or fails it when CI is set.
func missing(t testing.TB, msg string) {
	t.Helper()
	if inCI() {
		t.Fatal("browsertest: " + msg + " [CI is set, so a missing tool is a failure]")
	}
	t.Skip("browsertest: " + msg + " [skipping the browser test]")
}

// makeNSSDatabase makes $HOME/.pki/nssdb with no password, trusting the roots
// and holding the client certificates.
func (c *launchConfig) makeNSSDatabase() error {
	db := filepath.Join(c.home, ".pki", "nssdb")
	if err := os.MkdirAll(db, 0o700); err != nil {
		return err
	}
	dir := "sql:" + db
	if err := nss("certutil", "-N", "-d", dir, "--empty-password"); err != nil {
		return err
	}
	for i, root := range c.roots {
		// C: a CA trusted to issue the certificates of servers.
		if err := nss("certutil", "-A", "-d", dir, "-n", fmt.Sprintf("root-%d", i), "-t", "C,,", "-i", root); err != nil {
			return err
		}
	}
	for _, cert := range c.certs {
		if err := nss("pk12util", "-d", dir, "-i", cert.p12File, "-W", cert.password); err != nil {
			return err
		}
	}
	return nil
}

// nss runs one of NSS's tools; its output is the error when it fails.
func nss(tool string, args ...string) error {
	var out bytes.Buffer
	cmd := exec.Command(tool, args...) // #nosec G204 -- a fixed NSS tool with the test's own files
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %v: %w\n%s", tool, args, err, out.String())
	}
	return nil
}

// autoSelectPreferences are the profile's preferences that have the browser
// present a certificate to each origin that has one: the content setting behind
// the policy AutoSelectCertificateForUrls, whose empty filter matches any
// certificate.
func (c *launchConfig) autoSelectPreferences() map[string]any {
	exceptions := map[string]any{}
	for _, cert := range c.certs {
		exceptions[cert.origin+",*"] = map[string]any{
			"setting": map[string]any{"filters": []any{map[string]any{}}},
		}
	}
	return map[string]any{"profile": map[string]any{"content_settings": map[string]any{
		"exceptions": map[string]any{"auto_select_certificate": exceptions},
	}}}
}

// prepare writes the profile's preferences into the user data directory dir.
func (c *launchConfig) prepare(dir string) error {
	if c.prefs == nil {
		return nil
	}
	data, err := json.Marshal(c.prefs)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "Default"), 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "Default", "Preferences"), data, 0o600)
}
