package certlogin

import (
	"errors"
	"sync"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/token"
	"hall/internal/unit"
)

// TestResolve: who a certificate logs in as, on both engines. A unit certificate
// is the legal rep; a certificate naming a person is that person when they hold a
// usable role, and refused otherwise — never replaced by the legal rep.
func TestResolve(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep := f.person(t)
		u := f.unit(t, rep)
		year := f.clk.Now().AddDate(1, 0, 0)
		admin, agent, revoked, lapsed, stranger := f.person(t), f.person(t), f.person(t), f.person(t), f.person(t)
		f.member(t, u, admin, unit.RoleAdmin, unit.StatusActive, year)
		f.member(t, u, agent, unit.RoleAgent, unit.StatusActive, year)
		f.member(t, u, revoked, unit.RoleAgent, unit.StatusActive, year)
		if _, err := db.Exec(f.ctx, "UPDATE memberships SET status = 'revoked', revoked_at = ? WHERE person_id = ?",
			store.Time(f.clk.Now()), revoked.ID); err != nil {
			t.Fatal(err)
		}
		f.member(t, u, lapsed, unit.RoleAgent, unit.StatusActive, f.clk.Now().Add(-time.Hour))
		unregistered := someone{IDNumber: ident.GenerateResidentID(f.rnd, "320102", time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC), true), Name: "未注册"}
		closedRep := f.person(t)
		closed := f.unit(t, closedRep)
		if _, err := db.Exec(f.ctx, "UPDATE units SET status = 'closed' WHERE id = ?", closed.ID); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			uscc   string
			person *someone
			want   auth.Subject
			code   string
		}{
			{"unit certificate: the legal rep", u.USCC, nil, auth.Subject{PersonID: rep.ID, UnitID: u.ID, Role: auth.RoleLegalRep}, ""},
			{"the legal rep named", u.USCC, &rep, auth.Subject{PersonID: rep.ID, UnitID: u.ID, Role: auth.RoleLegalRep}, ""},
			{"the admin", u.USCC, &admin, auth.Subject{PersonID: admin.ID, UnitID: u.ID, Role: auth.RoleAdmin}, ""},
			{"an agent", u.USCC, &agent, auth.Subject{PersonID: agent.ID, UnitID: u.ID, Role: auth.RoleAgent}, ""},
			{"a revoked agent", u.USCC, &revoked, auth.Subject{}, CodeNoRole},
			{"an agent whose grant ended", u.USCC, &lapsed, auth.Subject{}, CodeRoleNotUsable},
			{"a person without a role", u.USCC, &stranger, auth.Subject{}, CodeNoRole},
			{"a person without an account", u.USCC, &unregistered, auth.Subject{}, CodeNoRole},
			{"an unknown unit", ident.GenerateUSCC(f.rnd, "320102"), nil, auth.Subject{}, CodeUnknownUnit},
			{"a closed unit", closed.USCC, nil, auth.Subject{}, CodeUnitClosed},
		} {
			t.Run(tc.name, func(t *testing.T) {
				l, err := f.login(t, f.certificate(t, tc.uscc, tc.person))
				if tc.code == "" {
					if err != nil || l.Subject != tc.want {
						t.Fatalf("login %+v, %v; want %+v", l.Subject, err, tc.want)
					}
					return
				}
				var r *Refusal
				if !errors.As(err, &r) || r.Code != tc.code || r.Msg == "" {
					t.Fatalf("login %+v, %v; want refusal %s", l.Subject, err, tc.code)
				}
			})
		}
	})
}

// TestFinishOnce: a hand-off signs in once, only in the browser that started the
// login, and not after its time; of ten concurrent finishes exactly one wins.
func TestFinishOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep := f.person(t)
		u := f.unit(t, rep)
		state := f.certificate(t, u.USCC, nil)
		at := auth.Attempt{ClientAddr: "192.0.2.7"}

		binding := token.New()
		start, handoff := f.handoff(t, binding, state)
		if _, err := f.svc.Finish(f.ctx, start, handoff, token.New(), at); !errors.Is(err, ErrStale) {
			t.Errorf("another browser: %v", err)
		}
		other := token.New()
		otherStart, otherHandoff := f.handoff(t, other, state)
		if _, err := f.svc.Finish(f.ctx, start, otherHandoff, binding, at); !errors.Is(err, ErrStale) {
			t.Errorf("another login's hand-off: %v", err)
		}
		if _, err := f.svc.Finish(f.ctx, otherStart, otherHandoff, other, at); err != nil {
			t.Errorf("the other login itself: %v", err)
		}

		var wg sync.WaitGroup
		results := make([]error, 10)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, results[i] = f.svc.Finish(f.ctx, start, handoff, binding, at)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range results {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, ErrStale):
				t.Errorf("finish: %v", err)
			}
		}
		if won != 1 {
			t.Errorf("%d finishes signed in, want 1", won)
		}
		var n int
		if err := db.QueryRow(f.ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'login.unit.ca' AND result = 'success'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%d sign-ins audited, want 2", n)
		}

		start, handoff = f.handoff(t, binding, state)
		f.clk.Add(HandoffTTL + time.Second)
		if _, err := f.svc.Finish(f.ctx, start, handoff, binding, at); !errors.Is(err, ErrStale) {
			t.Errorf("after the hand-off's time: %v", err)
		}
	})
}

// TestCheckWithoutStart: the listener opened without a start saves nothing.
func TestCheckWithoutStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, start := range []string{"", "forged"} {
			if _, err := f.svc.Check(f.ctx, start, nil, auth.Attempt{}); !errors.Is(err, ErrNoStart) {
				t.Errorf("start %q: %v", start, err)
			}
		}
	})
}
