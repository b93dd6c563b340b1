package delegation

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/sealed/sealedtest"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// nineAgents opens a unit with nine agents added by its legal rep rep, valid
// until until.
func nineAgents(t *testing.T, db *store.DB) (f *fixture, rep who, unitID int64, until time.Time) {
	t.Helper()
	f = newFixture(t, db)
	rep = f.person(t)
	unitID = f.unit(t, rep)
	until = f.clk.Now().Add(30 * day24)
	for range 9 {
		if _, err := f.svc.AddAgent(f.ctx, rep.actor(), unitID, f.person(t).Nominee, []string{"SB-001"}, time.Time{}, until); err != nil {
			t.Fatal(err)
		}
	}
	return f, rep, unitID, until
}

// TestInvariantsUnderConcurrency is SPEC §9's example through the commands: 20
// parallel AddAgent on a unit with 9 agents, exactly one succeeds; 5 parallel
// SetAdmin with different nominees on a unit without admin, exactly one succeeds
// (SetAdmin never replaces, so the losers cannot revoke the winner). Whether the
// goroutines overlap is up to the scheduler, so a missing lock can go unnoticed
// here: TestAgentLimitRace and TestAdminRace hold one writer open instead.
func TestInvariantsUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, rep, u, until := nineAgents(t, db)
		race := func(nominees []who, do func(n who) error, loser error) {
			t.Helper()
			var wg sync.WaitGroup
			errs := make([]error, len(nominees))
			start := make(chan struct{}) // released together, so that they overlap as far as the schedule allows
			for i, n := range nominees {
				wg.Go(func() {
					<-start
					errs[i] = do(n)
				})
			}
			close(start)
			wg.Wait()
			ok := 0
			for i, err := range errs {
				switch {
				case err == nil:
					ok++
					if len(f.texts(t, nominees[i])) != 1 {
						t.Errorf("the winner got %d invitation texts", len(f.texts(t, nominees[i])))
					}
				case !errors.Is(err, loser):
					t.Errorf("unexpected error %v", err)
				default:
					if len(f.texts(t, nominees[i])) != 0 {
						t.Error("a refused nominee got an invitation text")
					}
				}
			}
			if ok != 1 {
				t.Fatalf("%d of %d parallel calls succeeded, want exactly 1", ok, len(nominees))
			}
		}
		race(f.people(t, 20), func(n who) error {
			_, err := f.svc.AddAgent(f.ctx, rep.actor(), u, n.Nominee, []string{"SB-001", "SB-002"}, time.Time{}, until)
			return err
		}, ErrAgentLimit)
		race(f.people(t, 5), func(n who) error {
			_, err := f.svc.SetAdmin(f.ctx, rep.actor(), u, n.Nominee, until)
			return err
		}, ErrAdminExists)
		agents := f.count(t, `SELECT COUNT(*) FROM memberships WHERE unit_id = ? AND role = 'agent' AND status <> 'revoked'`, u)
		admins := f.count(t, `SELECT COUNT(*) FROM memberships WHERE unit_id = ? AND role = 'admin' AND status <> 'revoked'`, u)
		invitations := f.count(t, `SELECT COUNT(*) FROM invitations`)
		if agents != 10 || admins != 1 || invitations != 11 {
			t.Fatalf("agents=%d admins=%d invitations=%d, want 10, 1, 11", agents, admins, invitations)
		}
		if got := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action IN ('delegation.add_agent', 'delegation.set_admin')`); got != 11 {
			t.Fatalf("%d audit records for 11 successful commands", got)
		}
	})
}

// The two tests below hold a transaction that has taken a command's steps open and
// send the full command against it (storetest.Contend): on PostgreSQL the command
// must wait on the unit's row lock, the first thing every command takes, until
// the first commits, and is then refused; on SQLite it cannot write while the first
// is open and is refused afterwards.

// nominating is a first writer that takes a command's first steps in the open
// transaction, as AddAgent and SetAdmin do: it locks the unit and inserts p's
// pending membership in role.
func (f *fixture) nominating(unitID int64, p who, role unit.Role, until time.Time, by who) func(context.Context, *store.Tx) error {
	return func(ctx context.Context, tx *store.Tx) error {
		cmd := &txn{Tx: tx, ctx: ctx, now: store.Time(f.clk.Now())}
		if _, err := cmd.lockUnit(unitID); err != nil {
			return err
		}
		_, err := cmd.insertPending(unitID, p.ID, role, cmd.now, until, by.ID)
		return err
	}
}

// serviceOn is f's service on another handle of f's database (Contend's second
// writer on SQLite); on f's own handle it is f.svc.
func (f *fixture) serviceOn(t testing.TB, h *store.DB) *Service {
	t.Helper()
	if h == f.db {
		return f.svc
	}
	sessions, err := auth.NewSessions(h, auth.SessionConfig{Idle: 365 * day24, Absolute: 365 * day24}, f.clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := person.NewHasher(person.DefaultHashConfig())
	if err != nil {
		t.Fatal(err)
	}
	log := audit.New(h, []byte("delegation test key"), f.clk.Now)
	svc, err := New(Deps{DB: h, Audit: log, Persons: person.New(h, hasher, nil, ident.DefaultPasswordPolicy(), log, f.clk.Now),
		Sessions: sessions, Hasher: fakeHasher{}, Policy: ident.DefaultPasswordPolicy(), SMS: sms.NewOutbox(h, sealedtest.Keys(), f.clk.Now),
		Now: f.clk.Now}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// refused checks the second writer's answer: want, no text to its nominee, and
// still n non-revoked memberships in role.
func (f *fixture) refused(t testing.TB, err, want error, nominee who, unitID int64, role unit.Role, n int) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("the second nomination as %s: %v, want %v", role, err, want)
	}
	if texts := len(f.texts(t, nominee)); texts != 0 {
		t.Fatalf("the refused nominee got %d texts", texts)
	}
	if got := f.count(t, `SELECT COUNT(*) FROM memberships WHERE unit_id = ? AND role = ? AND status <> 'revoked'`, unitID, string(role)); got != n {
		t.Fatalf("%d memberships as %s, want %d", got, role, n)
	}
}

// TestAgentLimitRace: a unit has 9 agents; while the 10th is being added, AddAgent
// for an 11th waits for that transaction and is then refused with ErrAgentLimit,
// its nominee left without a text.
func TestAgentLimitRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, rep, u, until := nineAgents(t, db)
		tenth, eleventh := f.person(t), f.person(t)
		err := storetest.Contend(t, db, f.nominating(u, tenth, unit.RoleAgent, until, rep), func(h *store.DB) error {
			_, err := f.serviceOn(t, h).AddAgent(f.ctx, rep.actor(), u, eleventh.Nominee, []string{"SB-001"}, time.Time{}, until)
			return err
		}, "FROM units")
		f.refused(t, err, ErrAgentLimit, eleventh, u, unit.RoleAgent, 10)
	})
}

// TestAdminRace: while an admin is being nominated, SetAdmin for another person
// waits for that transaction and is then refused with ErrAdminExists.
func TestAdminRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep := f.person(t)
		u := f.unit(t, rep)
		until := f.clk.Now().Add(30 * day24)
		first, second := f.person(t), f.person(t)
		err := storetest.Contend(t, db, f.nominating(u, first, unit.RoleAdmin, until, rep), func(h *store.DB) error {
			_, err := f.serviceOn(t, h).SetAdmin(f.ctx, rep.actor(), u, second.Nominee, until)
			return err
		}, "FROM units")
		f.refused(t, err, ErrAdminExists, second, u, unit.RoleAdmin, 1)
	})
}
