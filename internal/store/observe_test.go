package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestObserveQueries: the observer sees the queries of the DB and of its
// transactions, as written and with their arguments, and nothing once it is
// removed.
func TestObserveQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		var seen []string
		var args [][]any
		db.ObserveQueries(func(q string, a []any) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, q)
			args = append(args, a)
		})
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM persons WHERE id > ?`, 0).Scan(&n); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(ctx, `SELECT id FROM units WHERE id = ?`, 7)
		if err != nil {
			t.Fatal(err)
		}
		_ = rows.Close() // only the query's being seen matters
		if _, err := db.Exec(ctx, `DELETE FROM throttle_counters WHERE scope = ?`, "none"); err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `DELETE FROM throttle_counters WHERE key = ?`, "none"); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM units`).Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		db.ObserveQueries(nil)
		if err := db.QueryRow(ctx, `SELECT 1`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		want := []string{`SELECT COUNT(*) FROM persons WHERE id > ?`, `SELECT id FROM units WHERE id = ?`,
			`DELETE FROM throttle_counters WHERE scope = ?`, `DELETE FROM throttle_counters WHERE key = ?`, `SELECT COUNT(*) FROM units`}
		if !slices.Equal(seen, want) {
			t.Fatalf("observed %q, want %q", seen, want)
		}
		if len(args[1]) != 1 || args[1][0] != 7 || len(args[4]) != 0 {
			t.Errorf("arguments observed: %v", args)
		}
	})
}
