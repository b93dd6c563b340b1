// Package storetest gives tests a fresh, migrated database on every engine: a SQLite
// file in a temporary directory and, when reachable, a new PostgreSQL database that is
// dropped afterwards.
//
// PostgreSQL is found through HALL_TEST_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable). When it is unreachable
// the PostgreSQL half is skipped locally but fails when CI=true, so CI cannot silently
// test one engine only.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"hall/internal/sealed"
	"hall/internal/store"
)

// DefaultPostgresURL is used when HALL_TEST_POSTGRES_URL is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Each runs fn as two subtests, "sqlite" and "postgres", each with its own fresh,
// migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a fresh migrated SQLite database in t.TempDir(): a copy of the
// database that the migrations made once for the test binary.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return SQLitePrepared(t, "", nil)
}

// SQLitePrepared is SQLite with prepare's work done: prepare runs once per test
// binary and name, on a migrated database whose file each test then gets a copy of,
// for work that many tests begin with the same way (the catalog's seed of every
// web test server). The names are the callers' to keep apart.
func SQLitePrepared(t testing.TB, name string, prepare func(ctx context.Context, db *store.DB) error) *store.DB {
	t.Helper()
	ctx := context.Background()
	prepared, err := sqliteTemplate(name, prepare)
	if err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	path := filepath.Join(t.TempDir(), "hall.db")
	if err := os.WriteFile(path, prepared, 0o600); err != nil {
		t.Fatalf("copy the migrated sqlite database: %v", err)
	}
	db, err := store.Open(ctx, "sqlite:"+path, "")
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	db.UseKeys(Keys())
	t.Cleanup(func() { _ = db.Close() }) // test cleanup; a close error changes no result
	// The copy is up to date: this finds nothing to apply, and says so if it did.
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// sqliteTemplates are the contents of freshly migrated (and prepared) SQLite
// database files, by name. The migrations cost about a second of CPU under the
// race detector and a synced commit each, and the web tests open hundreds of
// databases: they run once per test binary, and each test starts from a copy of
// the file they left.
var sqliteTemplates struct {
	mu    sync.Mutex
	files map[string]*sqliteTemplateFile
}

type sqliteTemplateFile struct {
	once sync.Once
	file []byte
	err  error
}

// sqliteTemplate makes the template name once and returns its file's content.
func sqliteTemplate(name string, prepare func(ctx context.Context, db *store.DB) error) ([]byte, error) {
	sqliteTemplates.mu.Lock()
	if sqliteTemplates.files == nil {
		sqliteTemplates.files = map[string]*sqliteTemplateFile{}
	}
	f := sqliteTemplates.files[name]
	if f == nil {
		f = &sqliteTemplateFile{}
		sqliteTemplates.files[name] = f
	}
	sqliteTemplates.mu.Unlock()
	f.once.Do(func() { f.file, f.err = makeSQLiteFile(prepare) })
	return f.file, f.err
}

// makeSQLiteFile migrates a new SQLite database in a temporary directory, runs
// prepare on it (when not nil), closes it and returns the file's content.
func makeSQLiteFile(prepare func(ctx context.Context, db *store.DB) error) ([]byte, error) {
	dir, err := os.MkdirTemp("", "hall-storetest-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }() // a temporary directory; its removal changes no result
	path := filepath.Join(dir, "hall.db")
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+path, "")
	if err != nil {
		return nil, err
	}
	db.UseKeys(Keys())
	if _, err := db.Migrate(ctx); err != nil {
		_ = db.Close() // the migration's error is the one returned
		return nil, err
	}
	if prepare != nil {
		if err := prepare(ctx, db); err != nil {
			_ = db.Close() // the preparation's error is the one returned
			return nil, err
		}
	}
	// Closing the last connection checkpoints the write-ahead log into the file
	// and removes the log: then the file alone is the database.
	if err := db.Close(); err != nil {
		return nil, err
	}
	if info, err := os.Stat(path + "-wal"); err == nil && info.Size() > 0 {
		return nil, fmt.Errorf("the write-ahead log of %s holds %d bytes after the close", path, info.Size())
	}
	// #nosec G304 -- the file this function has just made in its own temporary directory.
	return os.ReadFile(path)
}

// dataKey is the data key of every database this package opens in one test binary:
// random, so that no test depends on its value, and the same for all, so that a
// prepared SQLite file's sealed values open in each copy.
var dataKey = sync.OnceValue(sealed.NewKey)

// DataKey returns the test binary's data key (base64, as config data-key takes it)
// for a test that configures the hall on one of this package's databases: the
// services then seal and open with the same keys as the database (services.Build
// refuses a data key other than the database's).
func DataKey() string { return sealed.EncodeKey(dataKey()) }

// Keys returns the keys of DataKey, which every database this package opens uses
// (store.DB.UseKeys).
func Keys() *sealed.Keys { return keys() }

var keys = sync.OnceValue(func() *sealed.Keys {
	k, err := sealed.NewKeys(dataKey())
	if err != nil {
		panic(err) // NewKey makes a key of the right size
	}
	return k
})

// PostgresURL returns a URL for a new, empty PostgreSQL database that is dropped when
// the test ends. It skips (or fails under CI=true) when PostgreSQL is unreachable.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("HALL_TEST_POSTGRES_URL")
	if admin == "" {
		admin = DefaultPostgresURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	adb, err := sql.Open("pgx", admin)
	if err == nil {
		err = adb.PingContext(ctx)
	}
	if err != nil {
		if adb != nil {
			_ = adb.Close() // test cleanup; a close error changes no result
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required in CI but unreachable at HALL_TEST_POSTGRES_URL: %v", err)
		}
		t.Skipf("PostgreSQL unreachable (%v); set HALL_TEST_POSTGRES_URL to run the PostgreSQL half", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "hall_test_" + hex.EncodeToString(b[:])
	if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = adb.Close() // test cleanup; a close error changes no result
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := adb.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
		_ = adb.Close() // test cleanup; a close error changes no result
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse HALL_TEST_POSTGRES_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Postgres returns a fresh migrated PostgreSQL database (see PostgresURL).
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	dsn := PostgresURL(t)
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, "")
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	db.UseKeys(Keys())
	// Registered after PostgresURL's cleanup, so it runs first: close before DROP.
	t.Cleanup(func() { _ = db.Close() }) // test cleanup; a close error changes no result
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db
}
