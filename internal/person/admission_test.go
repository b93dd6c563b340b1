package person

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestAdmissionBound: the slots plus what they work off within the budget, at
// least one waiting login per slot, at most maxQueuedPerSlot per slot; a
// configured queue replaces the derived one.
func TestAdmissionBound(t *testing.T) {
	for _, tc := range []struct {
		name           string
		slots, queued  int
		budget, hashed time.Duration
		want           int
	}{
		{"2 cores, default 2s budget, 25ms hash", 2, 0, 2 * time.Second, 25 * time.Millisecond, 2 + 2*80},
		{"floor of the budget", 2, 0, 2 * time.Second, 30 * time.Millisecond, 2 + 2*66},
		{"budget exactly one hash", 4, 0, 100 * time.Millisecond, 100 * time.Millisecond, 4 + 4},
		{"hash longer than the budget: one per slot", 2, 0, 100 * time.Millisecond, time.Second, 2 + 2},
		{"race detector: 1 minute budget, 1s hash", 2, 0, time.Minute, time.Second, 2 + 2*60},
		{"tiny hash capped", 2, 0, time.Minute, time.Nanosecond, 2 + 2*maxQueuedPerSlot},
		{"unmeasured hash capped", 1, 0, time.Second, 0, 1 + maxQueuedPerSlot},
		{"zero budget: one per slot", 3, 0, 0, 25 * time.Millisecond, 3 + 3},
		{"configured queue", 2, 7, 2 * time.Second, 25 * time.Millisecond, 2 + 7},
		{"configured queue ignores the hash time", 1, 1, time.Minute, time.Nanosecond, 2},
	} {
		if got := AdmissionBound(tc.slots, tc.queued, tc.budget, tc.hashed); got != tc.want {
			t.Errorf("%s: AdmissionBound(%d, %d, %s, %s) = %d, want %d",
				tc.name, tc.slots, tc.queued, tc.budget, tc.hashed, got, tc.want)
		}
	}
}

// TestInitialHashTime: before any hash is measured the estimate is the reference
// time scaled by memory × passes.
func TestInitialHashTime(t *testing.T) {
	cfg := DefaultHashConfig()
	if got := initialHashTime(cfg); got != referenceHashTime {
		t.Errorf("default parameters: %s, want %s", got, referenceHashTime)
	}
	cfg.Time = 4
	if got := initialHashTime(cfg); got != 2*referenceHashTime {
		t.Errorf("twice the passes: %s, want %s", got, 2*referenceHashTime)
	}
	cfg.Memory, cfg.Time = 1, 1
	if got := initialHashTime(cfg); got != time.Microsecond {
		t.Errorf("next to no work: %s, want the 1µs floor", got)
	}
}

// TestHasherAdmit: Admit lets in up to the bound and refuses the next one at
// once, without hashing; a release makes room again, once however often it is
// called; an ended context is refused with its error.
func TestHasherAdmit(t *testing.T) {
	cfg := DefaultHashConfig()
	cfg.Memory, cfg.Time, cfg.MaxConcurrent, cfg.MaxQueued, cfg.MaxWait = 64, 1, 2, 3, time.Minute
	h, err := newHasher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if b := h.Bound(); b != 5 {
		t.Fatalf("Bound = %d, want 2 slots + 3 queued", b)
	}
	var releases []func()
	for i := range 5 {
		release, err := h.Admit(ctx)
		if err != nil {
			t.Fatalf("Admit %d = %v", i, err)
		}
		releases = append(releases, release)
	}
	start := time.Now()
	if _, err := h.Admit(ctx); !errors.Is(err, ErrBusy) {
		t.Fatalf("Admit past the bound = %v, want ErrBusy", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusal took %s, want at once", d)
	}
	st := h.Stats()
	if st.Admitted != 5 || st.AdmittedPeak != 5 || st.Refused != 1 || st.Hashes != 0 {
		t.Errorf("Stats = %+v, want 5 admitted, peak 5, 1 refused, no hash", st)
	}
	if ra := h.RetryAfter(); ra < time.Second {
		t.Errorf("RetryAfter = %s, want at least a second", ra)
	}
	releases[0]()
	releases[0]() // idempotent: frees one place, not two
	if _, err := h.Admit(ctx); err != nil {
		t.Fatalf("Admit after a release = %v", err)
	}
	if _, err := h.Admit(ctx); !errors.Is(err, ErrBusy) {
		t.Fatalf("Admit after a repeated release = %v, want ErrBusy", err)
	}
	for _, release := range releases[1:] {
		release()
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := h.Admit(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("Admit with an ended context = %v, want context.Canceled", err)
	}
	if err := h.Dummy(ctx); err != nil {
		t.Fatal(err)
	}
	if st := h.Stats(); st.Hashes != 1 || st.HashTime <= 0 {
		t.Errorf("after one Dummy: Stats = %+v, want 1 hash and a measured time", st)
	}
}

// TestHasherAdmitParallel: 200 logins at once (Admit, then Authenticate, known
// and unknown accounts alike) never have more than the bound admitted, every
// refused one is ErrBusy and hashed nothing, every admitted one hashed once.
func TestHasherAdmitParallel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p, _ := f.register(t)
		cfg := DefaultHashConfig()
		cfg.Memory, cfg.Time, cfg.MaxConcurrent, cfg.MaxQueued, cfg.MaxWait = 64, 1, 2, 4, time.Minute
		h, err := newHasher(cfg)
		if err != nil {
			t.Fatal(err)
		}
		svc := New(db, h, f.codes, ident.DefaultPasswordPolicy(), f.audit, f.clock.Now)
		const n = 200
		var (
			wg               sync.WaitGroup
			mu               sync.Mutex
			admitted, busy   int
			unexpected       []error
			start            = make(chan struct{})
			logins           = []string{p.IDNumber, "nobody"}
			admittedAtOnceOK = true
		)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				release, err := h.Admit(ctx)
				if errors.Is(err, ErrBusy) {
					mu.Lock()
					busy++
					mu.Unlock()
					return
				}
				if err != nil {
					mu.Lock()
					unexpected = append(unexpected, err)
					mu.Unlock()
					return
				}
				defer release()
				if st := h.Stats(); st.Admitted > st.Bound {
					mu.Lock()
					admittedAtOnceOK = false
					mu.Unlock()
				}
				_, err = svc.Authenticate(ctx, logins[i%2], "Wrong#pass1")
				mu.Lock()
				admitted++
				if !errors.Is(err, ErrBadCredentials) {
					unexpected = append(unexpected, err)
				}
				mu.Unlock()
			}()
		}
		close(start)
		wg.Wait()
		st := h.Stats()
		if len(unexpected) > 0 {
			t.Fatalf("unexpected errors: %v", unexpected)
		}
		if !admittedAtOnceOK || st.AdmittedPeak > 6 {
			t.Errorf("admitted peak %d, want at most the bound 6", st.AdmittedPeak)
		}
		if admitted+busy != n || admitted == 0 {
			t.Errorf("%d admitted + %d refused, want %d in all and some admitted", admitted, busy, n)
		}
		if st.Refused != int64(busy) || st.Hashes != int64(admitted) {
			t.Errorf("Stats = %+v; want %d refused and one hash per admitted login (%d)", st, busy, admitted)
		}
		if st.Admitted != 0 {
			t.Errorf("%d still admitted after every login ended", st.Admitted)
		}
	})
}
