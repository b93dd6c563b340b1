package qrlogin

import (
	"context"
	"sync"
	"time"
)

// EndWaits answers every wait in progress as its bound would — the ticket as last
// read, state unchanged — and makes every later one answer after its first read.
// It is the stopping process's part: net/http's Shutdown does not see a wait whose
// connection was detached (Await), so without it the page would get a reset when
// the process exits instead of an answer, and a wait on its own goroutine (Wait)
// would hold Shutdown for up to Config.WaitMax. The page polls again and reaches a
// process still serving.
//
// EndWaits does not wait for the answers: WaitsEnded does. Call it once the
// listener is closed (http.Server.RegisterOnShutdown); a second call does nothing.
func (s *Service) EndWaits() {
	s.ending.once.Do(func() { close(s.ending.ch) })
	// Each on a goroutine of its own: an answer may wait up to its write timeout on
	// a client that stopped reading, and must not hold the others.
	for _, a := range s.ending.parked() {
		go a.timeUp()
	}
}

// WaitsEnded returns once no wait is in progress and every answer has been handed
// to its caller (done has returned), or with ctx.Err() when ctx ends first. After
// EndWaits, a wait ends within one read of its ticket.
func (s *Service) WaitsEnded(ctx context.Context) error {
	for s.Waiting() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// endWaits is what EndWaits needs: the signal that the process stops (closed once)
// and the Awaits in progress, which hold no goroutine that could watch for it.
type endWaits struct {
	once   sync.Once
	ch     chan struct{}
	mu     sync.Mutex
	awaits map[*awaiter]struct{}
}

func (e *endWaits) init() {
	e.ch = make(chan struct{})
	e.awaits = map[*awaiter]struct{}{}
}

// ended reports whether EndWaits was called.
func (e *endWaits) ended() bool {
	select {
	case <-e.ch:
		return true
	default:
		return false
	}
}

// add records a as in progress. Recorded first and checked after: a wait either is
// in the list EndWaits reads, or sees it was called (Await).
func (e *endWaits) add(a *awaiter) {
	e.mu.Lock()
	e.awaits[a] = struct{}{}
	e.mu.Unlock()
}

func (e *endWaits) remove(a *awaiter) {
	e.mu.Lock()
	delete(e.awaits, a)
	e.mu.Unlock()
}

func (e *endWaits) parked() []*awaiter {
	e.mu.Lock()
	defer e.mu.Unlock()
	list := make([]*awaiter, 0, len(e.awaits))
	for a := range e.awaits {
		list = append(list, a)
	}
	return list
}
