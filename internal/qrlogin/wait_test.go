package qrlogin

import (
	"context"
	"errors"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// waited is one Wait's outcome and how long it took.
type waited struct {
	t    Ticket
	err  error
	took time.Duration
}

// waitAsync starts a Wait in a goroutine.
func waitAsync(ctx context.Context, s *Service, id, binding string, seen State) <-chan waited {
	out := make(chan waited, 1)
	go func() {
		start := time.Now()
		t, err := s.Wait(ctx, id, binding, seen)
		out <- waited{t, err, time.Since(start)}
	}()
	return out
}

// awaitAsync starts an Await; done sends its outcome.
func awaitAsync(ctx context.Context, s *Service, id, binding string, seen State) <-chan waited {
	out := make(chan waited, 1)
	start := time.Now()
	s.Await(ctx, id, binding, seen, func(t Ticket, err error) {
		out <- waited{t, err, time.Since(start)}
	})
	return out
}

// waitWays are the two ways a page waits, which must answer alike: Wait on the
// caller's goroutine, Await holding none.
var waitWays = []struct {
	name  string
	start func(ctx context.Context, s *Service, id, binding string, seen State) <-chan waited
}{{"Wait", waitAsync}, {"Await", awaitAsync}}

// parked waits until s has n waits in progress, each on a ticket of its own and
// past its first read.
func parked(t *testing.T, s *Service, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tickets, read := s.broker.waiting()
		if s.Waiting() == n && tickets == n && read == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waits in progress on %d tickets (%d read), want %d", s.Waiting(), tickets, read, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func result(t *testing.T, ch <-chan waited, within time.Duration) waited {
	t.Helper()
	select {
	case w := <-ch:
		return w
	case <-time.After(within):
		t.Fatalf("Wait did not return within %s", within)
	}
	return waited{}
}

// TestWaitWakes, for Wait and Await: a waiting page wakes at once when the app scans on this process,
// within the poll interval when it scans on another, at the ticket's expiry, and
// after WaitMax with the state unchanged; a state already past the one seen
// returns at once.
func TestWaitWakes(t *testing.T) {
	for _, way := range waitWays {
		t.Run(way.name, func(t *testing.T) { testWaitWakes(t, way.start) })
	}
}

func testWaitWakes(t *testing.T, waitAsync func(context.Context, *Service, string, string, State) <-chan waited) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const poll = 50 * time.Millisecond
		f := newFixture(t, db, Config{WaitMax: 30 * time.Second, PollInterval: poll})
		p := f.person(t)

		t.Run("same process", func(t *testing.T) {
			b := browser()
			tk := f.create(t, KindPerson, b)
			ch := waitAsync(f.ctx, f.svc, tk.ID, b, StateWaiting)
			parked(t, f.svc, 1)
			if _, err := f.svc.Scan(f.ctx, tk.ID, p); err != nil {
				t.Fatal(err)
			}
			w := result(t, ch, 5*time.Second)
			if w.err != nil || w.t.State != StateScanned {
				t.Fatalf("woke with %s, %v", w.t.State, w.err)
			}
			// Confirming wakes the next wait the same way.
			ch = waitAsync(f.ctx, f.svc, tk.ID, b, StateScanned)
			parked(t, f.svc, 1)
			if _, err := f.svc.Confirm(f.ctx, tk.ID, p, 0, app); err != nil {
				t.Fatal(err)
			}
			if w := result(t, ch, 5*time.Second); w.err != nil || w.t.State != StateConfirmed {
				t.Fatalf("woke with %s, %v", w.t.State, w.err)
			}
		})

		t.Run("another process", func(t *testing.T) {
			other := f.service(t, db, Config{PollInterval: poll}) // its own broker: another `hall serve`
			b := browser()
			tk := f.create(t, KindPerson, b)
			ch := waitAsync(f.ctx, f.svc, tk.ID, b, StateWaiting)
			parked(t, f.svc, 1)
			if _, err := other.Scan(f.ctx, tk.ID, p); err != nil {
				t.Fatal(err)
			}
			w := result(t, ch, 5*time.Second)
			if w.err != nil || w.t.State != StateScanned {
				t.Fatalf("woke with %s, %v", w.t.State, w.err)
			}
			// Nothing on this process told the waiter: the poll did, long before
			// WaitMax.
			t.Logf("a change on another process arrived after %s (poll interval %s)", w.took, poll)
		})

		t.Run("already changed", func(t *testing.T) {
			b := browser()
			tk := f.create(t, KindPerson, b)
			if _, err := f.svc.Scan(f.ctx, tk.ID, p); err != nil {
				t.Fatal(err)
			}
			w := result(t, waitAsync(f.ctx, f.svc, tk.ID, b, StateWaiting), time.Second)
			if w.err != nil || w.t.State != StateScanned {
				t.Fatalf("got %s, %v", w.t.State, w.err)
			}
			// "" reads without waiting.
			if w := result(t, waitAsync(f.ctx, f.svc, tk.ID, b, ""), time.Second); w.t.State != StateScanned {
				t.Fatalf("wait for nothing: %s", w.t.State)
			}
		})

		t.Run("expiry", func(t *testing.T) {
			b := browser()
			tk := f.create(t, KindPerson, b)
			// 150 ms of real time before the ticket expires.
			f.clk.Add(f.svc.cfg.TTL - 150*time.Millisecond)
			ch := waitAsync(f.ctx, f.svc, tk.ID, b, StateWaiting)
			parked(t, f.svc, 1)
			f.clk.run()
			w := result(t, ch, 5*time.Second)
			if w.err != nil || w.t.State != StateExpired {
				t.Fatalf("at the expiry: %s, %v", w.t.State, w.err)
			}
		})
	})
}

// TestWaitTimesOut: with nothing happening a wait ends at its bound with the state
// unchanged, and leaves nothing behind; a request that goes away ends it at once.
func TestWaitTimesOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{WaitMax: time.Second, PollInterval: 20 * time.Millisecond})
		b := browser()
		tk := f.create(t, KindPerson, b)
		w := result(t, waitAsync(f.ctx, f.svc, tk.ID, b, StateWaiting), 5*time.Second)
		if w.err != nil || w.t.State != StateWaiting || w.took < minBound(time.Second) {
			t.Fatalf("timed out with %s, %v after %s", w.t.State, w.err, w.took)
		}
		ctx, cancel := context.WithCancel(f.ctx)
		ch := waitAsync(ctx, f.svc, tk.ID, b, StateWaiting)
		parked(t, f.svc, 1)
		cancel()
		if w := result(t, ch, time.Second); !errors.Is(w.err, context.Canceled) || w.t.State != StateWaiting {
			t.Fatalf("cancelled: %s, %v", w.t.State, w.err)
		}
		parked(t, f.svc, 0)
		deadline := time.Now().Add(2 * time.Second)
		for tickets, _ := f.svc.broker.waiting(); tickets != 0 || f.svc.broker.isPolling(); tickets, _ = f.svc.broker.waiting() {
			if time.Now().After(deadline) {
				t.Fatalf("after the waits: %d tickets watched, polling %v", tickets, f.svc.broker.isPolling())
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// TestWaiterLimit: a process lets MaxWaiters pages wait; the next is refused at once
// without a read, and a place freed is taken again.
func TestWaiterLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{MaxWaiters: 2, WaitMax: 30 * time.Second})
		p := f.person(t)
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		var tickets []Ticket
		var chans []<-chan waited
		for range 2 {
			b := browser()
			tk := f.create(t, KindPerson, b)
			tickets = append(tickets, tk)
			chans = append(chans, waitAsync(ctx, f.svc, tk.ID, b, StateWaiting))
		}
		parked(t, f.svc, 2)
		b := browser()
		third := f.create(t, KindPerson, b)
		w := result(t, waitAsync(ctx, f.svc, third.ID, b, StateWaiting), time.Second)
		if !errors.Is(w.err, ErrTooManyWaiters) {
			t.Fatalf("the third wait: %v", w.err)
		}
		if Message(w.err) == "" || f.svc.Waiting() != 2 {
			t.Fatalf("after the refusal: %d waiting", f.svc.Waiting())
		}
		if _, err := f.svc.Scan(f.ctx, tickets[0].ID, p); err != nil {
			t.Fatal(err)
		}
		if w := result(t, chans[0], 5*time.Second); w.err != nil {
			t.Fatal(w.err)
		}
		parked(t, f.svc, 1)
		ch := waitAsync(ctx, f.svc, third.ID, b, StateWaiting)
		parked(t, f.svc, 2)
		cancel()
		for _, c := range []<-chan waited{chans[1], ch} {
			if w := result(t, c, time.Second); !errors.Is(w.err, context.Canceled) {
				t.Fatalf("cancelled wait: %v", w.err)
			}
		}
		parked(t, f.svc, 0)
	})
}

// TestWaitersHoldNoConnection: more pages wait than either engine's pool has
// connections (8 readers on SQLite, 20 on PostgreSQL), and a whole login still goes
// through at once beside them.
func TestWaitersHoldNoConnection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{WaitMax: 30 * time.Second})
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		const n = 40
		var chans []<-chan waited
		for range n {
			b := browser()
			chans = append(chans, waitAsync(ctx, f.svc, f.create(t, KindPerson, b).ID, b, StateWaiting))
		}
		parked(t, f.svc, n)
		p := f.person(t)
		start := time.Now()
		lctx, lcancel := context.WithTimeout(f.ctx, 10*time.Second)
		defer lcancel()
		f.ctx = lctx
		tk := f.reach(t, fromConfirmed, browser(), p)
		if _, err := f.svc.Scan(lctx, tk.ID, p); !errors.Is(err, ErrDecided) {
			t.Fatalf("a read beside the waiters: %v", err)
		}
		t.Logf("a login beside %d waiting pages took %s", n, time.Since(start))
		cancel()
		for _, c := range chans {
			if w := result(t, c, 5*time.Second); !errors.Is(w.err, context.Canceled) {
				t.Fatalf("a waiting page: %v", w.err)
			}
		}
	})
}

// minBound is the shortest bound a wait may draw with Config.WaitMax waitMax.
func minBound(waitMax time.Duration) time.Duration { return waitMax - waitMax/5 }

// TestWaitBound: each wait's bound lies between four fifths of WaitMax and
// WaitMax, and bounds drawn together spread over that range rather than
// coinciding.
func TestWaitBound(t *testing.T) {
	s := &Service{cfg: Config{WaitMax: 25 * time.Second}}
	lowest, highest := s.cfg.WaitMax, time.Duration(0)
	for range 1000 {
		b := s.waitBound()
		if b < minBound(s.cfg.WaitMax) || b > s.cfg.WaitMax {
			t.Fatalf("bound %s outside [%s, %s]", b, minBound(s.cfg.WaitMax), s.cfg.WaitMax)
		}
		lowest, highest = min(lowest, b), max(highest, b)
	}
	if highest-lowest < 4*time.Second {
		t.Fatalf("1,000 bounds spread over %s only (%s to %s)", highest-lowest, lowest, highest)
	}
}
