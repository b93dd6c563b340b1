package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/config"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// anchorLines returns the anchors of the complete lines in the file at path (none
// if it is missing). The job writes while the test polls: the file may have been
// created and not yet written, so a line counts once its newline is there.
func anchorLines(t *testing.T, path string) []audit.Anchor {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	end := bytes.LastIndexByte(b, '\n')
	if end < 0 {
		return nil
	}
	var out []audit.Anchor
	for _, line := range strings.Split(string(b[:end]), "\n") {
		a, err := audit.ParseAnchor([]byte(line))
		if err != nil {
			t.Fatalf("anchor file line %q: %v", line, err)
		}
		out = append(out, a)
	}
	return out
}

func TestServeWritesAnchors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cfg := config.Defaults()
		cfg.DataDir = t.TempDir() // services keep the development CA there
		cfg.AuditKey = "test audit key for the anchor job"
		cfg.AuditAnchorFile = filepath.Join(cfg.DataDir, "audit-anchor.log")
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		svc, err := services.Build(cfg, db, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var logged bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logged, nil))
		record := func() {
			t.Helper()
			if _, err := svc.Audit.Record(ctx, audit.Entry{Action: "login.password", Result: audit.Failure}); err != nil {
				t.Fatal(err)
			}
		}
		waitFor := func(n int) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for len(anchorLines(t, cfg.AuditAnchorFile)) < n {
				if time.Now().After(deadline) {
					t.Fatalf("anchor file has %d lines after 10 s, want %d", len(anchorLines(t, cfg.AuditAnchorFile)), n)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}

		// The job anchors at once, then on its ticker when the head moved.
		record()
		stop := startAnchors(ctx, svc, log, 20*time.Millisecond)
		waitFor(1)
		record()
		waitFor(2)
		time.Sleep(60 * time.Millisecond) // ticks with an unmoved head add nothing
		stop()
		if got := anchorLines(t, cfg.AuditAnchorFile); len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 2 {
			t.Fatalf("anchors %+v, want seq 1 and 2", got)
		}

		// Stopping writes the last head even after the serving context ended (SIGTERM)
		// and long before the next tick.
		// (The anchor at start is awaited first, so that only the stop can write seq 4.)
		serveCtx, cancel := context.WithCancel(ctx)
		record()
		stop = startAnchors(serveCtx, svc, log, time.Hour)
		waitFor(3)
		record()
		cancel()
		stop()
		got := anchorLines(t, cfg.AuditAnchorFile)
		if len(got) != 4 || got[2].Seq != 3 || got[3].Seq != 4 {
			t.Fatalf("anchors %+v, want seq 3 at start and seq 4 at stop", got)
		}
		res, err := svc.Audit.VerifyAnchors(ctx, cfg.AuditAnchorFile)
		if err != nil || !res.OK || res.Anchors != 4 {
			t.Fatalf("VerifyAnchors = %+v, %v", res, err)
		}
		if strings.Contains(logged.String(), "level=ERROR") {
			t.Fatalf("errors logged:\n%s", logged.String())
		}
	})
}

// TestAuditVerifyFindsATruncatedChain runs `hall audit verify` on a hall whose audit
// log lost its newest rows, with audit_head moved back to match.
func TestAuditVerifyFindsATruncatedChain(t *testing.T) {
	engines := []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"sqlite", func(*testing.T) []string { return nil }},
		{"postgres", func(t *testing.T) []string { return []string{"--database-url", storetest.PostgresURL(t)} }},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			args := append([]string{"--data-dir", dir, "--log-level", "warn", "--audit-key", "test audit key"}, e.args(t)...)
			cfg, err := parseConfig("test", args)
			if err != nil {
				t.Fatal(err)
			}
			verify := func() error { return run(ctx, append([]string{"audit", "verify"}, args...)) }
			// No anchor file yet: the chain alone is checked, and that passes.
			if err := verify(); err != nil {
				t.Fatalf("audit verify without an anchor file: %v", err)
			}
			var thirdHash string
			if err := runApp(ctx, cfg, func(a *app) error {
				for i := range 5 {
					seq, err := a.Audit.Record(ctx, audit.Entry{Action: "login.password", Result: audit.Success})
					if err != nil {
						return err
					}
					if i == 2 {
						if err := a.DB.QueryRow(ctx, "SELECT hash FROM audit_log WHERE seq = ?", seq).Scan(&thirdHash); err != nil {
							return err
						}
					}
				}
				_, _, err := a.Audit.WriteAnchor(ctx, cfg.AuditAnchorFile)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if err := verify(); err != nil {
				t.Fatalf("audit verify on the intact chain: %v", err)
			}
			if err := runApp(ctx, cfg, func(a *app) error {
				var guards []string
				if a.DB.Engine == store.Postgres {
					guards = []string{"ALTER TABLE audit_log DISABLE TRIGGER USER", "ALTER TABLE audit_head DISABLE TRIGGER USER"}
				} else {
					for _, tr := range []string{"audit_log_no_update", "audit_log_no_delete", "audit_log_extends_head",
						"audit_head_advance", "audit_head_no_delete"} {
						guards = append(guards, "DROP TRIGGER "+tr)
					}
				}
				for _, q := range append(guards, "DELETE FROM audit_log WHERE seq > 3") {
					if _, err := a.DB.Exec(ctx, q); err != nil {
						return err
					}
				}
				_, err := a.DB.Exec(ctx, "UPDATE audit_head SET seq = 3, hash = ? WHERE id = 1", thirdHash)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			err = verify()
			if err == nil || !strings.Contains(err.Error(), string(audit.AnchorTruncated)) {
				t.Fatalf("audit verify on the truncated chain = %v, want %q", err, audit.AnchorTruncated)
			}
		})
	}
}
