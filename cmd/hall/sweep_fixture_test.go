package main

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/config"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/unit"
)

// sweepFixture is what every sweep test starts from: the serving process's
// services over a test database, on a clock the test moves, and one person.
type sweepFixture struct {
	ctx      context.Context
	db       *store.DB
	cfg      config.Config
	svc      *services.Services
	t0, now  time.Time
	random   *rand.Rand
	personID int64
	mobile   string
}

// newSweepFixture builds the services with a data directory of the test's own (not
// ./data in the source tree) and inserts a person, the random values from seed.
func newSweepFixture(t *testing.T, db *store.DB, seed uint64) *sweepFixture {
	t.Helper()
	f := &sweepFixture{
		ctx:    context.Background(),
		db:     db,
		cfg:    config.Defaults(),
		t0:     time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC),
		random: rand.New(rand.NewPCG(seed, 3)),
	}
	f.now = f.t0
	f.cfg.DataDir = t.TempDir()
	if err := f.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	svc, err := services.Build(f.cfg, db, nil, f.clock)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	f.mobile = ident.GenerateMobile(f.random)
	if err := db.Tx(f.ctx, func(tx *store.Tx) (err error) {
		f.personID, err = person.Insert(f.ctx, tx, person.Row{IDType: "resident",
			IDNumber: ident.GenerateResidentID(f.random, "320102", time.Time{}, true), Name: "测试", Mobile: f.mobile,
			CreatedAt: f.t0})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *sweepFixture) clock() time.Time { return f.now }

// createUnit opens a unit whose legal representative is the fixture's person.
func (f *sweepFixture) createUnit(t *testing.T) unit.Unit {
	t.Helper()
	var u unit.Unit
	if err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		var err error
		u, err = unit.New(f.db, f.clock).Create(f.ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(f.random, "320102"),
			Name: "示范商贸有限公司", UnitType: "enterprise", Region: "320102", LegalRepPersonID: f.personID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return u
}

// sweepStep is the clock's distance from the fixture's start at which the sweep
// runs, and how many of what the test counts must be left after it.
type sweepStep struct {
	after time.Duration
	want  int
}

// sweepAt moves the clock to after past the start and runs the sweep once.
func (f *sweepFixture) sweepAt(after time.Duration) {
	f.now = f.t0.Add(after)
	sweepOnce(f.ctx, f.svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// expectSweeps runs the sweep at each step and checks count against its want.
func (f *sweepFixture) expectSweeps(t *testing.T, what string, count func() int, steps []sweepStep) {
	t.Helper()
	for _, s := range steps {
		f.sweepAt(s.after)
		if n := count(); n != s.want {
			t.Errorf("after %s: %d %s, want %d", s.after, n, what, s.want)
		}
	}
}

// countRows counts with query, a SELECT COUNT(*).
func (f *sweepFixture) countRows(t *testing.T, query string) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(f.ctx, query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
