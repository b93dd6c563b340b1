package delegation

import (
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

func TestSetAdminRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, agent, stranger, nominee, other := f.person(t), f.person(t), f.person(t), f.person(t), f.person(t)
		u := f.unit(t, rep)
		f.agent(t, u, rep, agent, 30*day24, "SB-001")
		until := f.clk.Now().Add(365 * day24)
		mod := func(fn func(*Nominee)) Nominee { n := nominee.Nominee; fn(&n); return n }
		cases := []struct {
			name  string
			actor who
			unit  int64
			n     Nominee
			until time.Time
			want  error
		}{
			{"agent is not the legal rep", agent, u, nominee.Nominee, until, ErrNotLegalRep},
			{"stranger", stranger, u, nominee.Nominee, until, ErrNotLegalRep},
			{"legal rep of no such unit", rep, u + 1000, nominee.Nominee, until, ErrUnitNotFound},
			{"wrong name", rep, u, mod(func(n *Nominee) { n.Name = "赵一二" }), until, ErrNomineeMismatch},
			{"mobile of someone else", rep, u, mod(func(n *Nominee) { n.Mobile = other.Mobile }), until, ErrNomineeMismatch},
			{"malformed mobile", rep, u, mod(func(n *Nominee) { n.Mobile = "12345" }), until, ErrNomineeMismatch},
			{"ID of someone else", rep, u, mod(func(n *Nominee) { n.IDNumber = other.IDNumber }), until, ErrNomineeMismatch},
			{"unregistered ID", rep, u, mod(func(n *Nominee) { n.IDNumber = ident.GenerateResidentID(f.rnd, "", time.Time{}, true) }), until, ErrNomineeMismatch},
			{"wrong ID type", rep, u, mod(func(n *Nominee) { n.IDType = ident.IDTypeForeignPassport }), until, ErrNomineeMismatch},
			{"empty name", rep, u, mod(func(n *Nominee) { n.Name = " " }), until, ErrNomineeMismatch},
			{"validity in the past", rep, u, nominee.Nominee, f.clk.Now().Add(-time.Hour), ErrBadValidity},
			{"no validity", rep, u, nominee.Nominee, time.Time{}, ErrBadValidity},
			{"the legal rep himself", rep, u, rep.Nominee, until, ErrAlreadyMember},
			{"an agent of the unit", rep, u, agent.Nominee, until, ErrAlreadyMember},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.svc.SetAdmin(f.ctx, c.actor.actor(), c.unit, c.n, c.until)
				wantErr(t, "SetAdmin", err, c.want)
			})
		}
		if n := f.count(t, `SELECT COUNT(*) FROM memberships WHERE unit_id = ? AND role = 'admin'`, u); n != 0 {
			t.Fatalf("refused nominations left %d admin rows", n)
		}

		t.Run("name typed with spaces and lower-case x still matches", func(t *testing.T) {
			n := nominee.Nominee
			n.Name = " " + n.Name + " "
			n.IDNumber = strings.ToLower(n.IDNumber)
			n.Mobile = n.Mobile[:3] + " " + n.Mobile[3:7] + "-" + n.Mobile[7:]
			inv, err := f.svc.SetAdmin(f.ctx, rep.actor(), u, n, until)
			if err != nil {
				t.Fatal(err)
			}
			if !inv.Notified || !ValidInvitationID(inv.ID) || !inv.ExpiresAt.Equal(store.Time(f.clk.Now()).Add(7*day24)) {
				t.Fatalf("invitation %+v", inv)
			}
			texts := f.texts(t, nominee)
			if len(texts) != 1 || !strings.Contains(texts[0], "邀请您成为示范") ||
				!strings.Contains(texts[0], "的管理员，请在掌上APP“我的-企业服务-我是经办人”中确认") ||
				!strings.HasPrefix(texts[0], "【示范省人社】法定代表人*") {
				t.Fatalf("invitation SMS: %q", texts)
			}
			if strings.Contains(texts[0], rep.Name) {
				t.Fatal("the SMS shows the inviter's full name")
			}
		})

		t.Run("a second admin is refused", func(t *testing.T) {
			_, err := f.svc.SetAdmin(f.ctx, rep.actor(), u, other.Nominee, until)
			wantErr(t, "SetAdmin", err, ErrAdminExists)
		})
		if got := f.actions(t, u); got != "add_agent confirm set_admin" {
			t.Fatalf("history: %s", got)
		}
	})
}

func TestReplaceAndRemoveAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, a1, a2, a3 := f.person(t), f.person(t), f.person(t), f.person(t)
		u := f.unit(t, rep)
		other := f.unit(t, f.person(t))
		inv1 := f.admin(t, u, rep, a1, 365*day24)
		tokU := f.session(t, a1, u, auth.RoleAdmin)
		tokOther := f.session(t, a1, other, auth.RoleAgent) // a1 acting elsewhere keeps that session
		tokPersonal := f.session(t, a1, 0, "")
		until := f.clk.Now().Add(200 * day24)

		_, err := f.svc.ReplaceAdmin(f.ctx, rep.actor(), u, inv1.MembershipID+999, a2.Nominee, until)
		wantErr(t, "replace naming another admin", err, ErrAdminChanged)
		_, err = f.svc.ReplaceAdmin(f.ctx, a1.actor(), u, inv1.MembershipID, a2.Nominee, until)
		wantErr(t, "admin replacing itself", err, ErrNotLegalRep)
		if !f.alive(tokU) {
			t.Fatal("a refused replacement ended the admin's session")
		}

		inv2, err := f.svc.ReplaceAdmin(f.ctx, rep.actor(), u, inv1.MembershipID, a2.Nominee, until)
		if err != nil {
			t.Fatal(err)
		}
		if f.alive(tokU) || !f.alive(tokOther) || !f.alive(tokPersonal) {
			t.Fatalf("after replacement: unit session alive=%v, other unit %v, personal %v", f.alive(tokU), f.alive(tokOther), f.alive(tokPersonal))
		}
		d := asDenial(t, f.svc.Authorize(f.ctx, u, a1.ID, unit.RoleAdmin, "SB-001"))
		if d.Reason != ReasonRevoked {
			t.Fatalf("old admin: %v", d.Reason)
		}
		d = asDenial(t, f.svc.Authorize(f.ctx, u, a2.ID, unit.RoleAdmin, "SB-001"))
		if d.Reason != ReasonNotConfirmed {
			t.Fatalf("new admin before confirming: %v", d.Reason)
		}
		// The replaced admin's invitation link is dead, the new one works.
		f.confirm(t, inv2, a2)
		wantErr(t, "Authorize new admin", f.svc.Authorize(f.ctx, u, a2.ID, unit.RoleAdmin, "SB-001"), nil)

		err = f.svc.RemoveAdmin(f.ctx, rep.actor(), u, inv1.MembershipID)
		wantErr(t, "remove the replaced admin", err, ErrAdminChanged)
		err = f.svc.RemoveAdmin(f.ctx, a2.actor(), u, inv2.MembershipID)
		wantErr(t, "admin removing itself", err, ErrNotLegalRep)
		tok2 := f.session(t, a2, u, auth.RoleAdmin)
		if err := f.svc.RemoveAdmin(f.ctx, rep.actor(), u, inv2.MembershipID); err != nil {
			t.Fatal(err)
		}
		if f.alive(tok2) {
			t.Fatal("the removed admin's session lives on")
		}
		_, err = f.svc.ReplaceAdmin(f.ctx, rep.actor(), u, inv2.MembershipID, a3.Nominee, until)
		wantErr(t, "replace when there is no admin", err, ErrAdminChanged)
		if _, err := f.svc.SetAdmin(f.ctx, rep.actor(), u, a3.Nominee, until); err != nil {
			t.Fatal(err)
		}
		if got := f.actions(t, u); got != "set_admin confirm replace_admin confirm remove_admin set_admin" {
			t.Fatalf("history: %s", got)
		}
	})
}

func asDenial(t testing.TB, err error) *Denial {
	t.Helper()
	d, ok := err.(*Denial)
	if !ok {
		t.Fatalf("error %v (%T), want *Denial", err, err)
	}
	return d
}
