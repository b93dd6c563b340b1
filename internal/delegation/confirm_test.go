package delegation

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
	"hall/internal/verify"
)

func TestConfirmRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, ag, other := f.person(t), f.person(t), f.person(t)
		u := f.unit(t, rep)
		inv, err := f.svc.AddAgent(f.ctx, rep.actor(), u, ag.Nominee, []string{"SB-001"}, time.Time{}, f.clk.Now().Add(30*day24))
		if err != nil {
			t.Fatal(err)
		}
		proof := func(purpose string, p, app who) Proof {
			id, binding := f.verified(t, purpose, p, app)
			return ConsumeIn(f.verify, id, binding)
		}
		failed := func() Proof { // the app user refused the check
			f.seq++
			b := "refused-" + string(rune('a'+f.seq%26))
			s, err := f.verify.Start(f.ctx, verify.Request{Purpose: verify.PurposeAgentConfirm, Binding: b,
				Expected: verify.Person{IDType: ag.IDType, IDNumber: ag.IDNumber, Name: ag.Name}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.dev.CompleteInApp(f.ctx, s.ID, verify.Person{IDType: ag.IDType, IDNumber: ag.IDNumber, Name: ag.Name}, false); err != nil {
				t.Fatal(err)
			}
			return ConsumeIn(f.verify, s.ID, b)
		}
		weak := "abc12345"
		cases := []struct {
			name      string
			actor     who
			id        string
			pw, again string
			proof     func() Proof
			want      error
			field     string // for *person.FormError
		}{
			{"no proof", ag, inv.ID, unitPassword, unitPassword, func() Proof { return nil }, ErrVerificationRequired, ""},
			{"verification of another purpose", ag, inv.ID, unitPassword, unitPassword, func() Proof { return proof(verify.PurposeRecover, ag, ag) }, ErrVerificationRequired, ""},
			{"verification of another person", ag, inv.ID, unitPassword, unitPassword, func() Proof { return proof(verify.PurposeAgentConfirm, other, other) }, ErrVerificationRequired, ""},
			{"failed verification", ag, inv.ID, unitPassword, unitPassword, failed, verify.ErrFailed, ""},
			{"verification of another browser", ag, inv.ID, unitPassword, unitPassword, func() Proof {
				id, _ := f.verified(t, verify.PurposeAgentConfirm, ag, ag)
				return ConsumeIn(f.verify, id, "someone-else")
			}, ErrVerificationRequired, ""},
			{"someone else's invitation", other, inv.ID, unitPassword, unitPassword, func() Proof { return proof(verify.PurposeAgentConfirm, other, other) }, ErrInvitationNotFound, ""},
			{"garbage invitation ID", ag, "../../etc", unitPassword, unitPassword, func() Proof { return nil }, ErrInvitationNotFound, ""},
			{"unknown invitation ID", ag, strings.Repeat("ab", 16), unitPassword, unitPassword, func() Proof { return nil }, ErrInvitationNotFound, ""},
			{"weak password", ag, inv.ID, weak, weak, func() Proof { return proof(verify.PurposeAgentConfirm, ag, ag) }, &person.FormError{}, person.FieldPassword},
			{"password holding the mobile", ag, inv.ID, "Xy#" + ag.Mobile, "Xy#" + ag.Mobile, func() Proof { return proof(verify.PurposeAgentConfirm, ag, ag) }, &person.FormError{}, person.FieldPassword},
			{"no password", ag, inv.ID, "", "", func() Proof { return proof(verify.PurposeAgentConfirm, ag, ag) }, &person.FormError{}, person.FieldPassword},
			{"confirmation differs", ag, inv.ID, unitPassword, unitPassword + "x", func() Proof { return proof(verify.PurposeAgentConfirm, ag, ag) }, &person.FormError{}, person.FieldConfirm},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				err := f.svc.Confirm(f.ctx, c.actor.actor(), Confirmation{InvitationID: c.id, Password: c.pw, Confirm: c.again, Proof: c.proof()})
				wantErr(t, "Confirm", err, c.want)
				if c.field != "" {
					var fe *person.FormError
					if !errors.As(err, &fe) || fe.Fields[c.field] == "" {
						t.Fatalf("want a message on %s, got %v", c.field, err)
					}
				}
				if errors.Is(err, verify.ErrFailed) && !errors.Is(err, ErrVerificationRequired) {
					t.Fatalf("a failed verification is not reported as ErrVerificationRequired: %v", err)
				}
			})
		}
		wantErr(t, "still pending", f.svc.Authorize(f.ctx, u, ag.ID, unit.RoleAgent, "SB-001"), ErrNotAuthorized)

		t.Run("a refused password does not spend the verification", func(t *testing.T) {
			id, binding := f.verified(t, verify.PurposeAgentConfirm, ag, ag)
			err := f.svc.Confirm(f.ctx, ag.actor(), Confirmation{InvitationID: inv.ID, Password: weak, Confirm: weak, Proof: ConsumeIn(f.verify, id, binding)})
			wantErr(t, "weak", err, &person.FormError{})
			err = f.svc.Confirm(f.ctx, ag.actor(), Confirmation{InvitationID: inv.ID, Password: unitPassword, Confirm: unitPassword, Proof: ConsumeIn(f.verify, id, binding)})
			wantErr(t, "Confirm", err, nil)
		})
		wantErr(t, "confirmed", f.svc.Authorize(f.ctx, u, ag.ID, unit.RoleAgent, "SB-001"), nil)
		m, err := f.units.Membership(f.ctx, u, ag.ID)
		if err != nil || m.Status != unit.StatusActive || m.PasswordHash != "fake$"+unitPassword || m.ConfirmedAt == nil {
			t.Fatalf("membership after Confirm: %+v, %v", m, err)
		}
		t.Run("confirm twice", func(t *testing.T) {
			err := f.svc.Confirm(f.ctx, ag.actor(), Confirmation{InvitationID: inv.ID, Password: unitPassword, Confirm: unitPassword, Proof: proof(verify.PurposeAgentConfirm, ag, ag)})
			wantErr(t, "Confirm", err, ErrInvitationNotFound)
		})
		t.Run("one verification confirms one invitation", func(t *testing.T) {
			u2, u3 := f.unit(t, rep), f.unit(t, rep)
			i2, err := f.svc.AddAgent(f.ctx, rep.actor(), u2, ag.Nominee, []string{"SB-001"}, time.Time{}, f.clk.Now().Add(day24))
			if err != nil {
				t.Fatal(err)
			}
			i3, err := f.svc.AddAgent(f.ctx, rep.actor(), u3, ag.Nominee, []string{"SB-001"}, time.Time{}, f.clk.Now().Add(day24))
			if err != nil {
				t.Fatal(err)
			}
			id, binding := f.verified(t, verify.PurposeAgentConfirm, ag, ag)
			var s verify.Session
			err = db.Tx(f.ctx, func(tx *store.Tx) error { s, err = f.verify.Consume(f.ctx, tx, id, binding); return err })
			if err != nil {
				t.Fatal(err)
			}
			c := Confirmation{Password: unitPassword, Confirm: unitPassword, Proof: Consumed(s)}
			c.InvitationID = i2.ID
			wantErr(t, "first", f.svc.Confirm(f.ctx, ag.actor(), c), nil)
			c.InvitationID = i3.ID
			wantErr(t, "second with the same verification", f.svc.Confirm(f.ctx, ag.actor(), c), ErrVerificationRequired)
			f.clk.Add(DefaultVerificationMaxAge + time.Second)
			id, binding = f.verified(t, verify.PurposeAgentConfirm, ag, ag)
			err = db.Tx(f.ctx, func(tx *store.Tx) error { s, err = f.verify.Consume(f.ctx, tx, id, binding); return err })
			if err != nil {
				t.Fatal(err)
			}
			f.clk.Add(DefaultVerificationMaxAge + time.Second)
			c.Proof = Consumed(s)
			wantErr(t, "verification consumed too long ago", f.svc.Confirm(f.ctx, ag.actor(), c), ErrVerificationRequired)
		})
	})
}

func TestInvitationLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, adm, ag, ag2 := f.person(t), f.person(t), f.person(t), f.person(t)
		u := f.unit(t, rep)
		admInv, err := f.svc.SetAdmin(f.ctx, rep.actor(), u, adm.Nominee, f.clk.Now().Add(365*day24))
		if err != nil {
			t.Fatal(err)
		}
		f.clk.Add(time.Hour)
		agInv, err := f.svc.AddAgent(f.ctx, rep.actor(), u, ag.Nominee, []string{"SB-002", "SB-001"}, time.Time{}, f.clk.Now().Add(30*day24))
		if err != nil {
			t.Fatal(err)
		}

		t.Run("listed for the app", func(t *testing.T) {
			list, err := f.svc.PendingInvitations(f.ctx, ag.ID)
			if err != nil || len(list) != 1 {
				t.Fatalf("PendingInvitations: %+v, %v", list, err)
			}
			p := list[0]
			if p.ID != agInv.ID || p.UnitID != u || !strings.HasPrefix(p.UnitName, "示范") || p.Role != unit.RoleAgent ||
				p.Inviter != "法定代表人 "+ident.MaskName(rep.Name) || !p.InvitedAt.Equal(store.Time(f.clk.Now())) ||
				!p.ExpiresAt.Equal(agInv.ExpiresAt) || strings.Join(p.Items, ",") != "SB-001,SB-002" {
				t.Fatalf("pending invitation %+v", p)
			}
			if list, _ := f.svc.PendingInvitations(f.ctx, rep.ID); len(list) != 0 {
				t.Fatalf("the legal rep sees %+v", list)
			}
		})

		t.Run("declined", func(t *testing.T) {
			inv, err := f.svc.AddAgent(f.ctx, rep.actor(), u, ag2.Nominee, []string{"SB-001"}, time.Time{}, f.clk.Now().Add(30*day24))
			if err != nil {
				t.Fatal(err)
			}
			wantErr(t, "Decline by another", f.svc.Decline(f.ctx, ag.actor(), inv.ID), ErrInvitationNotFound)
			wantErr(t, "Decline", f.svc.Decline(f.ctx, ag2.actor(), inv.ID), nil)
			wantErr(t, "Decline twice", f.svc.Decline(f.ctx, ag2.actor(), inv.ID), ErrInvitationNotFound)
			if list, _ := f.svc.PendingInvitations(f.ctx, ag2.ID); len(list) != 0 {
				t.Fatalf("declined invitation still listed: %+v", list)
			}
			d := asDenial(t, f.svc.Authorize(f.ctx, u, ag2.ID, unit.RoleAgent, "SB-001"))
			if d.Reason != ReasonRevoked {
				t.Fatalf("declined: %v", d.Reason)
			}
		})

		// The admin's invitation was sent an hour before the agent's.
		f.clk.Add(7*day24 - time.Hour - time.Second)
		t.Run("valid until the last second", func(t *testing.T) {
			if list, _ := f.svc.PendingInvitations(f.ctx, adm.ID); len(list) != 1 {
				t.Fatalf("admin invitation not listed a second before it expires: %+v", list)
			}
			f.clk.Add(time.Second)
			if list, _ := f.svc.PendingInvitations(f.ctx, adm.ID); len(list) != 0 {
				t.Fatalf("expired invitation listed: %+v", list)
			}
			id, binding := f.verified(t, verify.PurposeAgentConfirm, adm, adm)
			err := f.svc.Confirm(f.ctx, adm.actor(), Confirmation{InvitationID: admInv.ID, Password: unitPassword, Confirm: unitPassword,
				Proof: ConsumeIn(f.verify, id, binding)})
			wantErr(t, "Confirm after 7 days", err, ErrInvitationExpired)
			wantErr(t, "Decline after 7 days", f.svc.Decline(f.ctx, adm.actor(), admInv.ID), ErrInvitationExpired)
		})

		t.Run("an expired nomination frees the admin slot", func(t *testing.T) {
			members, err := f.svc.Members(f.ctx, u)
			if err != nil || len(members) != 3 || members[1].State != StateInvitationExpired || members[2].State != StatePending {
				t.Fatalf("members %+v, %v", members, err)
			}
			if _, err := f.svc.SetAdmin(f.ctx, rep.actor(), u, adm.Nominee, f.clk.Now().Add(365*day24)); err != nil {
				t.Fatalf("SetAdmin after the old invitation expired: %v", err)
			}
		})

		t.Run("the runner expires the rest", func(t *testing.T) {
			f.clk.Add(time.Hour)
			n, err := f.svc.ExpireInvitations(f.ctx)
			if err != nil || n != 1 {
				t.Fatalf("ExpireInvitations = %d, %v", n, err)
			}
			if n, _ := f.svc.ExpireInvitations(f.ctx); n != 0 {
				t.Fatalf("expired twice: %d", n)
			}
			if got := f.actions(t, u); got != "set_admin add_agent add_agent decline expire set_admin expire" {
				t.Fatalf("history: %s", got)
			}
		})
	})
}

// TestConfirmThenLogin runs the real argon2id hasher and the real unit login: what
// Confirm stores is what auth.Login checks.
func TestConfirmThenLogin(t *testing.T) {
	db := storetest.SQLite(t)
	h, err := person.NewHasher(person.DefaultHashConfig())
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureWith(t, db, h, Config{})
	rep, ag := f.person(t), f.person(t)
	u := f.unit(t, rep)
	inv, err := f.svc.AddAgent(f.ctx, rep.actor(), u, ag.Nominee, []string{"SB-007"}, time.Time{}, f.clk.Now().Add(30*day24))
	if err != nil {
		t.Fatal(err)
	}
	persons := person.New(db, h, nil, ident.DefaultPasswordPolicy(), f.audit, f.clk.Now)
	login := auth.NewLogin(persons, f.units, h, f.audit, f.clk.Now)
	un, err := f.units.Get(f.ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := login.Unit(f.ctx, un.USCC, ag.Mobile, unitPassword, auth.Attempt{ClientAddr: "198.51.100.7", Start: func(context.Context, auth.Subject, auth.Verified) error { return nil }}); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("login before confirming: %v", err)
	}
	f.confirm(t, inv, ag)
	subj, err := login.Unit(f.ctx, un.USCC, ag.Mobile, unitPassword, auth.Attempt{ClientAddr: "198.51.100.7", Start: func(context.Context, auth.Subject, auth.Verified) error { return nil }})
	if err != nil || subj.PersonID != ag.ID || subj.Role != auth.RoleAgent {
		t.Fatalf("login after confirming: %+v, %v", subj, err)
	}
	es, _, err := f.audit.List(f.ctx, audit.Filter{UnitID: u, Action: "delegation.confirm"})
	if err != nil || len(es) != 1 || es[0].PersonID != ag.ID {
		t.Fatalf("confirm audit: %+v, %v", es, err)
	}
}

func FuzzValidInvitationID(f *testing.F) {
	f.Add(newInvitationID())
	f.Add(strings.Repeat("A", 32))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidInvitationID(s) {
			return
		}
		if len(s) != 32 || strings.Trim(s, "0123456789abcdef") != "" {
			t.Fatalf("accepted %q", s)
		}
	})
}
