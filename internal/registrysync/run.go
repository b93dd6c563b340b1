package registrysync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"hall/internal/audit"
	"hall/internal/registry"
	"hall/internal/staff"
	"hall/internal/store"
)

// pageSize is how many registry entries Run reads per query.
const pageSize = 200

// Report is what a Run did.
type Report struct {
	Seen    int      // registry entries this run applied (not those another run applied meanwhile)
	Changes []Change // the entries that changed a unit account
}

// Run applies every registry change after the cursor, each entry and the cursor's
// advance in one transaction, and returns what changed. Several runs may go at once
// (every `hall serve` process has a Runner, an import or a clerk may start one
// more): an entry is applied only by the run that moves the cursor onto it (see
// step), so none is applied twice and none after a newer one. Errors: database,
// registry feed or audit failures; what was applied before the failure stays
// applied.
func (s *Syncer) Run(ctx context.Context, o Origin) (Report, error) {
	var rep Report
	for {
		at, uscc, err := s.cursor(ctx)
		if err != nil {
			return rep, err
		}
		page, err := s.d.Changes.ChangedAfter(ctx, at, uscc, pageSize)
		if err != nil {
			return rep, fmt.Errorf("registrysync: read changes: %w", err)
		}
		for _, e := range page {
			var c Change
			var applied bool
			err := s.d.DB.Tx(ctx, func(tx *store.Tx) error {
				var err error
				c, applied, err = s.step(ctx, tx, e, o)
				return err
			})
			if err != nil {
				return rep, err
			}
			if !applied {
				continue
			}
			rep.Seen++
			if c.Changed() {
				rep.Changes = append(rep.Changes, c)
			}
		}
		if len(page) < pageSize {
			return rep, nil
		}
	}
}

// step applies entry e of the feed inside tx if the cursor is still before it, and
// reports whether it did. The cursor moves first: its row lock (SQLite: the one
// writer) queues every other run's step behind this transaction, and a run that
// finds the cursor already at or past e skips it. Without that, a run that read its
// page before an import changed an entry and another run applied the new version
// would then apply the old version over it: the legal rep the registry no longer
// names back in the role, sessions ended and audited once more, and the newer
// version never applied again since the cursor had passed it. A lock on the cursor
// row is enough: the transactions are one entry each, short, and the feed is applied
// in order anyway.
func (s *Syncer) step(ctx context.Context, tx *store.Tx, e registry.Entry, o Origin) (Change, bool, error) {
	moved, err := s.advance(ctx, tx, e)
	if err != nil || !moved {
		return Change{USCC: e.USCC}, false, err
	}
	c, err := s.ApplyTx(ctx, tx, e, o)
	return c, err == nil, err
}

// cursor reads how far the feed has been applied (zero time and "" at first).
func (s *Syncer) cursor(ctx context.Context) (time.Time, string, error) {
	var at time.Time
	var uscc string
	err := s.d.DB.QueryRow(ctx, `SELECT updated_at, uscc FROM registry_sync_cursor WHERE id = 1`).Scan(&at, &uscc)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, "", nil
	}
	if err != nil {
		return time.Time{}, "", fmt.Errorf("registrysync: read cursor: %w", err)
	}
	return at.UTC(), uscc, nil
}

// advance moves the cursor to e, never backwards, and reports whether it moved:
// false means another run got to e or past it first. The upsert locks the cursor
// row on PostgreSQL even when its condition is false, and a run waiting for that
// lock checks the condition again against the row as committed.
func (s *Syncer) advance(ctx context.Context, tx *store.Tx, e registry.Entry) (bool, error) {
	at := store.Time(e.UpdatedAt)
	res, err := tx.Exec(ctx, `INSERT INTO registry_sync_cursor (id, updated_at, uscc) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, uscc = excluded.uscc
		WHERE registry_sync_cursor.updated_at < excluded.updated_at
		   OR (registry_sync_cursor.updated_at = excluded.updated_at AND registry_sync_cursor.uscc < excluded.uscc)`,
		at, e.USCC)
	if err != nil {
		return false, fmt.Errorf("registrysync: advance cursor: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("registrysync: advance cursor: %w", err)
	}
	return n == 1, nil
}

// SyncNow is the back office's 立即同步: a clerk runs the sync on demand, with a
// reason. Errors: staff.ErrReasonRequired, staff.ErrReasonTooLong; a *staff.Denial
// (recorded); those of Run.
func (s *Syncer) SyncNow(ctx context.Context, actor staff.Actor, reason string) (Report, error) {
	reason, err := staff.CheckReason(reason)
	if err != nil {
		return Report{}, err
	}
	role, err := s.authorize(ctx, actor, staff.ActionRegistrySync)
	if err != nil {
		return Report{}, err
	}
	rep, err := s.Run(ctx, Origin{Via: "staff", StaffID: actor.StaffID, Role: string(role), Reason: reason,
		ClientIP: actor.ClientIP, RequestID: actor.RequestID})
	if err != nil {
		return rep, err
	}
	_, err = s.d.Audit.Record(ctx, actor.Entry(role, "registry.sync", "registry", reason,
		map[string]string{"seen": fmt.Sprint(rep.Seen), "changed": fmt.Sprint(len(rep.Changes))}))
	return rep, err
}

// List is the back office's list of changes applied from the registry, newest first:
// the "registry.*" audit records, optionally of one unit. Errors: a *staff.Denial;
// database failures.
func (s *Syncer) List(ctx context.Context, actor staff.Actor, unitID int64, page int) ([]audit.Entry, int, error) {
	if _, err := s.authorize(ctx, actor, staff.ActionRegistryList); err != nil {
		return nil, 0, err
	}
	return s.d.Audit.List(ctx, audit.Filter{Action: "registry.", UnitID: unitID, Page: page})
}

// authorize checks actor's current account for action.
func (s *Syncer) authorize(ctx context.Context, actor staff.Actor, action staff.Action) (staff.Role, error) {
	var role staff.Role
	err := staff.Command(ctx, s.d.DB, s.d.Audit, actor, action, "registry", func(_ *store.Tx, _ staff.Actor, authorize staff.Authorizer) error {
		var err error
		role, err = authorize(staff.Subject{})
		return err
	})
	return role, err
}

// Runner runs the sync on a schedule (every interval) in `hall serve`.
type Runner struct {
	s        *Syncer
	interval time.Duration
	log      *slog.Logger
}

// NewRunner returns a Runner; log may be nil (slog.Default()).
func NewRunner(s *Syncer, interval time.Duration, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.Default()
	}
	return &Runner{s: s, interval: interval, log: log}
}

// Run syncs at once and then every interval until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	tick := time.NewTicker(r.interval)
	defer tick.Stop()
	for {
		rep, err := r.s.Run(ctx, Origin{Via: "schedule"})
		if err != nil && ctx.Err() == nil {
			r.log.Error("registry sync", "err", err)
		} else if len(rep.Changes) > 0 {
			r.log.Info("registry sync", "seen", rep.Seen, "changed", len(rep.Changes))
		}
		// At debug level an operator sees every process working its rounds, also
		// the rounds that found nothing to do.
		r.log.Debug("registry sync: round done", "seen", rep.Seen)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
