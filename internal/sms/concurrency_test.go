package sms

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// run starts n goroutines at once and collects their errors.
func run(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = fn(i)
		}()
	}
	start.Done()
	done.Wait()
	return errs
}

func TestConcurrentChecksConsumeOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, CodeConfig{})
		mobile := mobiles(20, 1)[0]
		_, code := f.issue(t, Request{Purpose: "login", Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.7"})
		errs := run(20, func(int) error {
			return f.codes.Check(context.Background(), "login", "s", mobile, code)
		})
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrCodeInvalid):
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of 20 concurrent checks of one code succeeded, want exactly 1", ok)
		}
	})
}

func TestConcurrentWrongGuessesBounded(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, CodeConfig{})
		mobile := mobiles(21, 1)[0]
		_, code := f.issue(t, Request{Purpose: "login", Binding: "s", Mobile: mobile, ClientAddr: "198.51.100.7"})
		max := f.codes.Config().MaxAttempts
		errs := run(30, func(int) error {
			return f.codes.Check(context.Background(), "login", "s", mobile, wrong(code))
		})
		invalid, tooMany := 0, 0
		for _, err := range errs {
			switch {
			case errors.Is(err, ErrCodeInvalid):
				invalid++
			case errors.Is(err, ErrTooManyAttempts):
				tooMany++
			default:
				t.Errorf("unexpected result: %v", err)
			}
		}
		// Exactly max guesses were evaluated: max-1 answered "wrong", the max-th and
		// every later one "too many".
		if invalid != max-1 || tooMany != 30-(max-1) {
			t.Fatalf("%d ErrCodeInvalid and %d ErrTooManyAttempts, want %d and %d", invalid, tooMany, max-1, 30-(max-1))
		}
		if n := count(t, db, "sms_flows", "failures = ?", max); n != 1 {
			t.Fatalf("failure count ran past MaxAttempts")
		}
		wantErr(t, "right code", f.codes.Check(context.Background(), "login", "s", mobile, code), ErrTooManyAttempts)
	})
}

func TestConcurrentIssueOnePerWindow(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, CodeConfig{})
		mobile := mobiles(22, 1)[0]
		errs := run(50, func(i int) error {
			// Half on one flow, half on flows of their own: the window is per mobile.
			binding := "shared"
			if i%2 == 1 {
				binding = fmt.Sprint("own-", i)
			}
			_, err := f.codes.Issue(context.Background(), Request{Purpose: "login", Binding: binding, Mobile: mobile, ClientAddr: fmt.Sprint("198.51.100.", i)})
			return err
		})
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrTooSoon):
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of 50 concurrent Issues succeeded within one resend window, want exactly 1", ok)
		}
		if n := f.sentTo(t, mobile); n != 1 {
			t.Fatalf("%d messages sent, want 1", n)
		}
		if n := count(t, db, "sms_codes", "state = 'active'"); n != 1 {
			t.Fatalf("%d active codes, want 1", n)
		}
	})
}
