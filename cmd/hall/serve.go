package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"hall/internal/delegation"
	"hall/internal/delivery"
	"hall/internal/demo"
	"hall/internal/insurance"
	"hall/internal/registrysync"
	"hall/internal/web/site"
)

func cmdServe(ctx context.Context, args []string) error {
	cfg, err := parseConfig("serve", args)
	if err != nil {
		return err
	}
	log := newLogger(cfg)
	if !cfg.Dev() {
		log.Info("production mode: development adapters are disabled")
	}
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()

	srv, err := site.New(a.Services)
	if err != nil {
		return err
	}
	// Opened before any request is served: a busy demo port turns CA login off.
	caLogin, err := listenCALogin(a, log)
	if err != nil {
		return err
	}
	if caLogin != nil {
		defer caLogin.listener.Close()
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	// Shutdown does not see a 扫码登录 page's long poll once its connection is
	// detached; once the listener is closed each such wait answers with its ticket
	// as last read, so the page polls again elsewhere instead of getting a reset.
	hs.RegisterOnShutdown(a.Services.QRLogin.EndWaits)
	serveErr := make(chan error, 3)
	go func() { serveErr <- hs.Serve(ln) }()
	// The operations listener (/metrics) is a server of its own, so that nothing on
	// the public address reaches it.
	if cfg.AdminAddr != "" {
		aln, err := net.Listen("tcp", cfg.AdminAddr)
		if err != nil {
			_ = hs.Close()
			return fmt.Errorf("admin-addr: %w", err)
		}
		admin := &http.Server{Handler: srv.AdminHandler(), ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		go func() { serveErr <- admin.Serve(aln) }()
		// Metrics are scraped, not waited for: closing at return is enough.
		defer admin.Close()
		log.Info("operations endpoints serving", "url", "http://"+aln.Addr().String()+"/metrics")
	}

	if caLogin != nil {
		csrv := &http.Server{Handler: srv.CertificateHandler(), TLSConfig: caLogin.tls, ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 30 * time.Second}
		go func() { serveErr <- csrv.ServeTLS(caLogin.listener, "", "") }()
		defer csrv.Close()
		log.Info("CA-login listener serving", "url", a.Services.CALoginURL())
	}

	if dev := a.Services.DevOIDC; dev != nil {
		// The development OpenID Connect provider stands for an outside system, so it
		// has a listener of its own. A busy port only costs the SSO demo: the login
		// through it then says the provider cannot be reached.
		if oln, err := net.Listen("tcp", cfg.OIDCDevAddr); err != nil {
			log.Warn("development OIDC provider not started", "addr", cfg.OIDCDevAddr, "err", err)
		} else {
			osrv := &http.Server{Handler: dev.Handler(), ReadHeaderTimeout: 10 * time.Second,
				ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
			go func() { _ = osrv.Serve(oln) }()
			defer osrv.Close()
			log.Info("development OIDC provider serving (开发环境)", "url", "http://"+oln.Addr().String())
		}
	}

	if cfg.Demo {
		sum, err := demo.LoadNow(ctx, a.deps())
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		logDemo(log, sum)
	}
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go sweepLoop(sweepCtx, a.Services, log, sweepInterval)
	// Invitation expiry, reminders and undelivered invitation texts (U6); every serve
	// process runs one and they share the work through the database.
	go func() { _ = delegation.NewRunner(a.Services.Delegation, log).Run(sweepCtx) }()
	// CRLs of CA login, read at once and then on their schedule.
	if a.CA != nil {
		go func() { _ = a.CA.Run(sweepCtx) }()
	}
	// The audit chain's head, signed, in a file outside the database (docs/audit.md);
	// the deferred stop writes the last one after the HTTP server has drained.
	defer startAnchors(ctx, a.Services, log, cfg.AuditAnchorEvery)()
	// Changes from the registry (B5): legal-rep changes, renames, cancellations.
	if a.Services.RegistrySync != nil {
		go registrysync.NewRunner(a.Services.RegistrySync, registrySyncInterval, log).Run(sweepCtx)
	}
	// The insurance read model from the core system, when insurance-url is set: every
	// serve process ticks, the one holding the lease pulls. Shutdown cancels a run
	// and waits for it (the file being loaded rolls back) before the database closes.
	if cfg.InsuranceURL != "" {
		src, err := insurance.NewHTTPSource(cfg.InsuranceURL, cfg.InsuranceAPIKey, nil)
		if err != nil {
			return fmt.Errorf("insurance-url: %w", err)
		}
		p := &insurance.Puller{Importer: &insurance.Importer{DB: a.DB, Now: a.Now}, Source: src, Audit: a.Services.Audit, Log: log}
		pulled := make(chan struct{})
		go func() {
			defer close(pulled)
			p.Run(sweepCtx, cfg.InsurancePullEvery)
		}()
		defer func() {
			stopSweep()
			<-pulled
		}()
		log.Info("insurance pull scheduled", "url", src.String(), "every", cfg.InsurancePullEvery)
	}
	// 单位快递 (U5): waybills the carrier did not give yet, and the open deliveries'
	// new events; every serve process polls and they share the work through the
	// database.
	go delivery.NewRunner(a.Services.Deliveries, cfg.DeliveryPollEvery, log).Run(sweepCtx)
	srv.SetReady()
	if cfg.Demo {
		// The sets no sign-in needs load after the hall is ready; shutdown cancels
		// the load (its transaction rolls back, the next start loads it again) and
		// waits for it before the database closes.
		laterCtx, cancelLater := context.WithCancel(ctx)
		later := make(chan struct{})
		defer func() { <-later }()
		defer cancelLater()
		go func() {
			defer close(later)
			sum, err := demo.LoadLater(laterCtx, a.deps())
			switch {
			case err != nil && laterCtx.Err() == nil:
				log.Error("demo data loaded after start", "err", err)
			case len(sum.Loaded) > 0:
				log.Info("demo data loaded after start", "sets", sum.Loaded)
			}
		}()
	}
	url := "http://" + ln.Addr().String()
	log.Info("hall is serving", "url", url, "database", a.DB.Engine, "where", a.DB.Where, "mode", cfg.Mode)
	fmt.Printf("网上办事服务大厅 serving at %s\n", url)

	select {
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	// Drain: readyz turns 503 first so a load balancer stops sending, then in-flight
	// requests get ShutdownTimeout to finish.
	srv.Drain()
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = hs.Shutdown(sctx)
	// The detached waits' answers are written before the database closes (one may
	// be reading its ticket).
	if werr := a.Services.QRLogin.WaitsEnded(sctx); werr != nil && err == nil {
		err = fmt.Errorf("qr login waits: %w", werr)
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
