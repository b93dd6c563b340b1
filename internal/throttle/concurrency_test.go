package throttle

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// race runs n parallel wrong guesses, each with keys(i), and returns how many
// Begin let through to the password check. Every refusal must be ErrLocked or
// ErrCaptchaRequired: a deadlock or busy error would be a failure of its own.
func race(t *testing.T, th *Throttle, n int, solved bool, keys func(i int) []Key) int {
	t.Helper()
	ctx := context.Background()
	var opts []Option
	if solved {
		opts = append(opts, WithCaptchaSolved())
	}
	var allowed atomic.Int32
	start := make(chan struct{})
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tk, err := th.Begin(ctx, keys(i), opts...)
			if err != nil {
				if !errors.Is(err, ErrLocked) && !errors.Is(err, ErrCaptchaRequired) {
					errs <- err
				}
				return
			}
			allowed.Add(1) // here the password would be checked, and found wrong
			if err := tk.Failed(ctx); err != nil {
				errs <- err
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("unexpected error: %v", err)
	}
	return int(allowed.Load())
}

// TestParallelGuessesNeverExceedTheLimit is QUALITY.md's "concurrent guesses cannot
// exceed the limit": 100 simultaneous wrong passwords for one account.
func TestParallelGuessesNeverExceedTheLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		th, _ := newThrottle(db)
		ids := people(2, 102)
		lim, _ := th.Limits(ScopeLoginAccount)
		addrLim, _ := th.Limits(ScopeLoginAddr)

		t.Run("captcha solved: at most LockAfter checks", func(t *testing.T) {
			acct := th.AccountKey(ScopeLoginAccount, ids[0])
			addr := th.AddrKey(ScopeLoginAddr, "192.0.2.10")
			got := race(t, th, 100, true, func(int) []Key { return []Key{acct, addr} })
			if got > lim.LockAfter {
				t.Fatalf("%d of 100 parallel guesses reached the password check, limit %d", got, lim.LockAfter)
			}
			if got != lim.LockAfter {
				t.Errorf("%d guesses allowed, want exactly %d (nothing else was counted)", got, lim.LockAfter)
			}
			if st := status(t, th, acct); !st.Locked() {
				t.Errorf("account not locked after %d failures: %+v", got, st)
			}
			if st := status(t, th, addr); st.Locked() || st.CaptchaRequired {
				t.Errorf("address counted refused attempts: %+v", st)
			}
		})

		t.Run("no captcha: at most CaptchaAfter checks", func(t *testing.T) {
			acct := th.AccountKey(ScopeLoginAccount, ids[1])
			addr := th.AddrKey(ScopeLoginAddr, "192.0.2.11")
			got := race(t, th, 100, false, func(int) []Key { return []Key{acct, addr} })
			if got != lim.CaptchaAfter {
				t.Fatalf("%d of 100 parallel guesses reached the password check, want %d", got, lim.CaptchaAfter)
			}
		})

		t.Run("one address, 100 accounts: at most the address's LockAfter", func(t *testing.T) {
			addr := th.AddrKey(ScopeLoginAddr, "2001:db8:77:1::5")
			got := race(t, th, 100, true, func(i int) []Key {
				return []Key{th.AccountKey(ScopeLoginAccount, ids[2+i]), addr}
			})
			if got != addrLim.LockAfter {
				t.Fatalf("%d of 100 parallel guesses from one address reached the check, want %d", got, addrLim.LockAfter)
			}
		})
	})
}
