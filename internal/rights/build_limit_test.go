package rights

import (
	"context"
	"errors"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestBuildLimit: while every build slot is taken, Issue answers ErrBusy after
// BuildWait and stores nothing; a slot freed while it waits lets it build; once
// the slots are free again, records are issued as before.
func TestBuildLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, 12, 3)
		f.svc.builds = newBuildLimit(1, 50*time.Millisecond)
		form := Form{From: "2026-01", To: "2026-06", Types: allTypes}

		release, err := f.svc.builds.acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		started := time.Now()
		if _, _, err := f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.legalRep}, form); !errors.Is(err, ErrBusy) {
			t.Fatalf("with the only slot taken: %v, want ErrBusy", err)
		}
		if waited := time.Since(started); waited < 50*time.Millisecond {
			t.Errorf("ErrBusy after %v, before the wait of 50ms", waited)
		}
		if list, err := f.svc.List(ctx, f.unit.ID, 0, 10); err != nil || len(list) != 0 {
			t.Fatalf("a busy refusal stored records: %v %v", list, err)
		}
		// A refused form is still told as such, without waiting for a slot.
		var fe *FormError
		if _, _, err := f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.legalRep}, Form{From: "2026-06", To: "2026-01",
			Types: allTypes}); !errors.As(err, &fe) {
			t.Errorf("a refused form while busy: %v, want *FormError", err)
		}

		// A slot freed during the wait is taken.
		f.svc.builds = newBuildLimit(1, time.Minute)
		release, err = f.svc.builds.acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		go func() { time.Sleep(20 * time.Millisecond); release() }()
		if _, _, err := f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.legalRep}, form); err != nil {
			t.Fatalf("a slot freed while waiting: %v", err)
		}
		// The slot is given back after the record: the next one builds at once.
		if _, _, err := f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.legalRep}, form); err != nil {
			t.Fatalf("after a record: %v", err)
		}
		if list, err := f.svc.List(ctx, f.unit.ID, 0, 10); err != nil || len(list) != 2 {
			t.Fatalf("records: %d %v, want 2", len(list), err)
		}

		// A request that ends while waiting gets its context's error.
		release, err = f.svc.builds.acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := f.svc.Issue(cancelled, f.unit.ID, Actor{PersonID: f.legalRep}, form); !errors.Is(err, context.Canceled) {
			t.Errorf("a cancelled request: %v, want context.Canceled", err)
		}
	})
}

// TestNewBuildLimitDefaults: no count means one slot per core, no wait the default.
func TestNewBuildLimitDefaults(t *testing.T) {
	b := newBuildLimit(0, 0)
	if cap(b.slots) < 1 || b.wait != DefaultBuildWait {
		t.Errorf("defaults: %d slots, wait %v", cap(b.slots), b.wait)
	}
	if b := newBuildLimit(3, time.Second); cap(b.slots) != 3 || b.wait != time.Second {
		t.Errorf("given: %d slots, wait %v", cap(b.slots), b.wait)
	}
}
