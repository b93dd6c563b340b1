package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

func openTestSQLite(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, "", filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Exec(ctx, `CREATE TABLE n (i INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if _, err := db.Exec(ctx, `INSERT INTO n (i) VALUES (?)`, i); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func sumOf(t *testing.T, db *DB, q string, args ...any) int {
	t.Helper()
	rows, err := db.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	sum := 0
	for rows.Next() {
		var i int
		if err := rows.Scan(&i); err != nil {
			t.Fatal(err)
		}
		sum += i
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestPreparedReads: the read pool's statement cache answers as unprepared queries do,
// keeps one statement per query text, stays within its bound, and a statement it forgets
// while rows are open still delivers them.
func TestPreparedReads(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		run  func(t *testing.T, db *DB)
	}{
		{"repeated query uses one statement and the arguments of each call", func(t *testing.T, db *DB) {
			for i := 1; i <= 5; i++ {
				if got := sumOf(t, db, `SELECT i FROM n WHERE i <= ?`, i); got != i*(i+1)/2 {
					t.Fatalf("sum up to %d = %d", i, got)
				}
			}
			if got := db.reads.recent.Len(); got != 1 {
				t.Fatalf("cached statements = %d, want 1", got)
			}
		}},
		{"no row is ErrNoRows", func(t *testing.T, db *DB) {
			var i int
			err := db.QueryRow(ctx, `SELECT i FROM n WHERE i = ?`, 99).Scan(&i)
			if NotFound(err) != ErrNotFound {
				t.Fatalf("err = %v, want not found", err)
			}
		}},
		{"a query that cannot be prepared reports its error and is not cached", func(t *testing.T, db *DB) {
			if _, err := db.Query(ctx, `SELECT i FROM missing`); err == nil {
				t.Fatal("query of a missing table succeeded")
			}
			var i int
			if err := db.QueryRow(ctx, `SELECT nope FROM n`).Scan(&i); err == nil {
				t.Fatal("query of a missing column succeeded")
			}
			if got := db.reads.recent.Len(); got != 0 {
				t.Fatalf("cached statements = %d, want 0", got)
			}
		}},
		{"nested queries of the same text on the pool", func(t *testing.T, db *DB) {
			rows, err := db.Query(ctx, `SELECT i FROM n ORDER BY i`)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = rows.Close() }()
			outer := 0
			for rows.Next() {
				var i int
				if err := rows.Scan(&i); err != nil {
					t.Fatal(err)
				}
				outer += i
				if got := sumOf(t, db, `SELECT i FROM n ORDER BY i`); got != 15 {
					t.Fatalf("inner sum = %d", got)
				}
			}
			if err := rows.Err(); err != nil || outer != 15 {
				t.Fatalf("outer sum = %d, err %v", outer, err)
			}
		}},
		{"the bound forgets the least recently used, open rows survive", func(t *testing.T, db *DB) {
			db.reads.max = 2
			first, err := db.Query(ctx, `SELECT i FROM n ORDER BY i`)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = first.Close() }()
			for k := 0; k < 4; k++ {
				if got := sumOf(t, db, fmt.Sprintf(`SELECT i + %d FROM n WHERE i = 1`, k)); got != 1+k {
					t.Fatalf("query %d = %d", k, got)
				}
			}
			if got := db.reads.recent.Len(); got != 2 {
				t.Fatalf("cached statements = %d, want 2", got)
			}
			if _, ok := db.reads.byQuery[`SELECT i FROM n ORDER BY i`]; ok {
				t.Fatal("least recently used statement still cached")
			}
			sum := 0
			for first.Next() {
				var i int
				if err := first.Scan(&i); err != nil {
					t.Fatal(err)
				}
				sum += i
			}
			if err := first.Err(); err != nil || sum != 15 {
				t.Fatalf("rows of a forgotten statement: sum %d, err %v", sum, err)
			}
		}},
		{"a write is seen by the next prepared read", func(t *testing.T, db *DB) {
			if got := sumOf(t, db, `SELECT i FROM n`); got != 15 {
				t.Fatalf("sum = %d", got)
			}
			if _, err := db.Exec(ctx, `INSERT INTO n (i) VALUES (10)`); err != nil {
				t.Fatal(err)
			}
			if got := sumOf(t, db, `SELECT i FROM n`); got != 25 {
				t.Fatalf("sum after insert = %d, want 25", got)
			}
		}},
		{"concurrent callers under a small bound", func(t *testing.T, db *DB) {
			db.reads.max = 3
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					for k := 0; k < 50; k++ {
						want := (g+k)%6 + 1
						var got int
						q := fmt.Sprintf(`SELECT i + %d FROM n WHERE i = ?`, want)
						if err := db.QueryRow(ctx, q, 1).Scan(&got); err != nil || got != want+1 {
							errs <- fmt.Errorf("%s: %d, %v", q, got, err)
							return
						}
					}
				}(g)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if got := db.reads.recent.Len(); got > 3 {
				t.Fatalf("cached statements = %d, bound 3", got)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, openTestSQLite(t)) })
	}
}
