package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"hall/internal/store"
)

// pollBatch is how many deliveries Poll reads per query.
const pollBatch = 100

// Report is what a Poll did.
type Report struct {
	Shipped int // deliveries the carrier accepted in this poll
	Tracked int // open deliveries asked about
	Events  int // new events recorded (not those another process recorded meanwhile)
	Failed  int // carrier calls that failed; the next poll tries again
}

// Poll is the delivery job: it hands every delivery still waiting for a waybill to
// the carrier, then asks the carrier for the events of every open delivery and
// records the new ones, in batches by id. Several processes may poll at once: an
// event is stored once (its unique key), the status is the fold of the stored
// events, and a waybill is stored only on a delivery that has none. A carrier
// failure on one delivery is counted and the poll goes on. Errors: database
// failures reading the batches.
func (s *Service) Poll(ctx context.Context) (Report, error) {
	var rep Report
	if err := s.batches(ctx, `SELECT id, '' FROM deliveries WHERE tracking_no IS NULL AND status = 'pending' AND id > ?
		ORDER BY id LIMIT ?`, func(id int64, _ string) {
		shipped, err := s.ship(ctx, id)
		if err != nil {
			rep.Failed++
			s.d.Log.Warn("delivery: ship", "delivery", id, "err", err)
		} else if shipped {
			rep.Shipped++
		}
	}); err != nil {
		return rep, err
	}
	err := s.batches(ctx, `SELECT id, tracking_no FROM deliveries WHERE tracking_no IS NOT NULL AND status <> 'signed' AND id > ?
		ORDER BY id LIMIT ?`, func(id int64, no string) {
		rep.Tracked++
		evs, err := s.d.Carrier.Track(ctx, no)
		if err == nil {
			var n int
			n, err = s.record(ctx, id, evs)
			rep.Events += n
		}
		if err != nil {
			rep.Failed++
			s.d.Log.Warn("delivery: track", "delivery", id, "err", err)
		}
	})
	return rep, err
}

// batches runs fn on every row of q (id, text; its two parameters the last id and
// the batch size), a batch at a time, until ctx ends or the rows do.
func (s *Service) batches(ctx context.Context, q string, fn func(id int64, text string)) error {
	var last int64
	for ctx.Err() == nil {
		// The batch is read in full before the carrier is called: SQLite's one
		// connection must not stay busy with an open cursor during the calls.
		batch, err := s.batch(ctx, q, last)
		if err != nil {
			return err
		}
		for _, r := range batch {
			fn(r.id, r.text)
			last = r.id
		}
		if len(batch) < pollBatch {
			return nil
		}
	}
	return ctx.Err()
}

type pollRow struct {
	id   int64
	text string
}

// batch is the next batch of q after id last.
func (s *Service) batch(ctx context.Context, q string, last int64) ([]pollRow, error) {
	rows, err := s.d.DB.Query(ctx, q, last, pollBatch)
	if err != nil {
		return nil, fmt.Errorf("delivery: poll: %w", err)
	}
	defer rows.Close()
	var out []pollRow
	for rows.Next() {
		var r pollRow
		if err := rows.Scan(&r.id, &r.text); err != nil {
			return nil, fmt.Errorf("delivery: poll: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("delivery: poll: %w", err)
	}
	return out, nil
}

// record stores the carrier's events of delivery id that are not stored yet and
// moves the status to the fold of all its events, in one transaction, and returns
// how many events were new.
func (s *Service) record(ctx context.Context, id int64, evs []TrackEvent) (int, error) {
	now := store.Time(s.d.Now())
	var added int
	err := s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		added = 0
		for _, e := range evs {
			if !e.Status.Valid() || e.At.IsZero() {
				continue
			}
			res, err := tx.Exec(ctx, `INSERT INTO delivery_events (delivery_id, status, at, place, description) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (delivery_id, status, at) DO NOTHING`, id, string(e.Status), store.Time(e.At), e.Place, e.Description)
			if err != nil {
				return fmt.Errorf("delivery: record event: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("delivery: record event: %w", err)
			}
			added += int(n)
		}
		stored, err := s.events(ctx, tx, id)
		if err != nil {
			return err
		}
		seq := make([]Status, len(stored))
		for i, e := range stored {
			seq[i] = e.Status
		}
		st := Fold(seq)
		if _, err := tx.Exec(ctx, `UPDATE deliveries SET status = ?, updated_at = ? WHERE id = ? AND status <> ?`,
			string(st), now, id, string(st)); err != nil {
			return fmt.Errorf("delivery: status: %w", err)
		}
		return nil
	})
	return added, err
}

// Runner polls on a schedule.
type Runner struct {
	s        *Service
	interval time.Duration
	log      *slog.Logger
}

// NewRunner returns a Runner polling s every interval.
func NewRunner(s *Service, interval time.Duration, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.Default()
	}
	return &Runner{s: s, interval: interval, log: log}
}

// Run polls at once and then every interval until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	tick := time.NewTicker(r.interval)
	defer tick.Stop()
	for {
		rep, err := r.s.Poll(ctx)
		switch {
		case err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil:
			r.log.Error("delivery poll", "err", err)
		case rep.Shipped > 0 || rep.Events > 0 || rep.Failed > 0:
			r.log.Info("delivery poll", "shipped", rep.Shipped, "tracked", rep.Tracked, "events", rep.Events, "failed", rep.Failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
