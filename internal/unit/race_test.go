package unit_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// The tests below hold one writer's transaction open and send a second against it
// (storetest.Contend), so that each §9 invariant is seen enforced by the database
// between two writers that really overlap: on PostgreSQL the second waits for a lock
// until the first commits and is then refused; on SQLite the second cannot write
// while the first is open and is refused afterwards.

// contendAdd adds first in a transaction held open while a second writer adds
// second, and returns the second writer's answer (storetest.Contend).
func contendAdd(t *testing.T, db *store.DB, svc *unit.Service, first, second unit.Membership) error {
	t.Helper()
	return storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
		_, err := svc.AddMembership(ctx, tx, first)
		return err
	}, func(h *store.DB) error {
		return add(unit.New(h, func() time.Time { return t0 }), h, second)
	}, "INSERT INTO memberships")
}

// holding counts the unit's non-revoked memberships in role.
func holding(t *testing.T, db *store.DB, unitID int64, role unit.Role) int {
	t.Helper()
	return countOf(t, db, `SELECT COUNT(*) FROM memberships WHERE unit_id = ? AND role = ? AND status <> 'revoked'`, unitID, string(role))
}

// countOf counts rows with one query.
func countOf(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAgentLimitRace: a unit has 9 agents; while the 10th is being added, an 11th
// must wait for that transaction (the agent-limit trigger locks the unit row) and
// then be refused with ErrAgentLimit.
func TestAgentLimitRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		g := rand.New(rand.NewPCG(11, 11))
		svc := unit.New(db, func() time.Time { return t0 })
		ps := addPersons(t, db, g, 12)
		u := newUnit(t, svc, db, g, ps[0])
		addAgents(t, svc, db, u.ID, ps[1:10])
		err := contendAdd(t, db, svc,
			unit.Membership{UnitID: u.ID, PersonID: ps[10], Role: unit.RoleAgent, Status: unit.StatusPending},
			unit.Membership{UnitID: u.ID, PersonID: ps[11], Role: unit.RoleAgent, Status: unit.StatusPending})
		if !errors.Is(err, unit.ErrAgentLimit) {
			t.Fatalf("the 11th agent: %v, want ErrAgentLimit", err)
		}
		if n := holding(t, db, u.ID, unit.RoleAgent); n != 10 {
			t.Fatalf("%d agents, want 10", n)
		}
	})
}

// TestAdminRace: while one admin is being nominated, a second nomination waits for
// it and is refused with ErrRoleTaken (at most one admin per unit).
func TestAdminRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		g := rand.New(rand.NewPCG(12, 12))
		svc := unit.New(db, func() time.Time { return t0 })
		ps := addPersons(t, db, g, 3)
		u := newUnit(t, svc, db, g, ps[0])
		err := contendAdd(t, db, svc,
			unit.Membership{UnitID: u.ID, PersonID: ps[1], Role: unit.RoleAdmin, Status: unit.StatusPending},
			unit.Membership{UnitID: u.ID, PersonID: ps[2], Role: unit.RoleAdmin, Status: unit.StatusPending})
		if !errors.Is(err, unit.ErrRoleTaken) {
			t.Fatalf("the second admin: %v, want ErrRoleTaken", err)
		}
		if n := holding(t, db, u.ID, unit.RoleAdmin); n != 1 {
			t.Fatalf("%d admins, want 1", n)
		}
	})
}

// TestLegalRepRace: exactly one legal rep per unit, between overlapping writers.
func TestLegalRepRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		g := rand.New(rand.NewPCG(13, 13))
		svc := unit.New(db, func() time.Time { return t0 })
		ps := addPersons(t, db, g, 5)

		t.Run("a new legal rep set twice at once", func(t *testing.T) {
			// The unit's legal rep changed: the old membership is revoked, and two
			// writers name a successor at the same time.
			u := newUnit(t, svc, db, g, ps[0])
			if _, err := db.Exec(ctx, `UPDATE memberships SET status = 'revoked', revoked_at = ? WHERE unit_id = ?`, t0, u.ID); err != nil {
				t.Fatal(err)
			}
			err := contendAdd(t, db, svc,
				unit.Membership{UnitID: u.ID, PersonID: ps[1], Role: unit.RoleLegalRep, Status: unit.StatusActive},
				unit.Membership{UnitID: u.ID, PersonID: ps[2], Role: unit.RoleLegalRep, Status: unit.StatusActive})
			if !errors.Is(err, unit.ErrRoleTaken) {
				t.Fatalf("the second legal rep: %v, want ErrRoleTaken", err)
			}
			if n := holding(t, db, u.ID, unit.RoleLegalRep); n != 1 {
				t.Fatalf("%d legal reps, want 1", n)
			}
			if m, err := svc.Membership(ctx, u.ID, ps[1]); err != nil || m.Role != unit.RoleLegalRep {
				t.Fatalf("the first writer's legal rep: %+v, %v", m, err)
			}
		})

		t.Run("one unit registered twice at once", func(t *testing.T) {
			// Two registrations of one USCC by different legal reps. Their regions
			// differ, so that they do not meet on the unit-number counter's row:
			// only the unique USCC stands between them.
			uscc := ident.GenerateUSCC(g, "320102")
			create := func(s *unit.Service, tx *store.Tx, region string, rep int64) error {
				_, err := s.Create(ctx, tx, unit.NewUnit{USCC: uscc, Name: "示例科技有限公司", UnitType: "企业",
					Region: region, LegalRepPersonID: rep})
				return err
			}
			err := storetest.Contend(t, db,
				func(ctx context.Context, tx *store.Tx) error { return create(svc, tx, "320102", ps[3]) },
				func(h *store.DB) error {
					return h.Tx(ctx, func(tx *store.Tx) error {
						return create(unit.New(h, func() time.Time { return t0 }), tx, "110101", ps[4])
					})
				}, "INSERT INTO units")
			if !errors.Is(err, unit.ErrUSCCTaken) {
				t.Fatalf("the second registration: %v, want ErrUSCCTaken", err)
			}
			u, err := svc.ByAccount(ctx, uscc)
			if err != nil {
				t.Fatal(err)
			}
			if n := countOf(t, db, `SELECT COUNT(*) FROM units WHERE uscc = ?`, uscc); n != 1 {
				t.Fatalf("%d units with the USCC, want 1", n)
			}
			if n := holding(t, db, u.ID, unit.RoleLegalRep); n != 1 {
				t.Fatalf("%d legal reps, want 1", n)
			}
			if m, err := svc.Membership(ctx, u.ID, ps[3]); err != nil || m.Role != unit.RoleLegalRep {
				t.Fatalf("the first registration's legal rep: %+v, %v", m, err)
			}
		})
	})
}
