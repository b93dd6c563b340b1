package qrlogin

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// watchedNothing waits until the broker watches no ticket and its poller stopped:
// a wait that ended left nothing behind.
func watchedNothing(t *testing.T, s *Service) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for tickets, _ := s.broker.waiting(); tickets != 0 || s.broker.isPolling(); tickets, _ = s.broker.waiting() {
		if time.Now().After(deadline) {
			t.Fatalf("after the waits: %d tickets watched, polling %v", tickets, s.broker.isPolling())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestAwaitBound: with nothing happening an Await answers at its bound with the
// state unchanged and leaves nothing behind; the asking request's end does not end
// it (the web layer has answered net/http by then); an unknown ticket or another
// browser's is ErrNotFound at once.
func TestAwaitBound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{WaitMax: time.Second, PollInterval: 20 * time.Millisecond})
		b := browser()
		tk := f.create(t, KindPerson, b)
		ctx, cancel := context.WithCancel(f.ctx)
		ch := awaitAsync(ctx, f.svc, tk.ID, b, StateWaiting)
		parked(t, f.svc, 1)
		cancel()
		w := result(t, ch, 5*time.Second)
		if w.err != nil || w.t.State != StateWaiting || w.t.ID != tk.ID || w.took < minBound(time.Second) {
			t.Fatalf("at the bound: %q %s, %v after %s", w.t.ID, w.t.State, w.err, w.took)
		}
		parked(t, f.svc, 0)
		watchedNothing(t, f.svc)

		for name, c := range map[string][2]string{
			"another browser": {tk.ID, browser()},
			"unknown ticket":  {browser(), b},
			"malformed":       {"x", b},
		} {
			if w := result(t, awaitAsync(f.ctx, f.svc, c[0], c[1], StateWaiting), time.Second); !errors.Is(w.err, ErrNotFound) {
				t.Fatalf("%s: %v", name, w.err)
			}
		}
		parked(t, f.svc, 0)
		watchedNothing(t, f.svc)
	})
}

// TestAwaitSharesTheLimit: Wait and Await count against one MaxWaiters; a refusal
// reads nothing and holds no place.
func TestAwaitSharesTheLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{MaxWaiters: 2, WaitMax: 30 * time.Second})
		p := f.person(t)
		var tickets []Ticket
		var chans []<-chan waited
		for range 2 {
			b := browser()
			tk := f.create(t, KindPerson, b)
			tickets = append(tickets, tk)
			chans = append(chans, awaitAsync(f.ctx, f.svc, tk.ID, b, StateWaiting))
		}
		parked(t, f.svc, 2)
		b := browser()
		third := f.create(t, KindPerson, b)
		for _, way := range waitWays {
			if w := result(t, way.start(f.ctx, f.svc, third.ID, b, StateWaiting), time.Second); !errors.Is(w.err, ErrTooManyWaiters) {
				t.Fatalf("%s beside two Awaits: %v", way.name, w.err)
			}
		}
		if f.svc.Waiting() != 2 {
			t.Fatalf("after the refusals: %d waiting", f.svc.Waiting())
		}
		for i, tk := range tickets {
			if _, err := f.svc.Scan(f.ctx, tk.ID, p); err != nil {
				t.Fatal(err)
			}
			if w := result(t, chans[i], 5*time.Second); w.err != nil || w.t.State != StateScanned {
				t.Fatalf("Await %d: %s, %v", i, w.t.State, w.err)
			}
		}
		parked(t, f.svc, 0)
		watchedNothing(t, f.svc)
	})
}

// TestAwaitHoldsNoGoroutine is why Await exists: four hundred parked Awaits add no
// goroutine of their own (Wait would add four hundred), and each still answers its own change —
// half woken by scans on this process, half by the poller after scans on another.
func TestAwaitHoldsNoGoroutine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const n = 400
		f := newFixture(t, db, Config{WaitMax: time.Minute, PollInterval: 50 * time.Millisecond})
		other := f.service(t, db, Config{}) // another `hall serve` on the same database
		p := f.person(t)
		var tickets []Ticket
		var bindings []string
		for i := range n {
			// Four hundred pages come from four hundred addresses (each is limited).
			b := browser()
			tk, err := f.svc.Create(f.ctx, Request{Kind: KindPerson, Binding: b,
				ClientAddr: fmt.Sprintf("198.18.%d.%d", i/200, 1+i%200), UserAgent: pcUA})
			if err != nil {
				t.Fatal(err)
			}
			tickets = append(tickets, tk)
			bindings = append(bindings, b)
		}
		runtime.GC()
		before := runtime.NumGoroutine()
		var mu sync.Mutex
		got := map[string]State{}
		var all sync.WaitGroup
		all.Add(n)
		for i, tk := range tickets {
			f.svc.Await(f.ctx, tk.ID, bindings[i], StateWaiting, func(w Ticket, err error) {
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Errorf("ticket %s: %v", tk.ID, err)
				}
				got[tk.ID] = w.State
				all.Done()
			})
		}
		parked(t, f.svc, n)
		// The broker's poller, and the database pools' helpers, are all the
		// goroutines the waits may add.
		if added := runtime.NumGoroutine() - before; added > 20 {
			t.Fatalf("%d parked Awaits added %d goroutines", n, added)
		}
		for i, tk := range tickets {
			scanner := f.svc
			if i%2 == 1 {
				scanner = other
			}
			if _, err := scanner.Scan(f.ctx, tk.ID, p); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan struct{})
		go func() { all.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of %d Awaits answered", len(got), n)
		}
		for _, tk := range tickets {
			if got[tk.ID] != StateScanned {
				t.Fatalf("ticket %s answered %q", tk.ID, got[tk.ID])
			}
		}
		parked(t, f.svc, 0)
		watchedNothing(t, f.svc)
	})
}

// TestAwaitRaces: Awaits and the changes that wake them, the expiry and the bound
// all at once, under the race detector: every Await answers exactly once with a
// state it could have seen, and the waiter count returns to zero.
func TestAwaitRaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const n = 60
		f := newFixture(t, db, Config{WaitMax: time.Second, PollInterval: 10 * time.Millisecond})
		p := f.person(t)
		var wg sync.WaitGroup
		for i := range n {
			b := browser()
			tk := f.create(t, KindPerson, b)
			answers := make(chan State, 2)
			f.svc.Await(f.ctx, tk.ID, b, StateWaiting, func(w Ticket, err error) {
				if err != nil {
					t.Errorf("ticket %d: %v", i, err)
				}
				answers <- w.State
			})
			wg.Add(1)
			go func() {
				defer wg.Done()
				// A third are scanned at once, a third near the bound, a third never.
				switch i % 3 {
				case 0:
					_, _ = f.svc.Scan(f.ctx, tk.ID, p)
				case 1:
					time.Sleep(990 * time.Millisecond)
					_, _ = f.svc.Scan(f.ctx, tk.ID, p)
				}
				select {
				case st := <-answers:
					if st != StateWaiting && st != StateScanned {
						t.Errorf("ticket %d answered %q", i, st)
					}
					if i%3 == 2 && st != StateWaiting {
						t.Errorf("ticket %d, never scanned, answered %q", i, st)
					}
				case <-time.After(10 * time.Second):
					t.Errorf("ticket %d never answered", i)
				}
				select {
				case st := <-answers:
					t.Errorf("ticket %d answered twice (%q)", i, st)
				case <-time.After(300 * time.Millisecond):
				}
			}()
		}
		wg.Wait()
		parked(t, f.svc, 0)
		watchedNothing(t, f.svc)
	})
}

// subscribed waits until n waits of ticket id have read it and wait.
func subscribed(t *testing.T, s *Service, id string, n int) {
	t.Helper()
	k, _ := parseKey(id, browser())
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.broker.mu.Lock()
		w := s.broker.watches[k.id]
		got := 0
		if w != nil && w.state != "" {
			got = w.n
		}
		s.broker.mu.Unlock()
		if got == n && s.Waiting() == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waits subscribed to the ticket, %d in progress; want %d", got, s.Waiting(), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestWaitsPerTicket, for Wait and Await: a ticket has at most maxWaitsPerTicket
// waits in a process; the next is refused at once without a read, while another
// ticket still waits, and a place given back is taken again.
func TestWaitsPerTicket(t *testing.T) {
	for _, way := range waitWays {
		t.Run(way.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := newFixture(t, db, Config{WaitMax: 30 * time.Second})
				p := f.person(t)
				b := browser()
				tk := f.create(t, KindPerson, b)
				ctx, cancel := context.WithCancel(f.ctx)
				defer cancel()
				var chans []<-chan waited
				for range maxWaitsPerTicket {
					chans = append(chans, way.start(ctx, f.svc, tk.ID, b, StateWaiting))
				}
				subscribed(t, f.svc, tk.ID, maxWaitsPerTicket)
				before := f.svc.ticketReads.Load()
				if w := result(t, way.start(ctx, f.svc, tk.ID, b, StateWaiting), time.Second); !errors.Is(w.err, ErrTooManyWaiters) {
					t.Fatalf("a wait past the ticket's places: %v", w.err)
				}
				if n := f.svc.ticketReads.Load() - before; n != 0 {
					t.Fatalf("the refusal read the ticket %d times", n)
				}
				other := browser()
				otherTicket := f.create(t, KindPerson, other)
				if w := result(t, way.start(ctx, f.svc, otherTicket.ID, other, ""), time.Second); w.err != nil || w.t.State != StateWaiting {
					t.Fatalf("another ticket beside the full one: %s, %v", w.t.State, w.err)
				}
				if _, err := f.svc.Scan(f.ctx, tk.ID, p); err != nil {
					t.Fatal(err)
				}
				for i, c := range chans {
					if w := result(t, c, 5*time.Second); w.err != nil || w.t.State != StateScanned {
						t.Fatalf("wait %d: %s, %v", i, w.t.State, w.err)
					}
				}
				if w := result(t, way.start(ctx, f.svc, tk.ID, b, ""), time.Second); w.err != nil {
					t.Fatalf("a place given back: %v", w.err)
				}
				parked(t, f.svc, 0)
			})
		})
	}
}

// TestWaitOnExpiredTicket, for Wait and Await: a page that waits on its expired
// ticket (seen "expired", not swept yet) waits for the bound on one read, instead
// of a timer at the past expiry waking it to read again at once until the bound.
func TestWaitOnExpiredTicket(t *testing.T) {
	for _, way := range waitWays {
		t.Run(way.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := newFixture(t, db, Config{WaitMax: time.Second})
				b := browser()
				tk := f.create(t, KindPerson, b)
				f.clk.Add(f.svc.cfg.TTL + time.Second)
				before := f.svc.ticketReads.Load()
				w := result(t, way.start(f.ctx, f.svc, tk.ID, b, StateExpired), 5*time.Second)
				if w.err != nil || w.t.State != StateExpired || w.took < minBound(time.Second) {
					t.Fatalf("on an expired ticket: %s, %v after %s", w.t.State, w.err, w.took)
				}
				if n := f.svc.ticketReads.Load() - before; n > 2 {
					t.Fatalf("one wait on an expired ticket read it %d times", n)
				}
			})
		})
	}
}
