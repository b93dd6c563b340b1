package registrysync

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

var t0 = time.Date(2026, 4, 13, 9, 30, 0, 0, time.UTC)

type fixture struct {
	ctx      context.Context
	db       *store.DB
	clk      *clock
	syncer   *Syncer
	table    *registry.Table
	units    *unit.Service
	sessions *auth.Sessions
	audit    *audit.Log
	rnd      *rand.Rand
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	clk := storetest.NewClock(t0)
	f := &fixture{ctx: context.Background(), db: db, clk: clk, table: registry.NewTable(db, clk.Now),
		units: unit.New(db, clk.Now), audit: audit.New(db, nil, clk.Now), rnd: rand.New(rand.NewPCG(7, 11))}
	var err error
	if f.sessions, err = auth.NewSessions(db, auth.SessionConfig{}, clk.Now); err != nil {
		t.Fatal(err)
	}
	if f.syncer, err = New(Deps{DB: db, Audit: f.audit, Changes: f.table, Sessions: f.sessions, Units: f.units, Now: clk.Now}); err != nil {
		t.Fatal(err)
	}
	return f
}

// person inserts a personal account and returns its id and identity.
func (f *fixture) person(t testing.TB, name string) (int64, string) {
	t.Helper()
	idn := ident.GenerateResidentID(f.rnd, "320102", time.Date(1980, 1, 1+f.rnd.IntN(300), 0, 0, 0, 0, time.UTC), true)
	var id int64
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		var err error
		id, err = person.Insert(f.ctx, tx, person.Row{IDType: string(ident.IDTypeResident), IDNumber: idn, Name: name,
			Mobile: ident.GenerateMobile(f.rnd), CreatedAt: t0})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id, idn
}

// unitWith opens a unit whose legal rep is person repID (ID number repIDN), and
// stores its registry entry; it returns the unit and the entry.
func (f *fixture) unitWith(t testing.TB, repID int64, repIDN, repName string) (unit.Unit, registry.Entry) {
	t.Helper()
	e := registry.Entry{USCC: ident.GenerateUSCC(f.rnd, "320102"), Name: "示范" + repName + "科技有限公司",
		UnitType: registry.UnitEnterprise, LegalRepIDType: ident.IDTypeResident, LegalRepIDNumber: repIDN,
		LegalRepName: repName, RegisteredAt: time.Date(2015, 3, 7, 0, 0, 0, 0, time.UTC), Region: "320102",
		Status: registry.StatusActive}
	var u unit.Unit
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		if _, err := f.table.Upsert(f.ctx, tx, e); err != nil {
			return err
		}
		var err error
		u, err = f.units.Create(f.ctx, tx, unit.NewUnit{USCC: e.USCC, Name: e.Name, UnitType: string(e.UnitType),
			Region: e.Region, LegalRepPersonID: repID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e, err = f.table.Lookup(f.ctx, e.USCC)
	if err != nil {
		t.Fatal(err)
	}
	return u, e
}

// change stores a changed registry entry (as an import would) and returns it as the
// feed has it.
func (f *fixture) change(t testing.TB, e registry.Entry) registry.Entry {
	t.Helper()
	f.clk.Add(time.Minute)
	if err := f.db.Tx(f.ctx, func(tx *store.Tx) error { _, err := f.table.Upsert(f.ctx, tx, e); return err }); err != nil {
		t.Fatal(err)
	}
	got, err := f.table.Lookup(f.ctx, e.USCC)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// membership inserts a membership (admin or agent, pending or active).
func (f *fixture) membership(t testing.TB, unitID, personID int64, role unit.Role, status unit.Status, invitedBy int64) int64 {
	t.Helper()
	var confirmed any
	if status == unit.StatusActive {
		confirmed = t0
	}
	id, err := insertID(f, `INSERT INTO memberships (unit_id, person_id, role, status, invited_by, created_at, confirmed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, unitID, personID, string(role), string(status), invitedBy, t0, confirmed)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// session signs person in for the unit in role (unitID 0: a personal session).
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

// roles lists the unit's non-revoked memberships as person → role.
func (f *fixture) roles(t testing.TB, unitID int64) map[int64]string {
	t.Helper()
	rows, err := f.db.Query(f.ctx, `SELECT person_id, role, status FROM memberships WHERE unit_id = ? AND status <> 'revoked'`, unitID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var p int64
		var role, status string
		if err := rows.Scan(&p, &role, &status); err != nil {
			t.Fatal(err)
		}
		out[p] = role + "/" + status
	}
	return out
}

func (f *fixture) entries(t testing.TB, action string) []audit.Entry {
	t.Helper()
	es, _, err := f.audit.List(f.ctx, audit.Filter{Action: action, PerPage: audit.MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// insertID runs an INSERT … RETURNING id in a write transaction.
func insertID(f *fixture, q string, args ...any) (int64, error) {
	var id int64
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error { return tx.QueryRow(f.ctx, q, args...).Scan(&id) })
	return id, err
}
