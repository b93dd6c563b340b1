package qrlogin

import (
	"context"
	"sync"
	"time"
)

// Await is Wait for a caller that must not hold a goroutine while the ticket stays
// as seen: the login page's long poll, whose connection the web layer takes from
// net/http and parks (web.Detach). A parked goroutine with its grown stack, its
// connection's buffers and net/http's background reader cost about 45 KB a waiting
// page; a parked Await costs its timers, its broker entry and this struct.
//
// done is called exactly once, with what Wait would have returned: the ticket as
// soon as its state differs from seen or it expired, or as it is after
// its bound (waitBound, at most Config.WaitMax) or EndWaits; ErrNotFound for a malformed or unknown ID or another
// binding; ErrTooManyWaiters when the process already has Config.MaxWaiters waits
// in progress, or the ticket maxWaitsPerTicket (Wait's and Await's together;
// nothing was read); otherwise database failures. It is called before Await
// returns for a malformed ID or a refusal, and otherwise on a goroutine of the
// package's readers, a timer's or EndWaits' (keep it short). ctx gives values only
// (the request ID for logs): the request that asked has been answered by the time
// the ticket changes, so its cancellation does not end the wait.
func (s *Service) Await(ctx context.Context, id, binding string, seen State, done func(Ticket, error)) {
	k, ok := parseKey(id, binding)
	if !ok {
		done(Ticket{}, ErrNotFound)
		return
	}
	if !s.enter(k.id) {
		done(Ticket{}, ErrTooManyWaiters)
		return
	}
	a := &awaiter{s: s, ctx: context.WithoutCancel(ctx), id: id, k: k, seen: seen, done: done}
	a.mu.Lock()
	bound := s.waitBound()
	a.boundAt = s.now().Add(bound)
	a.bound = time.AfterFunc(bound, a.timeUp)
	s.ending.add(a)
	// After EndWaits the first read answers (a wait recorded before it was called
	// is answered by it; one recorded after sees it here).
	a.due = s.ending.ended()
	a.mu.Unlock()
	s.reads.add(a)
}

// awaitReaders is how many goroutines read parked waits' tickets at once. When ten
// thousand pages ask together (a restart, a network blip), each would otherwise
// hold a goroutine and its request's memory while it queues for one of the pool's
// few connections; queued here, a wait costs its awaiter only.
const awaitReaders = 4

// readQueue is the waits whose ticket is to be read (a new Await, or one woken),
// served in order by at most awaitReaders goroutines that end when it is empty.
type readQueue struct {
	mu      sync.Mutex
	waits   []*awaiter
	readers int
}

// add queues a for its read and starts a reader if fewer than awaitReaders run.
func (q *readQueue) add(a *awaiter) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.waits = append(q.waits, a)
	if q.readers < awaitReaders {
		q.readers++
		go q.serve()
	}
}

// serve reads queued waits until none is left.
func (q *readQueue) serve() {
	for {
		q.mu.Lock()
		if len(q.waits) == 0 {
			q.readers--
			q.waits = nil // let a burst's backing array go
			q.mu.Unlock()
			return
		}
		a := q.waits[0]
		q.waits[0] = nil
		q.waits = q.waits[1:]
		q.mu.Unlock()
		a.look()
	}
}

// awaitReadTimeout bounds one read of a parked wait's ticket: nothing else ends it,
// since the request that asked has no context left to cancel.
const awaitReadTimeout = 10 * time.Second

// awaiter is one Await in progress. Between reads it is held only by its timers
// and its broker entry's call; mu orders the three events that may end or renew
// it (a wake-up, the ticket's expiry, the bound) against its reads.
type awaiter struct {
	s    *Service
	ctx  context.Context
	id   string
	k    key
	seen State
	done func(Ticket, error)

	mu     sync.Mutex
	over   bool        // the wait is ending: set once, by whoever calls end
	due    bool        // the bound passed during a read: answer with what it reads
	last   Ticket      // the ticket as last read, the answer at the bound
	w      *watch      // the broker entry waited on; nil while a read runs
	expiry *time.Timer // the ticket's expiry while waiting, if it comes before the bound; else nil
	bound  *time.Timer
	// boundAt is when the bound falls, by the service's clock (as the expiry).
	boundAt time.Time
}

// look reads the ticket, subscribed first as waitOnce is, so a change committed
// during the read wakes it. It answers when the state differs or the bound has
// passed, and otherwise waits for a wake-up or the expiry, holding no goroutine.
// Only one look of a wait runs at a time: a wait's end (wakeUp, timeUp) claims a.w
// first. Called by the read queue's goroutines.
func (a *awaiter) look() {
	w := a.s.broker.subscribe(a.k.id)
	ctx, cancel := context.WithTimeout(a.ctx, awaitReadTimeout)
	t, stored, err := a.s.read(ctx, a.s.db, a.id, a.k)
	cancel()
	a.mu.Lock()
	if err != nil || t.State != a.seen || a.due {
		a.over = true
		a.mu.Unlock()
		a.end(t, err, w)
		return
	}
	a.last, a.w = t, w
	// An expiry after the bound needs no timer: the bound ends the wait first,
	// and the page's next poll reads the ticket afresh. A waiting page's ticket
	// (two minutes) mostly outlives its wait (25 s), so most waits keep one timer.
	if end, ok := a.s.nextExpiry(stored, t); ok && end.Before(a.boundAt) {
		a.expiry = time.AfterFunc(end.Sub(a.s.now()), func() { a.wakeUp(w) })
	}
	a.mu.Unlock()
	a.s.broker.seen(w, stored)
	if !a.s.broker.onWake(w, func() { a.wakeUp(w) }) {
		a.wakeUp(w) // woken between the subscription and now
	}
}

// wakeUp reads again after a change or the expiry. w names the wait it ends, so a
// late call of an earlier wait (its timer or its broker entry) does nothing.
func (a *awaiter) wakeUp(w *watch) {
	a.mu.Lock()
	if a.over || a.w != w {
		a.mu.Unlock()
		return
	}
	a.w = nil
	a.stopExpiry()
	a.mu.Unlock()
	a.s.broker.release(a.k.id, w)
	a.s.reads.add(a)
}

// timeUp is the bound: the answer is the ticket as last read, unchanged. During a
// read it only marks the bound passed, and the read answers with what it found.
func (a *awaiter) timeUp() {
	a.mu.Lock()
	if a.over {
		a.mu.Unlock()
		return
	}
	if a.w == nil {
		a.due = true
		a.mu.Unlock()
		return
	}
	a.over = true
	t, w := a.last, a.w
	a.w = nil
	a.stopExpiry()
	a.mu.Unlock()
	a.end(t, nil, w)
}

// stopExpiry stops the expiry timer of the wait in progress; a.mu is held.
func (a *awaiter) stopExpiry() {
	if a.expiry != nil {
		a.expiry.Stop()
		a.expiry = nil
	}
}

// end is the one way out, taken by whoever set a.over: the broker entry released,
// the bound stopped, done, then the waiter count given back — after done, so that
// WaitsEnded returns only once every answer is written.
func (a *awaiter) end(t Ticket, err error, w *watch) {
	a.s.broker.release(a.k.id, w)
	a.mu.Lock()
	a.bound.Stop()
	a.mu.Unlock()
	a.s.ending.remove(a)
	a.done(t, err)
	a.s.leave(a.k.id)
}
