package qrlogin

import (
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// TestUnitLogin: who may sign in to a unit by QR. The legal rep, a confirmed admin
// and an agent inside their validity may; a pending agent, an agent whose grant
// expired, a removed agent and a person with no role in the unit may not, and a
// refusal leaves the ticket open for another choice. Choices says the same before
// anything is confirmed.
func TestUnitLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		rep := f.person(t)
		u := f.unit(t, rep)
		later := store.Time(f.clk.Now().Add(30 * 24 * time.Hour))
		admin, agent, pending, lapsed, removed, stranger := f.person(t), f.person(t), f.person(t), f.person(t), f.person(t), f.person(t)
		f.member(t, u, admin, unit.RoleAdmin, unit.StatusActive, later)
		f.member(t, u, agent, unit.RoleAgent, unit.StatusActive, later)
		f.member(t, u, pending, unit.RoleAgent, unit.StatusPending, later)
		f.member(t, u, lapsed, unit.RoleAgent, unit.StatusActive, store.Time(f.clk.Now().Add(-time.Minute)))
		f.revoke(t, f.member(t, u, removed, unit.RoleAgent, unit.StatusActive, later))

		cases := []struct {
			name   string
			person int64
			role   unit.Role         // the role signed in, when allowed
			reason delegation.Reason // the refusal's reason otherwise
		}{
			{"legal rep", rep, unit.RoleLegalRep, ""},
			{"admin", admin, unit.RoleAdmin, ""},
			{"agent", agent, unit.RoleAgent, ""},
			{"agent not confirmed", pending, "", delegation.ReasonNotConfirmed},
			{"agent whose grant expired", lapsed, "", delegation.ReasonExpired},
			{"agent removed", removed, "", delegation.ReasonRevoked},
			{"no role in the unit", stranger, "", delegation.ReasonOtherUnit},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				choices, err := f.svc.Choices(f.ctx, c.person)
				if err != nil {
					t.Fatal(err)
				}
				listed := len(choices) == 1 && choices[0].Unit.ID == u
				switch {
				case c.person == stranger || c.person == removed:
					if len(choices) != 0 {
						t.Errorf("choices of a person without a current role: %+v", choices)
					}
				case !listed:
					t.Errorf("choices: %+v", choices)
				case choices[0].Usable != (c.role != "") || (c.role == "") == (choices[0].Reason == ""):
					t.Errorf("choice usable=%v reason=%q", choices[0].Usable, choices[0].Reason)
				}

				b := browser()
				tk := f.create(t, KindUnit, b)
				if _, err := f.svc.Scan(f.ctx, tk.ID, c.person); err != nil {
					t.Fatal(err)
				}
				got, err := f.svc.Confirm(f.ctx, tk.ID, c.person, u, app)
				if c.role == "" {
					var d *delegation.Denial
					if !errors.Is(err, ErrNotUsable) || !errors.As(err, &d) || d.Reason != c.reason {
						t.Fatalf("confirm: %v, want ErrNotUsable with %s", err, c.reason)
					}
					if Message(err) != c.reason.Message() {
						t.Errorf("message %q", Message(err))
					}
					if s, _ := f.svc.Status(f.ctx, tk.ID, b); s.State != StateScanned {
						t.Errorf("after a refusal the ticket is %s, want still scanned", s.State)
					}
					return
				}
				if err != nil || got.State != StateConfirmed || got.UnitID != u || got.Role != c.role {
					t.Fatalf("confirm: %+v, %v", got, err)
				}
				id, err := f.svc.Consume(f.ctx, tk.ID, b, pc)
				want := auth.Subject{PersonID: c.person, UnitID: u, Role: auth.Role(c.role)}
				if err != nil || id.Subject != want || id.Kind != KindUnit || id.MembershipID == 0 {
					t.Fatalf("consume: %+v, %v; want %+v", id, err, want)
				}
			})
		}

		// The log: a confirmation and a login per allowed person, a denied
		// confirmation per refused one.
		var confirms, denied, logins int
		for _, e := range f.audits(t) {
			switch {
			case e.Action == "qr.confirm" && e.Result == audit.Success:
				confirms++
			case e.Action == "qr.confirm" && e.Result == audit.Denied && e.UnitID == u && e.Detail["reason"] != "":
				denied++
			case e.Action == "login.unit.qr" && e.Result == audit.Success && e.UnitID == u && e.Detail["method"] == "qr" &&
				e.ClientIP == pcAddr && strings.HasPrefix(e.Detail["ticket"], "qr:"):
				logins++
			}
		}
		if confirms != 3 || denied != 4 || logins != 3 {
			t.Errorf("audit: %d confirmations, %d denied, %d logins; want 3, 4, 3", confirms, denied, logins)
		}
	})
}

// TestGrantEndsBeforeConfirm: an agent scans while the grant is valid; it ends
// before 确认登录, which is refused. The legal rep's other unit is still there to
// choose.
func TestGrantEndsBeforeConfirm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		agent := f.person(t)
		u := f.unit(t, f.person(t))
		own := f.unit(t, agent)
		f.member(t, u, agent, unit.RoleAgent, unit.StatusActive, store.Time(f.clk.Now().Add(30*time.Second)))
		b := browser()
		tk := f.create(t, KindUnit, b)
		if _, err := f.svc.Scan(f.ctx, tk.ID, agent); err != nil {
			t.Fatal(err)
		}
		choices, err := f.svc.Choices(f.ctx, agent)
		if err != nil || len(choices) != 2 || !choices[0].Usable || !choices[1].Usable {
			t.Fatalf("choices while the grant is valid: %+v, %v", choices, err)
		}
		f.clk.Add(40 * time.Second)
		_, err = f.svc.Confirm(f.ctx, tk.ID, agent, u, app)
		var d *delegation.Denial
		if !errors.As(err, &d) || d.Reason != delegation.ReasonExpired {
			t.Fatalf("confirm after the grant ended: %v", err)
		}
		if _, err := f.svc.Confirm(f.ctx, tk.ID, agent, own, app); err != nil {
			t.Fatalf("confirm for the unit the person represents: %v", err)
		}
		id, err := f.svc.Consume(f.ctx, tk.ID, b, pc)
		if err != nil || id.Subject.UnitID != own || id.Subject.Role != auth.RoleLegalRep {
			t.Fatalf("consume: %+v, %v", id, err)
		}
	})
}

// TestGrantEndsBeforeConsume: the grant is revoked, or lapses, between 确认登录 and
// the browser's sign-in: Consume refuses, the ticket is used up, and the refusal
// is audited as a denied QR login.
func TestGrantEndsBeforeConsume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		u := f.unit(t, f.person(t))
		for _, c := range []struct {
			name   string
			end    func(m unit.Membership)
			reason delegation.Reason
		}{
			{"revoked", func(m unit.Membership) { f.revoke(t, m) }, delegation.ReasonRevoked},
			{"lapsed", func(unit.Membership) { f.clk.Add(20 * time.Second) }, delegation.ReasonExpired},
		} {
			agent := f.person(t)
			m := f.member(t, u, agent, unit.RoleAgent, unit.StatusActive, store.Time(f.clk.Now().Add(15*time.Second)))
			tk, b := f.confirmedBy(t, agent, u)
			c.end(m)
			_, err := f.svc.Consume(f.ctx, tk.ID, b, pc)
			var d *delegation.Denial
			if !errors.Is(err, ErrNotUsable) || !errors.As(err, &d) || d.Reason != c.reason {
				t.Fatalf("%s: consume: %v, want ErrNotUsable with %s", c.name, err, c.reason)
			}
			_, err = f.svc.Consume(f.ctx, tk.ID, b, pc)
			wantErr(t, c.name+": consume again", err, ErrUsed)
			es := f.audits(t)
			last := es[len(es)-1]
			if last.Action != "login.unit.qr" || last.Result != audit.Denied || last.PersonID != agent || last.Detail["denial"] != string(c.reason) {
				t.Errorf("%s: last audit record %+v", c.name, last)
			}
		}
	})
}

// TestRemovedAndAddedAgain: a membership removed and added again after the
// confirmation is another grant; the confirmation does not carry over to it.
func TestRemovedAndAddedAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Config{})
		u := f.unit(t, f.person(t))
		agent := f.person(t)
		later := store.Time(f.clk.Now().Add(time.Hour))
		m := f.member(t, u, agent, unit.RoleAgent, unit.StatusActive, later)
		tk, b := f.confirmedBy(t, agent, u)
		f.revoke(t, m)
		f.member(t, u, agent, unit.RoleAgent, unit.StatusActive, later)
		_, err := f.svc.Consume(f.ctx, tk.ID, b, pc)
		wantErr(t, "consume", err, ErrNotUsable)
	})
}
