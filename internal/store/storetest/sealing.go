package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"hall/internal/store"
)

// EachBefore runs fn as two subtests, "sqlite" and "postgres", as Each does, each
// with a new database of its engine migrated to the last schema before migration
// sealing (VersionBefore) rather than to the latest: a test of what sealing's Go
// half does to the rows an earlier schema kept in clear writes those rows and hands
// the database to MigrateSealing. The database uses the tests' keys (Keys), for the
// tables that earlier migrations seal already. A failed migration fails the test;
// the PostgreSQL half is skipped as PostgresURL says.
func EachBefore(t *testing.T, sealing int, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) { fn(t, migratedBefore(t, engine, sealing)) })
	}
}

// migratedBefore opens a new database of the engine (Unmigrated) with the tests'
// keys and migrates it to the last schema before migration sealing.
func migratedBefore(t testing.TB, engine store.Engine, sealing int) *store.DB {
	t.Helper()
	db := Unmigrated(t, engine)
	db.UseKeys(Keys())
	if _, err := db.MigrateTo(context.Background(), VersionBefore(t, engine, sealing)); err != nil {
		t.Fatalf("migrate to the schema before %04d: %v", sealing, err)
	}
	return db
}

// MigrateSealing upgrades db, at a schema before migration sealing and holding clear
// rows for it to seal, as an operator would: it fails the test unless the upgrade
// without a data key is refused with store.ErrNoKeys and leaves the schema at the
// version it was, and unless the upgrade with the tests' keys (Keys) then succeeds
// and applies sealing. db is left with those keys, for the test to read back what
// was sealed. It fails too when db's schema is not before sealing, as then nothing
// is tested.
func MigrateSealing(t testing.TB, db *store.DB, sealing int) {
	t.Helper()
	ctx := context.Background()
	before, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if before >= sealing {
		t.Fatalf("schema %d is not before migration %04d", before, sealing)
	}
	db.UseKeys(nil)
	if _, err := db.Migrate(ctx); !errors.Is(err, store.ErrNoKeys) {
		t.Fatalf("migrate without a data key: %v, want %v", err, store.ErrNoKeys)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != before {
		t.Fatalf("schema after the refused migration: %d, %v; want %d", v, err, before)
	}
	db.UseKeys(Keys())
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatalf("migrate with the data key: %v", err)
	}
	if !slices.Contains(applied, sealing) {
		t.Fatalf("the migration with the data key applied %v, not %04d", applied, sealing)
	}
}
