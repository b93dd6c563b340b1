package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"hall/internal/config"
	"hall/internal/ident"
	"hall/internal/services"
	"hall/internal/store"
)

// parseConfig reads flags and the environment into a validated Config.
func parseConfig(name string, args []string) (config.Config, error) {
	cfg := config.Defaults()
	fs := flag.NewFlagSet("hall "+name, flag.ContinueOnError)
	if err := config.Register(fs, &cfg, os.Getenv); err != nil {
		return cfg, err
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, cfg.Validate()
}

func newLogger(cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	// Identifiers a person typed are masked in every line (ident.MaskText).
	if cfg.LogFormat == "json" {
		return slog.New(ident.NewMaskingHandler(slog.NewJSONHandler(os.Stderr, opts)))
	}
	return slog.New(ident.NewMaskingHandler(slog.NewTextHandler(os.Stderr, opts)))
}

// app is the wired domain: everything a subcommand needs.
type app struct {
	*services.Services
}

// openApp opens the database, applies migrations, seeds the built-in catalog and
// builds the domain services.
func openApp(ctx context.Context, cfg config.Config, log *slog.Logger) (*app, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	// The data key first: a migration may seal what was kept in clear before.
	keys, err := services.DataKeys(cfg, log)
	if err != nil {
		_ = db.Close() // start-up already failed; that error is the one returned
		return nil, fmt.Errorf("data key: %w", err)
	}
	db.UseKeys(keys)
	applied, err := db.Migrate(ctx)
	if err != nil {
		_ = db.Close() // start-up already failed; that error is the one returned
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("database migrated", "engine", db.Engine, "where", db.Where, "applied", applied)
	}
	svc, err := services.Build(cfg, db, log, nil)
	if err != nil {
		_ = db.Close() // start-up already failed; that error is the one returned
		return nil, err
	}
	// Scans and materials stored in clear by earlier versions are sealed where they
	// lie (scans.Store.SealClear: once, before anything is served).
	sealedFiles, err := svc.Scans.SealClear(ctx)
	if err != nil {
		_ = db.Close() // start-up already failed; that error is the one returned
		return nil, fmt.Errorf("seal stored scans: %w", err)
	}
	if sealedFiles > 0 {
		log.Info("stored scans sealed", "files", sealedFiles)
	}
	if err := svc.Catalog.Seed(ctx); err != nil {
		_ = db.Close() // start-up already failed; that error is the one returned
		return nil, fmt.Errorf("seed catalog: %w", err)
	}
	return &app{Services: svc}, nil
}

func (a *app) Close() error { return a.DB.Close() }

// withApp runs a subcommand that needs the app: it parses the flags and the
// environment (as parseConfig), opens the app and runs fn, closing the app after.
func withApp(ctx context.Context, name string, args []string, fn func(*app) error) error {
	cfg, err := parseConfig(name, args)
	if err != nil {
		return err
	}
	return runApp(ctx, cfg, fn)
}

// runApp opens the app for an already validated cfg, runs fn and closes the app.
func runApp(ctx context.Context, cfg config.Config, fn func(*app) error) error {
	a, err := openApp(ctx, cfg, newLogger(cfg))
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a)
}
