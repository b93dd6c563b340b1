package store

import (
	"context"
	_ "embed"
	"fmt"
)

// A new SQLite database is not migrated one migration at a time up to
// sqliteBaselineVersion: it is given, in one transaction, the schema and rows that
// those migrations leave in a new database (baseline/sqlite.sql), and the later
// migrations are applied one by one as usual.
//
// Why: SQLite's ALTER TABLE … RENAME COLUMN, DROP COLUMN and RENAME TO re-parse
// every CREATE statement of the schema several times (to rewrite the references, to
// reload the schema and to check it), so each costs about 15–20 ms of CPU with the
// 220 or so tables, indexes and triggers there are by then, and the sealing
// migrations 0040–0059 run 54 of them: a new database took 0.7–2.5 s to migrate,
// against QUALITY's one second to be ready. Running them in one transaction or with
// synchronous=OFF saves nothing (the time is parsing, not I/O).
//
// The baseline changes nothing for a database that already has tables: it is used
// only when the database holds nothing but an empty schema_migrations, and then it
// gives the same schema text and the same rows as the migrations would; the sealing
// migrations' Go halves (afterMigration) have no rows to seal in a new database.
// TestSQLiteBaseline checks both, against the migrations run one by one, and that the
// file is what they produce. The baseline and the rows it records in
// schema_migrations are written in one transaction, so a crash leaves either a new
// database, migrated again at the next start, or a migrated one.
//
// The file is generated (go test ./internal/store -run TestSQLiteBaseline
// -update-baseline) and is never edited by hand; like a shipped migration, it does
// not change once released. Moving the baseline to a later version means adding a
// file, not changing what the migrations do.
const sqliteBaselineVersion = 59

//go:embed baseline/sqlite.sql
var sqliteBaseline string

// applyBaseline gives a new SQLite database the baseline and records the migrations
// it stands for (every migration of ms numbered up to sqliteBaselineVersion) as
// applied. It returns their versions, or none when the database is not new (it
// holds anything besides an empty schema_migrations), when the engine is not
// SQLite, or when ms stops before the baseline's version. Errors are the database's.
func (db *DB) applyBaseline(ctx context.Context, ms []Migration) ([]int, error) {
	if db.Engine != SQLite || len(ms) == 0 || ms[len(ms)-1].Version < sqliteBaselineVersion {
		return nil, nil
	}
	var applied []int
	err := db.Tx(ctx, func(tx *Tx) error {
		var objects, versions int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM sqlite_schema WHERE name <> 'schema_migrations'").Scan(&objects); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&versions); err != nil {
			return err
		}
		if objects > 0 || versions > 0 {
			return nil
		}
		if _, err := tx.tx.ExecContext(ctx, sqliteBaseline); err != nil {
			return fmt.Errorf("store: baseline of migrations 0001–%04d: %w", sqliteBaselineVersion, err)
		}
		for _, m := range ms {
			if m.Version > sqliteBaselineVersion {
				break
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", m.Version, m.Name); err != nil {
				return err
			}
			applied = append(applied, m.Version)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return applied, nil
}
