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

		// Issue 9: the address no longer bounds guesses (the accounts do); it asks
		// for the captcha after its failures. The old test here expected the
		// address's LockAfter as a bound.
		t.Run("one address, 100 accounts: each account's own limit, then the captcha", func(t *testing.T) {
			addr := th.AddrKey(ScopeLoginAddr, "2001:db8:77:1::5")
			got := race(t, th, 100, true, func(i int) []Key {
				return []Key{th.AccountKey(ScopeLoginAccount, ids[2+i]), addr}
			})
			if got != 100 {
				t.Fatalf("%d of 100 parallel first guesses at 100 accounts reached the check, want all", got)
			}
			if st := status(t, th, addr); st.Locked() || !st.CaptchaRequired {
				t.Fatalf("address after 100 failures: %+v, want the captcha and no lock", st)
			}
			if got := race(t, th, 10, false, func(i int) []Key {
				return []Key{th.AccountKey(ScopeLoginAccount, ids[2+i]), addr}
			}); got != 0 {
				t.Fatalf("%d guesses without the captcha from an address past its limit", got)
			}
		})
	})
}

// TestParallelCorrectLoginsFromOneAddress: colleagues behind one office address
// signing in at once with correct passwords never see the captcha: only failures
// count on the address, not attempts in flight (issue 9: 16 colleagues got it 3,691
// times in 4,287 answers).
func TestParallelCorrectLoginsFromOneAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		th, _ := newThrottle(db)
		const colleagues, rounds = 16, 15
		ids := people(4, colleagues)
		addr := th.AddrKey(ScopeLoginAddr, "203.0.113.77")
		ctx := context.Background()
		var captchas, refused atomic.Int32
		errs := make(chan error, colleagues*rounds)
		for range rounds {
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range colleagues {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					tk, err := th.Begin(ctx, []Key{th.AccountKey(ScopeLoginAccount, ids[i]), addr})
					switch {
					case errors.Is(err, ErrCaptchaRequired):
						captchas.Add(1)
						return
					case err != nil:
						refused.Add(1)
						errs <- err
						return
					}
					if err := tk.Succeeded(ctx); err != nil { // the password was right
						errs <- err
					}
				}()
			}
			close(start)
			wg.Wait()
		}
		close(errs)
		for err := range errs {
			t.Errorf("unexpected error: %v", err)
		}
		if n := captchas.Load(); n != 0 {
			t.Fatalf("%d of %d correct logins from one address were asked for the captcha", n, colleagues*rounds)
		}
		if st := status(t, th, addr); st != (State{}) {
			t.Errorf("address after %d correct logins: %+v, want free", colleagues*rounds, st)
		}
	})
}
