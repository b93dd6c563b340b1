package throttle

import (
	"context"
	"errors"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestTickets(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ids := people(4, 10)

		t.Run("the lock runs from the failure, not from Begin", func(t *testing.T) {
			th, clock := newThrottle(db)
			key := th.AccountKey(ScopeLoginAccount, ids[0])
			for range 4 {
				if err := attempt(t, th, []Key{key}, true, false); err != nil {
					t.Fatal(err)
				}
			}
			tk, err := th.Begin(ctx, []Key{key}, WithCaptchaSolved())
			if err != nil {
				t.Fatal(err)
			}
			begun := clock.Now().UTC().Truncate(time.Microsecond)
			if st := status(t, th, key); !st.LockedUntil.Equal(begun.Add(10 * time.Minute)) {
				t.Fatalf("while the 5th check runs: LockedUntil %v, want %v", st.LockedUntil, begun.Add(10*time.Minute))
			}
			clock.Add(3 * time.Second) // a slow check
			if err := tk.Failed(ctx); err != nil {
				t.Fatal(err)
			}
			want := begun.Add(3*time.Second + 10*time.Minute)
			_, err = th.Begin(ctx, []Key{key}, WithCaptchaSolved())
			var le *LockedError
			if !errors.As(err, &le) || !le.Until.Equal(want) || le.Key != key {
				t.Fatalf("Begin after the 5th failure: %v, want LockedError until %v", err, want)
			}
		})

		t.Run("only the first report counts, copies share it", func(t *testing.T) {
			th, _ := newThrottle(db)
			key := th.AccountKey(ScopeLoginAccount, ids[1])
			for range 2 {
				if err := attempt(t, th, []Key{key}, false, false); err != nil {
					t.Fatal(err)
				}
			}
			tk, err := th.Begin(ctx, []Key{key})
			if err != nil {
				t.Fatal(err)
			}
			copied := tk
			if err := tk.Succeeded(ctx); err != nil {
				t.Fatal(err)
			}
			// A deferred Failed after Succeeded must not count; nor a Cancel.
			for _, f := range []func(context.Context) error{copied.Failed, tk.Failed, copied.Cancel, tk.Succeeded} {
				if err := f(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if _, found, err := readRow(ctx, db.QueryRow, key); err != nil || found {
				t.Fatalf("after a success the account row should be gone: found=%v err=%v", found, err)
			}
		})

		t.Run("the zero Ticket does nothing", func(t *testing.T) {
			var tk Ticket
			for _, f := range []func(context.Context) error{tk.Succeeded, tk.Failed, tk.Cancel} {
				if err := f(ctx); err != nil {
					t.Fatalf("zero Ticket: %v", err)
				}
			}
		})

		t.Run("duplicate keys count once", func(t *testing.T) {
			th, _ := newThrottle(db)
			key := th.AccountKey(ScopeLoginAccount, ids[2])
			same := th.AccountKey(ScopeLoginAccount, " "+ids[2]+" ")
			if err := attempt(t, th, []Key{key, same, key}, false, false); err != nil {
				t.Fatal(err)
			}
			r, _, err := readRow(ctx, db.QueryRow, key)
			if err != nil || r.failures != 1 {
				t.Fatalf("failures = %d (err %v), want 1", r.failures, err)
			}
		})

		t.Run("a lowered limit applies to counts already stored", func(t *testing.T) {
			th, clock := newThrottle(db)
			key := th.AccountKey(ScopeLoginAccount, ids[3])
			start := clock.Now().UTC().Truncate(time.Microsecond)
			for range 3 {
				if err := attempt(t, th, []Key{key}, false, false); err != nil {
					t.Fatal(err)
				}
			}
			strict := New(db, Config{Secret: testSecret, Scopes: map[Scope]Limits{
				ScopeLoginAccount: {CaptchaAfter: 2, LockAfter: 2},
			}}, clock.Now)
			_, err := strict.Begin(ctx, []Key{key}, WithCaptchaSolved())
			var le *LockedError
			if want := start.Add(15 * time.Minute); !errors.As(err, &le) || !le.Until.Equal(want) {
				t.Fatalf("got %v, want locked until the window ends (%v)", err, want)
			}
			if st := status(t, strict, key); !st.Locked() || !st.CaptchaRequired {
				t.Fatalf("Status: %+v, want locked with captcha", st)
			}
		})

		t.Run("Status of unknown keys is free", func(t *testing.T) {
			th, _ := newThrottle(db)
			st := status(t, th, th.AccountKey(ScopeLoginAccount, ids[4]), th.AddrKey(ScopeLoginAddr, "192.0.2.99"))
			if st != (State{}) || st.UserMessage() != "" {
				t.Fatalf("got %+v %q", st, st.UserMessage())
			}
		})
	})
}

func TestInvalidKeys(t *testing.T) {
	th := New(nil, Config{Secret: testSecret}, nil) // refused before the database
	ctx := context.Background()
	cases := []struct {
		name string
		keys []Key
	}{
		{"no keys", nil},
		{"zero key", []Key{th.AccountKey(ScopeLoginAccount, "x"), {}}},
		{"unconfigured scope", []Key{th.AccountKey("no-such-scope", "x")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tk, err := th.Begin(ctx, c.keys)
			if !errors.Is(err, ErrInvalidKey) || tk != (Ticket{}) {
				t.Errorf("Begin: %v, %v; want ErrInvalidKey and the zero Ticket", tk, err)
			}
			if _, err := th.Status(ctx, c.keys...); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Status: %v, want ErrInvalidKey", err)
			}
		})
	}
}

func TestStateUserMessage(t *testing.T) {
	locked := State{CaptchaRequired: true, LockedUntil: time.Date(2026, 3, 2, 10, 10, 0, 0, time.UTC)}
	cases := []struct {
		st   State
		want string
	}{
		{State{}, ""},
		{State{CaptchaRequired: true}, CaptchaHint},
		{locked, CaptchaHint}, // the same as for a few failures: never a word about the lock
	}
	for _, c := range cases {
		if got := c.st.UserMessage(); got != c.want {
			t.Errorf("%+v: UserMessage() = %q, want %q", c.st, got, c.want)
		}
	}
	if err := (&LockedError{Until: locked.LockedUntil}); !errors.Is(err, ErrLocked) || errors.Is(err, ErrCaptchaRequired) {
		t.Errorf("LockedError matches ErrLocked only: %v", err)
	}
}
