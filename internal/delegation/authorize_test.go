package delegation

import (
	"errors"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

func TestAuthorize(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, adm, ag, late, pend, gone, stranger := f.person(t), f.person(t), f.person(t), f.person(t), f.person(t), f.person(t), f.person(t)
		u := f.unit(t, rep)
		otherRep := f.person(t)
		other := f.unit(t, otherRep)
		f.admin(t, u, rep, adm, 60*day24)
		f.agent(t, u, adm, ag, 30*day24, "SB-001", "SB-007")
		lateInv, err := f.svc.AddAgent(f.ctx, rep.actor(), u, late.Nominee, []string{"SB-001"}, f.clk.Now().Add(10*day24), f.clk.Now().Add(20*day24))
		if err != nil {
			t.Fatal(err)
		}
		f.confirm(t, lateInv, late)
		if _, err := f.svc.AddAgent(f.ctx, rep.actor(), u, pend.Nominee, []string{"SB-001"}, time.Time{}, f.clk.Now().Add(30*day24)); err != nil {
			t.Fatal(err)
		}
		goneInv := f.agent(t, u, rep, gone, 30*day24, "SB-001")
		if err := f.svc.RemoveAgent(f.ctx, rep.actor(), u, goneInv.MembershipID); err != nil {
			t.Fatal(err)
		}
		start := f.clk.Now()
		cases := []struct {
			name   string
			at     time.Duration // after start
			unit   int64
			p      who
			role   unit.Role
			item   string
			reason Reason // "" = allowed
		}{
			{"legal rep, any item", 0, u, rep, unit.RoleLegalRep, "SB-010", ""},
			{"legal rep years later", 3000 * day24, u, rep, unit.RoleLegalRep, "JY-001", ""},
			{"legal rep of another unit", 0, other, rep, unit.RoleLegalRep, "SB-001", ReasonOtherUnit},
			{"admin, any item", 0, u, adm, unit.RoleAdmin, "JY-001", ""},
			{"admin, no item", 0, u, adm, unit.RoleAdmin, "", ""},
			{"admin on its last moment", 60*day24 - time.Microsecond, u, adm, unit.RoleAdmin, "JY-001", ""},
			{"admin expired", 60 * day24, u, adm, unit.RoleAdmin, "JY-001", ReasonExpired},
			{"agent, granted item", 0, u, ag, unit.RoleAgent, "SB-007", ""},
			{"agent, other item", 0, u, ag, unit.RoleAgent, "SB-002", ReasonOutOfScope},
			{"agent, no item", 0, u, ag, unit.RoleAgent, "", ""},
			{"agent, last microsecond", 30*day24 - time.Microsecond, u, ag, unit.RoleAgent, "SB-001", ""},
			{"agent, the next moment", 30 * day24, u, ag, unit.RoleAgent, "SB-001", ReasonExpired},
			{"agent with a session of another role", 0, u, ag, unit.RoleAdmin, "SB-001", ReasonRevoked},
			{"agent in another unit", 0, other, ag, unit.RoleAgent, "SB-001", ReasonOtherUnit},
			{"agent not started", 0, u, late, unit.RoleAgent, "SB-001", ReasonNotStarted},
			{"agent started", 10 * day24, u, late, unit.RoleAgent, "SB-001", ""},
			{"pending agent", 0, u, pend, unit.RoleAgent, "SB-001", ReasonNotConfirmed},
			{"removed agent", 0, u, gone, unit.RoleAgent, "SB-001", ReasonRevoked},
			{"stranger", 0, u, stranger, unit.RoleAgent, "SB-001", ReasonOtherUnit},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				f.clk.Set(start.Add(c.at))
				defer f.clk.Set(start)
				// Authorize, and AuthorizeTx inside a transaction, decide alike.
				inTx := func() error {
					var denied error
					if err := db.Tx(f.ctx, func(tx *store.Tx) error {
						denied = f.svc.AuthorizeTx(f.ctx, tx, c.unit, c.p.ID, c.role, c.item)
						return nil
					}); err != nil {
						t.Fatal(err)
					}
					return denied
				}
				for name, err := range map[string]error{"Authorize": f.svc.Authorize(f.ctx, c.unit, c.p.ID, c.role, c.item), "AuthorizeTx": inTx()} {
					if c.reason == "" {
						wantErr(t, name, err, nil)
						continue
					}
					d := asDenial(t, err)
					if d.Reason != c.reason || d.Msg != c.reason.Message() || d.Item != c.item || !errors.Is(err, ErrNotAuthorized) || Message(err) != d.Msg {
						t.Fatalf("%s: denial %+v, want reason %s", name, d, c.reason)
					}
				}
			})
		}

		t.Run("membership variant", func(t *testing.T) {
			m, err := f.units.Membership(f.ctx, u, ag.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantErr(t, "granted", f.svc.AuthorizeMembership(f.ctx, m, u, unit.RoleAgent, "SB-001"), nil)
			if d := asDenial(t, f.svc.AuthorizeMembership(f.ctx, m, other, unit.RoleAgent, "SB-001")); d.Reason != ReasonOtherUnit {
				t.Fatalf("membership of another unit: %v", d.Reason)
			}
			if d := asDenial(t, f.svc.AuthorizeMembership(f.ctx, unit.Membership{}, u, unit.RoleAgent, "")); d.Reason != ReasonOtherUnit {
				t.Fatalf("zero membership: %v", d.Reason)
			}
		})

		t.Run("scope", func(t *testing.T) {
			m, _ := f.units.Membership(f.ctx, u, ag.ID)
			scope, err := f.svc.Scope(f.ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if !scope["SB-001"] || !scope["SB-007"] || scope["SB-002"] {
				t.Fatalf("agent scope %v", scope)
			}
			if _, ok := scope["JY-010"]; ok {
				t.Fatal("an item only persons apply for is in a unit's scope")
			}
			allowed := 0
			for code, ok := range scope {
				if ok {
					allowed++
				}
				if (f.svc.AuthorizeMembership(f.ctx, m, u, unit.RoleAgent, code) == nil) != ok {
					t.Fatalf("Scope and Authorize disagree on %s", code)
				}
			}
			if allowed != 2 {
				t.Fatalf("%d items allowed, want 2", allowed)
			}
			rm, _ := f.units.Membership(f.ctx, u, rep.ID)
			if s, _ := f.svc.Scope(f.ctx, rm); !s["SB-002"] || !s["JY-001"] || len(s) != len(scope) {
				t.Fatalf("legal rep scope %v", s)
			}
			pm, _ := f.units.Membership(f.ctx, u, pend.ID)
			s, _ := f.svc.Scope(f.ctx, pm)
			for code, ok := range s {
				if ok {
					t.Fatalf("pending agent may handle %s", code)
				}
			}
			if d := asDenial(t, f.svc.Usable(pm)); d.Reason != ReasonNotConfirmed {
				t.Fatalf("Usable(pending) = %v", d.Reason)
			}
			wantErr(t, "Usable(agent)", f.svc.Usable(m), nil)
		})
	})
}

func TestMessage(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{ErrNomineeMismatch, "请确认输入的经办人信息是否已实名注册且与注册信息一致"},
		{deny(ReasonOutOfScope, "SB-001"), "该事项不在您的授权范围内"},
		{errors.New("pq: connection refused"), "系统繁忙，请稍后再试"},
		{ErrAgentLimit, "每个单位最多可添加10名经办人"},
	}
	for _, c := range cases {
		if got := Message(c.err); got != c.want {
			t.Errorf("Message(%v) = %q, want %q", c.err, got, c.want)
		}
	}
	for _, r := range []Reason{ReasonNotConfirmed, ReasonNotStarted, ReasonExpired, ReasonOutOfScope, ReasonRevoked, ReasonOtherUnit} {
		if r.Message() == ErrNotAuthorized.Msg {
			t.Errorf("reason %s has no message of its own", r)
		}
	}
}

// TestAuthorizeTxHoldsTheGrant: a transaction that checked a grant with
// AuthorizeTx holds the unit's row, so removing the agent waits until it ends
// (PostgreSQL; SQLite has one writer, which serializes them anyway): the grant
// cannot go between the check and the write that uses it.
func TestAuthorizeTxHoldsTheGrant(t *testing.T) {
	db := storetest.Postgres(t)
	f := newFixture(t, db)
	rep, ag := f.person(t), f.person(t)
	u := f.unit(t, rep)
	inv := f.agent(t, u, rep, ag, 30*day24, "SB-001")
	removed := make(chan error, 1)
	if err := db.Tx(f.ctx, func(tx *store.Tx) error {
		if err := f.svc.AuthorizeTx(f.ctx, tx, u, ag.ID, unit.RoleAgent, "SB-001"); err != nil {
			return err
		}
		go func() { removed <- f.svc.RemoveAgent(f.ctx, rep.actor(), u, inv.MembershipID) }()
		select {
		case err := <-removed:
			t.Fatalf("the agent was removed (%v) while a transaction held the checked grant", err)
		case <-time.After(300 * time.Millisecond):
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := <-removed; err != nil {
		t.Fatalf("RemoveAgent after the transaction: %v", err)
	}
	d := asDenial(t, f.svc.Authorize(f.ctx, u, ag.ID, unit.RoleAgent, "SB-001"))
	if d.Reason != ReasonRevoked {
		t.Errorf("after the removal: %+v", d)
	}
}
