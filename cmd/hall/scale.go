package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"hall/internal/config"
	"hall/internal/scale"
)

// scalePassword is the password of every generated person and unit login (invented;
// passes the policy). Printed by the command: the data exist only for benchmarks.
// #nosec G101 -- the shared password of generated benchmark accounts, printed on purpose.
const scalePassword = "Scale#2026hall"

// errScaleProduction refuses `hall scale` outside development mode: ten million
// invented persons have no place in a production database.
var errScaleProduction = errors.New("hall scale: generated data only go into a development database (mode development)")

// cmdScale runs `hall scale [--persons N] [--units N] [--accounts FILE] [flags]`: it
// fills an empty database with generated persons, units, memberships and grants
// (internal/scale) and writes logins for `hall bench --accounts`.
func cmdScale(ctx context.Context, args []string, out io.Writer) error {
	cfg := config.Defaults()
	fs := flag.NewFlagSet("hall scale", flag.ContinueOnError)
	persons := fs.Int("persons", 10_000_000, "persons to generate (at least two and a half per unit, rounded up)")
	units := fs.Int("units", 1_000_000, "units to generate, each with a legal representative and an agent, every second one an administrator")
	accounts := fs.String("accounts", "", "CSV file of logins for 'hall bench --accounts' (default DATA-DIR/scale-accounts.csv)")
	logins := fs.Int("logins", 64, "unit logins and personal logins written to --accounts (each)")
	if err := config.Register(fs, &cfg, os.Getenv); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if !cfg.Dev() {
		return errScaleProduction
	}
	if *logins < 1 {
		return errors.New("hall scale: --logins must be at least 1")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *accounts == "" {
		*accounts = filepath.Join(cfg.DataDir, "scale-accounts.csv")
	}
	return runApp(ctx, cfg, func(a *app) error {
		hash, err := a.Hasher.Hash(ctx, scalePassword)
		if err != nil {
			return err
		}
		start := time.Now()
		plan := scale.Plan{Persons: *persons, Units: *units, PasswordHash: hash, Now: time.Now(),
			Progress: scaleProgress(out, start)}
		sum, err := scale.Fill(ctx, a.DB, plan)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(*accounts, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		if err := scale.WriteAccounts(f, plan, *logins, scalePassword); err != nil {
			_ = f.Close() // the write's error is the one to report
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(out, "scale: %d persons, %d units, %d memberships, %d grants in %s; every login's password is %s; logins for hall bench --accounts in %s\n",
			sum.Persons, sum.Units, sum.Memberships, sum.Grants, time.Since(start).Round(time.Second), scalePassword, *accounts)
		return nil
	})
}

// scaleProgress prints a line at each tenth of a table and at its end, with the rate
// since the start.
func scaleProgress(out io.Writer, start time.Time) func(table string, done, total int) {
	shown := map[string]int{}
	return func(table string, done, total int) {
		tenth := done * 10 / total
		if tenth == shown[table] && done != total {
			return
		}
		shown[table] = tenth
		fmt.Fprintf(out, "scale: %s %d / %d (%d%%), %s\n", table, done, total, done*100/total, time.Since(start).Round(time.Second))
	}
}
