package storetest

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"hall/internal/ident"
	"hall/internal/store"
)

// RawRows runs query and returns each row's columns as the database gives them,
// text and bytes alike, joined by '|' into one string per row: what `select *`
// shows, for the tests that no clear personal value is kept in a table.
func RawRows(t testing.TB, db *store.DB, query string, args ...any) []string {
	t.Helper()
	var out []string
	for _, row := range rawCells(t, db, query, args...) {
		var b bytes.Buffer
		for _, c := range row {
			b.Write(c.value)
			b.WriteByte('|')
		}
		out = append(out, b.String())
	}
	return out
}

// HoldsNone fails t, naming the table and column, for each of values that a column
// of a row of table holds as the database gives it (`select *`, text and bytes
// alike): the test that no clear personal value is kept there. The values are
// masked in the failure, as in a log. It fails too when the table has no row, since
// then it shows nothing; an empty value is skipped, as every column holds it.
func HoldsNone(t testing.TB, db *store.DB, table string, values ...string) {
	t.Helper()
	rows := rawCells(t, db, "SELECT * FROM "+table) // #nosec G202 -- table is a test's constant
	if len(rows) == 0 {
		t.Fatalf("%s has no row: holding no clear value shows nothing", table)
	}
	for i, row := range rows {
		for _, c := range row {
			for _, v := range values {
				if v != "" && bytes.Contains(c.value, []byte(v)) {
					t.Errorf("%s.%s of row %d holds %q in clear", table, c.column, i+1, ident.MaskText(v))
				}
			}
		}
	}
}

// rawCell is a column of a row as the database gives it.
type rawCell struct {
	column string
	value  []byte // nil for a column neither text nor bytes (a number, a time, NULL)
}

// rawCells runs query and returns each row's columns.
func rawCells(t testing.TB, db *store.DB, query string, args ...any) [][]rawCell {
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
	var out [][]rawCell
	for rows.Next() {
		values := make([]any, len(columns))
		pointers := make([]any, len(columns))
		for i := range values {
			pointers[i] = &values[i]
		}
		if err := rows.Scan(pointers...); err != nil {
			t.Fatal(err)
		}
		row := make([]rawCell, len(columns))
		for i, v := range values {
			row[i].column = columns[i]
			switch v := v.(type) {
			case []byte:
				row[i].value = v
			case string:
				row[i].value = []byte(v)
			}
		}
		out = append(out, row)
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
