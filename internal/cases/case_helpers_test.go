package cases

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/url"
	"sync"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/scans"
	"hall/internal/sealed/sealedtest"
	"hall/internal/sms"
	"hall/internal/staff"
	"hall/internal/staff/stafftest"
	"hall/internal/store"
	"hall/internal/unit"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// caseT0 is a Monday morning in the hall's zone.
var caseT0 = time.Date(2026, 4, 13, 1, 30, 0, 0, time.UTC)

type fakeHasher struct{}

func (fakeHasher) Hash(_ context.Context, pw string) (string, error) { return "fake$" + pw, nil }

type caseFixture struct {
	ctx     context.Context
	db      *store.DB
	clk     *testClock
	svc     *Service
	persons *person.Service
	units   *unit.Service
	outbox  *sms.Outbox
	audit   *audit.Log
	dlg     *delegation.Service
	rnd     *rand.Rand
	// A unit with its legal rep, an agent granted 人员参保登记 and one granted nothing.
	unit                unit.Unit
	rep, agent, ungrant person.Person
	repA, agentA, noA   Actor
	// Staff: clerks, reviewers, one account that is both, an auditor.
	clerk, clerk2, reviewer, reviewer2, both, auditor staff.Actor
}

func newCaseFixture(t testing.TB, db *store.DB) *caseFixture {
	t.Helper()
	clk := &testClock{t: caseT0}
	f := &caseFixture{ctx: context.Background(), db: db, clk: clk, audit: audit.New(db, nil, clk.Now),
		outbox: sms.NewOutbox(db, sealedtest.Keys(), clk.Now), units: unit.New(db, clk.Now), rnd: rand.New(rand.NewPCG(7, 11))}
	catalog := NewCatalog(db)
	if err := catalog.Seed(f.ctx); err != nil {
		t.Fatal(err)
	}
	hasher, err := person.NewHasher(person.DefaultHashConfig())
	if err != nil {
		t.Fatal(err)
	}
	f.persons = person.New(db, hasher, nil, ident.DefaultPasswordPolicy(), f.audit, clk.Now)
	sessions, err := auth.NewSessions(db, auth.SessionConfig{}, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	if f.dlg, err = delegation.New(delegation.Deps{DB: db, Audit: f.audit, Persons: f.persons, Sessions: sessions,
		Hasher: fakeHasher{}, Policy: ident.DefaultPasswordPolicy(), SMS: f.outbox, Now: clk.Now}, delegation.Config{}); err != nil {
		t.Fatal(err)
	}
	f.svc = f.service(t, db)
	f.rep, f.agent, f.ungrant = f.person(t, "王法人"), f.person(t, "李经办"), f.person(t, "赵经办")
	err = db.Tx(f.ctx, func(tx *store.Tx) error {
		var err error
		f.unit, err = f.units.Create(f.ctx, tx, unit.NewUnit{USCC: ident.GenerateUSCC(f.rnd, "320102"), Name: "示范商贸有限公司",
			UnitType: "enterprise", Region: "320102", LegalRepPersonID: f.rep.ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.member(t, f.agent.ID, ItemEnrolment)
	f.member(t, f.ungrant.ID)
	f.repA = Actor{UnitID: f.unit.ID, PersonID: f.rep.ID, Role: unit.RoleLegalRep, ClientIP: "10.1.1.1"}
	f.agentA = Actor{UnitID: f.unit.ID, PersonID: f.agent.ID, Role: unit.RoleAgent, ClientIP: "10.1.1.2"}
	f.noA = Actor{UnitID: f.unit.ID, PersonID: f.ungrant.ID, Role: unit.RoleAgent, ClientIP: "10.1.1.3"}
	f.clerk = f.staff(t, "clerk1", staff.RolesOf(staff.RoleClerk))
	f.clerk2 = f.staff(t, "clerk2", staff.RolesOf(staff.RoleClerk))
	f.reviewer = f.staff(t, "review1", staff.RolesOf(staff.RoleReviewer))
	f.reviewer2 = f.staff(t, "review2", staff.RolesOf(staff.RoleReviewer))
	f.both = f.staff(t, "both1", staff.RolesOf(staff.RoleClerk, staff.RoleReviewer))
	f.auditor = f.staff(t, "audit1", staff.RolesOf(staff.RoleAuditor))
	return f
}

// service builds the cases service on db (another handle in race tests).
func (f *caseFixture) service(t testing.TB, db *store.DB) *Service {
	t.Helper()
	svc, err := NewService(Deps{DB: db, Audit: audit.New(db, nil, f.clk.Now), Catalog: NewCatalog(db), Authorizer: f.dlg,
		SMS: sms.NewOutbox(db, sealedtest.Keys(), f.clk.Now), Hotline: "12333", Now: f.clk.Now, Files: f.files(t, db)})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (f *caseFixture) person(t testing.TB, name string) person.Person {
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

// member makes the person a confirmed agent of the unit granted the items.
func (f *caseFixture) member(t testing.TB, personID int64, items ...string) {
	t.Helper()
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		var id int64
		if err := tx.QueryRow(f.ctx, `INSERT INTO memberships (unit_id, person_id, role, status, password_hash, invited_by,
			created_at, confirmed_at) VALUES (?, ?, 'agent', 'active', 'x', ?, ?, ?) RETURNING id`,
			f.unit.ID, personID, f.rep.ID, caseT0, caseT0).Scan(&id); err != nil {
			return err
		}
		for _, it := range items {
			if _, err := tx.Exec(f.ctx, `INSERT INTO grants (membership_id, item_code, granted_by, granted_at) VALUES (?, ?, ?, ?)`,
				id, it, f.rep.ID, caseT0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (f *caseFixture) staff(t testing.TB, login string, roles staff.Roles) staff.Actor {
	t.Helper()
	id := stafftest.Insert(t, f.db, login, "职员", roles, caseT0)
	return staff.Actor{StaffID: id, Login: login, Roles: roles, ClientIP: "10.0.0.8"}
}

// employeeID is a fresh resident ID of an employee born in 1995.
func (f *caseFixture) employeeID() string {
	return ident.GenerateResidentID(f.rnd, "320104", time.Date(1995, 3, 1+f.rnd.IntN(300), 0, 0, 0, 0, time.UTC), f.rnd.IntN(2) == 0)
}

// form is a valid enrolment form for idNumber.
func form(idNumber string) url.Values {
	return url.Values{FieldName: {"张三"}, FieldIDNumber: {idNumber}, FieldStartMonth: {"2026-04"},
		FieldBase: {"6000"}, FieldTypes: {"pension", "injury", "unemployment"}}
}

// apply files an enrolment case by the legal rep.
func (f *caseFixture) apply(t testing.TB) Case {
	t.Helper()
	c, err := f.svc.Apply(f.ctx, f.repA, ItemEnrolment, form(f.employeeID()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *caseFixture) entries(t testing.TB, action string) []audit.Entry {
	t.Helper()
	es, _, err := f.audit.List(f.ctx, audit.Filter{Action: action, PerPage: audit.MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// files is a scans store for the materials under the test's temporary directory.
func (f *caseFixture) files(t testing.TB, db *store.DB) *scans.Store {
	t.Helper()
	st, err := scans.NewStore(t.TempDir(), db, f.audit, f.clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// materialPDF is a one-page PDF as a scanner writes it, which scans.Check accepts.
func materialPDF() []byte {
	return []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" +
		"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
		"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
		"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n" +
		"xref\n0 4\n0000000000 65535 f \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n180\n%%EOF\n")
}

// attached is v with every required material of itemCode uploaded by who (Attach);
// an actor who may not apply for the item gets v unchanged, and Apply refuses them.
func (f *caseFixture) attached(t testing.TB, who Actor, itemCode string, v url.Values) url.Values {
	t.Helper()
	out := url.Values{}
	for k, vals := range v {
		out[k] = vals
	}
	for _, m := range FormMaterials(itemCode) {
		if !m.Required {
			continue
		}
		ref, err := f.svc.Attach(f.ctx, who, itemCode, m.Code, m.Label+".pdf", bytes.NewReader(materialPDF()))
		if err != nil {
			return v
		}
		out.Set(m.Field(), ref)
	}
	return out
}
