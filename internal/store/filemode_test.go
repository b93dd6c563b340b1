package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"hall/internal/store"
)

// TestSQLiteFilesArePrivate opens a fresh SQLite store with a permissive umask and
// checks that the data directory is 0700 and the database with its -wal and -shm is
// 0600; then widens them all and opens again, which narrows them back.
func TestSQLiteFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0) // the modes must not depend on the umask
	defer syscall.Umask(old)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	open := func(load string) {
		t.Helper()
		db, err := store.Open(ctx, "", dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, "INSERT INTO demo_loads (name, loaded_at) VALUES (?, '2026-01-01')", load); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		wantMode(t, dir, 0o700)
		for _, name := range []string{"hall.db", "hall.db-wal", "hall.db-shm"} {
			wantMode(t, filepath.Join(dir, name), 0o600)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			wantMode(t, filepath.Join(dir, e.Name()), 0o600)
		}
	}
	open("fresh")
	for _, p := range []string{dir, filepath.Join(dir, "hall.db"), filepath.Join(dir, "hall.db-wal"), filepath.Join(dir, "hall.db-shm")} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	open("again")
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", filepath.Base(path), err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %#o, want %#o", filepath.Base(path), got, want)
	}
}
