package certlogin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/ca"
	"hall/internal/delegation"
	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/sealed/sealedtest"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
	"hall/internal/unit"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

type fakeHasher struct{}

func (fakeHasher) Hash(_ context.Context, pw string) (string, error) { return "fake$" + pw, nil }

// fixture is a Service on a fresh database with real collaborators and a
// development CA (as `hall ca init` makes one) trusted by its verifier.
type fixture struct {
	ctx   context.Context
	db    *store.DB
	clk   *clock
	svc   *Service
	dev   *ca.DevCA
	units *unit.Service
	rnd   *rand.Rand
	seq   int
}

// someone is an invented person with an account.
type someone struct {
	ID       int64
	IDNumber string
	Name     string
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), db: db, clk: storetest.NewClock(time.Now().UTC().Truncate(time.Second)),
		rnd: rand.New(rand.NewPCG(17, uint64(len(t.Name()))))}
	dev, err := ca.InitDevCA(filepath.Join(t.TempDir(), "ca"), "示范省人力资源和社会保障厅", f.clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	f.dev = dev
	v, err := ca.NewVerifier(ca.Config{BundleFile: dev.Paths().Cert, CRLSources: []string{dev.Paths().CRL}, Now: f.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Refresh(f.ctx); err != nil {
		t.Fatal(err)
	}
	lg := audit.New(db, []byte("certlogin test key"), f.clk.Now)
	sessions, err := auth.NewSessions(db, auth.SessionConfig{}, f.clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := person.NewHasher(person.DefaultHashConfig())
	if err != nil {
		t.Fatal(err)
	}
	persons := person.New(db, hasher, nil, ident.DefaultPasswordPolicy(), lg, f.clk.Now)
	deleg, err := delegation.New(delegation.Deps{DB: db, Audit: lg, Persons: persons, Sessions: sessions,
		Hasher: fakeHasher{}, Policy: ident.DefaultPasswordPolicy(), SMS: sms.NewOutbox(db, sealedtest.Keys(), f.clk.Now), Now: f.clk.Now},
		delegation.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f.units = unit.New(db, f.clk.Now)
	f.svc = New(Deps{DB: db, Verifier: v, Flows: flow.NewStore(db, f.clk.Now), Units: f.units, Persons: persons,
		Delegation: deleg, Audit: lg})
	return f
}

// person registers an invented real-name person.
func (f *fixture) person(t testing.TB) someone {
	t.Helper()
	f.seq++
	p := someone{IDNumber: ident.GenerateResidentID(f.rnd, "320102", time.Date(1980+f.seq%20, 5, 7, 0, 0, 0, 0, time.UTC), f.seq%2 == 0),
		Name: []string{"严", "柏", "路", "常"}[f.seq%4] + "明" + []string{"远", "达", "清"}[f.seq%3]}
	now := store.Time(f.clk.Now())
	err := f.db.Tx(f.ctx, func(tx *store.Tx) (err error) {
		p.ID, err = person.Insert(f.ctx, tx, person.Row{IDType: "resident", IDNumber: p.IDNumber, Name: p.Name,
			Mobile: ident.GenerateMobile(f.rnd), CreatedAt: now})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// unit opens a unit with rep as its legal representative.
func (f *fixture) unit(t testing.TB, rep someone) unit.Unit {
	t.Helper()
	f.seq++
	var u unit.Unit
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		var err error
		u, err = f.units.Create(f.ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(f.rnd, "320102"),
			Name: fmt.Sprintf("示范证书有限公司%d", f.seq), UnitType: "企业", Region: "320102", LegalRepPersonID: rep.ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// member gives p the role in u with status, valid until until.
func (f *fixture) member(t testing.TB, u unit.Unit, p someone, role unit.Role, status unit.Status, until time.Time) {
	t.Helper()
	from := store.Time(f.clk.Now().Add(-48 * time.Hour))
	m := unit.Membership{UnitID: u.ID, PersonID: p.ID, Role: role, Status: status, PasswordHash: "fake$x",
		ValidFrom: &from, ValidUntil: &until}
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		_, err := f.units.AddMembership(f.ctx, tx, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// certificate issues a certificate for the unit with USCC uscc, naming p unless
// p is nil, and returns the TLS state a browser presenting it makes.
func (f *fixture) certificate(t testing.TB, uscc string, p *someone) *tls.ConnectionState {
	t.Helper()
	req := ca.IssueRequest{Kind: ca.KindUnit, Name: "示范证书有限公司", USCC: uscc}
	if p != nil {
		req = ca.IssueRequest{Kind: ca.KindPerson, Name: p.Name, IDNumber: p.IDNumber, USCC: uscc, UnitName: "示范证书有限公司"}
	}
	is, err := f.dev.Issue(req)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.ConnectionState{PeerCertificates: []*x509.Certificate{is.Certificate}}
}

// login runs the three steps for state in one browser.
func (f *fixture) login(t testing.TB, state *tls.ConnectionState) (Login, error) {
	t.Helper()
	binding := token.New()
	start, handoff := f.handoff(t, binding, state)
	return f.svc.Finish(f.ctx, start, handoff, binding, auth.Attempt{ClientAddr: "192.0.2.7"})
}

// handoff starts a login for binding and checks state on the listener.
func (f *fixture) handoff(t testing.TB, binding string, state *tls.ConnectionState) (string, string) {
	t.Helper()
	start, err := f.svc.Start(f.ctx, binding, "")
	if err != nil {
		t.Fatal(err)
	}
	handoff, err := f.svc.Check(f.ctx, start, state, auth.Attempt{ClientAddr: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	return start, handoff
}
