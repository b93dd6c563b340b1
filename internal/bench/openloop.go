package bench

import (
	"context"
	"sync"
	"time"
)

// Clock is the time the open-loop scheduler runs on; tests give it a fake one.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first.
	Sleep(ctx context.Context, d time.Duration)
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// OpenLoop sends requests at a fixed arrival rate for a duration, whatever the server
// does: arrival i is due at start + i/Rate. A server that slows down does not slow
// the arrivals (a closed loop would wait, and hide the latency the late requests
// would have seen). At most MaxInFlight requests run at once; an arrival that finds
// them all busy is dropped and counted, not queued, so the load the tool offers
// stays what was asked for and its own memory bounded.
type OpenLoop struct {
	Rate        float64 // arrivals per second, > 0
	MaxInFlight int     // > 0
	Duration    time.Duration
	Clock       Clock // nil: the wall clock
}

// Run schedules the arrivals and calls do for each one it starts, in a goroutine of
// its own, with the time the arrival was due; it returns after the last started request has finished, with the number
// started and the number dropped. An arrival that is already late (the scheduler was
// descheduled) starts at once: arrivals are caught up, never skipped.
func (o OpenLoop) Run(ctx context.Context, do func(ctx context.Context, due time.Time)) (started, dropped int) {
	clock := o.Clock
	if clock == nil {
		clock = realClock{}
	}
	slots := make(chan struct{}, o.MaxInFlight)
	var wg sync.WaitGroup
	start := clock.Now()
	for i := 0; ; i++ {
		// Each due time from i directly: summing a rounded interval would drift.
		due := time.Duration(float64(i) * float64(time.Second) / o.Rate)
		if due >= o.Duration || ctx.Err() != nil {
			break
		}
		at := start.Add(due)
		if wait := at.Sub(clock.Now()); wait > 0 {
			clock.Sleep(ctx, wait)
			if ctx.Err() != nil {
				break
			}
		}
		select {
		case slots <- struct{}{}:
			started++
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				do(ctx, at)
			}()
		default:
			dropped++
		}
	}
	wg.Wait()
	return started, dropped
}
