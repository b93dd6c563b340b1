package delegation

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/sealed/sealedtest"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
	"hall/internal/verify"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

// t0 is a Monday morning in Asia/Shanghai, with nanoseconds the database drops.
var t0 = time.Date(2026, 4, 13, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))

const day24 = 24 * time.Hour

// fakeHasher stands in for argon2id in storage tests (the real hasher is used by
// TestConfirmThenLogin); it hashes like the real one as far as the tests can see.
type fakeHasher struct{}

func (fakeHasher) Hash(_ context.Context, pw string) (string, error) { return "fake$" + pw, nil }

// fixture is a Service on a fresh database with real collaborators: the audit log,
// sessions, the development SMS outbox and the development face verification.
type fixture struct {
	ctx      context.Context
	db       *store.DB
	clk      *clock
	svc      *Service
	units    *unit.Service
	sessions *auth.Sessions
	outbox   *sms.Outbox
	verify   *verify.Service
	dev      *verify.DevProvider
	audit    *audit.Log
	rnd      *rand.Rand
	seq      int
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	return newFixtureWith(t, db, fakeHasher{}, Config{})
}

func newFixtureWith(t testing.TB, db *store.DB, h PasswordHasher, cfg Config) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{ctx: ctx, db: db, clk: storetest.NewClock(t0), rnd: rand.New(rand.NewPCG(42, uint64(len(t.Name()))))}
	if err := cases.NewCatalog(db).Seed(ctx); err != nil {
		t.Fatal(err)
	}
	f.audit = audit.New(db, []byte("delegation test key"), f.clk.Now)
	var err error
	if f.sessions, err = auth.NewSessions(db, auth.SessionConfig{Idle: 365 * day24, Absolute: 365 * day24}, f.clk.Now); err != nil {
		t.Fatal(err)
	}
	hasher, err := person.NewHasher(person.DefaultHashConfig())
	if err != nil {
		t.Fatal(err)
	}
	persons := person.New(db, hasher, nil, ident.DefaultPasswordPolicy(), f.audit, f.clk.Now)
	f.units = unit.New(db, f.clk.Now)
	f.outbox = sms.NewOutbox(db, sealedtest.Keys(), f.clk.Now)
	f.dev = verify.NewDevProvider()
	f.verify = verify.New(db, f.dev, verify.Config{}, f.clk.Now)
	f.svc, err = New(Deps{DB: db, Audit: f.audit, Persons: persons, Sessions: f.sessions, Hasher: h,
		Policy: ident.DefaultPasswordPolicy(), SMS: f.outbox, Now: f.clk.Now}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "欧阳"}
	given    = []string{"伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超", "霞"}
)

// who is an invented registered person.
type who struct {
	ID int64
	Nominee
}

func (w who) actor() Actor {
	return Actor{PersonID: w.ID, ClientIP: "198.51.100.7", RequestID: "req-test"}
}

// person registers an invented real-name person.
func (f *fixture) person(t testing.TB) who {
	t.Helper()
	w := who{Nominee: Nominee{
		Name:     surnames[f.rnd.IntN(len(surnames))] + given[f.rnd.IntN(len(given))] + given[f.rnd.IntN(len(given))],
		IDType:   ident.IDTypeResident,
		IDNumber: ident.GenerateResidentID(f.rnd, "", time.Time{}, f.rnd.IntN(2) == 0),
		Mobile:   ident.GenerateMobile(f.rnd),
	}}
	now := store.Time(f.clk.Now())
	err := f.db.Tx(f.ctx, func(tx *store.Tx) (err error) {
		w.ID, err = person.Insert(f.ctx, tx, person.Row{IDType: string(w.IDType), IDNumber: w.IDNumber, Name: w.Name,
			Mobile: w.Mobile, CreatedAt: now})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (f *fixture) people(t testing.TB, n int) []who {
	out := make([]who, n)
	for i := range out {
		out[i] = f.person(t)
	}
	return out
}

// unit opens a unit with rep as its legal representative.
func (f *fixture) unit(t testing.TB, rep who) int64 {
	t.Helper()
	f.seq++
	var u unit.Unit
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		var err error
		u, err = f.units.Create(f.ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(f.rnd, "320102"),
			Name:     fmt.Sprintf("示范%s科技有限公司", []string{"恒达", "瑞丰", "远航", "启明", "嘉禾"}[f.seq%5]),
			UnitType: "企业", Region: "320102", LegalRepPersonID: rep.ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// verified runs a face verification of p for purpose in the development provider,
// approved in the app by the person logged in there (app), and returns its ID and
// binding for ConsumeIn.
func (f *fixture) verified(t testing.TB, purpose string, p, app who) (string, string) {
	t.Helper()
	f.seq++
	binding := fmt.Sprintf("app-flow-%d", f.seq)
	s, err := f.verify.Start(f.ctx, verify.Request{Purpose: purpose, Binding: binding,
		Expected: verify.Person{IDType: p.IDType, IDNumber: p.IDNumber, Name: p.Name}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.dev.CompleteInApp(f.ctx, s.ID, verify.Person{IDType: app.IDType, IDNumber: app.IDNumber, Name: app.Name}, true); err != nil {
		t.Fatal(err)
	}
	return s.ID, binding
}

const unitPassword = "Hq4#wLp9zR"

// confirm has p confirm inv after a passed face verification.
func (f *fixture) confirm(t testing.TB, inv Invitation, p who) {
	t.Helper()
	id, binding := f.verified(t, verify.PurposeAgentConfirm, p, p)
	err := f.svc.Confirm(f.ctx, p.actor(), Confirmation{InvitationID: inv.ID, Password: unitPassword,
		Confirm: unitPassword, Proof: ConsumeIn(f.verify, id, binding)})
	if err != nil {
		t.Fatalf("Confirm: %v", err)
	}
}

// admin nominates and confirms an admin valid for d.
func (f *fixture) admin(t testing.TB, unitID int64, rep, adm who, d time.Duration) Invitation {
	t.Helper()
	inv, err := f.svc.SetAdmin(f.ctx, rep.actor(), unitID, adm.Nominee, f.clk.Now().Add(d))
	if err != nil {
		t.Fatalf("SetAdmin: %v", err)
	}
	f.confirm(t, inv, adm)
	return inv
}

// agent adds and confirms an agent with items, valid from now for d.
func (f *fixture) agent(t testing.TB, unitID int64, by, ag who, d time.Duration, items ...string) Invitation {
	t.Helper()
	inv, err := f.svc.AddAgent(f.ctx, by.actor(), unitID, ag.Nominee, items, time.Time{}, f.clk.Now().Add(d))
	if err != nil {
		t.Fatalf("AddAgent: %v", err)
	}
	f.confirm(t, inv, ag)
	return inv
}

// texts returns the outbox messages sent to p, oldest first.
func (f *fixture) texts(t testing.TB, p who) []string {
	t.Helper()
	msgs, err := f.outbox.SentTo(f.ctx, p.Mobile)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, m.Text)
	}
	return out
}

// sent is the number of outbox messages for purpose sent to mobile (the table holds
// the mobile sealed: the outbox finds them by its blind index).
func (f *fixture) sent(t testing.TB, mobile, purpose string) int {
	t.Helper()
	msgs, err := f.outbox.SentTo(f.ctx, mobile)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Purpose == purpose {
			n++
		}
	}
	return n
}

func (f *fixture) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(f.ctx, q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// session signs p in for the unit in role and returns the token.
func (f *fixture) session(t testing.TB, p who, unitID int64, role auth.Role) string {
	t.Helper()
	tok, _, err := f.sessions.Create(f.ctx, auth.Subject{PersonID: p.ID, UnitID: unitID, Role: role}, auth.Meta{ClientAddr: "198.51.100.7"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *fixture) alive(token string) bool {
	_, err := f.sessions.Lookup(f.ctx, token)
	return err == nil
}

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

// actions lists the unit's delegation history, oldest first.
func (f *fixture) actions(t testing.TB, unitID int64) string {
	t.Helper()
	es, _, err := f.svc.History(f.ctx, unitID, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, strings.TrimPrefix(es[i].Action, "delegation."))
	}
	return strings.Join(out, " ")
}
