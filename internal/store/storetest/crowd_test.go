package storetest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// TestCrowdAndChangeStopsWhenTheChangeFails: a failed change cancels the crowd's
// context at once, so the race ends long before ctx's deadline with the change's
// error alone, instead of the crowd running on (no attempt is ever refused by a
// change that did not land) until the deadline.
func TestCrowdAndChangeStopsWhenTheChangeFails(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	failed := errors.New("the change failed")
	var attempts atomic.Int64
	start := time.Now()
	errs := CrowdAndChange(ctx, 4,
		func(ctx context.Context, _ int) error {
			attempts.Add(1)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Millisecond):
				return nil
			}
		},
		func(error) bool { return false },
		func(context.Context) error { return failed })
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the race took %v after the change failed; want it stopped at once", took)
	}
	if len(errs) != 1 || !errors.Is(errs[0], failed) {
		t.Errorf("errors %v, want the change's alone", errs)
	}
	if ctx.Err() != nil {
		t.Errorf("the caller's context ended: %v", ctx.Err())
	}
	if attempts.Load() < 4 {
		t.Errorf("%d attempts; the change ran before the crowd was in", attempts.Load())
	}
}
