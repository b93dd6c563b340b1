package insurance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"hall/internal/audit"
	"hall/internal/store"
)

// DefaultPullLease is how long the pull lease lasts between renewals: a process that
// died holding it blocks the others this long at most. A run renews it every third
// of that, so a live run never loses it to a slow file.
const DefaultPullLease = 2 * time.Minute

// Puller is the scheduled pull of `hall serve --insurance-url`: every interval it
// imports what Source has, as `hall import insurance URL` does (each file all or
// nothing; a file that fails keeps what the read model held), when no other process
// serving the same database is pulling. Of several processes the one that takes the
// lease (table insurance_pull_lease) runs; the others skip that tick. Under Run the
// process that pulled keeps the lease until its next pull is due, so that several
// processes (and a restart during a rolling deploy) still pull once per interval, not
// once per process; its next tick takes it again, and if it dies another process
// takes it when it expires.
type Puller struct {
	Importer *Importer
	Source   Source
	Audit    *audit.Log   // each run is recorded as "insurance.pull"; nil records none
	Log      *slog.Logger // nil: slog.Default()
	// Lease is how long the lease lasts between renewals (DefaultPullLease when 0).
	Lease time.Duration

	once      sync.Once
	holder    string        // this puller's name in the lease, random
	every     time.Duration // Run's interval: the lease is kept until the next pull is due; 0 gives it up after each run
	closeWait time.Duration // for each closing write (lease, audit record); 0: closingWrites
}

// closingWrites bounds each write that ends a run — the lease's end, the audit
// record — which are made even when the run's context has ended (shutdown).
const closingWrites = 5 * time.Second

// PullRun is what one run did.
type PullRun struct {
	Ran      bool      // false: another process held the lease, nothing was asked
	Outcomes []Outcome // each file the source had, in the order of tables
	// HeldUntil is, when Ran is false, when the other process's lease expires
	// (zero if it could not be read).
	HeldUntil time.Time
}

// Run pulls at once and then every interval until ctx ends. A failed run is logged
// and audited, and the next tick (of this or another process) tries again; ending
// ctx cancels a run midway (the file being loaded rolls back, those loaded before
// stay). When another process holds the lease, Run tries again when it expires if
// that comes before its next tick, so that a restart, or a holder that died, does not
// leave the read model unpulled for up to two intervals.
func (p *Puller) Run(ctx context.Context, interval time.Duration) {
	p.every = interval
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		run, _ := p.Pull(ctx)
		var expired <-chan time.Time
		if !run.Ran && !run.HeldUntil.IsZero() {
			// A second's margin, so that the lease has expired by this clock too.
			if wait := time.Until(run.HeldUntil) + time.Second; wait < interval {
				expired = time.After(max(wait, time.Second))
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-expired:
			// This pull takes the place of the ticks: the next comes an interval
			// after it, before the lease it may take expires.
			tick.Reset(interval)
		}
	}
}

// Pull is one run: it takes the lease or, when another process holds it, returns
// a PullRun with Ran false and no error. Otherwise it imports what Source has,
// logs and audits the counts per file and the errors, and gives the lease up.
// Errors: the import's (ErrInvalidFile, ErrSourceUnavailable, ErrKeyRefused, a
// database failure) or the lease's; ctx's when it ended.
func (p *Puller) Pull(ctx context.Context) (PullRun, error) {
	log := p.Log
	if log == nil {
		log = slog.Default()
	}
	p.once.Do(func() {
		var b [12]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail (Go 1.24+)
		p.holder = hex.EncodeToString(b[:])
	})
	lease := p.Lease
	if lease <= 0 {
		lease = DefaultPullLease
	}
	if err := ctx.Err(); err != nil {
		return PullRun{}, err
	}
	// settle bounds a write that ends a run — the lease's end, the audit record —
	// which is made even when ctx has ended (shutdown). Each gets its own deadline
	// from the moment it starts: a run may take minutes.
	wait := p.closeWait
	if wait <= 0 {
		wait = closingWrites
	}
	settle := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), wait)
	}
	got, err := p.take(ctx, lease)
	if err != nil {
		// The claim may have been written before the error came back (a context
		// ended while the statement ran): give it up so nobody waits for it.
		relCtx, cancel := settle()
		_ = p.release(relCtx)
		cancel()
		if ctx.Err() == nil {
			log.Error("insurance pull: lease", "err", err)
		}
		return PullRun{}, err
	}
	if !got {
		log.Debug("insurance pull: another process is pulling")
		return PullRun{HeldUntil: p.heldUntil(ctx)}, nil
	}
	runCtx, stop := context.WithCancelCause(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		p.renew(runCtx, lease, stop)
	}()
	start := time.Now()
	outcomes, err := p.Importer.ImportEach(runCtx, p.Source, io.Discard)
	stop(nil)
	<-renewed
	if cause := context.Cause(runCtx); err != nil && cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause // the lease was lost: the run stopped for that
	}
	// A run stopped by shutdown or that failed gives the lease up, so another
	// process need not wait for it to expire (a process that cannot reach the core
	// system must not keep the others from it); one that succeeded keeps it until
	// the next pull is due.
	leaseCtx, cancelLease := settle()
	defer cancelLease()
	if rerr := p.finish(leaseCtx, ctx.Err() != nil || err != nil, start); rerr != nil {
		log.Warn("insurance pull: end the lease", "err", rerr)
	}
	run := PullRun{Ran: true, Outcomes: outcomes}
	recordCtx, cancelRecord := settle()
	defer cancelRecord()
	p.record(ctx, recordCtx, log, run, err, time.Since(start))
	return run, err
}

// heldUntil is when the lease another process holds expires, zero if it cannot be
// read (it was given up meanwhile: the next tick takes it).
func (p *Puller) heldUntil(ctx context.Context) time.Time {
	var until time.Time
	if err := p.Importer.DB.QueryRow(ctx, `SELECT expires_at FROM insurance_pull_lease WHERE id = 1`).Scan(&until); err != nil {
		return time.Time{}
	}
	return until
}

// finish ends a run that started at start: under Run, unless it is to give the
// lease up, the lease is kept until the next pull is due (start + interval), so that
// no other process pulls before then; otherwise, or when that time has already
// passed, it is given up.
func (p *Puller) finish(ctx context.Context, giveUp bool, start time.Time) error {
	next := start.Add(p.every)
	if p.every <= 0 || giveUp || !next.After(time.Now()) {
		return p.release(ctx)
	}
	_, err := p.Importer.DB.Exec(ctx, `UPDATE insurance_pull_lease SET expires_at = ? WHERE id = 1 AND holder = ?`,
		store.Time(next), p.holder)
	return err
}

// take claims the lease for this puller until now+lease, when it is free, expired
// or already this puller's, and reports whether it did. The upsert's condition is
// checked against the row as committed (PostgreSQL waits for a concurrent claim's
// row lock; SQLite has one writer), so two processes never both take it.
func (p *Puller) take(ctx context.Context, lease time.Duration) (bool, error) {
	now := store.Time(time.Now())
	res, err := p.Importer.DB.Exec(ctx, `INSERT INTO insurance_pull_lease (id, holder, expires_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE insurance_pull_lease.expires_at < ? OR insurance_pull_lease.holder = excluded.holder`,
		p.holder, now.Add(lease), now)
	if err != nil {
		return false, fmt.Errorf("insurance: take the pull lease: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insurance: take the pull lease: %w", err)
	}
	return n == 1, nil
}

// errLeaseLost ends a run whose lease another process took (this one stalled past
// its expiry): two runs at once would only do the work twice, but the promise is one.
var errLeaseLost = errors.New("insurance: the pull lease was lost")

// renew extends the lease every third of its length until ctx ends; when the lease
// is no longer this puller's it stops the run with errLeaseLost. A failed renewal
// (the database busy) is tried again at the next third.
func (p *Puller) renew(ctx context.Context, lease time.Duration, stop context.CancelCauseFunc) {
	tick := time.NewTicker(max(lease/3, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := store.Time(time.Now())
		res, err := p.Importer.DB.Exec(ctx, `UPDATE insurance_pull_lease SET expires_at = ? WHERE id = 1 AND holder = ?`,
			now.Add(lease), p.holder)
		if err != nil {
			continue
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			stop(errLeaseLost)
			return
		}
	}
}

// release gives the lease up if it is still this puller's.
func (p *Puller) release(ctx context.Context) error {
	_, err := p.Importer.DB.Exec(ctx, `DELETE FROM insurance_pull_lease WHERE id = 1 AND holder = ?`, p.holder)
	return err
}

// record logs a run and appends its audit record: per file the rows read, written
// and unchanged, or its failure.
func (p *Puller) record(runCtx, ctx context.Context, log *slog.Logger, run PullRun, err error, took time.Duration) {
	detail := map[string]string{"source": fmt.Sprint(p.Source), "took_ms": strconv.FormatInt(took.Milliseconds(), 10)}
	attrs := []any{"source", detail["source"], "took", took.Round(time.Millisecond)}
	for _, o := range run.Outcomes {
		var v string
		switch {
		case o.Report.Failed():
			v = fmt.Sprintf("failed: %d errors in the file", len(o.Report.Errors)+o.Report.MoreErrors)
		case o.Err != nil:
			v = "failed: " + o.Err.Error()
		default:
			v = fmt.Sprintf("rows %d, written %d, unchanged %d", o.Report.Rows, o.Report.Written, o.Report.Unchanged)
		}
		detail[o.Report.File] = v
		attrs = append(attrs, o.Report.File, v)
	}
	result := audit.Success
	switch {
	case err != nil && runCtx.Err() != nil:
		// Shutdown ended the run: the file being loaded rolled back, and the next
		// start pulls again.
		result = audit.Failure
		detail["error"] = "stopped by shutdown"
		log.Info("insurance pull stopped by shutdown", attrs...)
	case err != nil:
		result = audit.Failure
		detail["error"] = err.Error()
		attrs = append(attrs, "err", err)
		log.Error("insurance pull", attrs...)
	default:
		log.Info("insurance pull", attrs...)
	}
	if p.Audit == nil {
		return
	}
	if _, aerr := p.Audit.Record(ctx, audit.Entry{Action: "insurance.pull", Target: "insurance", Result: result, Detail: detail}); aerr != nil {
		log.Error("insurance pull: audit", "err", aerr)
	}
}
