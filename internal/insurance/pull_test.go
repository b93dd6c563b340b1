package insurance

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// puller is a Puller of db from core with key, auditing into log.
func puller(t *testing.T, db *store.DB, core *coreServer, key string, log *audit.Log) *Puller {
	t.Helper()
	return &Puller{Importer: importer(db), Source: core.source(t, key), Audit: log, Log: slog.New(slog.DiscardHandler)}
}

// pullRecords are the audit records of the scheduled pull, oldest first.
func pullRecords(t *testing.T, log *audit.Log) []audit.Entry {
	t.Helper()
	es, _, err := log.List(context.Background(), audit.Filter{Action: "insurance.pull", PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

// leaseHeld tells whether any process holds the pull lease.
func leaseHeld(t *testing.T, db *store.DB) bool {
	t.Helper()
	return count(t, db, "insurance_pull_lease") != 0
}

// leaseUntil is when the pull lease expires, and whether anyone holds it.
func leaseUntil(t *testing.T, db *store.DB) (time.Time, bool) {
	t.Helper()
	var until time.Time
	err := db.QueryRow(context.Background(), `SELECT expires_at FROM insurance_pull_lease WHERE id = 1`).Scan(&until)
	if errors.Is(store.NotFound(err), store.ErrNotFound) {
		return time.Time{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return until, true
}

// wantPull runs p once and fails unless it ran (or, with ran false, skipped) without
// an error.
func wantPull(t *testing.T, p *Puller, ran bool, what string) {
	t.Helper()
	if run, err := p.Pull(context.Background()); err != nil || run.Ran != ran {
		t.Fatalf("%s: %+v, %v; want ran %v", what, run, err, ran)
	}
}

// expireLease makes the held lease one that has expired.
func expireLease(t *testing.T, db *store.DB) {
	t.Helper()
	if _, err := db.Exec(context.Background(), `UPDATE insurance_pull_lease SET expires_at = ?`, store.Time(time.Now().Add(-time.Second))); err != nil {
		t.Fatal(err)
	}
}

// hold makes every request of the core system wait until gate is closed, and
// tells each file asked for on arrived: a run in progress a test can act on.
func (c *coreServer) hold() (gate chan struct{}, arrived chan string) {
	gate, arrived = make(chan struct{}), make(chan string, len(tables))
	c.set(func(s *coreServer) { s.gate, s.arrived = gate, arrived })
	return gate, arrived
}

// pullInBackground runs p.Pull(ctx) on its own goroutine; its error comes on the
// channel.
func pullInBackground(ctx context.Context, p *Puller) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := p.Pull(ctx)
		done <- err
	}()
	return done
}

// TestPullerTicks: Run pulls at once and at every tick; a run the core system fails
// is audited as a failure and the next tick tries again and loads the data, as the
// import of the same files does; ending ctx ends Run.
func TestPullerTicks(t *testing.T) {
	dir := demoFiles(t)
	want := storetest.SQLite(t)
	if err := importer(want).ImportDir(context.Background(), dir, io.Discard); err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		core := newCoreServer(t, dir)
		core.set(func(s *coreServer) { s.status["employees.csv"] = http.StatusInternalServerError })
		log := audit.New(db, nil, nil)
		p := puller(t, db, core, testAPIKey, log)
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan struct{})
		go func() {
			defer close(ran)
			p.Run(ctx, 100*time.Millisecond)
		}()
		waitFor(t, func() bool { return len(pullRecords(t, log)) >= 1 })
		core.set(func(s *coreServer) { delete(s.status, "employees.csv") })
		waitFor(t, func() bool {
			recs := pullRecords(t, log)
			return recs[len(recs)-1].Result == audit.Success
		})
		cancel()
		select {
		case <-ran:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not end with its context")
		}
		recs := pullRecords(t, log)
		first := recs[0]
		if first.Result != audit.Failure || !strings.Contains(first.Detail["employees.csv"], "500") ||
			!strings.Contains(first.Detail["enrolments.csv"], "written") || first.Detail["error"] == "" {
			t.Fatalf("the failed run's record: %+v", first)
		}
		var loaded bool
		for _, r := range recs[1:] {
			if e := r.Detail["employees.csv"]; r.Result == audit.Success && strings.HasPrefix(e, "rows ") && !strings.Contains(e, "written 0,") {
				loaded = true
			}
		}
		if !loaded {
			t.Fatalf("no run recorded loading employees.csv: %+v", recs)
		}
		if snapshot(t, db) != snapshot(t, want) {
			t.Error("the pulled read model differs from the import of the same files")
		}
		// Between ticks the lease is kept only until the next pull is due, not for
		// a run's length (DefaultPullLease).
		if until, held := leaseUntil(t, db); held && until.After(time.Now().Add(time.Second)) {
			t.Errorf("the lease is kept until %v, beyond the next tick", until)
		}
	})
}

// TestPullerOncePerInterval: under Run the process that pulled keeps the lease
// until its next pull is due, so another process's tick in between asks nothing
// (several processes, or a restart, pull once per interval); its own next tick
// pulls again; when the interval has passed without it (it died), another pulls.
func TestPullerOncePerInterval(t *testing.T) {
	dir := demoFiles(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		core := newCoreServer(t, dir)
		a, b := puller(t, db, core, testAPIKey, nil), puller(t, db, core, testAPIKey, nil)
		a.every, b.every = time.Hour, time.Hour
		before := time.Now()
		wantPull(t, a, true, "the first pull")
		until, held := leaseUntil(t, db)
		if !held || until.Before(before.Add(time.Hour-time.Second)) || until.After(time.Now().Add(time.Hour)) {
			t.Fatalf("after the run the lease is held %v until %v, want until an hour after the run's start", held, until)
		}
		wantPull(t, b, false, "another process's tick within the interval")
		wantPull(t, a, true, "the holder's next tick")
		expireLease(t, db)
		wantPull(t, b, true, "after the interval passed without the holder")
		// A failed run gives the lease up: a process that cannot reach the core
		// system does not keep the others from it.
		core.set(func(s *coreServer) {
			for _, tb := range tables {
				s.status[tb.file] = http.StatusInternalServerError
			}
		})
		if run, err := b.Pull(context.Background()); err == nil || !run.Ran {
			t.Fatalf("a run the core system fails: %+v, %v", run, err)
		}
		if leaseHeld(t, db) {
			t.Error("a failed run kept the lease")
		}
	})
}

// TestPullerRunTakesExpiredLease: Run that finds another process's lease tries
// again when it expires, not only at its next tick (an hour here): a restart, or a
// holder that died, does not leave the read model unpulled for up to two intervals.
func TestPullerRunTakesExpiredLease(t *testing.T) {
	db := storetest.SQLite(t)
	core := newCoreServer(t, demoFiles(t))
	log := audit.New(db, nil, nil)
	if _, err := db.Exec(context.Background(), `INSERT INTO insurance_pull_lease (id, holder, expires_at) VALUES (1, 'dead', ?)`,
		store.Time(time.Now().Add(1500*time.Millisecond))); err != nil {
		t.Fatal(err)
	}
	p := puller(t, db, core, testAPIKey, log)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		p.Run(ctx, time.Hour)
	}()
	defer func() { cancel(); <-ran }()
	waitFor(t, func() bool { return len(pullRecords(t, log)) == 1 })
	if recs := pullRecords(t, log); recs[0].Result != audit.Success {
		t.Fatalf("the pull after the lease expired: %+v", recs[0])
	}
}

// TestPullerFailureKeepsData: a run the core system fails — a refused key, a server
// error on every file — keeps what the read model held, is recorded as a failure,
// and leaves the lease free for the next tick.
func TestPullerFailureKeepsData(t *testing.T) {
	dir := demoFiles(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		core := newCoreServer(t, dir)
		log := audit.New(db, nil, nil)
		if run, err := puller(t, db, core, testAPIKey, log).Pull(ctx); err != nil || !run.Ran || len(run.Outcomes) != len(tables) {
			t.Fatalf("first pull: %+v, %v", run, err)
		}
		before := snapshot(t, db)
		if before == "" {
			t.Fatal("the first pull loaded nothing")
		}
		cases := []struct {
			name   string
			key    string
			status int
			want   error
		}{
			{"key refused", "wrong-key", 0, ErrKeyRefused},
			{"server down", testAPIKey, http.StatusServiceUnavailable, ErrSourceUnavailable},
		}
		for _, c := range cases {
			core.set(func(s *coreServer) {
				for _, tb := range tables {
					if c.status != 0 {
						s.status[tb.file] = c.status
					}
				}
			})
			run, err := puller(t, db, core, c.key, log).Pull(ctx)
			if !errors.Is(err, c.want) || !run.Ran {
				t.Fatalf("%s: %+v, %v", c.name, run, err)
			}
			if snapshot(t, db) != before {
				t.Fatalf("%s: the failed pull changed the read model", c.name)
			}
			recs := pullRecords(t, log)
			if last := recs[len(recs)-1]; last.Result != audit.Failure || last.Detail["error"] == "" {
				t.Fatalf("%s: recorded %+v", c.name, last)
			}
			if leaseHeld(t, db) {
				t.Fatalf("%s: the lease was not given up", c.name)
			}
		}
	})
}

// TestPullerOneAtATime: of two processes' pullers ticking at once, one runs and the
// other skips while the first holds the lease; once it is given up, or has expired
// after its holder died, another takes it.
func TestPullerOneAtATime(t *testing.T) {
	dir := demoFiles(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		core := newCoreServer(t, dir)
		gate, arrived := core.hold()
		a, b := puller(t, db, core, testAPIKey, nil), puller(t, db, core, testAPIKey, nil)

		type result struct {
			run PullRun
			err error
		}
		results := make(chan result, 2)
		for _, p := range []*Puller{a, b} {
			go func() {
				run, err := p.Pull(ctx)
				results <- result{run, err}
			}()
		}
		// One of them is fetching its first file, holding the lease; the other finds
		// it held and returns without asking anything.
		<-arrived
		skipped := <-results
		close(gate)
		pulled := <-results
		if skipped.err != nil || skipped.run.Ran || pulled.err != nil || !pulled.run.Ran {
			t.Fatalf("two pullers at once: %+v, then %+v; want one skipped, one run", skipped, pulled)
		}
		core.set(func(s *coreServer) {
			if len(s.keys) != len(tables) {
				t.Errorf("%d requests, want one run's %d", len(s.keys), len(tables))
			}
			s.gate, s.arrived = nil, nil
		})

		// Given up: the other takes it at its next tick.
		wantPull(t, b, true, "after the first run")
		// A holder that died: its lease blocks the others until it expires.
		if _, err := db.Exec(ctx, `INSERT INTO insurance_pull_lease (id, holder, expires_at) VALUES (1, 'dead', ?)`,
			store.Time(time.Now().Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		wantPull(t, a, false, "with a live lease of another")
		expireLease(t, db)
		wantPull(t, a, true, "with an expired lease")
	})
}

// TestPullerLeaseRenewed: a run longer than the lease keeps it (renewed every
// third), so another process's tick meanwhile skips.
func TestPullerLeaseRenewed(t *testing.T) {
	dir := demoFiles(t)
	db := storetest.SQLite(t)
	core := newCoreServer(t, dir)
	gate, arrived := core.hold()
	a, b := puller(t, db, core, testAPIKey, nil), puller(t, db, core, testAPIKey, nil)
	a.Lease, b.Lease = time.Second, time.Second
	done := pullInBackground(context.Background(), a)
	<-arrived
	time.Sleep(3500 * time.Millisecond) // more than three times the lease
	if run, err := b.Pull(context.Background()); err != nil || run.Ran {
		t.Fatalf("a tick while the first run goes on: %+v, %v", run, err)
	}
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestPullerLeaseLost: a run whose lease another process took (this one stalled
// past its expiry) stops at its next renewal with errLeaseLost, writes nothing more
// and leaves the other's lease alone.
func TestPullerLeaseLost(t *testing.T) {
	dir := demoFiles(t)
	db := storetest.SQLite(t)
	core := newCoreServer(t, dir)
	gate, arrived := core.hold()
	defer close(gate)
	p := puller(t, db, core, testAPIKey, nil)
	p.Lease = 300 * time.Millisecond
	done := pullInBackground(context.Background(), p)
	<-arrived
	if _, err := db.Exec(context.Background(), `UPDATE insurance_pull_lease SET holder = 'other'`); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, errLeaseLost) {
			t.Fatalf("Pull after losing the lease: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the run went on without its lease")
	}
	if snapshot(t, db) != "" {
		t.Error("the run that lost its lease wrote rows")
	}
	var holder string
	if err := db.QueryRow(context.Background(), `SELECT holder FROM insurance_pull_lease`).Scan(&holder); err != nil || holder != "other" {
		t.Errorf("the other process's lease: %q, %v", holder, err)
	}
}

// TestPullerShutdown: ending ctx midway cancels the run: the file being fetched is
// given up with nothing of it written, Pull returns, and the lease is given up.
func TestPullerShutdown(t *testing.T) {
	dir := demoFiles(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		core := newCoreServer(t, dir)
		gate, arrived := core.hold()
		defer close(gate)
		log := audit.New(db, nil, nil)
		p := puller(t, db, core, testAPIKey, log)
		ctx, cancel := context.WithCancel(context.Background())
		done := pullInBackground(ctx, p)
		<-arrived
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Pull after shutdown: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("shutdown did not end the run")
		}
		if snapshot(t, db) != "" || leaseHeld(t, db) {
			t.Fatal("a cancelled run wrote rows or kept the lease")
		}
		if recs := pullRecords(t, log); len(recs) != 1 || recs[0].Result != audit.Failure || recs[0].Detail["error"] != "stopped by shutdown" {
			t.Fatalf("records: %+v", recs)
		}
	})
}

// waitFor polls cond for up to 20 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPullerLongRunRecorded: a run longer than the few seconds the closing writes
// get is still recorded and ends its lease: those writes' deadline starts when they
// do, not when the run did.
func TestPullerLongRunRecorded(t *testing.T) {
	dir := demoFiles(t)
	db := storetest.SQLite(t)
	core := newCoreServer(t, dir)
	gate, arrived := core.hold()
	log := audit.New(db, nil, nil)
	p := puller(t, db, core, testAPIKey, log)
	p.closeWait = 500 * time.Millisecond
	done := pullInBackground(context.Background(), p)
	<-arrived
	time.Sleep(3 * p.closeWait) // longer than the closing writes get
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if recs := pullRecords(t, log); len(recs) != 1 || recs[0].Result != audit.Success {
		t.Fatalf("a long run's records: %+v", recs)
	}
	if leaseHeld(t, db) {
		t.Error("a long run kept the lease")
	}
}
