package verify

import (
	"context"
	"errors"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestWait(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := newClock()
		svc, _ := devService(db, clk, Config{})
		who := people(7, 1)[0]

		t.Run("wakes on a result in this process", func(t *testing.T) {
			// Neither a poll nor the deadline comes within the hour: only the hub's
			// signal can end this Wait. The bound below is a safety net 25 times what
			// a loaded machine needs, not a measurement (a 200 ms bound measured from
			// before the result's own write failed under -race beside the suite).
			local, localDev := devService(db, clk, Config{PollInterval: time.Hour, MaxWait: time.Hour})
			sess := mustStart(t, local, PurposeUnitRegister, who)
			type result struct {
				s   Session
				err error
			}
			done := make(chan result, 1)
			go func() {
				s, err := local.Wait(ctx, sess.ID, browserA, time.Hour)
				done <- result{s, err}
			}()
			waitForWaiters(t, local, 1)
			if _, err := localDev.CompleteInApp(ctx, sess.ID, who, true); err != nil {
				t.Fatal(err)
			}
			var r result
			select {
			case r = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Wait was not woken by the result")
			}
			if r.err != nil || r.s.Status != Passed {
				t.Fatalf("Wait = %s, %v; want passed", r.s.Status, r.err)
			}
			if n := local.hub.waiting(); n != 0 {
				t.Errorf("%d sessions still have waiters", n)
			}
		})

		t.Run("returns pending after maxWait", func(t *testing.T) {
			sess := mustStart(t, svc, PurposeUnitRegister, who)
			began := time.Now()
			got, err := svc.Wait(ctx, sess.ID, browserA, 150*time.Millisecond)
			took := time.Since(began)
			if err != nil || got.Status != Pending {
				t.Fatalf("Wait = %s, %v; want pending", got.Status, err)
			}
			if took < 150*time.Millisecond || took > 2*time.Second {
				t.Errorf("Wait took %v for maxWait 150ms", took)
			}
			if n := svc.hub.waiting(); n != 0 {
				t.Errorf("%d sessions still have waiters", n)
			}
		})

		t.Run("done sessions return at once", func(t *testing.T) {
			// As above, neither a poll nor the deadline comes within the hour: only
			// Wait's first read can end it with the result, before the safety net.
			local, localDev := devService(db, clk, Config{PollInterval: time.Hour, MaxWait: time.Hour})
			sess := mustStart(t, local, PurposeUnitRegister, who)
			if _, err := localDev.CompleteInApp(ctx, sess.ID, who, false); err != nil {
				t.Fatal(err)
			}
			type result struct {
				s   Session
				err error
			}
			done := make(chan result, 1)
			go func() {
				s, err := local.Wait(ctx, sess.ID, browserA, time.Hour)
				done <- result{s, err}
			}()
			select {
			case r := <-done:
				if r.err != nil || r.s.Status != Failed {
					t.Errorf("Wait on a failed session = %s, %v", r.s.Status, r.err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Wait on a failed session waited instead of answering from its first read")
			}
		})

		t.Run("gives up with the request", func(t *testing.T) {
			sess := mustStart(t, svc, PurposeUnitRegister, who)
			cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			got, err := svc.Wait(cctx, sess.ID, browserA, 10*time.Second)
			if !errors.Is(err, context.DeadlineExceeded) || got.Status != Pending {
				t.Errorf("Wait with a cancelled request = %s, %v", got.Status, err)
			}
		})

		t.Run("sees results of another process", func(t *testing.T) {
			// Two Services on one database stand for two server processes.
			here, _ := devService(db, clk, Config{PollInterval: 50 * time.Millisecond})
			_, there := devService(db, clk, Config{})
			sess := mustStart(t, here, PurposeRecover, who)
			done := make(chan Session, 1)
			go func() {
				s, err := here.Wait(ctx, sess.ID, browserA, 10*time.Second)
				if err != nil {
					t.Error(err)
				}
				done <- s
			}()
			waitForWaiters(t, here, 1)
			completed := time.Now()
			if _, err := there.CompleteInApp(ctx, sess.ID, who, true); err != nil {
				t.Fatal(err)
			}
			s := <-done
			if d := time.Since(completed); s.Status != Passed || d > time.Second {
				t.Errorf("Wait = %s %v after the other process's result", s.Status, d)
			}
		})

		t.Run("sees expiry", func(t *testing.T) {
			ex, _ := devService(db, clk, Config{PollInterval: 20 * time.Millisecond})
			sess := mustStart(t, ex, PurposeRecover, who)
			done := make(chan Session, 1)
			go func() {
				s, _ := ex.Wait(ctx, sess.ID, browserA, 10*time.Second)
				done <- s
			}()
			waitForWaiters(t, ex, 1)
			clk.Add(5 * time.Minute)
			select {
			case s := <-done:
				if s.Status != Expired {
					t.Errorf("Wait = %s, want expired", s.Status)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Wait did not notice the expiry")
			}
		})
	})
}

func TestHub(t *testing.T) {
	var h hub
	a, releaseA := h.subscribe("x")
	b, releaseB := h.subscribe("x")
	_, releaseY := h.subscribe("y")
	if h.waiting() != 2 {
		t.Fatalf("waiting = %d, want 2", h.waiting())
	}
	h.notify("x")
	for _, ch := range []<-chan struct{}{a, b} {
		select {
		case <-ch:
		default:
			t.Error("a waiter was not woken")
		}
	}
	// A new waiter after the notify gets a fresh channel; releasing the old ones
	// must not remove it.
	c, releaseC := h.subscribe("x")
	releaseA()
	releaseB()
	if h.waiting() != 2 {
		t.Errorf("waiting = %d after releasing notified waiters, want 2", h.waiting())
	}
	select {
	case <-c:
		t.Error("new waiter woken by an old notify")
	default:
	}
	releaseC()
	releaseY()
	if h.waiting() != 0 {
		t.Errorf("waiting = %d after all released, want 0", h.waiting())
	}
	h.notify("nobody") // no waiters: nothing happens
}

// waitForWaiters waits until n sessions have a waiter parked in svc, so that a test
// completes a session only once Wait is really waiting.
func waitForWaiters(t *testing.T, svc *Service, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for svc.hub.waiting() < n {
		if time.Now().After(deadline) {
			t.Fatalf("no waiter after 5s")
		}
		time.Sleep(time.Millisecond)
	}
	// Subscribed happens before the first read; give that read time to finish.
	time.Sleep(20 * time.Millisecond)
}
