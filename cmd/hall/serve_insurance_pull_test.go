package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestServeInsurancePull: two `hall serve` processes on one database, started
// together with --insurance-url, pull the core system's export once between them:
// the one holding the lease loads the file, the other's tick finds the lease held
// and asks nothing; the run is audited, and both stop cleanly on SIGTERM.
func TestServeInsurancePull(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dataDir := t.TempDir()
			dbURL := "sqlite:" + filepath.Join(dataDir, "hall.db")
			if engine == "postgres" {
				dbURL = storetest.PostgresURL(t)
			}
			if err := run(ctx, append([]string{"migrate", "--database-url", dbURL, "--data-dir", dataDir, "--log-level", "warn"}, twoInstanceKeys...)); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			db, err := store.Open(ctx, dbURL, "")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			count := func(q string) int {
				t.Helper()
				var n int
				if err := db.QueryRow(ctx, q).Scan(&n); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				return n
			}

			// Every request waits until the gate opens, so the first run is still going
			// when the other process ticks.
			gate := make(chan struct{})
			exportURL, asked := coreExport(t, "serve-test-key", gate)
			opened := false
			t.Cleanup(func() {
				if !opened {
					close(gate)
				}
			})

			pull := []string{"--insurance-url", exportURL, "--insurance-api-key", "serve-test-key", "--insurance-pull-every", "1h"}
			a, b := startInstance(t, "A", dbURL, dataDir, pull...), startInstance(t, "B", dbURL, dataDir, pull...)
			a.waitReady(t)
			b.waitReady(t)
			a.waitFor(t, "one process pulling, the other skipping", 30*time.Second, func() bool {
				skipped := strings.Count(a.log.String()+b.log.String(), "another process is pulling")
				return asked.Load() == 1 && skipped == 1
			})
			close(gate)
			opened = true
			a.waitFor(t, "the pulled row", 30*time.Second, func() bool {
				return count(`SELECT COUNT(*) FROM insurance_employees`) == 1 &&
					count(`SELECT COUNT(*) FROM audit_log WHERE action = 'insurance.pull'`) == 1
			})
			// Nine files asked for once each: one run between the two processes.
			if n := asked.Load(); n != 9 {
				t.Errorf("%d requests to the core system, want one run's 9", n)
			}
			if n := count(`SELECT COUNT(*) FROM audit_log WHERE action = 'insurance.pull' AND result = 'success'`); n != 1 {
				t.Errorf("%d successful pull records, want 1", n)
			}
			// The process that pulled keeps the lease until its next pull is due (an
			// hour), so the other asks nothing in between.
			var kept int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM insurance_pull_lease WHERE expires_at > ?`,
				store.Time(time.Now().Add(50*time.Minute))).Scan(&kept); err != nil || kept != 1 {
				t.Errorf("after the run the lease is not kept until the next pull is due: %d, %v", kept, err)
			}
		})
	}
}
