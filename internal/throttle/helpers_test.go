package throttle

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
)

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts at 2026-03-02 10:00:00.123456789 UTC; the nanoseconds check that
// times are truncated to what the database keeps.
func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 123456789, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testSecret is an invented key for tests.
var testSecret = []byte("test-secret-0123456789abcdef")

// newThrottle returns a Throttle with the default limits and a fake clock.
func newThrottle(db *store.DB) (*Throttle, *fakeClock) {
	clock := newClock()
	return New(db, Config{Secret: testSecret}, clock.Now), clock
}

// people returns n distinct invented resident ID numbers.
func people(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		birth := time.Date(1960+r.IntN(45), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		id := ident.GenerateResidentID(r, "", birth, r.IntN(2) == 0)
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// mobiles returns n distinct invented mobile numbers.
func mobiles(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, seed^0x51afd7ed558ccd25))
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		m := ident.GenerateMobile(r)
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// attempt runs one whole attempt: Begin, then Failed or Succeeded when allowed.
// It returns Begin's error.
func attempt(t *testing.T, th *Throttle, keys []Key, solved, right bool) error {
	t.Helper()
	ctx := context.Background()
	var opts []Option
	if solved {
		opts = append(opts, WithCaptchaSolved())
	}
	tk, err := th.Begin(ctx, keys, opts...)
	if err != nil {
		if !errors.Is(err, ErrLocked) && !errors.Is(err, ErrCaptchaRequired) {
			t.Fatalf("Begin: unexpected error %v", err)
		}
		return err
	}
	if right {
		err = tk.Succeeded(ctx)
	} else {
		err = tk.Failed(ctx)
	}
	if err != nil {
		t.Fatalf("settle: %v", err)
	}
	return nil
}

// status is Status that fails the test on error.
func status(t *testing.T, th *Throttle, keys ...Key) State {
	t.Helper()
	st, err := th.Status(context.Background(), keys...)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	return st
}

// errName names Begin's outcome for test messages and tables.
func errName(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrLocked):
		return "locked"
	case errors.Is(err, ErrCaptchaRequired):
		return "captcha"
	}
	return err.Error()
}
