package skills

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/staff"
	"hall/internal/staff/stafftest"
	"hall/internal/store"
	"hall/internal/unit"
)

// t0 is a Tuesday morning in China; plans are for later in the year.
var t0 = time.Date(2027, 2, 2, 1, 0, 0, 0, time.UTC)

// errRefused is the refusal of the real check (delegation.Authorize).
var errRefused = &delegation.Denial{Reason: delegation.ReasonOutOfScope, Msg: delegation.ReasonOutOfScope.Message(), Item: ItemCode}

// fakeAuthorizer refuses the persons in refuse, whatever the item, and records
// the items asked about.
type fakeAuthorizer struct {
	mu     sync.Mutex
	refuse map[int64]bool
	asked  []string
}

func (a *fakeAuthorizer) Authorize(_ context.Context, _, personID int64, _ unit.Role, item string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked = append(a.asked, item)
	if a.refuse[personID] {
		return errRefused
	}
	return nil
}

func (a *fakeAuthorizer) AuthorizeTx(ctx context.Context, _ *store.Tx, unitID, personID int64, role unit.Role, item string) error {
	return a.Authorize(ctx, unitID, personID, role, item)
}

type fixture struct {
	ctx                        context.Context
	db                         *store.DB
	log                        *audit.Log
	auth                       *fakeAuthorizer
	svc                        *Service
	now                        time.Time
	rnd                        *rand.Rand
	unitID, otherUnitID        int64
	uscc, otherUSCC            string
	rep, agent, stranger       Actor
	clerk, reviewer, reviewer2 staff.Actor
	both                       staff.Actor
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), db: db, now: t0, auth: &fakeAuthorizer{refuse: map[int64]bool{}},
		rnd: rand.New(rand.NewPCG(3, 5))}
	f.log = audit.New(db, nil, func() time.Time { return f.now })
	f.svc = f.service(t, db)
	f.uscc, f.otherUSCC = ident.GenerateUSCC(f.rnd, "320102"), ident.GenerateUSCC(f.rnd, "320102")
	f.unitID, f.otherUnitID = f.insertUnit(t, f.uscc, "示范机械制造有限公司", "1"), f.insertUnit(t, f.otherUSCC, "另一家公司", "2")
	f.rep = Actor{UnitID: f.unitID, PersonID: f.insertPerson(t, "王法人", "13800000001"), Role: unit.RoleLegalRep, ClientIP: "10.1.1.1"}
	f.agent = Actor{UnitID: f.unitID, PersonID: f.insertPerson(t, "李经办", "13800000002"), Role: unit.RoleAgent, ClientIP: "10.1.1.2"}
	f.stranger = Actor{UnitID: f.unitID, PersonID: f.insertPerson(t, "赵无权", "13800000003"), Role: unit.RoleAgent, ClientIP: "10.1.1.3"}
	f.auth.refuse[f.stranger.PersonID] = true
	f.clerk = f.staff(t, "clerk1", staff.RolesOf(staff.RoleClerk))
	f.reviewer = f.staff(t, "review1", staff.RolesOf(staff.RoleReviewer))
	f.reviewer2 = f.staff(t, "review2", staff.RolesOf(staff.RoleReviewer))
	f.both = f.staff(t, "both1", staff.RolesOf(staff.RoleClerk, staff.RoleReviewer))
	return f
}

func (f *fixture) service(t testing.TB, db *store.DB) *Service {
	t.Helper()
	svc, err := New(Deps{DB: db, Audit: audit.New(db, nil, func() time.Time { return f.now }), Authorizer: f.auth,
		Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func (f *fixture) insertUnit(t testing.TB, uscc, name, number string) int64 {
	t.Helper()
	var id int64
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		return tx.QueryRow(f.ctx, `INSERT INTO units (uscc, unit_number, name, unit_type, region, created_at, updated_at)
		VALUES (?, ?, ?, 'enterprise', '320102', ?, ?) RETURNING id`, uscc, "U"+number, name, t0, t0).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) insertPerson(t testing.TB, name, mobile string) int64 {
	t.Helper()
	var id int64
	err := f.db.Tx(f.ctx, func(tx *store.Tx) (err error) {
		id, err = person.Insert(f.ctx, tx, person.Row{IDType: "resident", IDNumber: f.idNumber(), Name: name,
			Mobile: mobile, CreatedAt: t0})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) staff(t testing.TB, login string, roles staff.Roles) staff.Actor {
	t.Helper()
	id := stafftest.Insert(t, f.db, login, "职员"+login, roles, t0)
	return staff.Actor{StaffID: id, Login: login, Roles: roles, ClientIP: "10.0.0.8"}
}

// idNumber draws a valid resident ID number (a Nanjing region, born 1990).
func (f *fixture) idNumber() string {
	first17 := "320102" + "1990" + "0" + strconv.Itoa(1+f.rnd.IntN(9)) + "1" + strconv.Itoa(f.rnd.IntN(9)) + strconv.Itoa(100+f.rnd.IntN(900))
	return first17 + string(ident.CheckDigit(first17))
}

func (f *fixture) plan(t testing.TB, by staff.Actor, name string) Plan {
	t.Helper()
	p, err := f.svc.CreatePlan(f.ctx, by, PlanDraft{UnitUSCC: f.uscc, Name: name, Occupation: "车工", Level: 4, ExamDate: "2027-03-15"})
	if err != nil {
		t.Fatalf("create plan %q: %v", name, err)
	}
	return p
}

func (f *fixture) add(t testing.TB, who Actor, p Plan, name string) Candidate {
	t.Helper()
	c, err := f.svc.AddCandidate(f.ctx, who, p.ID, CandidateInput{Name: name, IDNumber: f.idNumber()})
	if err != nil {
		t.Fatalf("add %s: %v", name, err)
	}
	return c
}

// current re-reads plan p.
func (f *fixture) current(t testing.TB, p Plan) Plan {
	t.Helper()
	got, err := f.svc.plan(f.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// lastAudit is the newest audit entry of action.
func (f *fixture) lastAudit(t testing.TB, action string) audit.Entry {
	t.Helper()
	es, _, err := f.log.List(f.ctx, audit.Filter{Action: action})
	if err != nil || len(es) == 0 {
		t.Fatalf("audit %s: %v, %d entries", action, err, len(es))
	}
	return es[0]
}
