package verify

import (
	"context"
	"hall/internal/token"
	"sync"
	"time"
)

// Wait is a long poll for the web page that shows the QR code: it returns the
// session as soon as its status leaves Pending, or as it is once maxWait (capped at
// Config.MaxWait) has passed. A waiting caller costs a parked goroutine: it wakes
// at once when this process records a result, and re-reads the row every
// PollInterval for results recorded by other processes (see the package comment).
//
// Errors: those of Status (ErrNotFound for an unknown ID or another binding, database
// failures), and ctx.Err() when the request goes away, with the last session read.
func (s *Service) Wait(ctx context.Context, id, binding string, maxWait time.Duration) (Session, error) {
	if !token.Valid(id) || binding == "" {
		return Session{}, ErrNotFound
	}
	// Subscribe before the first read, so that a result recorded in between is not
	// missed.
	woken, release := s.hub.subscribe(id)
	defer release()
	sess, err := s.Status(ctx, id, binding)
	if err != nil || sess.Status != Pending || maxWait <= 0 {
		return sess, err
	}
	deadline := time.NewTimer(min(maxWait, s.cfg.MaxWait))
	defer deadline.Stop()
	poll := time.NewTicker(s.cfg.PollInterval)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return sess, ctx.Err()
		case <-woken:
			return s.Status(ctx, id, binding)
		case <-deadline.C:
			// One last read: the session may have expired meanwhile.
			return s.Status(ctx, id, binding)
		case <-poll.C:
			sess, err = s.Status(ctx, id, binding)
			if err != nil || sess.Status != Pending {
				return sess, err
			}
		}
	}
}

// hub wakes the waiters of a session when this process records its result. One
// channel per session with waiters, closed on notify; entries go away with their
// last waiter, so IDs that never complete leave nothing behind.
type hub struct {
	mu sync.Mutex
	m  map[string]*waiters
}

type waiters struct {
	ch chan struct{}
	n  int
}

func (h *hub) subscribe(id string) (<-chan struct{}, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = make(map[string]*waiters)
	}
	w := h.m[id]
	if w == nil {
		w = &waiters{ch: make(chan struct{})}
		h.m[id] = w
	}
	w.n++
	return w.ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		// After a notify the entry is gone (or replaced by a newer one).
		if h.m[id] == w {
			if w.n--; w.n == 0 {
				delete(h.m, id)
			}
		}
	}
}

func (h *hub) notify(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if w := h.m[id]; w != nil {
		close(w.ch)
		delete(h.m, id)
	}
}

// waiting reports how many sessions have waiters (for tests).
func (h *hub) waiting() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.m)
}
