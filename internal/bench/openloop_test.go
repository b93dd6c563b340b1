package bench

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeClock advances only when the scheduler sleeps: by what it asked for, plus
// stall on the first sleep (the tool's machine was busy elsewhere). At cancelAt
// (if set) it ends the run's context, as a signal would.
type fakeClock struct {
	mu       sync.Mutex
	now      time.Time
	stall    time.Duration
	sleeps   int
	cancelAt time.Time
	cancel   context.CancelFunc
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d + c.stall)
	c.stall = 0
	c.sleeps++
	if c.cancel != nil && !c.now.Before(c.cancelAt) {
		c.cancel()
	}
}

var epoch = time.Unix(1_700_000_000, 0)

// dues collects the due times of the started requests.
type dues struct {
	mu   sync.Mutex
	list []time.Duration
}

func (d *dues) add(due time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.list = append(d.list, due.Sub(epoch))
}

func TestOpenLoopArrivesOnScheduleAndDropsBeyondTheBound(t *testing.T) {
	clock := &fakeClock{now: epoch}
	release := make(chan struct{})
	var got dues
	o := OpenLoop{Rate: 100, MaxInFlight: 3, Duration: time.Second, Clock: clock}
	var started, dropped int
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Every request hangs until the schedule is over: the server stopped answering.
		started, dropped = o.Run(context.Background(), func(_ context.Context, due time.Time) {
			got.add(due)
			<-release
		})
	}()
	// The scheduler goes through its 100 arrivals without waiting for answers; only
	// then does it wait for the three in flight.
	deadline := time.Now().Add(5 * time.Second)
	for clock.Now().Sub(epoch) < 990*time.Millisecond {
		if time.Now().After(deadline) {
			close(release)
			t.Fatal("the scheduler waited for an answer instead of keeping its arrival rate")
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	<-done
	if started != 3 || dropped != 97 {
		t.Errorf("started %d, dropped %d; want 3 and 97 (100 arrivals in 1 s at 100/s, at most 3 in flight)", started, dropped)
	}
	want := map[time.Duration]bool{0: true, 10 * time.Millisecond: true, 20 * time.Millisecond: true}
	for _, d := range got.list {
		if !want[d] {
			t.Errorf("a request was due at +%v, want the first three arrivals (+0, +10 ms, +20 ms)", d)
		}
		delete(want, d)
	}
}

func TestOpenLoopStartsEveryArrivalWhileThereIsRoom(t *testing.T) {
	clock := &fakeClock{now: epoch}
	var got dues
	o := OpenLoop{Rate: 50, MaxInFlight: 1000, Duration: 2 * time.Second, Clock: clock}
	started, dropped := o.Run(context.Background(), func(_ context.Context, due time.Time) { got.add(due) })
	if started != 100 || dropped != 0 {
		t.Fatalf("started %d, dropped %d; want 100 and 0", started, dropped)
	}
	seen := map[time.Duration]bool{}
	for _, d := range got.list {
		if d%(20*time.Millisecond) != 0 || d >= 2*time.Second || seen[d] {
			t.Errorf("an arrival due at +%v: want each multiple of 20 ms below 2 s once", d)
		}
		seen[d] = true
	}
	if got, want := clock.Now().Sub(epoch), 99*20*time.Millisecond; got != want {
		t.Errorf("the schedule ended at +%v, want +%v (the last of 100 arrivals 20 ms apart)", got, want)
	}
}

func TestOpenLoopCatchesUpLateArrivals(t *testing.T) {
	// The scheduler's first sleep (to +100 ms) lasts until +650 ms: the arrivals due
	// at +200 … +600 ms start at once when it resumes, none is skipped, and it
	// sleeps again only for +700, +800 and +900 ms.
	clock := &fakeClock{now: epoch, stall: 550 * time.Millisecond}
	var got dues
	o := OpenLoop{Rate: 10, MaxInFlight: 100, Duration: time.Second, Clock: clock}
	started, dropped := o.Run(context.Background(), func(_ context.Context, due time.Time) { got.add(due) })
	if started != 10 || dropped != 0 {
		t.Errorf("started %d, dropped %d; want all 10 arrivals started", started, dropped)
	}
	if clock.sleeps != 4 {
		t.Errorf("the scheduler slept %d times, want 4 (late arrivals start without sleeping)", clock.sleeps)
	}
	if len(got.list) != 10 {
		t.Errorf("%d requests ran, want 10", len(got.list))
	}
}

func TestOpenLoopStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The context ends as the clock reaches +50 ms: the arrivals due before it
	// (+0 … +40 ms) started, the one it was sleeping towards did not.
	clock := &fakeClock{now: epoch, cancelAt: epoch.Add(50 * time.Millisecond), cancel: cancel}
	o := OpenLoop{Rate: 100, MaxInFlight: 1000, Duration: time.Hour, Clock: clock}
	started, dropped := o.Run(ctx, func(context.Context, time.Time) {})
	if started != 5 || dropped != 0 {
		t.Errorf("started %d, dropped %d; want 5 and 0", started, dropped)
	}
}

func TestOpenLoopCountsArrivalsExactly(t *testing.T) {
	// 1/60 s is no whole number of nanoseconds: 3 s at 60/s is still 180 arrivals.
	clock := &fakeClock{now: epoch}
	o := OpenLoop{Rate: 60, MaxInFlight: 1000, Duration: 3 * time.Second, Clock: clock}
	started, dropped := o.Run(context.Background(), func(context.Context, time.Time) {})
	if started+dropped != 180 {
		t.Errorf("%d arrivals, want 180", started+dropped)
	}
}
