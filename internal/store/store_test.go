package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestMigrationsMatchAcrossEngines(t *testing.T) {
	lite, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %04d_%s, postgres %04d_%s", i, lite[i].Version, lite[i].Name, pg[i].Version, pg[i].Name)
		}
	}
}

func TestRebind(t *testing.T) {
	db := &store.DB{Engine: store.Postgres}
	cases := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"a = '?' AND b = ?", "a = '?' AND b = $1"},
		{`"we?ird" = ? OR c = 'it''s ?'`, `"we?ird" = $1 OR c = 'it''s ?'`},
	}
	for _, c := range cases {
		if got := db.Rebind(c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	lite := &store.DB{Engine: store.SQLite}
	if got := lite.Rebind("a = ?"); got != "a = ?" {
		t.Errorf("sqlite Rebind changed the query: %q", got)
	}
}

// TestContract is the storage contract every engine must meet.
func TestContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()

		t.Run("migrate is idempotent", func(t *testing.T) {
			applied, err := db.Migrate(ctx)
			if err != nil || len(applied) != 0 {
				t.Fatalf("second Migrate applied %v, err %v", applied, err)
			}
			v, err := db.SchemaVersion(ctx)
			if err != nil || v == 0 {
				t.Fatalf("SchemaVersion = %d, %v", v, err)
			}
		})

		if _, err := db.Exec(ctx, `CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL CHECK (v >= 0))`); err != nil {
			t.Fatal(err)
		}

		t.Run("rollback leaves nothing", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.Tx(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, "INSERT INTO kv (k, v) VALUES (?, ?)", "r", 1); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("Tx returned %v, want boom", err)
			}
			var n int
			if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM kv WHERE k = ?", "r").Scan(&n); err != nil || n != 0 {
				t.Fatalf("after rollback: n=%d err=%v", n, err)
			}
		})

		t.Run("not found and unique violation", func(t *testing.T) {
			var v int
			err := store.NotFound(db.QueryRow(ctx, "SELECT v FROM kv WHERE k = ?", "missing").Scan(&v))
			if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("missing row: %v, want ErrNotFound", err)
			}
			if _, err := db.Exec(ctx, "INSERT INTO kv (k, v) VALUES (?, ?)", "u", 1); err != nil {
				t.Fatal(err)
			}
			_, err = db.Exec(ctx, "INSERT INTO kv (k, v) VALUES (?, ?)", "u", 2)
			if !store.IsUniqueViolation(err) || !store.IsConstraintViolation(err) {
				t.Fatalf("duplicate key: %v; IsUniqueViolation=%v", err, store.IsUniqueViolation(err))
			}
			_, err = db.Exec(ctx, "INSERT INTO kv (k, v) VALUES (?, ?)", "neg", -1)
			if store.IsUniqueViolation(err) || !store.IsConstraintViolation(err) {
				t.Fatalf("check violation: %v", err)
			}
		})

		t.Run("concurrent increments are serialized", func(t *testing.T) {
			if _, err := db.Exec(ctx, "INSERT INTO kv (k, v) VALUES (?, ?)", "ctr", 0); err != nil {
				t.Fatal(err)
			}
			const workers, each = 8, 25
			var wg sync.WaitGroup
			errs := make(chan error, workers*each)
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; i++ {
						errs <- db.Tx(ctx, func(tx *store.Tx) error {
							// Read-then-write: on SQLite this needs BEGIN IMMEDIATE to avoid
							// lock-upgrade failures; on PostgreSQL FOR UPDATE.
							q := "SELECT v FROM kv WHERE k = ?"
							if tx.Engine() == store.Postgres {
								q += " FOR UPDATE"
							}
							var v int
							if err := tx.QueryRow(ctx, q, "ctr").Scan(&v); err != nil {
								return err
							}
							_, err := tx.Exec(ctx, "UPDATE kv SET v = ? WHERE k = ?", v+1, "ctr")
							return err
						})
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			var v int
			if err := db.QueryRow(ctx, "SELECT v FROM kv WHERE k = ?", "ctr").Scan(&v); err != nil || v != workers*each {
				t.Fatalf("counter = %d (err %v), want %d", v, err, workers*each)
			}
		})
	})
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	if _, err := store.Open(context.Background(), "mysql://x", ""); err == nil {
		t.Fatal("want an error for mysql://")
	}
}

func TestSQLiteReaderIsReadOnly(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "", filepath.Join(t.TempDir(), "d"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Query goes to the read pool: a write through it must fail (query_only).
	rows, err := db.Query(ctx, "INSERT INTO demo_loads (name, loaded_at) VALUES ('x', '2026-01-01') RETURNING name")
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if err == nil {
		t.Fatal("the read pool accepted a write")
	}
}

// TestSweepsUseIndexes: the retention sweeps' deletes find their rows through an
// index on both engines, not by reading the whole table (PostgreSQL is told to
// avoid sequential scans, which it would choose for the test's empty tables).
func TestSweepsUseIndexes(t *testing.T) {
	sweeps := []struct {
		query string
		index []string // every index the plan must name
	}{
		{"DELETE FROM sms_outbox WHERE created_at < ?", []string{"sms_outbox_created"}},
		{"DELETE FROM delegation_notices WHERE sent_at < ? OR failed_at < ?", []string{"delegation_notices_sent", "delegation_notices_failed"}},
		// cases.Service.SweepMaterials: the unfiled uploads past their retention,
		// then the rows the upload budget no longer counts.
		{"UPDATE material_uploads SET swept_at = ? WHERE filed_at IS NULL AND swept_at IS NULL AND uploaded_at <= ? " +
			"AND (held_until IS NULL OR held_until <= ?) RETURNING id", []string{"material_uploads_open"}},
		{"DELETE FROM material_uploads WHERE filed_at <= ? OR swept_at <= ?", []string{"material_uploads_filed", "material_uploads_swept"}},
		// rights.Service.SweepFiles: the records whose file is still kept, by the
		// end of their validity.
		{"UPDATE rights_records SET file_removed_at = ? WHERE file_removed_at IS NULL AND id IN (SELECT id FROM rights_records " +
			"WHERE file_removed_at IS NULL AND valid_until <= ? ORDER BY valid_until LIMIT 100) RETURNING id", []string{"rights_records_file_kept"}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, s := range sweeps {
			args := []any{}
			for range strings.Count(s.query, "?") {
				args = append(args, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			}
			var plan []string
			err := db.Tx(ctx, func(tx *store.Tx) error {
				explain := "EXPLAIN QUERY PLAN "
				if db.Engine == store.Postgres {
					explain = "EXPLAIN "
					if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
						return err
					}
				}
				rows, err := tx.Query(ctx, explain+s.query, args...)
				if err != nil {
					return err
				}
				defer rows.Close()
				cols, err := rows.Columns()
				if err != nil {
					return err
				}
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					if err := rows.Scan(ptrs...); err != nil {
						return err
					}
					plan = append(plan, fmt.Sprint(vals...))
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatalf("%s: %v", s.query, err)
			}
			joined := strings.Join(plan, "\n")
			for _, index := range s.index {
				if !strings.Contains(joined, index) {
					t.Errorf("%s: the plan does not use %s:\n%s", s.query, index, joined)
				}
			}
		}
	})
}
