package registry

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"hall/internal/ident"
	"hall/internal/sealed"
	"hall/internal/store"
)

// Table is the DEVELOPMENT implementation of Registry: the table registry_entries in
// the hall's own database, loaded by Import and demo data. It is not the market
// regulator's registry; production uses HTTP.
type Table struct {
	db          *store.DB
	now         func() time.Time
	unavailable atomic.Bool
}

var _ Registry = (*Table)(nil)

// NewTable returns the development registry stored in db. now stamps updated_at and
// bounds registration dates; nil means time.Now.
func NewTable(db *store.DB, now func() time.Time) *Table {
	if now == nil {
		now = time.Now
	}
	return &Table{db: db, now: now}
}

// String labels the implementation for start-up logs.
func (t *Table) String() string { return "registry: development table registry_entries" }

// SetUnavailable makes Lookup fail with ErrUnavailable (on) or work again (off), in
// this process only, so that callers' "try later" path can be exercised by hand and
// in tests the way a registry outage would.
func (t *Table) SetUnavailable(on bool) { t.unavailable.Store(on) }

const entryColumns = `uscc, name, unit_type, legal_rep_id_type, legal_rep_id_number,
	legal_rep_name, registered_at, address, region, status, updated_at`

type scanner interface{ Scan(dest ...any) error }

// scanEntry reads a row of entryColumns and opens its legal representative under
// keys. Errors: the scan's (sql.ErrNoRows for none); those of OpenLegalRep.
func scanEntry(keys *sealed.Keys, sc scanner) (Entry, error) {
	var e Entry
	var unitType, idType, status string
	var idNumber, name []byte
	if err := sc.Scan(&e.USCC, &e.Name, &unitType, &idType, &idNumber,
		&name, &e.RegisteredAt, &e.Address, &e.Region, &status, &e.UpdatedAt); err != nil {
		return Entry{}, err
	}
	e.UnitType, e.LegalRepIDType, e.Status = UnitType(unitType), ident.IDType(idType), Status(status)
	e.RegisteredAt, e.UpdatedAt = e.RegisteredAt.UTC(), e.UpdatedAt.UTC()
	var err error
	e.LegalRepIDNumber, e.LegalRepName, err = OpenLegalRep(keys, e.USCC, idNumber, name)
	return e, err
}

// Lookup implements Registry. It returns ErrNotFound for an unknown or malformed
// USCC, and an error wrapping ErrUnavailable when SetUnavailable is on or the
// database fails.
func (t *Table) Lookup(ctx context.Context, uscc string) (Entry, error) {
	if t.unavailable.Load() {
		return Entry{}, fmt.Errorf("%w: development table switched off by SetUnavailable", ErrUnavailable)
	}
	u, err := ident.ValidateUSCC(uscc)
	if err != nil {
		return Entry{}, ErrNotFound
	}
	e, err := scanEntry(t.db.Keys(), t.db.QueryRow(ctx, "SELECT "+entryColumns+" FROM registry_entries WHERE uscc = ?", u))
	switch {
	case errors.Is(store.NotFound(err), store.ErrNotFound):
		return Entry{}, ErrNotFound
	case err != nil:
		return Entry{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return e, nil
}

// Change says what Upsert did.
type Change int

const (
	Unchanged Change = iota // the stored entry already said the same
	Inserted
	Updated
)

// Upsert stores e inside tx: it inserts a new unit, updates one whose facts changed
// (setting updated_at to now) and leaves an identical one alone, so repeating it
// changes nothing. e.UpdatedAt is ignored. e is checked by the import rules first:
// an error wrapping ErrInvalidEntry and a *ident.FieldError means e was refused;
// ErrNoKeys means the database has no data keys to seal the legal representative
// with; any other error is a database failure (a stored entry that does not open
// included), and tx must then fail.
func (t *Table) Upsert(ctx context.Context, tx *store.Tx, e Entry) (Change, error) {
	n, err := Normalize(e, t.now())
	if err != nil {
		return Unchanged, err
	}
	return t.upsert(ctx, tx, n)
}

// upsert writes an already normalised entry.
func (t *Table) upsert(ctx context.Context, tx *store.Tx, e Entry) (Change, error) {
	const sel = "SELECT " + entryColumns + " FROM registry_entries WHERE uscc = ?"
	keys := tx.Keys()
	a, err := args(keys, e)
	if err != nil {
		return Unchanged, err
	}
	old, err := scanEntry(keys, tx.QueryRow(ctx, sel, e.USCC))
	switch {
	case errors.Is(store.NotFound(err), store.ErrNotFound):
		e.UpdatedAt = t.stamp()
		a[len(a)-1] = e.UpdatedAt
		// ON CONFLICT DO NOTHING instead of a unique violation: a concurrent
		// import on PostgreSQL may insert the same unit first, and a failed
		// statement would abort the whole transaction there.
		res, err := tx.Exec(ctx, "INSERT INTO registry_entries ("+entryColumns+
			") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uscc) DO NOTHING", a...)
		if err != nil {
			return Unchanged, fmt.Errorf("registry: insert: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return Inserted, err
		}
		if old, err = scanEntry(keys, tx.QueryRow(ctx, sel, e.USCC)); err != nil {
			return Unchanged, fmt.Errorf("registry: re-read after concurrent insert: %w", err)
		}
	case err != nil:
		return Unchanged, fmt.Errorf("registry: read: %w", err)
	}
	if sameContent(old, e) {
		return Unchanged, nil
	}
	e.UpdatedAt = t.stamp()
	a[len(a)-1] = e.UpdatedAt
	_, err = tx.Exec(ctx, `UPDATE registry_entries SET name = ?, unit_type = ?, legal_rep_id_type = ?,
		legal_rep_id_number = ?, legal_rep_name = ?, registered_at = ?, address = ?, region = ?,
		status = ?, updated_at = ? WHERE uscc = ?`, append(a[1:], a[0])...)
	if err != nil {
		return Unchanged, fmt.Errorf("registry: update: %w", err)
	}
	return Updated, nil
}

// args lists e's values in entryColumns order, the legal representative sealed
// under keys for e's USCC; updated_at is last. Errors: ErrNoKeys.
func args(keys *sealed.Keys, e Entry) ([]any, error) {
	idNumber, name, err := sealLegalRep(keys, e.USCC, e.LegalRepIDNumber, e.LegalRepName)
	if err != nil {
		return nil, err
	}
	return []any{e.USCC, e.Name, string(e.UnitType), string(e.LegalRepIDType), idNumber,
		name, e.RegisteredAt.UTC(), e.Address, e.Region, string(e.Status), e.UpdatedAt}, nil
}

func (t *Table) stamp() time.Time { return store.Time(t.now()) }

// MaxChanges bounds one page of ChangedSince and ChangedAfter.
const MaxChanges = 1000

// ChangedSince returns the entries whose updated_at is at or after since, oldest
// change first (ties by USCC), at most limit (clamped to 1..MaxChanges). It is the
// hook for the sync job that applies legal-rep changes (SPEC B5): one Import stamps
// all its rows with the same time, so page on with ChangedAfter from the last entry
// returned rather than with ChangedSince(last.UpdatedAt), which would repeat rows.
// Errors are database failures.
func (t *Table) ChangedSince(ctx context.Context, since time.Time, limit int) ([]Entry, error) {
	return t.ChangedAfter(ctx, since, "", limit)
}

// ChangedAfter returns the entries that come after (updatedAt, uscc) in
// (updated_at, uscc) order, at most limit (clamped to 1..MaxChanges): the next page
// after an entry with that UpdatedAt and USCC. An empty uscc includes updatedAt
// itself. It uses the index on (updated_at, uscc). Errors are database failures.
func (t *Table) ChangedAfter(ctx context.Context, updatedAt time.Time, uscc string, limit int) ([]Entry, error) {
	limit = min(max(limit, 1), MaxChanges)
	at := store.Time(updatedAt)
	rows, err := t.db.Query(ctx, "SELECT "+entryColumns+` FROM registry_entries
		WHERE updated_at > ? OR (updated_at = ? AND uscc > ?)
		ORDER BY updated_at, uscc LIMIT ?`, at, at, uscc, limit)
	if err != nil {
		return nil, fmt.Errorf("registry: changes: %w", err)
	}
	defer rows.Close()
	keys := t.db.Keys()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(keys, rows)
		if err != nil {
			return nil, fmt.Errorf("registry: changes: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
