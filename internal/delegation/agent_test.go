package delegation

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

func TestAddAgentRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, adm, ag, stranger := f.person(t), f.person(t), f.person(t), f.person(t)
		u := f.unit(t, rep)
		f.admin(t, u, rep, adm, 90*day24) // the admin holds 90 days
		f.agent(t, u, rep, ag, 30*day24, "SB-001")
		pendingAdminUnit := f.unit(t, f.person(t))
		pendingAdm := f.person(t)
		if _, err := f.svc.SetAdmin(f.ctx, Actor{PersonID: f.repOf(t, pendingAdminUnit)}, pendingAdminUnit, pendingAdm.Nominee, f.clk.Now().Add(90*day24)); err != nil {
			t.Fatal(err)
		}
		now := f.clk.Now()
		items := []string{"SB-001", "SB-002"}
		cases := []struct {
			name        string
			actor       who
			unit        int64
			items       []string
			from, until time.Time
			want        error
		}{
			{"legal rep, a year", rep, u, items, time.Time{}, now.Add(365 * day24), nil},
			{"admin inside its own validity", adm, u, items, time.Time{}, now.Add(90 * day24), nil},
			{"admin past its own validity", adm, u, items, time.Time{}, now.Add(90*day24 + time.Second), ErrBeyondGrantor},
			{"agent cannot add agents", ag, u, items, time.Time{}, now.Add(day24), ErrNotManager},
			{"stranger", stranger, u, items, time.Time{}, now.Add(day24), ErrNotManager},
			{"unconfirmed admin", pendingAdm, pendingAdminUnit, items, time.Time{}, now.Add(day24), ErrNotManager},
			{"no items", rep, u, nil, time.Time{}, now.Add(day24), ErrNoItems},
			{"only blank items", rep, u, []string{" ", ""}, time.Time{}, now.Add(day24), ErrNoItems},
			{"unknown item", rep, u, []string{"SB-001", "ZZ-999"}, time.Time{}, now.Add(day24), ErrUnknownItem},
			{"malformed item", rep, u, []string{"SB-001'--"}, time.Time{}, now.Add(day24), ErrUnknownItem},
			{"item only persons apply for", rep, u, []string{"JY-010"}, time.Time{}, now.Add(day24), ErrUnknownItem},
			{"ends before it starts", rep, u, items, now.Add(10 * day24), now.Add(5 * day24), ErrBadValidity},
			{"already over", rep, u, items, now.Add(-10 * day24), now.Add(-day24), ErrBadValidity},
			{"starts later", rep, u, items, now.Add(10 * day24), now.Add(20 * day24), nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				n := f.person(t)
				inv, err := f.svc.AddAgent(f.ctx, c.actor.actor(), c.unit, n.Nominee, c.items, c.from, c.until)
				wantErr(t, "AddAgent", err, c.want)
				if c.want != nil {
					if len(f.texts(t, n)) != 0 {
						t.Fatal("a refused nomination sent an SMS")
					}
					return
				}
				got, err := f.svc.Grants(f.ctx, inv.MembershipID)
				if err != nil || !slices.Equal(got, c.items) {
					t.Fatalf("grants %v, %v", got, err)
				}
				if texts := f.texts(t, n); len(texts) != 1 || !strings.Contains(texts[0], "的经办人，请在掌上APP") {
					t.Fatalf("invitation SMS: %q", texts)
				}
			})
		}
		t.Run("the same person twice", func(t *testing.T) {
			_, err := f.svc.AddAgent(f.ctx, rep.actor(), u, ag.Nominee, items, time.Time{}, now.Add(day24))
			wantErr(t, "AddAgent", err, ErrAlreadyMember)
		})
		t.Run("the admin as agent", func(t *testing.T) {
			_, err := f.svc.AddAgent(f.ctx, rep.actor(), u, adm.Nominee, items, time.Time{}, now.Add(day24))
			wantErr(t, "AddAgent", err, ErrAlreadyMember)
		})
		t.Run("items are normalised", func(t *testing.T) {
			n := f.person(t)
			inv, err := f.svc.AddAgent(f.ctx, rep.actor(), u, n.Nominee, []string{" sb-002", "SB-001", "SB-002"}, time.Time{}, now.Add(day24))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := f.svc.Grants(f.ctx, inv.MembershipID)
			if !slices.Equal(got, []string{"SB-001", "SB-002"}) {
				t.Fatalf("grants %v", got)
			}
		})
		t.Run("an expired admin can no longer add", func(t *testing.T) {
			f.clk.Add(90 * day24)
			defer f.clk.Add(-90 * day24)
			_, err := f.svc.AddAgent(f.ctx, adm.actor(), u, f.person(t).Nominee, items, time.Time{}, f.clk.Now().Add(day24))
			wantErr(t, "AddAgent", err, ErrNotManager)
		})
	})
}

// repOf returns the legal rep of a unit.
func (f *fixture) repOf(t testing.TB, unitID int64) int64 {
	t.Helper()
	var id int64
	if err := f.db.QueryRow(f.ctx, `SELECT person_id FROM memberships WHERE unit_id = ? AND role = 'legal_rep'`, unitID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestChangeAgent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep, adm, ag := f.person(t), f.person(t), f.person(t)
		u := f.unit(t, rep)
		admInv := f.admin(t, u, rep, adm, 60*day24)
		inv := f.agent(t, u, adm, ag, 30*day24, "SB-001", "SB-002")
		tok := f.session(t, ag, u, auth.RoleAgent)
		now := f.clk.Now()

		t.Run("widening keeps the sessions", func(t *testing.T) {
			err := f.svc.ChangeAgent(f.ctx, adm.actor(), u, inv.MembershipID, []string{"SB-001", "SB-002", "SB-003"}, time.Time{}, now.Add(60*day24))
			wantErr(t, "ChangeAgent", err, nil)
			if !f.alive(tok) {
				t.Fatal("widening a grant ended the agent's session")
			}
			wantErr(t, "Authorize SB-003", f.svc.Authorize(f.ctx, u, ag.ID, unit.RoleAgent, "SB-003"), nil)
		})
		t.Run("admin cannot extend past itself", func(t *testing.T) {
			err := f.svc.ChangeAgent(f.ctx, adm.actor(), u, inv.MembershipID, []string{"SB-001"}, time.Time{}, now.Add(61*day24))
			wantErr(t, "ChangeAgent", err, ErrBeyondGrantor)
		})
		t.Run("not an agent", func(t *testing.T) {
			err := f.svc.ChangeAgent(f.ctx, rep.actor(), u, admInv.MembershipID, []string{"SB-001"}, time.Time{}, now.Add(day24))
			wantErr(t, "ChangeAgent on the admin", err, ErrAgentNotFound)
			o := f.unit(t, rep)
			err = f.svc.RemoveAgent(f.ctx, rep.actor(), o, inv.MembershipID)
			wantErr(t, "RemoveAgent through another unit of the same legal rep", err, ErrAgentNotFound)
		})
		t.Run("narrowing ends the sessions at once", func(t *testing.T) {
			err := f.svc.ChangeAgent(f.ctx, rep.actor(), u, inv.MembershipID, []string{"SB-003"}, time.Time{}, now.Add(60*day24))
			wantErr(t, "ChangeAgent", err, nil)
			if f.alive(tok) {
				t.Fatal("the agent's session survived losing items")
			}
			d := asDenial(t, f.svc.Authorize(f.ctx, u, ag.ID, unit.RoleAgent, "SB-001"))
			if d.Reason != ReasonOutOfScope || d.Msg != "该事项不在您的授权范围内" || d.Item != "SB-001" {
				t.Fatalf("denial %+v", d)
			}
		})
		t.Run("removal ends the sessions at once", func(t *testing.T) {
			tok1 := f.session(t, ag, u, auth.RoleAgent)
			tok2 := f.session(t, ag, u, auth.RoleAgent)
			wantErr(t, "RemoveAgent", f.svc.RemoveAgent(f.ctx, adm.actor(), u, inv.MembershipID), nil)
			if f.alive(tok1) || f.alive(tok2) {
				t.Fatal("a removed agent's session lives on")
			}
			if n, err := f.sessions.EndAll(f.ctx, ag.ID, &u); err != nil || n != 0 {
				t.Fatalf("sessions left to end: %d, %v", n, err)
			}
			wantErr(t, "RemoveAgent again", f.svc.RemoveAgent(f.ctx, adm.actor(), u, inv.MembershipID), ErrAgentNotFound)
			d := asDenial(t, f.svc.Authorize(f.ctx, u, ag.ID, unit.RoleAgent, "SB-003"))
			if d.Reason != ReasonRevoked {
				t.Fatalf("removed agent: %v", d.Reason)
			}
		})
		if got := f.actions(t, u); got != "set_admin confirm add_agent confirm change_agent change_agent remove_agent" {
			t.Fatalf("history: %s", got)
		}
		es, total, err := f.svc.History(f.ctx, u, 1, 1)
		if err != nil || total != 7 || es[0].Action != "delegation.remove_agent" || es[0].PersonID != adm.ID ||
			es[0].Role != "admin" || es[0].ClientIP != "198.51.100.7" || ActionLabel(es[0].Action) != "删除经办人" {
			t.Fatalf("newest history entry %+v (total %d, %v)", es, total, err)
		}
		if v, err := f.audit.Verify(f.ctx); err != nil || !v.OK {
			t.Fatalf("audit chain: %v, %v", v, err)
		}
	})
}

func TestNormalizeItems(t *testing.T) {
	cases := []struct {
		in   []string
		want []string
		err  error
	}{
		{[]string{"SB-001"}, []string{"SB-001"}, nil},
		{[]string{" sb-002 ", "SB-001", "sb-001"}, []string{"SB-001", "SB-002"}, nil},
		{[]string{"", " "}, nil, ErrNoItems},
		{nil, nil, ErrNoItems},
		{[]string{"SB 001"}, nil, ErrUnknownItem},
		{[]string{"社保-001"}, nil, ErrUnknownItem},
		{[]string{strings.Repeat("A", 17)}, nil, ErrUnknownItem},
		{slices.Repeat([]string{"A"}, 300), []string{"A"}, nil},
	}
	for _, c := range cases {
		got, err := NormalizeItems(c.in)
		if !errors.Is(err, c.err) || (c.err == nil && err != nil) || !slices.Equal(got, c.want) {
			t.Errorf("NormalizeItems(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
	}
	many := make([]string, MaxItems+1)
	for i := range many {
		many[i] = "X-" + strings.Repeat("9", i%10) + string(rune('A'+i%26)) + string(rune('A'+i/26))
	}
	if _, err := NormalizeItems(many); !errors.Is(err, ErrUnknownItem) {
		t.Errorf("%d distinct items: %v", len(many), err)
	}
}

func FuzzNormalizeItems(f *testing.F) {
	f.Add("SB-001,sb-002, JY-003")
	f.Add(" ,\x00,社保")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeItems(strings.Split(s, ","))
		if err != nil {
			if !errors.Is(err, ErrNoItems) && !errors.Is(err, ErrUnknownItem) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(got) == 0 || len(got) > MaxItems || !slices.IsSorted(got) {
			t.Fatalf("result %q", got)
		}
		for i, c := range got {
			if c == "" || len(c) > 16 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" || (i > 0 && got[i-1] == c) {
				t.Fatalf("bad code %q in %q", c, got)
			}
		}
	})
}

// TestMembersItems: 经办人管理 lists each agent with its own business scope (read for
// the whole unit at once), the legal rep and the administrator with none, and a
// removed agent not at all.
func TestMembersItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ps := f.people(t, 5)
		rep, adm, first, second, removed := ps[0], ps[1], ps[2], ps[3], ps[4]
		u := f.unit(t, rep)
		f.admin(t, u, rep, adm, 365*day24)
		f.agent(t, u, rep, first, 30*day24, "SB-002", "SB-001")
		f.agent(t, u, adm, second, 30*day24, "SB-003")
		gone := f.agent(t, u, rep, removed, 30*day24, "SB-001", "SB-003")
		if err := f.svc.RemoveAgent(f.ctx, rep.actor(), u, gone.MembershipID); err != nil {
			t.Fatal(err)
		}
		members, err := f.svc.Members(f.ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]string{}
		for _, m := range members {
			got[m.PersonID] = string(m.Role) + ":" + strings.Join(m.Items, ",")
		}
		want := map[int64]string{rep.ID: "legal_rep:", adm.ID: "admin:", first.ID: "agent:SB-001,SB-002", second.ID: "agent:SB-003"}
		if !maps.Equal(got, want) {
			t.Fatalf("members' items %v, want %v", got, want)
		}
	})
}
