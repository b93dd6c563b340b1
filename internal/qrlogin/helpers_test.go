package qrlogin

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/sealed/sealedtest"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/throttle"
	"hall/internal/token"
	"hall/internal/unit"
)

// clock is a fake clock that tests move by hand; once run, it also advances with
// real time (for the waits that end at a ticket's expiry).
type clock struct {
	mu      sync.Mutex
	t       time.Time
	running time.Time // when run was called; zero while stopped
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running.IsZero() {
		return c.t.Add(time.Since(c.running))
	}
	return c.t
}

func (c *clock) run() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running = time.Now()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// t0 is a weekday morning in Asia/Shanghai, with nanoseconds the database drops.
var t0 = time.Date(2026, 3, 16, 9, 5, 0, 987654321, time.FixedZone("CST", 8*3600))

// A Windows PC's browser, as the login page sees it.
const (
	pcUA   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	pcAddr = "203.0.113.58"
)

// fixture is a Service on a fresh database with real collaborators: units,
// delegation's authorization, the throttle and the audit log.
type fixture struct {
	ctx   context.Context
	db    *store.DB
	clk   *clock
	svc   *Service
	units *unit.Service
	audit *audit.Log
	rnd   *rand.Rand
	// limits are ScopeAddr's limits in the services the fixture builds.
	limits throttle.Limits
	seq    int
}

type fakeHasher struct{}

func (fakeHasher) Hash(_ context.Context, pw string) (string, error) { return "fake$" + pw, nil }

func newFixture(t testing.TB, db *store.DB, cfg Config) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), db: db, clk: &clock{t: t0}, rnd: rand.New(rand.NewPCG(11, uint64(len(t.Name())))),
		limits: AddrLimits}
	f.audit = audit.New(db, []byte("qrlogin test key"), f.clk.Now)
	f.units = unit.New(db, f.clk.Now)
	f.svc = f.service(t, db, cfg)
	return f
}

// service builds another Service on db with f's clock: a second `hall serve`
// process when db is a second handle.
func (f *fixture) service(t testing.TB, db *store.DB, cfg Config) *Service {
	t.Helper()
	sessions, err := auth.NewSessions(db, auth.SessionConfig{}, f.clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := person.NewHasher(person.DefaultHashConfig())
	if err != nil {
		t.Fatal(err)
	}
	persons := person.New(db, hasher, nil, ident.DefaultPasswordPolicy(), f.audit, f.clk.Now)
	deleg, err := delegation.New(delegation.Deps{DB: db, Audit: audit.New(db, []byte("qrlogin test key"), f.clk.Now),
		Persons: persons, Sessions: sessions, Hasher: fakeHasher{}, Policy: ident.DefaultPasswordPolicy(),
		SMS: sms.NewOutbox(db, sealedtest.Keys(), f.clk.Now), Now: f.clk.Now}, delegation.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tc := throttle.DefaultConfig()
	tc.Scopes[ScopeAddr] = f.limits
	svc, err := New(Deps{DB: db, Units: unit.New(db, f.clk.Now), Authorizer: deleg, Throttle: throttle.New(db, tc, f.clk.Now),
		Audit: audit.New(db, []byte("qrlogin test key"), f.clk.Now), Now: f.clk.Now}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "欧阳"}
	given    = []string{"伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超", "霞"}
)

// person registers an invented real-name person and returns the ID.
func (f *fixture) person(t testing.TB) int64 {
	t.Helper()
	name := surnames[f.rnd.IntN(len(surnames))] + given[f.rnd.IntN(len(given))] + given[f.rnd.IntN(len(given))]
	now := store.Time(f.clk.Now())
	var id int64
	err := f.db.Tx(f.ctx, func(tx *store.Tx) (err error) {
		id, err = person.Insert(f.ctx, tx, person.Row{IDType: "resident",
			IDNumber: ident.GenerateResidentID(f.rnd, "", time.Time{}, f.rnd.IntN(2) == 0), Name: name,
			Mobile: ident.GenerateMobile(f.rnd), CreatedAt: now})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// unit opens a unit with rep as its legal representative.
func (f *fixture) unit(t testing.TB, rep int64) int64 {
	t.Helper()
	f.seq++
	var u unit.Unit
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		var err error
		u, err = f.units.Create(f.ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(f.rnd, "320102"),
			Name:     fmt.Sprintf("示范%s人力资源有限公司%d", []string{"恒达", "瑞丰", "远航", "启明", "嘉禾"}[f.seq%5], f.seq),
			UnitType: "企业", Region: "320102", LegalRepPersonID: rep})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// member gives p the role in unitID with status, valid until until (zero: no end).
func (f *fixture) member(t testing.TB, unitID, p int64, role unit.Role, status unit.Status, until time.Time) unit.Membership {
	t.Helper()
	m := unit.Membership{UnitID: unitID, PersonID: p, Role: role, Status: status, PasswordHash: "fake$Hq4#wLp9zR"}
	if !until.IsZero() {
		from := store.Time(f.clk.Now().Add(-time.Hour))
		m.ValidFrom, m.ValidUntil = &from, &until
	}
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		var err error
		m, err = f.units.AddMembership(f.ctx, tx, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// revoke revokes membership m as a removal in 经办人管理 would.
func (f *fixture) revoke(t testing.TB, m unit.Membership) {
	t.Helper()
	if _, err := f.db.Exec(f.ctx, `UPDATE memberships SET status = 'revoked', revoked_at = ? WHERE id = ?`,
		store.Time(f.clk.Now()), m.ID); err != nil {
		t.Fatal(err)
	}
}

// browser is a PC browser's binding cookie.
func browser() string { return token.New() }

// create issues a ticket of kind for binding from the PC browser.
func (f *fixture) create(t testing.TB, kind Kind, binding string) Ticket {
	t.Helper()
	tk, err := f.svc.Create(f.ctx, Request{Kind: kind, Binding: binding, ClientAddr: pcAddr, UserAgent: pcUA})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return tk
}

// confirmedBy returns a unit ticket p scanned and confirmed for unitID, and the
// binding of the browser that shows it.
func (f *fixture) confirmedBy(t testing.TB, p, unitID int64) (Ticket, string) {
	t.Helper()
	b := browser()
	tk := f.create(t, KindUnit, b)
	if _, err := f.svc.Scan(f.ctx, tk.ID, p); err != nil {
		t.Fatal(err)
	}
	tk, err := f.svc.Confirm(f.ctx, tk.ID, p, unitID, app)
	if err != nil {
		t.Fatal(err)
	}
	return tk, b
}

// app is the request context of the companion app for audit records.
var app = auth.Attempt{ClientAddr: "198.51.100.23", RequestID: "req-app"}

// pc is the request context of the PC browser.
var pc = auth.Attempt{ClientAddr: pcAddr, RequestID: "req-pc"}

// wantErr fails unless err matches want (nil means success).
func wantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: unexpected error %v", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// audits lists the audit log's actions with their results, oldest first.
func (f *fixture) audits(t testing.TB) []audit.Entry {
	t.Helper()
	es, _, err := f.audit.List(f.ctx, audit.Filter{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}
