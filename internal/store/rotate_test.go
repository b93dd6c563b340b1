package store

import (
	"context"
	"path/filepath"
	"testing"

	"hall/internal/sealed"
)

// TestRotateRowNeverOverwritesAChange: a row the hall changed between the
// rotation's read and its write is read again, not overwritten — changed under the
// new key it is left as the hall wrote it; changed under the old key it is re-sealed
// from its new value.
func TestRotateRowNeverOverwritesAChange(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "hall.db"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if _, err := db.Exec(ctx, `CREATE TABLE numbered (id INTEGER PRIMARY KEY, mobile BLOB NOT NULL, mobile_index BLOB NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	table := SealedTable{Table: "numbered", Key: "id", IntegerKey: true,
		Columns: []SealedColumn{{Name: "mobile", IndexKind: sealed.KindMobile}}}
	oldKey, newKey := sealed.NewKey(), sealed.NewKey()
	old, err := sealed.NewKeys(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	rotating, err := sealed.NewKeys(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	place := sealed.RowPlace("numbered", "mobile", 1)
	write := func(keys *sealed.Keys, mobile string) {
		t.Helper()
		if _, err := db.Exec(ctx, `INSERT INTO numbered (id, mobile, mobile_index) VALUES (1, ?, ?)
			ON CONFLICT (id) DO UPDATE SET mobile = excluded.mobile, mobile_index = excluded.mobile_index`,
			keys.SealString(place, mobile), keys.Index(sealed.KindMobile, mobile)); err != nil {
			t.Fatal(err)
		}
	}
	read := func() rotationRow {
		t.Helper()
		rows, err := db.readRotationRows(ctx, `SELECT id, mobile FROM numbered WHERE id = 1`, 1)
		if err != nil || len(rows) != 1 {
			t.Fatalf("read: %v, %v", rows, err)
		}
		return rows[0]
	}
	stored := func() string {
		t.Helper()
		r := read()
		if rotating.NeedsResealing(r.values[0]) {
			t.Error("the row is still under the old key")
		}
		m, err := rotating.OpenString(place, r.values[0])
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	// Changed under the new key meanwhile: left as the hall wrote it.
	write(old, "13900000001")
	stale := read()
	write(rotating, "13900000002")
	done, err := db.rotateRow(ctx, rotating, table, "id, mobile", stale)
	if err != nil || done || stored() != "13900000002" {
		t.Errorf("a row changed under the new key: wrote %v, %v; want it left alone", done, err)
	}

	// Changed under the old key meanwhile (an instance not yet restarted): re-sealed
	// from the new value, not from the one read first.
	write(old, "13900000003")
	stale = read()
	write(old, "13900000004")
	done, err = db.rotateRow(ctx, rotating, table, "id, mobile", stale)
	if err != nil || !done || stored() != "13900000004" {
		t.Errorf("a row changed under the old key: wrote %v, %v; want the new value re-sealed", done, err)
	}
}
