package registrysync

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/registry"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// TestApplyRules: what one registry entry does to a unit account, as a table.
func TestApplyRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cases := []struct {
			name string
			run  func(t *testing.T)
		}{
			{"same legal rep: nothing", func(t *testing.T) {
				rep, idn := f.person(t, "张明")
				_, e := f.unitWith(t, rep, idn, "张明")
				c, err := f.syncer.Apply(f.ctx, e, Origin{Via: "import"})
				if err != nil || c.Changed() {
					t.Fatalf("%+v, %v", c, err)
				}
			}},
			{"unit without an account: nothing", func(t *testing.T) {
				e := registry.Entry{USCC: ident.GenerateUSCC(f.rnd, "320102"), LegalRepIDType: ident.IDTypeResident}
				c, err := f.syncer.Apply(f.ctx, e, Origin{Via: "import"})
				if err != nil || c.UnitID != 0 || c.Changed() {
					t.Fatalf("%+v, %v", c, err)
				}
			}},
			{"new legal rep with an account replaces the old one at once", func(t *testing.T) {
				old, oldIDN := f.person(t, "李强")
				u, e := f.unitWith(t, old, oldIDN, "李强")
				admin, _ := f.person(t, "王芳")
				agent, _ := f.person(t, "赵磊")
				invited, _ := f.person(t, "钱进")
				f.membership(t, u.ID, admin, unit.RoleAdmin, unit.StatusActive, old)
				f.membership(t, u.ID, agent, unit.RoleAgent, unit.StatusActive, admin)
				f.membership(t, u.ID, invited, unit.RoleAgent, unit.StatusPending, old)
				oldUnit := f.session(t, old, u.ID, auth.RoleLegalRep)
				oldPersonal := f.session(t, old, 0, "")
				adminUnit := f.session(t, admin, u.ID, auth.RoleAdmin)
				repl, replIDN := f.person(t, "孙立")
				e.LegalRepIDNumber, e.LegalRepName = replIDN, "孙立"
				c, err := f.syncer.Apply(f.ctx, f.change(t, e), Origin{Via: "import"})
				if err != nil {
					t.Fatal(err)
				}
				if c.LegalRep != LegalRepReplaced || c.OldPersonID != old || c.NewPersonID != repl || c.PendingRevoked != 1 {
					t.Fatalf("change %+v", c)
				}
				want := map[int64]string{repl: "legal_rep/active", admin: "admin/active", agent: "agent/active"}
				if got := f.roles(t, u.ID); !maps.Equal(got, want) {
					t.Fatalf("roles %v, want %v", got, want)
				}
				if f.live(oldUnit) || !f.live(oldPersonal) || !f.live(adminUnit) {
					t.Fatalf("sessions: old rep's unit %v (want ended), personal %v, admin %v (want live)",
						f.live(oldUnit), f.live(oldPersonal), f.live(adminUnit))
				}
				es := f.entries(t, "registry.legal_rep_change")
				if len(es) == 0 || es[0].UnitID != u.ID || es[0].Detail["via"] != "import" ||
					es[0].Detail["new_id_number"] != ident.MaskID(replIDN) {
					t.Fatalf("audit %+v", es)
				}
			}},
			{"new legal rep without an account leaves the unit without one until they take over", func(t *testing.T) {
				old, oldIDN := f.person(t, "周杰")
				u, e := f.unitWith(t, old, oldIDN, "周杰")
				oldUnit := f.session(t, old, u.ID, auth.RoleLegalRep)
				e.LegalRepIDNumber = ident.GenerateResidentID(f.rnd, "320104", t0.AddDate(-40, 0, 0), false)
				e.LegalRepName = "吴敏"
				e = f.change(t, e)
				c, err := f.syncer.Apply(f.ctx, e, Origin{Via: "import"})
				if err != nil || c.LegalRep != LegalRepVacant || f.live(oldUnit) {
					t.Fatalf("%+v, %v; old session live %v", c, err, f.live(oldUnit))
				}
				if got := f.roles(t, u.ID); len(got) != 0 {
					t.Fatalf("roles %v, want none", got)
				}
				c, err = f.syncer.Apply(f.ctx, e, Origin{Via: "schedule"})
				if err != nil || c.Changed() {
					t.Fatalf("applied again: %+v, %v", c, err)
				}
			}},
			{"new legal rep who was the unit's admin", func(t *testing.T) {
				old, oldIDN := f.person(t, "郑华")
				u, e := f.unitWith(t, old, oldIDN, "郑华")
				admin, adminIDN := f.person(t, "冯丽")
				f.membership(t, u.ID, admin, unit.RoleAdmin, unit.StatusActive, old)
				adminUnit := f.session(t, admin, u.ID, auth.RoleAdmin)
				e.LegalRepIDNumber, e.LegalRepName = adminIDN, "冯丽"
				c, err := f.syncer.Apply(f.ctx, f.change(t, e), Origin{Via: "import"})
				if err != nil || c.LegalRep != LegalRepReplaced {
					t.Fatalf("%+v, %v", c, err)
				}
				if got := f.roles(t, u.ID); !maps.Equal(got, map[int64]string{admin: "legal_rep/active"}) {
					t.Fatalf("roles %v", got)
				}
				if f.live(adminUnit) {
					t.Fatal("the admin session survived the change of role")
				}
			}},
			{"renamed", func(t *testing.T) {
				rep, idn := f.person(t, "陈刚")
				u, e := f.unitWith(t, rep, idn, "陈刚")
				e.Name = "示范陈刚信息技术有限公司"
				c, err := f.syncer.Apply(f.ctx, f.change(t, e), Origin{Via: "import"})
				got, _ := f.units.Get(f.ctx, u.ID)
				if err != nil || !c.Renamed || c.LegalRep != LegalRepSame || got.Name != e.Name {
					t.Fatalf("%+v, %v, name %q", c, err, got.Name)
				}
			}},
			{"cancelled: the unit closes and every session for it ends", func(t *testing.T) {
				rep, idn := f.person(t, "褚云")
				u, e := f.unitWith(t, rep, idn, "褚云")
				agent, _ := f.person(t, "卫东")
				f.membership(t, u.ID, agent, unit.RoleAgent, unit.StatusActive, rep)
				s1, s2 := f.session(t, rep, u.ID, auth.RoleLegalRep), f.session(t, agent, u.ID, auth.RoleAgent)
				e.Status = registry.StatusCancelled
				e = f.change(t, e)
				c, err := f.syncer.Apply(f.ctx, e, Origin{Via: "import"})
				got, _ := f.units.Get(f.ctx, u.ID)
				if err != nil || !c.Closed || c.SessionsEnded != 2 || got.Status != "closed" || f.live(s1) || f.live(s2) {
					t.Fatalf("%+v, %v, status %q", c, err, got.Status)
				}
				if c, err := f.syncer.Apply(f.ctx, e, Origin{Via: "import"}); err != nil || c.Changed() {
					t.Fatalf("applied again: %+v, %v", c, err)
				}
			}},
		}
		for _, c := range cases {
			t.Run(c.name, c.run)
		}
	})
}

// TestRunFollowsTheFeed: Run applies what changed after its cursor, once.
func TestRunFollowsTheFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		old, oldIDN := f.person(t, "蒋平")
		u, e := f.unitWith(t, old, oldIDN, "蒋平")
		rep, err := f.syncer.Run(f.ctx, Origin{Via: "schedule"})
		if err != nil || rep.Seen != 1 || len(rep.Changes) != 0 {
			t.Fatalf("first run: %+v, %v", rep, err)
		}
		if rep, err := f.syncer.Run(f.ctx, Origin{Via: "schedule"}); err != nil || rep.Seen != 0 {
			t.Fatalf("second run: %+v, %v", rep, err)
		}
		repl, replIDN := f.person(t, "沈涛")
		e.LegalRepIDNumber, e.LegalRepName = replIDN, "沈涛"
		f.change(t, e)
		rep, err = f.syncer.Run(f.ctx, Origin{Via: "import"})
		if err != nil || rep.Seen != 1 || len(rep.Changes) != 1 || rep.Changes[0].NewPersonID != repl {
			t.Fatalf("after a change: %+v, %v", rep, err)
		}
		if got := f.roles(t, u.ID); !maps.Equal(got, map[int64]string{repl: "legal_rep/active"}) {
			t.Fatalf("roles %v", got)
		}
		if rep, err := f.syncer.Run(f.ctx, Origin{Via: "schedule"}); err != nil || rep.Seen != 0 {
			t.Fatalf("run after: %+v, %v", rep, err)
		}
	})
}

// TestApplyConcurrently: one legal rep per unit however many syncs apply the same
// change at once, and one audit record of it.
func TestApplyConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		old, oldIDN := f.person(t, "韩梅")
		u, e := f.unitWith(t, old, oldIDN, "韩梅")
		repl, replIDN := f.person(t, "杨帆")
		e.LegalRepIDNumber, e.LegalRepName = replIDN, "杨帆"
		e = f.change(t, e)
		var wg sync.WaitGroup
		errs := make(chan error, 12)
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.syncer.Apply(f.ctx, e, Origin{Via: "schedule"})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := f.roles(t, u.ID); !maps.Equal(got, map[int64]string{repl: "legal_rep/active"}) {
			t.Fatalf("roles %v", got)
		}
		if es := f.entries(t, "registry.legal_rep_change"); len(es) != 1 {
			t.Fatalf("%d audit records of one change", len(es))
		}
	})
}

// TestApplyWaitsForTheUnit: a second sync of the same change waits for the first's
// transaction (the unit's row lock; SQLite's one writer) and then finds nothing to do.
func TestApplyWaitsForTheUnit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		old, oldIDN := f.person(t, "朱琳")
		u, e := f.unitWith(t, old, oldIDN, "朱琳")
		repl, replIDN := f.person(t, "秦川")
		e.LegalRepIDNumber, e.LegalRepName = replIDN, "秦川"
		e = f.change(t, e)
		var second Change
		err := storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, err := f.syncer.ApplyTx(ctx, tx, e, Origin{Via: "import"})
			return err
		}, func(h *store.DB) error {
			other, err := New(Deps{DB: h, Audit: f.audit, Changes: f.table, Sessions: f.sessions, Units: f.units, Now: f.clk.Now})
			if err != nil {
				return err
			}
			second, err = other.Apply(context.Background(), e, Origin{Via: "schedule"})
			return err
		}, "FROM units")
		if err != nil {
			t.Fatalf("second sync: %v", err)
		}
		if second.Changed() {
			t.Fatalf("the second sync changed something again: %+v", second)
		}
		if got := f.roles(t, u.ID); !maps.Equal(got, map[int64]string{repl: "legal_rep/active"}) {
			t.Fatalf("roles %v", got)
		}
	})
}

// stalePage is a feed that answers with the page a run read earlier, before the
// registry changed again.
type stalePage []registry.Entry

func (p stalePage) ChangedAfter(context.Context, time.Time, string, int) ([]registry.Entry, error) {
	return p, nil
}

// TestRunSkipsWhatAnotherRunApplied: a run that read the old version of an entry
// while another run applies its newer version waits for the cursor, then skips the
// old version instead of putting the former legal rep back.
func TestRunSkipsWhatAnotherRunApplied(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		first, firstIDN := f.person(t, "邵军")
		u, e := f.unitWith(t, first, firstIDN, "邵军")
		if _, err := f.syncer.Run(f.ctx, Origin{Via: "schedule"}); err != nil {
			t.Fatal(err)
		}
		second, secondIDN := f.person(t, "卢静")
		e.LegalRepIDNumber, e.LegalRepName = secondIDN, "卢静"
		older := f.change(t, e) // read by the slow run
		third, thirdIDN := f.person(t, "严冬")
		e.LegalRepIDNumber, e.LegalRepName = thirdIDN, "严冬"
		newer := f.change(t, e) // applied by the other run meanwhile

		var slow Report
		err := storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			_, applied, err := f.syncer.step(ctx, tx, newer, Origin{Via: "schedule"})
			if err == nil && !applied {
				t.Error("the newer version was not applied")
			}
			return err
		}, func(h *store.DB) error {
			other, err := New(Deps{DB: h, Audit: f.audit, Changes: stalePage{older}, Sessions: f.sessions, Units: f.units, Now: f.clk.Now})
			if err != nil {
				return err
			}
			slow, err = other.Run(context.Background(), Origin{Via: "schedule"})
			return err
		}, "registry_sync_cursor")
		if err != nil {
			t.Fatalf("the slow run: %v", err)
		}
		if slow.Seen != 0 || len(slow.Changes) != 0 {
			t.Fatalf("the slow run applied the old version: %+v", slow)
		}
		if got := f.roles(t, u.ID); !maps.Equal(got, map[int64]string{third: "legal_rep/active"}) {
			t.Fatalf("roles %v (first legal rep %d, second %d)", got, first, second)
		}
		if es := f.entries(t, "registry.legal_rep_change"); len(es) != 1 {
			t.Fatalf("%d audit records of one change", len(es))
		}
	})
}

// TestRunsAtOnce: runs started together, as the Runners of several processes are,
// apply every change once between them.
func TestRunsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var changed []registry.Entry
		for range 6 {
			rep, idn := f.person(t, "田野")
			_, e := f.unitWith(t, rep, idn, "田野")
			changed = append(changed, e)
		}
		if _, err := f.syncer.Run(f.ctx, Origin{Via: "schedule"}); err != nil {
			t.Fatal(err)
		}
		for i, e := range changed {
			e.Name = e.Name + "分公司"
			changed[i] = f.change(t, e)
		}
		reports := make([]Report, 4)
		errs := make([]error, len(reports))
		var wg sync.WaitGroup
		for i := range reports {
			wg.Add(1)
			go func() {
				defer wg.Done()
				reports[i], errs[i] = f.syncer.Run(f.ctx, Origin{Via: "schedule"})
			}()
		}
		wg.Wait()
		seen, renames := 0, 0
		for i, r := range reports {
			if errs[i] != nil {
				t.Fatalf("run %d: %v", i, errs[i])
			}
			seen += r.Seen
			renames += len(r.Changes)
		}
		if seen != len(changed) || renames != len(changed) {
			t.Fatalf("the runs applied %d entries with %d changes between them, want %d of each", seen, renames, len(changed))
		}
		if es := f.entries(t, "registry.unit_rename"); len(es) != len(changed) {
			t.Fatalf("%d rename audit records for %d renames", len(es), len(changed))
		}
	})
}
