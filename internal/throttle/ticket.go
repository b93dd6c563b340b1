package throttle

import (
	"context"
	"fmt"
	"sync/atomic"

	"hall/internal/store"
)

// Ticket is one attempt reserved by Begin. Report its outcome once, after the
// secret was checked: Succeeded, Failed, or Cancel when the check did not happen.
// Only the first report counts; later ones do nothing and return nil, so
//
//	defer tk.Failed(ctx) // unless Succeeded or Cancel came first
//
// is a safe way to make sure every path reports. A Ticket that is never reported
// stays counted as a failure. The zero Ticket (from a refused Begin) does nothing.
// A Ticket may be copied; the copies share one outcome.
type Ticket struct{ s *ticketState }

type ticketState struct {
	th   *Throttle
	res  []reservation
	done atomic.Bool
}

// claim reports whether this call is the ticket's first report.
func (tk Ticket) claim() bool { return tk.s != nil && tk.s.done.CompareAndSwap(false, true) }

// Succeeded reports that the secret was right. Each key's counter follows its
// scope's OnSuccess policy: reset (the account's failures are forgotten, and a lock
// the attempt itself set is lifted), refund (only this attempt is given back;
// nothing on a ModeEscalate key, which did not count it), or keep (a ModeEscalate
// key counts it now).
//
// Errors: a database failure. The login has succeeded anyway; log it and go on (the
// attempt then stays counted as a failure).
func (tk Ticket) Succeeded(ctx context.Context) error {
	if !tk.claim() {
		return nil
	}
	return tk.s.settle(ctx, func(r reservation) policyAction {
		switch r.limits.OnSuccess {
		case ResetOnSuccess:
			return actReset
		case RefundOnSuccess:
			if !r.counted {
				return actNone // nothing was counted to give back
			}
			return actRefund
		}
		if !r.counted {
			return actCount // KeepOnSuccess counts successes too
		}
		return actNone
	})
}

// Failed reports that the secret was wrong. On a ModeReserve key the failure was
// counted by Begin; if this attempt was the one that reached LockAfter, the lock is
// restarted from now, so that it lasts LockFor from the failure the person saw,
// however long the check took. A ModeEscalate key counts the failure now.
//
// Errors: a database failure (the failure stays counted and the key locked).
func (tk Ticket) Failed(ctx context.Context) error {
	if !tk.claim() {
		return nil
	}
	return tk.s.settle(ctx, func(r reservation) policyAction {
		if !r.counted {
			return actCount
		}
		if r.failures >= r.limits.LockAfter {
			return actRelock
		}
		return actNone
	})
}

// Cancel reports that the secret was NOT checked (password hashing saturated, the
// database or SMS gateway failed): the attempt is given back on every key that
// counted it, whatever the policy, because the person learned nothing. Never call it after a check,
// whatever its outcome.
//
// Errors: a database failure (the attempt then stays counted).
func (tk Ticket) Cancel(ctx context.Context) error {
	if !tk.claim() {
		return nil
	}
	return tk.s.settle(ctx, func(r reservation) policyAction {
		if !r.counted {
			return actNone
		}
		return actRefund
	})
}

type policyAction uint8

const (
	actNone   policyAction = iota
	actReset               // delete the counter
	actRefund              // take this attempt back, in its own window only
	actRelock              // restart this attempt's lock from now
	actCount               // count the attempt now (ModeEscalate: a failure)
)

// countSQLFormat counts one failure of a ModeEscalate key: a first one, one more in the
// window, or a first one again when the stored count is stale (staleSQL, with the
// arguments now, cutoff). A lock left from another mode stays until it runs out.
const countSQLFormat = `INSERT INTO throttle_counters (scope, key, failures, window_start, locked_until, updated_at)
VALUES (?, ?, 1, ?, NULL, ?)
ON CONFLICT (scope, key) DO UPDATE SET
	failures = CASE WHEN %[1]s THEN 1 ELSE throttle_counters.failures + 1 END,
	window_start = CASE WHEN %[1]s THEN excluded.window_start ELSE throttle_counters.window_start END,
	locked_until = CASE WHEN %[1]s THEN NULL ELSE throttle_counters.locked_until END,
	updated_at = excluded.updated_at`

// countSQL needs no cast on PostgreSQL: no parameter is the only value of a CASE.
var countSQL = fmt.Sprintf(countSQLFormat, staleSQL)

// settle applies the action chosen per reservation in one transaction.
//
// It runs without the request's cancellation: the outcome is known, and a client
// that hangs up after its password was checked must not leave the counter as if
// the check had failed (or escape the relock).
func (s *ticketState) settle(ctx context.Context, choose func(reservation) policyAction) error {
	acts := make([]policyAction, len(s.res))
	work := false
	for i, r := range s.res {
		acts[i] = choose(r)
		work = work || acts[i] != actNone
	}
	if !work {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	now := s.th.dbNow()
	return s.th.db.Tx(ctx, func(tx *store.Tx) error {
		for i, r := range s.res {
			var err error
			switch acts[i] {
			case actReset:
				_, err = tx.Exec(ctx, "DELETE FROM throttle_counters WHERE scope = ? AND key = ?", r.key.scope, r.key.hash)
			case actRefund:
				// Only in the window the attempt was counted in (a later window has
				// not counted it), and the attempt's lock, if any, goes with it.
				_, err = tx.Exec(ctx, `UPDATE throttle_counters SET failures = failures - 1,
					locked_until = CASE WHEN failures - 1 >= ? THEN locked_until END, updated_at = ?
					WHERE scope = ? AND key = ? AND window_start = ? AND failures > 0`,
					r.limits.LockAfter, now, r.key.scope, r.key.hash, r.windowStart)
			case actCount:
				cutoff := now.Add(-r.limits.Window)
				_, err = tx.Exec(ctx, countSQL, r.key.scope, r.key.hash, now, now,
					now, cutoff, now, cutoff, now, cutoff)
			case actRelock:
				// Only extend, and only the lock this attempt set.
				until := now.Add(r.limits.LockFor)
				_, err = tx.Exec(ctx, `UPDATE throttle_counters SET locked_until = ?, updated_at = ?
					WHERE scope = ? AND key = ? AND window_start = ? AND locked_until IS NOT NULL AND locked_until < ?`,
					until, now, r.key.scope, r.key.hash, r.windowStart, until)
			}
			if err != nil {
				return fmt.Errorf("throttle: settle %s: %w", r.key, err)
			}
		}
		return nil
	})
}
