package cases

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/throttle"
)

// TestProgressKeysLimits: on both engines, 办件进度查询's look-ups counted with
// ProgressKeys in one throttle.Begin. One address is held to ProgressAddrLimits;
// many addresses asking about one USCC are held to ProgressUSCCLimits together, the
// hits as the misses (Succeeded keeps the count), whatever the code's spelling;
// another USCC, or the same after its day, goes on; the refusal says until when.
func TestProgressKeysLimits(t *testing.T) {
	other := ident.GenerateUSCC(rand.New(rand.NewPCG(3, 5)), "320102")
	fullWidth := "９" + validUSCC[1:] // the same code, its first digit typed full width
	for _, tc := range []struct {
		name string
		// look-ups made first: by distinct addresses unless oneAddr, each reported
		// as a hit (Succeeded) when i is even, as a miss otherwise
		before  int
		oneAddr bool
		// then one look-up for uscc from a new address (or the same one), after wait
		uscc      string
		wait      time.Duration
		wantAllow bool
	}{
		{name: "under the USCC's limit", before: ProgressUSCCLimits.LockAfter - 1, uscc: validUSCC, wantAllow: true},
		{name: "at the USCC's limit, from a new address", before: ProgressUSCCLimits.LockAfter, uscc: validUSCC},
		{name: "the USCC typed with a full-width digit", before: ProgressUSCCLimits.LockAfter, uscc: fullWidth},
		{name: "another USCC", before: ProgressUSCCLimits.LockAfter, uscc: other, wantAllow: true},
		{name: "the USCC after its window", before: ProgressUSCCLimits.LockAfter, uscc: validUSCC,
			wait: ProgressUSCCLimits.LockFor + time.Second, wantAllow: true},
		{name: "one address at its limit, another USCC", before: ProgressAddrLimits.LockAfter, oneAddr: true, uscc: other},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				now := time.Date(2026, 4, 13, 9, 0, 0, 0, time.UTC)
				cfg := throttle.DefaultConfig()
				cfg.Scopes[ScopeProgressAddr] = ProgressAddrLimits
				cfg.Scopes[ScopeProgressUSCC] = ProgressUSCCLimits
				th := throttle.New(db, cfg, func() time.Time { return now })
				addr := func(i int) string {
					if tc.oneAddr {
						return "203.0.113.9"
					}
					return fmt.Sprintf("198.51.%d.%d", i/250, i%250+1)
				}
				for i := range tc.before {
					tk, err := th.Begin(ctx, ProgressKeys(th, addr(i), ProgressQuery{USCC: validUSCC}))
					if err != nil {
						t.Fatalf("look-up %d: %v", i+1, err)
					}
					if i%2 == 0 {
						err = tk.Succeeded(ctx)
					} else {
						err = tk.Failed(ctx)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				now = now.Add(tc.wait)
				q, errs := CheckProgressQuery("20260413000001", tc.uscc)
				if errs != nil {
					t.Fatalf("query: %v", errs)
				}
				tk, err := th.Begin(ctx, ProgressKeys(th, addr(tc.before), q))
				var locked *throttle.LockedError
				switch {
				case tc.wantAllow && err != nil:
					t.Fatalf("refused: %v", err)
				case !tc.wantAllow && !errors.As(err, &locked):
					t.Fatalf("got %v, want a lock", err)
				case !tc.wantAllow && !locked.Until.Equal(now.Truncate(time.Microsecond).Add(-tc.wait).Add(lockFor(tc.oneAddr))):
					t.Errorf("locked until %v", locked.Until)
				}
				if err := tk.Succeeded(ctx); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

// lockFor is how long the lock of the key that refused lasts.
func lockFor(oneAddr bool) time.Duration {
	if oneAddr {
		return ProgressAddrLimits.LockFor
	}
	return ProgressUSCCLimits.LockFor
}
