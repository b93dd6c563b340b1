package throttle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// State is what the login page needs to know before a submission.
type State struct {
	// CaptchaRequired: show the slider captcha with the form, because Begin would
	// refuse the submission without WithCaptchaSolved. Also true while locked, so
	// that a locked account's form looks like any account's after a few failures.
	CaptchaRequired bool
	// LockedUntil is when the latest lock among the keys runs out (UTC), zero when
	// none is locked: the end of the pause the person is told about (ErrLocked).
	LockedUntil time.Time
}

// Locked reports whether a key was locked when the State was read.
func (s State) Locked() bool { return !s.LockedUntil.IsZero() }

// UserMessage returns the hint to show beside the slider captcha when one is
// required, and "" otherwise. It never mentions a lock: the caller says that
// attempts are paused, with LockedUntil (see ErrLocked).
func (s State) UserMessage() string {
	if s.CaptchaRequired {
		return CaptchaHint
	}
	return ""
}

// Status reports the state of the keys now, without counting anything: typically
// the client address's key when the login page is shown, and the account's too
// when the page is shown again after a failure. The state may change before the
// submission; Begin decides.
//
// Errors: an error wrapping ErrInvalidKey for no keys, a zero Key or an
// unconfigured scope; otherwise a database failure.
func (t *Throttle) Status(ctx context.Context, keys ...Key) (State, error) {
	ks, err := t.prepare(keys)
	if err != nil {
		return State{}, err
	}
	now := t.dbNow()
	var out State
	for _, k := range ks {
		r, found, err := readRow(ctx, t.db.QueryRow, k)
		if err != nil {
			return State{}, err
		}
		if !found {
			continue
		}
		st := t.cfg.Scopes[k.scope].judge(r, now)
		out.CaptchaRequired = out.CaptchaRequired || st.CaptchaRequired
		if st.LockedUntil.After(out.LockedUntil) {
			out.LockedUntil = st.LockedUntil
		}
	}
	return out, nil
}

// row is one stored counter.
type row struct {
	failures    int
	windowStart time.Time
	lockedUntil sql.NullTime
}

// readRow reads k's counter with query (DB.QueryRow or Tx.QueryRow); found is
// false when there is none.
func readRow(ctx context.Context, query func(context.Context, string, ...any) *sql.Row, k Key) (r row, found bool, err error) {
	err = query(ctx, "SELECT failures, window_start, locked_until FROM throttle_counters WHERE scope = ? AND key = ?",
		k.scope, k.hash).Scan(&r.failures, &r.windowStart, &r.lockedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, false, nil
	}
	if err != nil {
		return row{}, false, fmt.Errorf("throttle: read %s: %w", k, err)
	}
	return r, true, nil
}

// judge is reserveSQL's decision in Go, for Status and for naming a refusal. The
// two must agree: a row is stale when its lock has run out, or when it has no lock
// and its window is older than Window.
func (l Limits) judge(r row, now time.Time) State {
	if l.Mode == ModeEscalate {
		// Never locked. A lock written before the scope changed mode asks for
		// the captcha until it runs out, then the row is stale.
		if r.lockedUntil.Valid {
			return State{CaptchaRequired: r.lockedUntil.Time.After(now)}
		}
		if !r.windowStart.After(now.Add(-l.Window)) {
			return State{}
		}
		return State{CaptchaRequired: r.failures >= l.CaptchaAfter}
	}
	if r.lockedUntil.Valid {
		if r.lockedUntil.Time.After(now) {
			return State{CaptchaRequired: true, LockedUntil: r.lockedUntil.Time.UTC()}
		}
		return State{}
	}
	if !r.windowStart.After(now.Add(-l.Window)) {
		return State{}
	}
	st := State{CaptchaRequired: r.failures >= l.CaptchaAfter}
	if r.failures >= l.LockAfter {
		// At the limit without a lock: the limit was lowered since, or the
		// attempt that reached it was written by an older version. Begin refuses
		// until the window ends.
		st.CaptchaRequired = true
		st.LockedUntil = r.windowStart.Add(l.Window).UTC()
	}
	return st
}

// orphanAge is how long Sweep keeps rows of a scope that is no longer configured:
// longer than any window or lock Validate allows.
const orphanAge = maxWindow + maxLockFor

// Sweep deletes the counters that no longer count: those whose lock has run out,
// and those without a lock whose window has ended (the same test Begin applies, so
// deleting them changes no decision), plus rows of scopes no longer configured
// after orphanAge. Run it periodically; it returns how many rows it deleted.
// Each scope is one statement, so the SQLite writer is never held for long.
//
// Errors: a database failure (with the count deleted before it).
func (t *Throttle) Sweep(ctx context.Context) (int, error) {
	now := t.dbNow()
	scopes := make([]Scope, 0, len(t.cfg.Scopes))
	for s := range t.cfg.Scopes {
		scopes = append(scopes, s)
	}
	slices.Sort(scopes)
	total := 0
	for _, s := range scopes {
		l := t.cfg.Scopes[s]
		res, err := t.db.Exec(ctx, `DELETE FROM throttle_counters WHERE scope = ? AND (
			(locked_until IS NOT NULL AND locked_until <= ?) OR (locked_until IS NULL AND window_start <= ?))`,
			s, now, now.Add(-l.Window))
		if err != nil {
			return total, fmt.Errorf("throttle: sweep %s: %w", s, err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	args := []any{now.Add(-orphanAge)}
	for _, s := range scopes {
		args = append(args, s)
	}
	res, err := t.db.Exec(ctx, "DELETE FROM throttle_counters WHERE updated_at <= ? AND scope NOT IN (?"+
		strings.Repeat(", ?", len(scopes)-1)+")", args...)
	if err != nil {
		return total, fmt.Errorf("throttle: sweep unconfigured scopes: %w", err)
	}
	n, _ := res.RowsAffected()
	return total + int(n), nil
}
