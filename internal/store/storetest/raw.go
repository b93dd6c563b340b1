package storetest

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"hall/internal/store"
)

// RawRows runs query and returns each row's columns as the database gives them,
// text and bytes alike, joined by '|' into one string per row: what `select *`
// shows, for the tests that no clear personal value is kept in a table.
func RawRows(t testing.TB, db *store.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		values := make([]any, len(columns))
		pointers := make([]any, len(columns))
		for i := range values {
			pointers[i] = &values[i]
		}
		if err := rows.Scan(pointers...); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		for _, v := range values {
			switch v := v.(type) {
			case []byte:
				b.Write(v)
			case string:
				b.WriteString(v)
			}
			b.WriteByte('|')
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Unmigrated opens a new, empty database of the engine — not migrated, without
// keys — for a test of what a migration does to the data an earlier schema held
// (store.DB.MigrateTo). The PostgreSQL one is PostgresURL's; both close at the end
// of the test.
func Unmigrated(t testing.TB, engine store.Engine) *store.DB {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "hall.db")
	if engine == store.Postgres {
		dsn = PostgresURL(t)
	}
	db, err := store.Open(context.Background(), dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() }) // test cleanup; a close error changes no result
	return db
}

// VersionBefore is the highest migration of engine numbered below version: the
// schema a test of migration version starts from (store.DB.MigrateTo), whatever
// migrations were added before it meanwhile.
func VersionBefore(t testing.TB, engine store.Engine, version int) int {
	t.Helper()
	ms, err := store.Migrations(engine)
	if err != nil {
		t.Fatal(err)
	}
	last := 0
	for _, m := range ms {
		if m.Version < version {
			last = m.Version
		}
	}
	return last
}
