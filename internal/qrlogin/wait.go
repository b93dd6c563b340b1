package qrlogin

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Wait is the login page's long poll: it returns the ticket as soon as its state is
// not seen (at once when it already differs — pass "" to read it without waiting),
// when it expires, or as it is after its bound (waitBound) or EndWaits. While it waits it holds no
// database connection: a change made by this process wakes it at once, one made
// by another process within Config.PollInterval (see the package comment).
//
// Errors: ErrNotFound for a malformed or unknown ID or another binding;
// ErrTooManyWaiters when the process already has Config.MaxWaiters waits in
// progress, or the ticket maxWaitsPerTicket (nothing was read); ctx.Err() when the request goes away, with the last
// ticket read; otherwise database failures.
func (s *Service) Wait(ctx context.Context, id, binding string, seen State) (Ticket, error) {
	k, ok := parseKey(id, binding)
	if !ok {
		return Ticket{}, ErrNotFound
	}
	if !s.enter(k.id) {
		return Ticket{}, ErrTooManyWaiters
	}
	defer s.leave(k.id)
	bound := time.NewTimer(s.waitBound())
	defer bound.Stop()
	for {
		t, changed, err := s.waitOnce(ctx, id, k, seen, bound.C)
		if err != nil || changed {
			return t, err
		}
	}
}

// waitOnce reads the ticket and, if its state is still seen, waits for a wake-up,
// its expiry, the bound or the end of ctx. done is true when Wait should return
// (with t and err); false after a wake-up or the expiry, to read again.
func (s *Service) waitOnce(ctx context.Context, id string, k key, seen State, bound <-chan time.Time) (t Ticket, done bool, err error) {
	w := s.broker.subscribe(k.id)
	defer s.broker.release(k.id, w)
	t, stored, err := s.read(ctx, s.db, id, k)
	if err != nil && ctx.Err() != nil {
		return t, true, ctx.Err() // the request went away during the read
	}
	if err != nil || t.State != seen {
		return t, true, err
	}
	s.broker.seen(w, stored)
	var expiry <-chan time.Time
	if end, ok := s.nextExpiry(stored, t); ok {
		timer := time.NewTimer(end.Sub(s.now()))
		defer timer.Stop()
		expiry = timer.C
	}
	select {
	case <-s.broker.woken(w):
		return t, false, nil
	case <-expiry:
		return t, false, nil
	case <-bound:
		return t, true, nil
	case <-s.ending.ch: // the process stops (EndWaits): answer as the bound does
		return t, true, nil
	case <-ctx.Done():
		return t, true, ctx.Err()
	}
}

// waitBound is one wait's bound: Config.WaitMax less up to a fifth of it, drawn
// at random. Pages that began waiting together — ten thousand after a restart or a
// network blip — would otherwise all be answered in the same second at every
// bound and all come back together; spread over a fifth of the bound, the bursts
// thin out round after round.
func (s *Service) waitBound() time.Duration {
	spread := int64(s.cfg.WaitMax / 5)
	return s.cfg.WaitMax - time.Duration(rand.Int64N(spread+1)) // #nosec G404 -- a spread of timers, no secret
}

// maxWaitsPerTicket bounds the waits of one ticket in a process. A page waits once
// at a time; a few more cover a page whose earlier poll the process has not yet
// seen end (a detached wait learns that its page left only when it answers).
// Without it one ticket, and requests sent and dropped at once, could take every
// one of Config.MaxWaiters places for the length of a wait.
const maxWaitsPerTicket = 4

// waitPlaces counts the waits in progress per ticket (by ID hash).
type waitPlaces struct {
	mu       sync.Mutex
	byTicket map[string]int
}

// enter takes a place for a wait on ticket idHash: false when the process or the
// ticket has no place left.
func (s *Service) enter(idHash string) bool {
	if s.waiting.Add(1) > int64(s.cfg.MaxWaiters) {
		s.waiting.Add(-1)
		return false
	}
	s.places.mu.Lock()
	defer s.places.mu.Unlock()
	if s.places.byTicket[idHash] >= maxWaitsPerTicket {
		s.waiting.Add(-1)
		return false
	}
	if s.places.byTicket == nil {
		s.places.byTicket = map[string]int{}
	}
	s.places.byTicket[idHash]++
	return true
}

// leave gives back the place enter took.
func (s *Service) leave(idHash string) {
	s.places.mu.Lock()
	if n := s.places.byTicket[idHash] - 1; n > 0 {
		s.places.byTicket[idHash] = n
	} else {
		delete(s.places.byTicket, idHash)
	}
	s.places.mu.Unlock()
	s.waiting.Add(-1)
}
