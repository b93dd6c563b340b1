package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestTouch: the keep-alive restarts the idle time from now even inside Lookup's
// one-minute granularity, never moves the absolute expiry and never revives a
// session that ended or ran out.
func TestTouch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		pid := f.person(t)

		cases := []struct {
			name string
			// before runs between Create and Touch and returns the token to touch.
			before  func(t *testing.T, tok string) string
			wantErr bool
		}{
			{"fresh", func(t *testing.T, tok string) string { f.clock.Add(30 * time.Second); return tok }, false},
			{"just inside idle", func(t *testing.T, tok string) string { f.clock.Add(DefaultIdle - time.Second); return tok }, false},
			{"idle ran out", func(t *testing.T, tok string) string { f.clock.Add(DefaultIdle); return tok }, true},
			{"ended", func(t *testing.T, tok string) string {
				if err := f.ss.End(ctx, tok); err != nil {
					t.Fatal(err)
				}
				return tok
			}, true},
			{"unknown token", func(t *testing.T, tok string) string { tok2, _, _ := newToken(); return tok2 }, true},
			{"malformed", func(t *testing.T, tok string) string { return "x" }, true},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				tok, created := f.create(t, Subject{PersonID: pid})
				target := tc.before(t, tok)
				now := f.clock.Now()
				s, err := f.ss.Touch(ctx, target)
				if tc.wantErr {
					if !errors.Is(err, ErrNoSession) {
						t.Fatalf("Touch = %v, want ErrNoSession", err)
					}
					if _, err := f.ss.Lookup(ctx, tok); !errors.Is(err, ErrNoSession) && tc.name != "unknown token" && tc.name != "malformed" {
						t.Fatalf("session revived: Lookup = %v", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("Touch: %v", err)
				}
				if want := store.Time(now).Add(DefaultIdle); !s.IdleExpiresAt.Equal(want) {
					t.Errorf("idle expiry %s, want %s", s.IdleExpiresAt, want)
				}
				if !s.AbsoluteExpiresAt.Equal(created.AbsoluteExpiresAt) {
					t.Errorf("absolute expiry moved: %s → %s", created.AbsoluteExpiresAt, s.AbsoluteExpiresAt)
				}
				// The idle time counts from the touch: just before its end the
				// session lives, at its end it is gone.
				f.clock.Add(DefaultIdle - time.Second)
				if _, err := f.ss.Lookup(ctx, tok); err != nil {
					t.Fatalf("Lookup after touch: %v", err)
				}
			})
		}

		// Near the absolute end the idle expiry is capped by it.
		tok, created := f.create(t, Subject{PersonID: pid})
		for f.clock.Now().Add(DefaultIdle).Before(created.AbsoluteExpiresAt) {
			f.clock.Add(DefaultIdle - time.Minute)
			if _, err := f.ss.Touch(ctx, tok); err != nil {
				t.Fatalf("keep-alive before the absolute end: %v", err)
			}
		}
		s, err := f.ss.Touch(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if !s.IdleExpiresAt.Equal(created.AbsoluteExpiresAt) {
			t.Errorf("idle expiry %s past the absolute %s", s.IdleExpiresAt, created.AbsoluteExpiresAt)
		}
		f.clock.Add(s.AbsoluteExpiresAt.Sub(f.clock.Now()))
		if _, err := f.ss.Touch(ctx, tok); !errors.Is(err, ErrNoSession) {
			t.Fatalf("Touch at the absolute end = %v, want ErrNoSession", err)
		}
	})
}
