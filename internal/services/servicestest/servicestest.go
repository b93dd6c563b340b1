// Package servicestest builds the hall's services for the tests of the packages
// built on them (法定代表人注册, 历史单位用户升级, 找回密码), as cmd/hall builds them:
// the default configuration, on the test's database and clock, so that those tests
// exercise the services the hall runs rather than a graph of their own.
package servicestest

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"hall/internal/config"
	"hall/internal/services"
	"hall/internal/store"
)

// Build returns the services on db with the clock now: the default configuration
// with a data directory of the test's own (not ./data in the source tree) and
// auditKey as the audit chain's key; the log is discarded.
func Build(t testing.TB, db *store.DB, auditKey string, now func() time.Time) *services.Services {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.AuditKey = auditKey
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	svc, err := services.Build(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)), now)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}
