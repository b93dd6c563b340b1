package ca

import (
	"crypto/tls"
	"strings"
	"time"
)

// renewBefore is how long before its end a development certificate is replaced
// by the Ensure functions.
const renewBefore = 30 * 24 * time.Hour

// reuse returns the result of load for the newest certificate of kind named name
// that is unrevoked, valid for at least renewBefore more and whose files load.
func (d *DevCA) reuse(kind Kind, name string, load func(IndexEntry) error) (bool, error) {
	entries, err := d.Index()
	if err != nil {
		return false, err
	}
	now := d.now()
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Kind != kind || e.Name != strings.TrimSpace(name) || e.RevokedAt != nil ||
			e.NotAfter.Before(now.Add(renewBefore)) || e.CertFile == "" {
			continue
		}
		if load(e) == nil {
			return true, nil
		}
	}
	return false, nil
}

// EnsureSigning returns a development document-signing identity for name: the
// newest one issued for that name when it is unrevoked, valid for at least 30 more
// days and its files load; otherwise a new one issued into Paths().Issued. It is
// what a development hall uses for the rights record when no signing certificate
// is configured.
func (d *DevCA) EnsureSigning(name string) (*SigningIdentity, error) {
	var id *SigningIdentity
	ok, err := d.reuse(KindSigning, name, func(e IndexEntry) (err error) {
		id, err = LoadSigningIdentity(e.CertFile, e.KeyFile, d.now())
		return err
	})
	if err != nil || ok {
		return id, err
	}
	is, err := d.Issue(IssueRequest{Kind: KindSigning, Name: name, OutDir: d.paths.Issued})
	if err != nil {
		return nil, err
	}
	return LoadSigningIdentity(is.CertFile, is.KeyFile, d.now())
}

// EnsureServer returns a development TLS server certificate for hosts (the first
// is its name), reused as EnsureSigning does: the CA-login listener's certificate
// when none is configured. A browser trusts it once the development CA's
// certificate is imported as an authority.
func (d *DevCA) EnsureServer(hosts []string) (tls.Certificate, error) {
	if len(hosts) == 0 {
		return tls.Certificate{}, errNoHosts
	}
	var cert tls.Certificate
	ok, err := d.reuse(KindServer, hosts[0], func(e IndexEntry) (err error) {
		cert, err = tls.LoadX509KeyPair(e.CertFile, e.KeyFile)
		return err
	})
	if err != nil || ok {
		return cert, err
	}
	is, err := d.Issue(IssueRequest{Kind: KindServer, Hosts: hosts, OutDir: d.paths.Issued})
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.LoadX509KeyPair(is.CertFile, is.KeyFile)
}
