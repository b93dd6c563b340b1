package throttle

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"hall/internal/store"
)

// Throttle counts attempts in the database. It is safe for concurrent use, and
// several processes may share one database.
type Throttle struct {
	db  *store.DB
	cfg Config
	now func() time.Time
}

// New returns a Throttle. now is the clock (nil means time.Now); tests pass a fake
// one. New panics if cfg.Validate fails: configuration is checked at start-up.
func New(db *store.DB, cfg Config, now func() time.Time) *Throttle {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	if now == nil {
		now = time.Now
	}
	return &Throttle{db: db, cfg: cfg.withDefaults(), now: now}
}

// Limits returns the limits in force for scope (defaults filled in) and whether
// the scope is configured.
func (t *Throttle) Limits(scope Scope) (Limits, bool) {
	l, ok := t.cfg.Scopes[scope]
	return l, ok
}

// dbNow is the clock as stored: UTC, microseconds (PostgreSQL's precision), so a
// time read back compares equal to the time written.
func (t *Throttle) dbNow() time.Time { return t.now().UTC().Truncate(time.Microsecond) }

// Option changes one Begin call.
type Option func(*options)

type options struct{ captchaSolved bool }

// WithCaptchaSolved tells Begin that the person solved the slider captcha for this
// submission, so keys past CaptchaAfter may go on up to LockAfter. Pass it only after
// the captcha service has verified (and consumed) the answer.
func WithCaptchaSolved() Option { return func(o *options) { o.captchaSolved = true } }

// Begin reserves one attempt on every key, before the secret (password, SMS code)
// is checked, or refuses. On a ModeReserve key the reservation is counted as a
// failure at once; the Ticket's Succeeded or Cancel gives it back as the scope's
// policy says. Because the count goes up before the check, concurrent attempts see
// each other, and at most LockAfter attempts per key and window ever reach the
// check; and a process that dies between Begin and the outcome leaves a failure
// counted (fail closed). A ModeEscalate key is only read here (captcha needed or
// not) and counted by Ticket.Failed.
//
// Either every key is reserved or none is (one transaction). Keys are taken in a
// fixed order (scope, hash), so concurrent Begins on overlapping keys cannot
// deadlock on PostgreSQL; duplicate keys count once.
//
// Errors:
//   - a *LockedError (errors.Is ErrLocked) when any key is locked, or has LockAfter
//     attempts in the window — say that attempts are paused, see ErrLocked;
//   - ErrCaptchaRequired when no key is locked but one has CaptchaAfter attempts
//     and opts lack WithCaptchaSolved;
//   - an error wrapping ErrInvalidKey for no keys, a zero Key or an unconfigured
//     scope;
//   - otherwise a database failure (or ctx's error): fail closed, do not check the
//     secret.
//
// A refused attempt is not counted: it did not reach the check. On any error the
// returned Ticket is the zero Ticket, whose methods do nothing.
func (t *Throttle) Begin(ctx context.Context, keys []Key, opts ...Option) (Ticket, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	ks, err := t.prepare(keys)
	if err != nil {
		return Ticket{}, err
	}
	now := t.dbNow()
	var res []reservation
	err = t.db.Tx(ctx, func(tx *store.Tx) error {
		res = res[:0]
		for _, k := range ks {
			reserveOrCheck := t.reserve
			if t.cfg.Scopes[k.scope].Mode == ModeEscalate {
				reserveOrCheck = t.check
			}
			r, ok, err := reserveOrCheck(ctx, tx, k, now, o.captchaSolved)
			if err != nil {
				return err
			}
			if !ok {
				return t.refusal(ctx, tx, ks, now)
			}
			res = append(res, r)
		}
		return nil
	})
	if err != nil {
		return Ticket{}, err
	}
	return Ticket{s: &ticketState{th: t, res: res}}, nil
}

// reserveSQL is the whole of a reservation: one upsert that inserts a first
// attempt, or counts one more when the row allows it, or changes nothing and
// returns no row. Being one statement, it is atomic on both engines: SQLite has one
// writer, and on PostgreSQL ON CONFLICT DO UPDATE locks the row and evaluates the
// WHERE on its newest version, so concurrent reservations queue on the row and each
// sees the previous one's count.
//
// %[1]s is "the stored count is stale" (needs the arguments now, cutoff): a lock
// that has run out, or no lock and a window older than cutoff. A stale row starts
// again at one. %[2]s is a timestamp placeholder (PostgreSQL cannot infer the type
// of a parameter that is the only value of a CASE).
const reserveSQL = `INSERT INTO throttle_counters (scope, key, failures, window_start, locked_until, updated_at)
VALUES (?, ?, 1, ?, ?, ?)
ON CONFLICT (scope, key) DO UPDATE SET
	failures = CASE WHEN %[1]s THEN 1 ELSE throttle_counters.failures + 1 END,
	window_start = CASE WHEN %[1]s THEN excluded.window_start ELSE throttle_counters.window_start END,
	locked_until = CASE WHEN (CASE WHEN %[1]s THEN 1 ELSE throttle_counters.failures + 1 END) >= ? THEN %[2]s END,
	updated_at = excluded.updated_at
WHERE %[1]s OR (throttle_counters.locked_until IS NULL AND throttle_counters.failures < ?)
RETURNING failures, window_start`

const staleSQL = `((throttle_counters.locked_until IS NOT NULL AND throttle_counters.locked_until <= ?)
	OR (throttle_counters.locked_until IS NULL AND throttle_counters.window_start <= ?))`

var (
	reserveSQLite   = fmt.Sprintf(reserveSQL, staleSQL, "?")
	reservePostgres = fmt.Sprintf(reserveSQL, staleSQL, "CAST(? AS TIMESTAMPTZ)")
)

// reservation is one key's share of a Ticket.
type reservation struct {
	key    Key
	limits Limits
	// counted: Begin counted the attempt (ModeReserve); failures and windowStart
	// are then set. A ModeEscalate key is counted by the outcome instead.
	counted     bool
	failures    int       // the count including this attempt
	windowStart time.Time // identifies the window the attempt was counted in
}

// check is Begin's step for a ModeEscalate key: nothing is counted before the
// outcome; the attempt may go on unless the key's failures ask for the captcha
// and it was not solved.
func (t *Throttle) check(ctx context.Context, tx *store.Tx, k Key, now time.Time, solved bool) (r reservation, ok bool, err error) {
	l := t.cfg.Scopes[k.scope]
	row, found, err := readRow(ctx, tx.QueryRow, k)
	if err != nil {
		return reservation{}, false, err
	}
	if found {
		if st := l.judge(row, now); st.Locked() || (st.CaptchaRequired && !solved) {
			return reservation{}, false, nil
		}
	}
	return reservation{key: k, limits: l}, true, nil
}

// reserve counts one attempt on k if its limits allow it; ok is false when the row
// refused (locked, at LockAfter, or at CaptchaAfter without a solved captcha).
func (t *Throttle) reserve(ctx context.Context, tx *store.Tx, k Key, now time.Time, solved bool) (r reservation, ok bool, err error) {
	l := t.cfg.Scopes[k.scope]
	// The row lets an attempt through while the count is below this.
	below := l.CaptchaAfter
	if solved {
		below = l.LockAfter
	}
	lockUntil := now.Add(l.LockFor)
	var firstLock any // the first attempt locks only when LockAfter is 1
	if l.LockAfter <= 1 {
		firstLock = lockUntil
	}
	cutoff := now.Add(-l.Window)
	q := reserveSQLite
	if tx.Engine() == store.Postgres {
		q = reservePostgres
	}
	var ws time.Time
	err = tx.QueryRow(ctx, q,
		k.scope, k.hash, now, firstLock, now,
		now, cutoff, // failures
		now, cutoff, // window_start
		now, cutoff, l.LockAfter, lockUntil, // locked_until
		now, cutoff, below, // WHERE
	).Scan(&r.failures, &ws)
	if errors.Is(err, sql.ErrNoRows) {
		return reservation{}, false, nil
	}
	if err != nil {
		return reservation{}, false, fmt.Errorf("throttle: reserve %s: %w", k, err)
	}
	r.key, r.limits, r.counted, r.windowStart = k, l, true, ws.UTC()
	return r, true, nil
}

// refusal explains why a reservation was refused, reading every key's row inside
// the refusing transaction (which the returned error then rolls back): a lock on
// any key wins over a captcha, so the log names the lock.
func (t *Throttle) refusal(ctx context.Context, tx *store.Tx, ks []Key, now time.Time) error {
	var locked *LockedError
	captcha := false
	for _, k := range ks {
		row, found, err := readRow(ctx, tx.QueryRow, k)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		st := t.cfg.Scopes[k.scope].judge(row, now)
		if !st.LockedUntil.IsZero() && (locked == nil || st.LockedUntil.After(locked.Until)) {
			locked = &LockedError{Key: k, Until: st.LockedUntil}
		}
		captcha = captcha || st.CaptchaRequired
	}
	switch {
	case locked != nil:
		return locked
	case captcha:
		return ErrCaptchaRequired
	}
	// Unreachable while judge and reserveSQL agree; fail closed if they do not.
	return fmt.Errorf("throttle: attempt refused for no known reason")
}

// prepare checks the keys and returns them deduplicated in lock order.
func (t *Throttle) prepare(keys []Key) ([]Key, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrInvalidKey)
	}
	for _, k := range keys {
		if k.IsZero() {
			return nil, fmt.Errorf("%w: zero Key", ErrInvalidKey)
		}
		if _, ok := t.cfg.Scopes[k.scope]; !ok {
			return nil, fmt.Errorf("%w: scope %q is not configured", ErrInvalidKey, k.scope)
		}
	}
	ks := slices.Clone(keys)
	slices.SortFunc(ks, func(a, b Key) int {
		return cmp.Or(cmp.Compare(a.scope, b.scope), cmp.Compare(a.hash, b.hash))
	})
	return slices.Compact(ks), nil
}
