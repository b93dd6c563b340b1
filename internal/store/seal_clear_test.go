package store

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"hall/internal/sealed"
)

// TestSealClearAcrossBatches: the Go half of a sealing migration seals every row,
// across several batches, with integer keys past 9 (compared as numbers, not text)
// and with text keys, each value bound to its table, column and row, and each index
// the blind index of the clear value; without keys, a table with rows is refused.
func TestSealClearAcrossBatches(t *testing.T) {
	defer func(n int) { sealBatch = n }(sealBatch)
	sealBatch = 3
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "hall.db"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	for _, q := range []string{
		`CREATE TABLE numbered (id INTEGER PRIMARY KEY, clear_mobile TEXT, mobile BLOB, mobile_index BLOB)`,
		`CREATE TABLE named (code TEXT PRIMARY KEY, clear_name TEXT, name BLOB)`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	mobile := func(i int) string { return "139" + strconv.Itoa(10000000+i) }
	for i := 1; i <= 11; i++ {
		if _, err := db.Exec(ctx, `INSERT INTO numbered (id, clear_mobile) VALUES (?, ?)`, i, mobile(i)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO named (code, clear_name) VALUES (?, ?)`, "c"+strconv.Itoa(i), "名"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	numbered := sealClear(SealedTable{Table: "numbered", Key: "id", IntegerKey: true,
		Columns: []SealedColumn{{Name: "mobile", IndexKind: sealed.KindMobile}}})
	named := sealClear(SealedTable{Table: "named", Key: "code", Columns: []SealedColumn{{Name: "name"}}})
	seal := func(fn func(context.Context, *Tx) error) error {
		return db.Tx(ctx, func(tx *Tx) error { return fn(ctx, tx) })
	}
	if err := seal(numbered); err == nil {
		t.Fatal("sealed without keys")
	}
	keys, err := sealed.NewKeys(sealed.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	db.UseKeys(keys)
	if err := seal(numbered); err != nil {
		t.Fatal(err)
	}
	if err := seal(named); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 11; i++ {
		var value, index []byte
		if err := db.QueryRow(ctx, `SELECT mobile, mobile_index FROM numbered WHERE id = ?`, i).Scan(&value, &index); err != nil {
			t.Fatal(err)
		}
		got, err := keys.OpenString(sealed.RowPlace("numbered", "mobile", int64(i)), value)
		if err != nil || got != mobile(i) || !bytes.Equal(index, keys.Index(sealed.KindMobile, mobile(i))) {
			t.Errorf("row %d: %q, %v; index matches %v", i, got, err, bytes.Equal(index, keys.Index(sealed.KindMobile, mobile(i))))
		}
		code := "c" + strconv.Itoa(i)
		if err := db.QueryRow(ctx, `SELECT name FROM named WHERE code = ?`, code).Scan(&value); err != nil {
			t.Fatal(err)
		}
		if got, err := keys.OpenString(sealed.Place{Table: "named", Column: "name", Row: code}, value); err != nil || got != "名"+strconv.Itoa(i) {
			t.Errorf("named %s: %q, %v", code, got, err)
		}
	}
}
