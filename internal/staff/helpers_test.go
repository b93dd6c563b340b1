package staff

import (
	"context"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/throttle"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

// t0 is a weekday morning in Asia/Shanghai, with nanoseconds the database drops.
var t0 = time.Date(2026, 4, 13, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))

// fakeHasher stands in for argon2id (a default hash takes about a second under the
// race detector); TestLoginRealHasher uses the real one.
type fakeHasher struct{}

func (fakeHasher) Hash(_ context.Context, pw string) (string, error) { return "fake$" + pw, nil }
func (fakeHasher) Verify(_ context.Context, phc, pw string) (bool, bool, error) {
	return phc == "fake$"+pw, false, nil
}
func (fakeHasher) Dummy(context.Context) error { return nil }

type fixture struct {
	ctx   context.Context
	db    *store.DB
	clk   *clock
	svc   *Service
	audit *audit.Log
	th    *throttle.Throttle
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	return newFixtureWith(t, db, fakeHasher{})
}

func newFixtureWith(t testing.TB, db *store.DB, h Hasher) *fixture {
	t.Helper()
	clk := storetest.NewClock(t0)
	tc := throttle.DefaultConfig()
	for s, l := range ThrottleScopes {
		tc.Scopes[s] = l
	}
	tc.Secret = []byte("test throttle secret 0123456789")
	th := throttle.New(db, tc, clk.Now)
	log := audit.New(db, []byte("test audit key"), clk.Now)
	svc, err := New(Deps{DB: db, Audit: log, Hasher: h, Policy: ident.DefaultPasswordPolicy(), Throttle: th,
		Sealer: NewSealer("test totp key"), Issuer: "示范省人社 后台", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ctx: context.Background(), db: db, clk: clk, svc: svc, audit: log, th: th}
}

// bootstrap makes the first security administrator and signs them in (initial
// password changed), returning the actor.
func (f *fixture) bootstrap(t testing.TB) (Actor, Created) {
	t.Helper()
	c, err := f.svc.Bootstrap(f.ctx, "secadmin", "安全管理员甲", "首次部署", false)
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	a := f.firstLogin(t, c)
	return a, c
}

// firstLogin signs in with the initial password and a TOTP code, changes the
// password to a known one and returns the actor.
func (f *fixture) firstLogin(t testing.TB, c Created) Actor {
	t.Helper()
	st := f.login(t, c.Staff.Login, c.InitialPassword, c.Enrolment.Secret)
	a := actorOf(st)
	if err := f.svc.ChangePassword(f.ctx, a, PasswordChange{Current: c.InitialPassword, New: knownPassword,
		Confirm: knownPassword}, ""); err != nil {
		t.Fatalf("change initial password of %s: %v", c.Staff.Login, err)
	}
	a.MustChangePassword = false
	return a
}

const knownPassword = "Counter#2026ok"

// noStart is the LoginInput.Start of a login that only checks: it starts no
// session (a test that wants one calls StartSession with the account Login
// returns).
func noStart(context.Context, Staff) error { return nil }

// login signs in with the code of the current time step, after moving the clock to
// the next step (a step is spent by each login).
func (f *fixture) login(t testing.TB, login, password, secret string) Staff {
	t.Helper()
	f.clk.Add(totpPeriod * time.Second)
	st, err := f.svc.Login(f.ctx, LoginInput{Start: noStart, Login: login, Password: password, Code: Code(secret, f.clk.Now()),
		ClientIP: "192.0.2.10"})
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	return st
}

// create makes an account with roles as the security administrator sec and signs it
// in once, returning its actor and what Create gave.
func (f *fixture) create(t testing.TB, sec Actor, login string, roles ...Role) (Actor, Created) {
	t.Helper()
	c, err := f.svc.Create(f.ctx, sec, NewStaff{Login: login, Name: "职员" + login, Roles: RolesOf(roles...)}, "新进人员")
	if err != nil {
		t.Fatalf("create %s: %v", login, err)
	}
	return f.firstLogin(t, c), c
}

// entries lists the audit records whose action starts with prefix, oldest first.
func (f *fixture) entries(t testing.TB, prefix string) []audit.Entry {
	t.Helper()
	es, _, err := f.audit.List(f.ctx, audit.Filter{Action: prefix, PerPage: audit.MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

func hasEntry(es []audit.Entry, action string, result audit.Result, staffID int64) bool {
	for _, e := range es {
		if e.Action == action && e.Result == result && e.StaffID == staffID {
			return true
		}
	}
	return false
}

// verified is the account as Login returns it, with its password as stored now:
// what StartSession needs to start a session for it without a login.
func (f *fixture) verified(t testing.TB, id int64) Staff {
	t.Helper()
	st, err := f.svc.Get(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.d.DB.QueryRow(f.ctx, `SELECT password_hash FROM staff WHERE id = ?`, id).Scan(&st.verified); err != nil {
		t.Fatal(err)
	}
	return st
}
