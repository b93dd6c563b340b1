package recovery_test

import (
	"errors"
	"testing"

	"hall/internal/auth"
	"hall/internal/recovery"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
	"hall/internal/verify"
)

// TestAppAgent is P2 for an agent: only units with an active role are offered; the
// reset needs the app's face verification of the person, changes that unit's
// password, ends the sessions in that unit only, and is audited as "app".
func TestAppAgent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		ag := e.person(t, "许嘉禾")
		u := e.unit(t, "示范市承泽精密机械有限公司", e.person(t, "顾承泽"))
		u2 := e.unit(t, "示范市远帆物流有限公司", e.person(t, "韩远帆"))
		u3 := e.unit(t, "示范市嘉禾文化传媒有限公司", ag)
		e.member(t, u, ag, unit.RoleAgent, unit.StatusActive)
		e.member(t, u2, ag, unit.RoleAdmin, unit.StatusPending)

		units, err := e.rec.AppUnits(ctx, ag.ID)
		if err != nil {
			t.Fatal(err)
		}
		offered := map[int64]bool{}
		for _, a := range units {
			offered[a.Unit.ID] = true
		}
		if len(units) != 2 || !offered[u.ID] || !offered[u3.ID] {
			t.Fatalf("units offered: %+v", units)
		}
		if _, _, err := e.rec.AppStart(ctx, browserA, ag.ID, u2.ID); !errors.Is(err, recovery.ErrNoAccount) {
			t.Errorf("start for a pending role: %v", err)
		}
		if _, _, err := e.rec.AppStart(ctx, browserA, ag.ID, u2.ID+1000); !errors.Is(err, recovery.ErrNoAccount) {
			t.Errorf("start for a unit without a role: %v", err)
		}

		appSess := e.signIn(t, auth.Subject{PersonID: ag.ID})
		inU := e.signIn(t, auth.Subject{PersonID: ag.ID, UnitID: u.ID, Role: auth.Role(unit.RoleAgent)})
		inU3 := e.signIn(t, auth.Subject{PersonID: ag.ID, UnitID: u3.ID, Role: auth.Role(unit.RoleLegalRep)})

		f, sid, err := e.rec.AppStart(ctx, browserA, ag.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.rec.AppGet(ctx, f.ID, browserA, ag.ID)
		if err != nil || v.Verification != recovery.VerifyPending || v.Unit.ID != u.ID || v.PersonPassword || v.Session.ID != sid {
			t.Fatalf("view %+v %v", v, err)
		}
		if v.Session.Purpose != verify.PurposeAppReset || v.Session.Expected.IDNumber == ag.IDNumber {
			t.Errorf("session %+v (expected person must be masked)", v.Session)
		}
		if _, err := e.rec.AppFinish(ctx, f.ID, browserA, ag.ID, newPass()); !errors.Is(err, recovery.ErrPending) {
			t.Errorf("finish before the verification: %v", err)
		}
		other := e.person(t, "沈若溪")
		if _, err := e.rec.AppGet(ctx, f.ID, browserA, other.ID); !errors.Is(err, recovery.ErrNotFound) {
			t.Errorf("another person reads the flow: %v", err)
		}
		if _, err := e.rec.AppGet(ctx, f.ID, browserB, ag.ID); !errors.Is(err, recovery.ErrNotFound) {
			t.Errorf("another browser reads the flow: %v", err)
		}
		e.approve(t, sid, identityOf(ag))
		if v, _ := e.rec.AppGet(ctx, f.ID, browserA, ag.ID); v.Verification != recovery.VerifyPassed {
			t.Errorf("after the app: %q", v.Verification)
		}
		res, err := e.rec.AppFinish(ctx, f.ID, browserA, ag.ID, newPass())
		if err != nil {
			t.Fatal(err)
		}
		if res.SessionsEnded != 1 {
			t.Errorf("%d sessions ended", res.SessionsEnded)
		}
		if err := e.unitLogin(t, u, ag, newPassword); err != nil {
			t.Errorf("new unit password: %v", err)
		}
		if err := e.unitLogin(t, u, ag, oldPassword); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("old unit password: %v", err)
		}
		if err := e.personLogin(t, ag, oldPassword); err != nil {
			t.Errorf("personal password changed: %v", err)
		}
		if e.alive(t, inU) || !e.alive(t, appSess) || !e.alive(t, inU3) {
			t.Error("wrong sessions ended")
		}
		rs := e.resets(t)
		if len(rs) != 1 || rs[0].Detail["channel"] != "app" || rs[0].Detail["credential"] != "unit" || rs[0].UnitID != u.ID {
			t.Errorf("audit %+v", rs)
		}
		if _, err := e.rec.AppFinish(ctx, f.ID, browserA, ag.ID, newPass()); !errors.Is(err, recovery.ErrCompleted) {
			t.Errorf("second finish: %v", err)
		}
	})
}

// TestAppLegalRep: the legal rep's unit password is the personal password; the reset
// signs the person out everywhere, the app included. A verification started by the
// online recovery (another purpose) does not serve the app.
func TestAppLegalRep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		rep := e.person(t, "顾承泽")
		u := e.unit(t, "示范市承泽精密机械有限公司", rep)
		appSess := e.signIn(t, auth.Subject{PersonID: rep.ID})
		f, sid, err := e.rec.AppStart(ctx, browserA, rep.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.rec.AppGet(ctx, f.ID, browserA, rep.ID)
		if err != nil || !v.PersonPassword || v.Role != unit.RoleLegalRep {
			t.Fatalf("view %+v %v", v, err)
		}
		e.approve(t, sid, identityOf(rep))
		if _, err := e.rec.AppFinish(ctx, f.ID, browserA, rep.ID, recovery.NewPassword{Password: newPassword, Confirm: "x"}); err == nil {
			t.Fatal("mismatched confirmation accepted")
		}
		res, err := e.rec.AppFinish(ctx, f.ID, browserA, rep.ID, newPass())
		if err != nil {
			t.Fatal(err)
		}
		if res.SessionsEnded != 1 || e.alive(t, appSess) {
			t.Errorf("app session survived (%d ended)", res.SessionsEnded)
		}
		if err := e.unitLogin(t, u, rep, newPassword); err != nil {
			t.Errorf("new password: %v", err)
		}
		if err := e.personLogin(t, rep, oldPassword); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("old password: %v", err)
		}
	})
}
