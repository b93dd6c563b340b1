package rights

import (
	"context"
	"errors"
	"runtime"
	"time"
)

// ErrBusy: as many records as the process builds at once are being built, and
// none finished within Config.BuildWait. Nothing was stored; the unit may ask
// again in a moment.
var ErrBusy = errors.New("rights: too many records are being built")

// DefaultBuildWait is how long Issue waits for a free build slot before
// answering ErrBusy.
const DefaultBuildWait = 2 * time.Second

// buildLimit bounds the records built at once. Laying out and signing a record
// is CPU work proportional to its rows (about 300 ms of a core for a
// 3,000-employee unit, docs/benchmarks.md): without a bound, a few dozen clerks
// asking for large records at once share the cores until every request runs into
// its timeout and none is delivered, while the rest of the hall starves. With it,
// the records in the slots finish at full speed and the others are told at once
// to try again.
type buildLimit struct {
	slots chan struct{}
	wait  time.Duration
}

// newBuildLimit returns a limit of n records at once (the number of cores when
// n < 1), waiting at most wait for a slot (DefaultBuildWait when wait <= 0).
func newBuildLimit(n int, wait time.Duration) buildLimit {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	if wait <= 0 {
		wait = DefaultBuildWait
	}
	return buildLimit{slots: make(chan struct{}, n), wait: wait}
}

// acquire takes a slot and returns its release. Errors: ErrBusy when no slot
// came free within the wait; the context's error when it ended first.
func (b buildLimit) acquire(ctx context.Context) (func(), error) {
	release := func() { <-b.slots }
	select {
	case b.slots <- struct{}{}:
		return release, nil
	default:
	}
	timer := time.NewTimer(b.wait)
	defer timer.Stop()
	select {
	case b.slots <- struct{}{}:
		return release, nil
	case <-timer.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
