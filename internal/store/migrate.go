package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migrations live in migrations/<engine>/NNNN_name.sql. Each engine has the same
// numbers so that both schemas move together; a test checks that.
//
//go:embed migrations
var migrationFS embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the embedded migrations for an engine in version order.
func Migrations(e Engine) ([]Migration, error) {
	dir := path.Join("migrations", string(e))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, ent := range entries {
		name := ent.Name()
		if ent.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: bad migration file name %s (want NNNN_name.sql)", name)
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("store: two migrations numbered %d", out[i].Version)
		}
	}
	return out, nil
}

// createSchemaMigrations creates the table of applied migrations, if missing.
const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)`

// Migrate applies every migration not yet applied, each in its own transaction. On
// PostgreSQL an advisory lock makes concurrent starts of several servers safe; on
// SQLite the single writer and BEGIN IMMEDIATE do the same. A new SQLite database is
// first given the baseline of the migrations up to sqliteBaselineVersion, in one
// transaction (baseline.go). It returns the versions it applied.
func (db *DB) Migrate(ctx context.Context) ([]int, error) { return db.MigrateTo(ctx, 0) }

// MigrateTo is Migrate up to and including version (0: all), for a test of what a
// migration does to the data an earlier schema held. A version before the SQLite
// baseline's migrates a new database one migration at a time.
func (db *DB) MigrateTo(ctx context.Context, version int) ([]int, error) {
	return db.migrateTo(ctx, version, true)
}

// migrateTo is MigrateTo, with the SQLite baseline used for a new database or not
// (for the test that compares the two).
func (db *DB) migrateTo(ctx context.Context, version int, baseline bool) ([]int, error) {
	ms, err := Migrations(db.Engine)
	if err != nil {
		return nil, err
	}
	if version > 0 {
		for i, m := range ms {
			if m.Version > version {
				ms = ms[:i]
				break
			}
		}
	}
	if db.Engine == Postgres {
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		// A fixed key: "hall" in ASCII.
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(1751214444)"); err != nil {
			return nil, fmt.Errorf("store: migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(1751214444)") //nolint:errcheck
	}
	if _, err := db.Exec(ctx, createSchemaMigrations); err != nil {
		return nil, fmt.Errorf("store: create schema_migrations: %w", err)
	}
	var applied []int
	if baseline {
		if applied, err = db.applyBaseline(ctx, ms); err != nil {
			return nil, err
		}
	}
	// The versions already applied are read once: a start on an existing database
	// (every start but the first) then opens no transaction at all. Each migration
	// still looks again inside its own transaction, which is what keeps two starting
	// processes from applying one twice.
	before, err := db.appliedVersions(ctx)
	if err != nil {
		return applied, err
	}
	for _, m := range ms {
		if before[m.Version] {
			continue
		}
		done := false
		err := db.Tx(ctx, func(tx *Tx) error {
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				done = true
				return nil
			}
			// Migration text is run verbatim (no placeholder rewriting), so that
			// PostgreSQL operators such as jsonb's ? stay intact.
			if _, err := tx.tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("store: migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if after := afterMigration[m.Version]; after != nil {
				if err := after(ctx, tx); err != nil {
					return fmt.Errorf("store: migration %04d_%s: %w", m.Version, m.Name, err)
				}
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", m.Version, m.Name)
			return err
		})
		if err != nil {
			return applied, err
		}
		if !done {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}

// appliedVersions is the set of versions schema_migrations records.
func (db *DB) appliedVersions(ctx context.Context) (map[int]bool, error) {
	rows, err := db.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("store: read schema_migrations: %w", err)
	}
	defer rows.Close()
	versions := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("store: read schema_migrations: %w", err)
		}
		versions[v] = true
	}
	return versions, rows.Err()
}

// SchemaVersion reports the highest applied migration (0 for an empty database).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}
