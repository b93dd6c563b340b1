package qrlogin

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// broker wakes the waiters of a ticket when it changes: at once for a change made
// by this process (notify), and within one poll interval for a change made by
// another (the poller; see the package comment). Entries are keyed by the ID's hash
// and go away with their last waiter or when notified, so tickets nobody waits for
// leave nothing behind.
type broker struct {
	every time.Duration
	// states reads the stored states of the tickets with these ID hashes; a
	// ticket missing from the answer was deleted.
	states func(ctx context.Context, idHashes []string) (map[string]State, error)

	mu      sync.Mutex
	watches map[string]*watch
	polling bool // a poller goroutine is running
}

// watch is the waiters of one ticket: whether it was woken (a change), a channel
// closed then for the waiters that hold a goroutine (Wait; made by the first of
// them, since a page waiting by Await would keep it for nothing), the functions of
// the waiters that hold none (Await), their number, and the stored state they read
// ("" until the first of them has read it; the poller skips it until then).
type watch struct {
	woken bool
	ch    chan struct{}
	calls []func()
	n     int
	state State
}

// pollBatch bounds the IDs of one poll query.
const pollBatch = 500

func newBroker(every time.Duration, states func(context.Context, []string) (map[string]State, error)) *broker {
	return &broker{every: every, states: states, watches: map[string]*watch{}}
}

// subscribe registers a waiter of ticket idHash before it reads the ticket, so that
// a change committed in between is not missed. The caller then reports what it read
// (seen) and, when done, calls release.
func (b *broker) subscribe(idHash string) *watch {
	b.mu.Lock()
	defer b.mu.Unlock()
	w := b.watches[idHash]
	if w == nil {
		w = &watch{}
		b.watches[idHash] = w
	}
	w.n++
	if !b.polling {
		b.polling = true
		go b.poll()
	}
	return w
}

// seen records the stored state a waiter of w read, for the poller to compare.
// Waiters that read different states (a change between their reads) make the
// poller wake them all; each then reads again.
func (b *broker) seen(w *watch, state State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if w.state == "" {
		w.state = state
	}
}

// woken is a channel closed when w is woken, for a waiter that selects on it.
func (b *broker) woken(w *watch) <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if w.ch == nil {
		w.ch = make(chan struct{})
		if w.woken {
			close(w.ch)
		}
	}
	return w.ch
}

// onWake has call run, on a goroutine of its own, when w is woken. It returns false
// when w has been woken already (call is not kept: the caller reads again itself).
func (b *broker) onWake(w *watch, call func()) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if w.woken {
		return false
	}
	w.calls = append(w.calls, call)
	return true
}

// release ends a waiter of w.
func (b *broker) release(idHash string, w *watch) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// After a notify the entry is gone or is a newer one.
	if b.watches[idHash] == w {
		if w.n--; w.n == 0 {
			delete(b.watches, idHash)
		}
	}
}

// notify wakes the waiters of ticket idHash.
func (b *broker) notify(idHash string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.wake(idHash)
}

// wake closes the entry of idHash and starts its waiters' calls; b.mu is held, so
// each call runs on its own goroutine (a call subscribes again, which takes b.mu).
func (b *broker) wake(idHash string) {
	if w := b.watches[idHash]; w != nil {
		w.woken = true
		if w.ch != nil {
			close(w.ch)
		}
		delete(b.watches, idHash)
		for _, call := range w.calls {
			go call()
		}
		w.calls = nil
	}
}

// poll runs while there are waiters: every interval it reads the stored states of
// the tickets waited on and wakes those that changed or are gone. It stops when the
// last waiter has gone; the next subscribe starts it again.
func (b *broker) poll() {
	t := time.NewTicker(b.every)
	defer t.Stop()
	for range t.C {
		b.mu.Lock()
		if len(b.watches) == 0 {
			b.polling = false
			b.mu.Unlock()
			return
		}
		want := make(map[string]State, len(b.watches))
		for h, w := range b.watches {
			if w.state != "" {
				want[h] = w.state
			}
		}
		b.mu.Unlock()
		b.check(want)
	}
}

// check reads the stored states of want's tickets, in batches, and wakes the
// waiters of every ticket whose state differs or that is gone. A failed read wakes
// nobody: the waiters' own bound ends their wait, and the next round tries again.
func (b *broker) check(want map[string]State) {
	ids := make([]string, 0, len(want))
	for h := range want {
		ids = append(ids, h)
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), pollBatch)]
		ids = ids[len(batch):]
		ctx, cancel := context.WithTimeout(context.Background(), max(b.every, time.Second))
		got, err := b.states(ctx, batch)
		cancel()
		if err != nil {
			continue
		}
		b.mu.Lock()
		for _, h := range batch {
			w := b.watches[h]
			if w == nil || w.state != want[h] {
				continue // gone, woken meanwhile, or a newer entry
			}
			if now, ok := got[h]; !ok || now != w.state {
				b.wake(h)
			}
		}
		b.mu.Unlock()
	}
}

// waiting reports how many tickets have waiters, and of those how many have been
// read by one (for tests).
func (b *broker) waiting() (tickets, read int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, w := range b.watches {
		if w.state != "" {
			read++
		}
	}
	return len(b.watches), read
}

// isPolling reports whether the poller runs (for tests).
func (b *broker) isPolling() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.polling
}

// storedStates is the poller's read: the state column of the tickets with these ID
// hashes, in one query on the read pool.
func (s *Service) storedStates(ctx context.Context, idHashes []string) (map[string]State, error) {
	if len(idHashes) == 0 {
		return nil, nil
	}
	args := make([]any, len(idHashes))
	for i, h := range idHashes {
		args[i] = h
	}
	rows, err := s.db.Query(ctx, "SELECT id_hash, state FROM qr_tickets WHERE id_hash IN (?"+
		strings.Repeat(", ?", len(idHashes)-1)+")", args...)
	if err != nil {
		return nil, fmt.Errorf("qrlogin: poll: %w", err)
	}
	defer rows.Close()
	out := make(map[string]State, len(idHashes))
	for rows.Next() {
		var h, st string
		if err := rows.Scan(&h, &st); err != nil {
			return nil, fmt.Errorf("qrlogin: poll: %w", err)
		}
		out[h] = State(st)
	}
	return out, rows.Err()
}
