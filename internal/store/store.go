// Package store opens the hall's database (embedded SQLite by default, PostgreSQL for
// scale), applies the embedded migrations and runs transactions.
//
// Queries are written once with `?` placeholders; on PostgreSQL they are rewritten to
// `$1, $2, …` by Rebind. SQLite gets one writer connection beside a read pool, so that
// writers queue inside the process instead of failing with "database is locked", and
// every write transaction starts with BEGIN IMMEDIATE so that a read-then-write
// transaction never has to upgrade its lock.
//
// Error contract: methods return ErrNotFound (wrapping sql.ErrNoRows) when a single-row
// query finds nothing, and errors for which IsUniqueViolation reports true when a unique
// constraint refused a write. Any other error is a failure of the database itself.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"hall/internal/sealed"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Engine names the database engine behind a DB.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// ErrNotFound is returned when a single-row lookup finds no row.
var ErrNotFound = fmt.Errorf("store: not found: %w", sql.ErrNoRows)

// DB is an open database: a writer and a reader pool (the same pool on PostgreSQL).
type DB struct {
	Engine Engine
	write  *sql.DB
	read   *sql.DB
	// reads keeps the read pool's queries prepared on SQLite; nil on PostgreSQL.
	reads *statements
	// Where is a printable description of the database (file path or host/dbname),
	// without credentials.
	Where string
	// observer, when set, sees every query before it runs (ObserveQueries).
	observer atomic.Pointer[QueryObserver]
	// keys seal the personal data this database keeps at rest (UseKeys).
	keys atomic.Pointer[sealed.Keys]
}

// UseKeys sets the keys that personal data in this database is sealed with
// (internal/sealed: the configured data key and any previous ones). The hall sets
// them once, right after Open and before Migrate (a migration may seal data that
// was kept in clear before); the services that seal and open read them through
// Keys. Setting other keys later makes the values sealed under the first ones
// unreadable unless those are among the previous keys.
func (db *DB) UseKeys(k *sealed.Keys) { db.keys.Store(k) }

// Keys returns the keys set by UseKeys, or nil when none were set.
func (db *DB) Keys() *sealed.Keys { return db.keys.Load() }

// QueryObserver is told of a query as written (with `?` placeholders) and its
// arguments, before the query runs.
type QueryObserver func(query string, args []any)

// ObserveQueries has fn told of every query that the DB and its transactions run
// from now on (nil: none), for the test that reads the query plans of the hall's hot
// queries. fn is called on the querying goroutine, so it must be safe for concurrent
// use and quick; it must not query the database. Removing it (nil) does not wait for
// calls already under way on other goroutines. Statements a transaction prepares
// for bulk loads (Tx.Prepare) are seen once, when prepared. Production code never sets
// one: an unset observer costs one atomic load per query.
func (db *DB) ObserveQueries(fn QueryObserver) {
	if fn == nil {
		db.observer.Store(nil)
		return
	}
	db.observer.Store(&fn)
}

// observe tells the observer, if any, of q and args.
func (db *DB) observe(q string, args []any) {
	if fn := db.observer.Load(); fn != nil {
		(*fn)(q, args)
	}
}

// Open opens the database named by dsn. An empty dsn means the SQLite file
// dataDir/hall.db; "sqlite:PATH" or a path ending in .db names another SQLite file;
// "postgres://…" or "postgresql://…" opens PostgreSQL.
func Open(ctx context.Context, dsn, dataDir string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	case dsn == "":
		if err := privateDir(dataDir); err != nil {
			return nil, err
		}
		return openSQLite(ctx, filepath.Join(dataDir, "hall.db"))
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasSuffix(dsn, ".db"):
		return openSQLite(ctx, dsn)
	}
	return nil, fmt.Errorf("store: unsupported database URL (want postgres://… or sqlite:PATH)")
}

// The database holds personal data: its files are readable by the hall's own user only
// (0600) and the data directory it creates is 0700, whatever the umask. The modes are
// set explicitly rather than left to the umask, which a service manager or a shell may
// set to 022 and so make hall.db world-readable.
const (
	privateFileMode os.FileMode = 0o600
	privateDirMode  os.FileMode = 0o700
)

// privateDir creates the data directory with mode 0700, or narrows an existing one to
// it: the directory is the hall's own (config data-dir), unlike the directory of a
// database path named in the URL, which may be shared and is only created if missing.
func privateDir(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, privateDirMode); err != nil {
		return fmt.Errorf("store: create data directory: %w", err)
	}
	if err := narrow(dir, privateDirMode); err != nil {
		return fmt.Errorf("store: restrict data directory: %w", err)
	}
	return nil
}

// narrow sets path's mode to mode when it grants more, so a file already as private
// (or more) is left alone, and one owned by another user but not readable by others
// does not fail the open. A missing path is not an error.
func narrow(path string, mode os.FileMode) error {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&^mode == 0 {
		return nil
	}
	return os.Chmod(path, mode)
}

// privateFiles creates the database file with mode 0600 if it does not exist (SQLite
// gives its -wal and -shm files the mode of the database file) and narrows the
// database file and any -wal and -shm already there to 0600. It is called before the
// database is opened and again after, when SQLite has created the WAL files.
func privateFiles(path string) error {
	// #nosec G304 -- the database path is the operator's configuration.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, privateFileMode)
	if err != nil {
		return fmt.Errorf("store: create database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store: create database file: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := narrow(p, privateFileMode); err != nil {
			return fmt.Errorf("store: restrict %s: %w", filepath.Base(p), err)
		}
	}
	return nil
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, privateDirMode); err != nil {
			return nil, fmt.Errorf("store: create data directory: %w", err)
		}
	}
	if err := privateFiles(path); err != nil {
		return nil, err
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_busy_timeout=10000&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_time_format=sqlite"
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	// One writer: SQLite allows one writer at a time anyway; queueing in the pool is
	// cheaper and fairer than spinning on SQLITE_BUSY.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", base+"&_query_only=1")
	if err != nil {
		_ = w.Close() // opening already failed; that error is the one returned
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	// Idle readers are kept (no idle time limit): each holds its prepared statements.
	db := &DB{Engine: SQLite, write: w, read: r, reads: newStatements(r, preparedReads), Where: path}
	if err := w.PingContext(ctx); err != nil {
		_ = db.Close() // opening already failed; that error is the one returned
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := privateFiles(path); err != nil {
		_ = db.Close() // opening already failed; that error is the one returned
		return nil, err
	}
	return db, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	p.SetMaxOpenConns(20)
	p.SetMaxIdleConns(20)
	p.SetConnMaxIdleTime(5 * time.Minute)
	where := "postgres"
	if u, err := url.Parse(dsn); err == nil {
		where = "postgres://" + u.Host + u.Path
	}
	db := &DB{Engine: Postgres, write: p, read: p, Where: where}
	if err := p.PingContext(ctx); err != nil {
		_ = p.Close() // the ping error is the one returned
		return nil, fmt.Errorf("store: connect to %s: %w", where, err)
	}
	return db, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.reads != nil {
		db.reads.closeAll()
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Query runs a read query on the read pool.
func (db *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	db.observe(q, args)
	if db.reads != nil {
		return db.reads.query(ctx, q, args...)
	}
	return db.read.QueryContext(ctx, db.Rebind(q), args...)
}

// QueryRow runs a single-row read query on the read pool. Scan returns sql.ErrNoRows
// when nothing matched; use NotFound to translate it.
func (db *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	db.observe(q, args)
	if db.reads != nil {
		return db.reads.queryRow(ctx, q, args...)
	}
	return db.read.QueryRowContext(ctx, db.Rebind(q), args...)
}

// Exec runs one write statement outside an explicit transaction.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	db.observe(q, args)
	return db.write.ExecContext(ctx, db.Rebind(q), args...)
}

// Tx runs fn in a write transaction, committing when fn returns nil and rolling back
// otherwise (also on panic, which is re-raised).
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	stx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{tx: stx, db: db}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = stx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Tx is a write transaction with the same placeholder rewriting as DB.
type Tx struct {
	tx *sql.Tx
	db *DB
}

// Engine reports the engine the transaction runs on.
func (tx *Tx) Engine() Engine { return tx.db.Engine }

// Keys returns the keys of the transaction's database (DB.Keys).
func (tx *Tx) Keys() *sealed.Keys { return tx.db.Keys() }

// ForUpdate is the suffix that makes a SELECT lock its rows on PostgreSQL, and ""
// on SQLite, whose write transaction holds the only writer from BEGIN IMMEDIATE on.
func (tx *Tx) ForUpdate() string {
	if tx.db.Engine == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	tx.db.observe(q, args)
	return tx.tx.ExecContext(ctx, tx.db.Rebind(q), args...)
}

func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	tx.db.observe(q, args)
	return tx.tx.QueryContext(ctx, tx.db.Rebind(q), args...)
}

func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	tx.db.observe(q, args)
	return tx.tx.QueryRowContext(ctx, tx.db.Rebind(q), args...)
}

// Prepare prepares a statement for repeated use within the transaction (bulk loads);
// it is closed with the transaction.
func (tx *Tx) Prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	tx.db.observe(q, nil)
	return tx.tx.PrepareContext(ctx, tx.db.Rebind(q))
}

// Rebind rewrites `?` placeholders to `$n` for PostgreSQL, leaving quoted text alone.
func (db *DB) Rebind(q string) string {
	if db.Engine != Postgres {
		return q
	}
	return rebindDollar(q)
}

func rebindDollar(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// NotFound translates sql.ErrNoRows into ErrNotFound and leaves other errors alone.
func NotFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// IsUniqueViolation reports whether err is a unique or primary-key constraint failure
// on either engine.
func IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsConstraintViolation reports whether err is any integrity-constraint failure (unique,
// check, foreign key, or a trigger's RAISE(ABORT)) on either engine.
func IsConstraintViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "23") || pe.Code == "P0001"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
	}
	return false
}
