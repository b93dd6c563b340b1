package flow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"hall/internal/store"
	"hall/internal/token"
)

// Store saves flows in the flows table, their data sealed under the database's data
// keys (store.DB.Keys; sealed.go).
type Store struct {
	db  *store.DB
	now func() time.Time
}

// NewStore returns a Store on db; now is the clock (time.Now in production, a fake
// clock in tests).
func NewStore(db *store.DB, now func() time.Time) *Store {
	return &Store{db: db, now: now}
}

const columns = "id, kind, step, data, binding_hash, version, created_at, expires_at, completed_at"

// Create saves a new flow of the given kind at its first step, bound to the caller's
// browser session (binding: a secret value from that session, never stored), with
// data (marshalled as JSON; nil means {}, sealed for the new flow's id) and a
// lifetime of ttl.
//
// Errors: ErrInvalid for an empty binding, a malformed kind or step, ttl <= 0 or
// bad data; ErrNoKeys; otherwise database failures.
func (s *Store) Create(ctx context.Context, kind, binding, step string, data any, ttl time.Duration) (*Flow, error) {
	switch {
	case !validName(kind):
		return nil, fmt.Errorf("%w: kind %q", ErrInvalid, kind)
	case !validName(step):
		return nil, fmt.Errorf("%w: step %q", ErrInvalid, step)
	case binding == "":
		return nil, fmt.Errorf("%w: empty binding", ErrInvalid)
	case ttl <= 0:
		return nil, fmt.Errorf("%w: ttl %v", ErrInvalid, ttl)
	}
	raw, err := encodeData(data)
	if err != nil {
		return nil, err
	}
	now := store.Time(s.now())
	f := &Flow{
		ID: token.New(), Kind: kind, Step: step, Data: raw, Version: 1,
		CreatedAt: now, ExpiresAt: store.Time(now.Add(ttl)),
	}
	// The id is known before the insert, so the data goes in sealed for it.
	value, err := sealData(s.db.Keys(), f.ID, f.Data)
	if err != nil {
		return nil, err
	}
	_, err = s.db.Exec(ctx, "INSERT INTO flows ("+columns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
		f.ID, f.Kind, f.Step, value, token.Hash(binding), f.Version, f.CreatedAt, f.ExpiresAt)
	if err != nil {
		return nil, fmt.Errorf("flow: create %s: %w", kind, err)
	}
	return f, nil
}

// Get reads the flow id of the given kind for the browser session binding.
//
// Errors: ErrNotFound when there is no such flow, or it is of another kind, or it is
// bound to another session (indistinguishable on purpose); ErrCompleted when it was
// completed; ErrExpired when its time is up; ErrNoKeys; sealed's refusals
// (sealed.ErrAuthentication and the others, wrapped) when its data does not open —
// sealed under another data key, changed in the database or moved from another
// flow's row —, which callers treat as a database failure; otherwise database
// failures.
func (s *Store) Get(ctx context.Context, id, kind, binding string) (*Flow, error) {
	if !token.Valid(id) || binding == "" {
		return nil, ErrNotFound
	}
	f, hash, value, err := scan(s.db.QueryRow(ctx, "SELECT "+columns+" FROM flows WHERE id = ?", id))
	if err != nil {
		return nil, err
	}
	// Both checks always run, so the time taken does not say which one failed.
	okKind := f.Kind == kind
	okBinding := token.Equal(hash, token.Hash(binding))
	if !okKind || !okBinding {
		return nil, ErrNotFound
	}
	if !f.CompletedAt.IsZero() {
		return nil, ErrCompleted
	}
	if !s.now().Before(f.ExpiresAt) {
		return nil, ErrExpired
	}
	// Opened last: only the flow's own browser, in time, reads its data.
	if f.Data, err = openData(s.db.Keys(), f.ID, f.Kind, value); err != nil {
		return nil, err
	}
	return f, nil
}

// Advance moves f from step from to step to, replacing its data with data (nil keeps
// the current data). It is a compare-and-set on the flow's step and version, so it
// succeeds only if nobody changed the flow since f was read; on success f is updated
// (Step, Data, Version).
//
// Errors: ErrStep when f is not at from (a skipped step or a replayed form);
// ErrConflict when the flow changed since f was read (a concurrent submit won);
// ErrCompleted, ErrExpired, ErrNotFound (deleted by Sweep) as for Get; ErrInvalid for
// a malformed step name or bad data; ErrNoKeys; otherwise database failures.
func (s *Store) Advance(ctx context.Context, f *Flow, from, to string, data any) error {
	return s.advance(ctx, s.db, f, from, to, data)
}

// AdvanceTx is Advance inside the caller's transaction, so that the step and what
// moved the flow on (a verification result consumed, say) commit or roll back
// together. f is updated even if tx later rolls back: read the flow again then.
// Errors as for Advance; after a database failure the caller's transaction must fail.
func (s *Store) AdvanceTx(ctx context.Context, tx *store.Tx, f *Flow, from, to string, data any) error {
	if tx == nil {
		return fmt.Errorf("%w: AdvanceTx needs a transaction", ErrInvalid)
	}
	return s.advance(ctx, tx, f, from, to, data)
}

// execer is what *store.DB and *store.Tx have in common for advance.
type execer interface {
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

func (s *Store) advance(ctx context.Context, db execer, f *Flow, from, to string, data any) error {
	if f == nil || !validName(to) {
		return fmt.Errorf("%w: advance to %q", ErrInvalid, to)
	}
	if f.Step != from {
		return ErrStep
	}
	raw := f.Data
	if data != nil {
		var err error
		if raw, err = encodeData(data); err != nil {
			return err
		}
	}
	// Sealed afresh even when the data is kept: a new nonce costs nothing and keeps
	// this one statement.
	value, err := sealData(s.db.Keys(), f.ID, raw)
	if err != nil {
		return err
	}
	now := store.Time(s.now())
	res, err := db.Exec(ctx, `UPDATE flows SET step = ?, data = ?, version = version + 1
		WHERE id = ? AND step = ? AND version = ? AND completed_at IS NULL AND expires_at > ?`,
		to, value, f.ID, from, f.Version, now)
	if err != nil {
		return fmt.Errorf("flow: advance %s %s→%s: %w", f.Kind, from, to, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("flow: advance %s: %w", f.Kind, err)
	} else if n == 0 {
		return why(db.QueryRow(ctx, "SELECT "+columns+" FROM flows WHERE id = ?", f.ID), f, from, now)
	}
	f.Step, f.Data = to, raw
	f.Version++
	return nil
}

// Complete marks f, which must be at step from, completed inside the caller's
// transaction, so that whatever the flow achieves and its completion commit or roll
// back together. It is a compare-and-set like Advance; on success f.CompletedAt and
// f.Version are updated.
//
// Errors: ErrCompleted when the flow was completed already (single use); ErrStep,
// ErrConflict, ErrExpired, ErrNotFound as for Advance; otherwise database failures,
// after which the caller's transaction must fail.
func (s *Store) Complete(ctx context.Context, tx *store.Tx, f *Flow, from string) error {
	if f == nil || tx == nil {
		return fmt.Errorf("%w: Complete needs a flow and a transaction", ErrInvalid)
	}
	if f.Step != from {
		return ErrStep
	}
	now := store.Time(s.now())
	res, err := tx.Exec(ctx, `UPDATE flows SET completed_at = ?, version = version + 1
		WHERE id = ? AND step = ? AND version = ? AND completed_at IS NULL AND expires_at > ?`,
		now, f.ID, from, f.Version, now)
	if err != nil {
		return fmt.Errorf("flow: complete %s: %w", f.Kind, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("flow: complete %s: %w", f.Kind, err)
	} else if n == 0 {
		return why(tx.QueryRow(ctx, "SELECT "+columns+" FROM flows WHERE id = ?", f.ID), f, from, now)
	}
	f.CompletedAt = now
	f.Version++
	return nil
}

// Sweep deletes flows that expired more than olderThan ago (completed or not) and
// returns how many. Keeping them a while lets a late request get ErrExpired ("start
// again") rather than ErrNotFound. Errors: database failures only.
func (s *Store) Sweep(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := store.Time(s.now().Add(-max(olderThan, 0)))
	res, err := s.db.Exec(ctx, "DELETE FROM flows WHERE expires_at < ?", cutoff)
	if err != nil {
		return 0, fmt.Errorf("flow: sweep: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("flow: sweep: %w", err)
	}
	return int(n), nil
}

// why explains a compare-and-set that changed no row, from the row as it is now.
func why(row *sql.Row, f *Flow, from string, now time.Time) error {
	cur, _, _, err := scan(row)
	switch {
	case err != nil:
		return err
	case !cur.CompletedAt.IsZero():
		return ErrCompleted
	case !now.Before(cur.ExpiresAt):
		return ErrExpired
	case cur.Version != f.Version:
		return ErrConflict
	case cur.Step != from:
		return ErrStep
	}
	// The row matches every condition now: it changed and changed back between the
	// update and this read. Rare; the caller reads it again.
	return ErrConflict
}

// scan reads one flow row, its binding hash and its sealed data (Data is left
// empty: openData opens the value); no row is ErrNotFound.
func scan(row *sql.Row) (*Flow, string, []byte, error) {
	var (
		f         Flow
		value     []byte
		hash      string
		completed sql.NullTime
	)
	err := row.Scan(&f.ID, &f.Kind, &f.Step, &value, &hash, &f.Version, &f.CreatedAt, &f.ExpiresAt, &completed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil, ErrNotFound
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("flow: read: %w", err)
	}
	f.CreatedAt, f.ExpiresAt = f.CreatedAt.UTC(), f.ExpiresAt.UTC()
	if completed.Valid {
		f.CompletedAt = completed.Time.UTC()
	}
	return &f, hash, value, nil
}
