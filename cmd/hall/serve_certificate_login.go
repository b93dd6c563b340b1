package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
)

// caLoginListener is the open listener of CA login (SPEC L3) and its TLS
// configuration, which asks every browser for a client certificate: that is why
// it is a listener of its own, never the public one (docs/ca-login.md).
type caLoginListener struct {
	listener net.Listener
	tls      *tls.Config
}

// listenCALogin opens the CA-login listener when CA login is configured; nil when
// it is off. When the address is only --demo's default and the port is busy, CA
// login is turned off for this run (the login page then does not offer it)
// instead of stopping serve.
func listenCALogin(a *app, log *slog.Logger) (*caLoginListener, error) {
	svc := a.Services
	if svc.CertLogin == nil {
		return nil, nil
	}
	cfg, err := svc.CALoginTLSConfig()
	if err != nil {
		return nil, fmt.Errorf("ca-login: %w", err)
	}
	l, err := net.Listen("tcp", svc.Config.CA.LoginAddr)
	if err != nil && svc.Config.CA.LoginAddrDemo {
		log.Warn("CA login not started: the demo's listener address is busy", "addr", svc.Config.CA.LoginAddr, "err", err)
		svc.CertLogin = nil
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ca-login-addr: %w", err)
	}
	return &caLoginListener{listener: l, tls: cfg}, nil
}
