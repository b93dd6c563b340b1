package counter

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"regexp"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/scans"
	"hall/internal/sealed/sealedtest"
	"hall/internal/sms"
	"hall/internal/staff"
	"hall/internal/staff/stafftest"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

var t0 = time.Date(2026, 4, 13, 9, 30, 0, 0, time.UTC)

// fakeHasher stands in for argon2id: one-time passwords are hashed as "fake$"+pw, so
// a test can tell from the stored hash which password the SMS carried.
type fakeHasher struct{}

func (fakeHasher) Hash(_ context.Context, pw string) (string, error) { return "fake$" + pw, nil }

type fixture struct {
	ctx      context.Context
	db       *store.DB
	clk      *clock
	svc      *Service
	persons  *person.Service
	units    *unit.Service
	sessions *auth.Sessions
	outbox   *sms.Outbox
	table    *registry.Table
	audit    *audit.Log
	rnd      *rand.Rand
	// Staff: a clerk, a reviewer, one account that is both, an auditor.
	clerk, reviewer, both, auditor staff.Actor
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	clk := storetest.NewClock(t0)
	f := &fixture{ctx: context.Background(), db: db, clk: clk, audit: audit.New(db, nil, clk.Now),
		outbox: sms.NewOutbox(db, sealedtest.Keys(), clk.Now), table: registry.NewTable(db, clk.Now), units: unit.New(db, clk.Now),
		rnd: rand.New(rand.NewPCG(3, 5))}
	hasher, err := person.NewHasher(person.DefaultHashConfig())
	if err != nil {
		t.Fatal(err)
	}
	f.persons = person.New(db, hasher, nil, ident.DefaultPasswordPolicy(), f.audit, clk.Now)
	if f.sessions, err = auth.NewSessions(db, auth.SessionConfig{}, clk.Now); err != nil {
		t.Fatal(err)
	}
	dlg, err := delegation.New(delegation.Deps{DB: db, Audit: f.audit, Persons: f.persons, Sessions: f.sessions,
		Hasher: fakeHasher{}, Policy: ident.DefaultPasswordPolicy(), SMS: f.outbox, Now: clk.Now}, delegation.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := scans.NewStore(t.TempDir(), db, f.audit, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	if f.svc, err = New(Deps{DB: db, Audit: f.audit, Persons: f.persons, Units: f.units, Delegation: dlg, Sessions: f.sessions,
		Registry: f.table, Scans: st, Hasher: fakeHasher{}, Policy: ident.DefaultPasswordPolicy(), SMS: f.outbox,
		Hotline: "12333", Now: clk.Now}); err != nil {
		t.Fatal(err)
	}
	f.clerk = f.staff(t, "clerk1", staff.RolesOf(staff.RoleClerk))
	f.reviewer = f.staff(t, "review1", staff.RolesOf(staff.RoleReviewer))
	f.both = f.staff(t, "both1", staff.RolesOf(staff.RoleClerk, staff.RoleReviewer))
	f.auditor = f.staff(t, "audit1", staff.RolesOf(staff.RoleAuditor))
	return f
}

func (f *fixture) staff(t testing.TB, login string, roles staff.Roles) staff.Actor {
	t.Helper()
	id := stafftest.Insert(t, f.db, login, "职员", roles, t0)
	return staff.Actor{StaffID: id, Login: login, Roles: roles, ClientIP: "10.0.0.8"}
}

// person opens a personal account and returns it.
func (f *fixture) person(t testing.TB, name string) person.Person {
	t.Helper()
	var p person.Person
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		var err error
		p, err = f.persons.CreateTx(f.ctx, tx, person.NewAccount{IDType: ident.IDTypeResident,
			IDNumber: ident.GenerateResidentID(f.rnd, "320102", time.Date(1985, 1, 1+f.rnd.IntN(300), 0, 0, 0, 0, time.UTC), true),
			Name:     name, Mobile: ident.GenerateMobile(f.rnd), PasswordHash: "fake$Own#2026pw"}, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// unitWith opens a unit with legal rep p (and its registry entry).
func (f *fixture) unitWith(t testing.TB, p person.Person) unit.Unit {
	t.Helper()
	e := f.entry(p.IDNumber, p.Name)
	var u unit.Unit
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		if _, err := f.table.Upsert(f.ctx, tx, e); err != nil {
			return err
		}
		var err error
		u, err = f.units.Create(f.ctx, tx, unit.NewUnit{USCC: e.USCC, Name: e.Name, UnitType: string(e.UnitType),
			Region: e.Region, LegalRepPersonID: p.ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// entry is a registry entry of a new unit whose legal rep has the ID number and name.
func (f *fixture) entry(idNumber, name string) registry.Entry {
	return registry.Entry{USCC: ident.GenerateUSCC(f.rnd, "320102"), Name: "示范" + name + "商贸有限公司",
		UnitType: registry.UnitEnterprise, LegalRepIDType: ident.IDTypeResident, LegalRepIDNumber: idNumber,
		LegalRepName: name, RegisteredAt: time.Date(2016, 5, 9, 0, 0, 0, 0, time.UTC), Region: "320102",
		Status: registry.StatusActive}
}

func (f *fixture) upsert(t testing.TB, e registry.Entry) {
	t.Helper()
	if err := f.db.Tx(f.ctx, func(tx *store.Tx) error { _, err := f.table.Upsert(f.ctx, tx, e); return err }); err != nil {
		t.Fatal(err)
	}
}

var pngScan = func() []byte {
	img := image.NewGray(image.Rect(0, 0, 60, 40))
	for i := range img.Pix {
		img.Pix[i] = uint8(180 + i%70)
	}
	img.SetGray(3, 3, color.Gray{})
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}()

// uploads are scans of the given kinds.
func uploads(kinds ...scans.Kind) []scans.Upload {
	var out []scans.Upload
	for _, k := range kinds {
		out = append(out, scans.Upload{Kind: k, Name: k.Label() + ".png", Body: bytes.NewReader(pngScan)})
	}
	return out
}

var allScans = []scans.Kind{scans.KindLicence, scans.KindIDCard, scans.KindAuthorization}

// sentPassword returns the one-time password of the newest SMS to mobile.
func (f *fixture) sentPassword(t testing.TB, mobile string) string {
	t.Helper()
	m, err := f.outbox.Latest(f.ctx, mobile)
	if err != nil {
		t.Fatalf("no SMS to %s: %v", mobile, err)
	}
	got := regexp.MustCompile(`初始密码：(\S+) `).FindStringSubmatch(m.Text)
	if got == nil {
		t.Fatalf("SMS without a password: %s", m.Text)
	}
	return got[1]
}

func (f *fixture) hash(t testing.TB, personID int64) (string, bool) {
	t.Helper()
	var h string
	var must bool
	if err := f.db.QueryRow(f.ctx, `SELECT password_hash, must_change_password FROM persons WHERE id = ?`, personID).Scan(&h, &must); err != nil {
		t.Fatal(err)
	}
	return h, must
}

func (f *fixture) entries(t testing.TB, action string) []audit.Entry {
	t.Helper()
	es, _, err := f.audit.List(f.ctx, audit.Filter{Action: action, PerPage: audit.MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func (f *fixture) session(t testing.TB, personID, unitID int64, role auth.Role) string {
	t.Helper()
	tok, _, err := f.sessions.Create(f.ctx, auth.Subject{PersonID: personID, UnitID: unitID, Role: role}, auth.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (f *fixture) live(tok string) bool {
	_, err := f.sessions.Lookup(f.ctx, tok)
	return err == nil
}
