package qrlogin

import (
	"context"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestEndWaits: when the process stops, every wait in progress — on its own
// goroutine or parked — answers at once with its ticket as read, state unchanged,
// instead of at its bound half a minute later; WaitsEnded then returns; a wait that
// starts afterwards answers after its first read; nothing stays watched.
func TestEndWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{WaitMax: 30 * time.Second, PollInterval: 20 * time.Millisecond})
		type started struct {
			id string
			ch <-chan waited
		}
		var waits []started
		for i := range 6 {
			way := waitWays[i%len(waitWays)]
			b := browser()
			tk := f.create(t, KindPerson, b)
			waits = append(waits, started{tk.ID, way.start(f.ctx, f.svc, tk.ID, b, StateWaiting)})
		}
		parked(t, f.svc, len(waits))

		f.svc.EndWaits()
		for i, w := range waits {
			got := result(t, w.ch, 3*time.Second)
			if got.err != nil || got.t.ID != w.id || got.t.State != StateWaiting {
				t.Fatalf("wait %d (%s) at the end: %q %s %v", i, waitWays[i%len(waitWays)].name, got.t.ID, got.t.State, got.err)
			}
		}
		ctx, cancel := context.WithTimeout(f.ctx, 3*time.Second)
		defer cancel()
		if err := f.svc.WaitsEnded(ctx); err != nil {
			t.Fatalf("WaitsEnded: %v with %d waiting", err, f.svc.Waiting())
		}

		f.svc.EndWaits() // a second call does nothing
		for _, way := range waitWays {
			b := browser()
			tk := f.create(t, KindPerson, b)
			got := result(t, way.start(f.ctx, f.svc, tk.ID, b, StateWaiting), 3*time.Second)
			if got.err != nil || got.t.ID != tk.ID || got.t.State != StateWaiting {
				t.Fatalf("%s after EndWaits: %q %s %v", way.name, got.t.ID, got.t.State, got.err)
			}
		}
		if err := f.svc.WaitsEnded(ctx); err != nil {
			t.Fatalf("WaitsEnded after the late waits: %v", err)
		}
		watchedNothing(t, f.svc)
	})
}

// TestWaitsEndedBound: WaitsEnded gives up with its context while a wait is in
// progress (EndWaits not called).
func TestWaitsEndedBound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{WaitMax: 2 * time.Second})
		b := browser()
		tk := f.create(t, KindPerson, b)
		ch := awaitAsync(f.ctx, f.svc, tk.ID, b, StateWaiting)
		parked(t, f.svc, 1)
		ctx, cancel := context.WithTimeout(f.ctx, 100*time.Millisecond)
		defer cancel()
		if err := f.svc.WaitsEnded(ctx); err != context.DeadlineExceeded {
			t.Fatalf("WaitsEnded with a wait in progress: %v", err)
		}
		result(t, ch, 5*time.Second)
	})
}
