package recovery_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/recovery"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
	"hall/internal/verify"
)

// TestOnlineLegalRep is P1 for a unit's legal rep: the unit login uses the person's
// own password, so the reset changes it, ends every session of the person, is
// audited, and consumes the verification; the flow cannot be finished twice.
func TestOnlineLegalRep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		rep := e.person(t, "顾承泽")
		u := e.unit(t, "示范市承泽精密机械有限公司", rep)
		other := e.person(t, "沈若溪")
		unitSess := e.signIn(t, auth.Subject{PersonID: rep.ID, UnitID: u.ID, Role: auth.Role(unit.RoleLegalRep)})
		personSess := e.signIn(t, auth.Subject{PersonID: rep.ID})
		otherSess := e.signIn(t, auth.Subject{PersonID: other.ID})

		flowID, sid := e.toVerify(t, browserA, unitInput(u, rep))
		if err := e.rec.Verified(ctx, flowID, browserA); !errors.Is(err, recovery.ErrPending) {
			t.Fatalf("Verified before the app: %v", err)
		}
		if _, err := e.rec.Finish(ctx, flowID, browserA, newPass()); !errors.Is(err, recovery.ErrStep) {
			t.Fatalf("Finish before the face step: %v", err)
		}
		if _, err := e.rec.Get(ctx, flowID, browserB); !errors.Is(err, recovery.ErrNotFound) {
			t.Fatalf("another browser reads the flow: %v", err)
		}
		e.passFace(t, flowID, sid, identityOf(rep))
		if err := e.rec.Verified(ctx, flowID, browserA); err != nil {
			t.Fatalf("Verified again (script and button): %v", err)
		}
		v, err := e.rec.Get(ctx, flowID, browserA)
		if err != nil {
			t.Fatal(err)
		}
		if v.Step != recovery.StepPassword || v.Role != unit.RoleLegalRep || !v.PersonPassword || v.UnitName != u.Name {
			t.Fatalf("view %+v", v)
		}

		// A refused password spends nothing.
		_, err = e.rec.Finish(ctx, flowID, browserA, recovery.NewPassword{Password: "short", Confirm: "short"})
		var fe *recovery.FormError
		if !errors.As(err, &fe) || fe.Fields[recovery.FieldPassword] == "" {
			t.Fatalf("weak password: %v", err)
		}
		if s, err := e.svc.Verify.Status(ctx, sid, flowID); err != nil || !s.ConsumedAt.IsZero() {
			t.Fatalf("verification after a refused password: %+v %v", s, err)
		}

		res, err := e.rec.Finish(ctx, flowID, browserA, newPass())
		if err != nil {
			t.Fatalf("Finish: %v", err)
		}
		if res.Kind != recovery.KindUnit || res.SessionsEnded != 2 || res.Target.Role != unit.RoleLegalRep {
			t.Errorf("result %+v", res)
		}
		if err := e.unitLogin(t, u, rep, oldPassword); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("old password still logs in: %v", err)
		}
		if err := e.unitLogin(t, u, rep, newPassword); err != nil {
			t.Errorf("new password refused: %v", err)
		}
		if err := e.personLogin(t, rep, newPassword); err != nil {
			t.Errorf("the personal account does not take the new password: %v", err)
		}
		if e.alive(t, unitSess) || e.alive(t, personSess) {
			t.Error("a session of the legal rep survived the reset")
		}
		if !e.alive(t, otherSess) {
			t.Error("another person's session ended")
		}
		if s, err := e.svc.Verify.Status(ctx, sid, flowID); err != nil || s.ConsumedAt.IsZero() {
			t.Errorf("verification not consumed: %+v %v", s, err)
		}
		rs := e.resets(t)
		if len(rs) != 1 {
			t.Fatalf("%d reset records", len(rs))
		}
		r := rs[0]
		if r.PersonID != rep.ID || r.UnitID != u.ID || r.Role != string(unit.RoleLegalRep) || r.ClientIP != clientIP ||
			r.Detail["credential"] != "person" || r.Detail["channel"] != "online" || r.Detail["sessions_ended"] != "2" ||
			r.Detail["id"] != ident.MaskID(rep.IDNumber) || r.Detail["uscc"] != ident.MaskUSCC(u.USCC) || r.Detail["verification"] != sid {
			t.Errorf("audit record %+v", r)
		}
		for k, val := range r.Detail {
			if strings.Contains(val, rep.IDNumber) || strings.Contains(val, u.USCC) || strings.Contains(val, newPassword) {
				t.Errorf("audit detail %s = %q is not masked", k, val)
			}
		}

		if _, err := e.rec.Finish(ctx, flowID, browserA, newPass()); !errors.Is(err, recovery.ErrCompleted) {
			t.Errorf("second Finish: %v", err)
		}
		if _, err := e.rec.Get(ctx, flowID, browserA); !errors.Is(err, recovery.ErrCompleted) {
			t.Errorf("Get after finishing: %v", err)
		}
		if res, err := e.svc.Audit.Verify(ctx); err != nil || !res.OK {
			t.Errorf("audit chain: %v %v", res, err)
		}
	})
}

// TestOnlineAgent: an agent's unit login uses the membership's unit password; the
// reset changes only that, and ends only the sessions in that unit.
func TestOnlineAgent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		rep := e.person(t, "顾承泽")
		u := e.unit(t, "示范市承泽精密机械有限公司", rep)
		u2 := e.unit(t, "示范市远帆物流有限公司", e.person(t, "韩远帆"))
		ag := e.person(t, "许嘉禾")
		m := e.member(t, u, ag, unit.RoleAgent, unit.StatusActive)
		e.member(t, u2, ag, unit.RoleAdmin, unit.StatusActive)
		inU := e.signIn(t, auth.Subject{PersonID: ag.ID, UnitID: u.ID, Role: auth.Role(unit.RoleAgent)})
		inU2 := e.signIn(t, auth.Subject{PersonID: ag.ID, UnitID: u2.ID, Role: auth.Role(unit.RoleAdmin)})
		personal := e.signIn(t, auth.Subject{PersonID: ag.ID})

		flowID, sid := e.toVerify(t, browserA, unitInput(u, ag))
		e.passFace(t, flowID, sid, identityOf(ag))
		v, err := e.rec.Get(ctx, flowID, browserA)
		if err != nil || v.Step != recovery.StepPassword || v.Role != unit.RoleAgent || v.PersonPassword {
			t.Fatalf("view %+v %v", v, err)
		}
		res, err := e.rec.Finish(ctx, flowID, browserA, newPass())
		if err != nil {
			t.Fatal(err)
		}
		if res.SessionsEnded != 1 || res.Target.MembershipID != m.ID {
			t.Errorf("result %+v", res)
		}
		if err := e.unitLogin(t, u, ag, newPassword); err != nil {
			t.Errorf("new unit password refused: %v", err)
		}
		if err := e.unitLogin(t, u, ag, oldPassword); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("old unit password still works: %v", err)
		}
		if err := e.unitLogin(t, u2, ag, oldPassword); err != nil {
			t.Errorf("the other unit's password changed: %v", err)
		}
		if err := e.personLogin(t, ag, oldPassword); err != nil {
			t.Errorf("the personal password changed: %v", err)
		}
		if e.alive(t, inU) {
			t.Error("the session in the unit survived")
		}
		if !e.alive(t, inU2) || !e.alive(t, personal) {
			t.Error("a session outside the unit ended")
		}
		rs := e.resets(t)
		if len(rs) != 1 || rs[0].Detail["credential"] != "unit" || rs[0].Target != "membership:"+itoa(m.ID) || rs[0].Role != "agent" {
			t.Fatalf("audit %+v", rs)
		}
	})
}

// TestOnlinePerson is personal recovery (个人用户).
func TestOnlinePerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		p := e.person(t, "林知夏")
		sess := e.signIn(t, auth.Subject{PersonID: p.ID})
		flowID, sid := e.toVerify(t, browserA, personInput(p))
		e.approve(t, sid, identityOf(p))
		if err := e.rec.Verified(t.Context(), flowID, browserA); err != nil {
			t.Fatal(err)
		}
		res, err := e.rec.Finish(t.Context(), flowID, browserA, newPass())
		if err != nil {
			t.Fatal(err)
		}
		if res.Kind != recovery.KindPerson || res.SessionsEnded != 1 {
			t.Errorf("result %+v", res)
		}
		if err := e.personLogin(t, p, oldPassword); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("old password: %v", err)
		}
		if err := e.personLogin(t, p, newPassword); err != nil {
			t.Errorf("new password: %v", err)
		}
		if e.alive(t, sess) {
			t.Error("session survived")
		}
		if rs := e.resets(t); len(rs) != 1 || rs[0].UnitID != 0 || rs[0].Detail["credential"] != "person" {
			t.Errorf("audit %+v", rs)
		}
	})
}

// TestOnlineSameAnswerUntilFace: for an account that does not exist, every step up
// to the face verification answers exactly as for one that does; after the
// verification passes, the flow says there is no such account and why.
func TestOnlineSameAnswerUntilFace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		rep := e.person(t, "顾承泽")
		u := e.unit(t, "示范市承泽精密机械有限公司", rep)
		pending := e.person(t, "唐一鸣")
		e.member(t, u, pending, unit.RoleAgent, unit.StatusPending)
		outsider := e.person(t, "程书瑶")
		ghostID := ident.GenerateResidentID(e.g, "320106", time.Date(1991, 2, 3, 0, 0, 0, 0, time.UTC), true)
		ghost := recovery.Input{Kind: "person", IDType: "resident", IDNumber: ghostID, Name: "白景行"}
		ghostUnit := recovery.Input{Kind: "unit", USCC: u.USCC, IDType: "resident", IDNumber: ghostID, Name: "白景行"}
		wrongName := personInput(rep)
		wrongName.Name = "顾承远"

		cases := []struct {
			name string
			in   recovery.Input
			who  recovery.Input // whose identity the verification is for (the claim)
			want string
		}{
			{"no such person", ghost, ghost, recovery.MsgNoPerson},
			{"no such person in a unit", ghostUnit, ghostUnit, recovery.MsgNoUnitAccount},
			{"another name", wrongName, wrongName, recovery.MsgNoPerson},
			{"not in the unit", unitInput(u, outsider), unitInput(u, outsider), recovery.MsgNoUnitAccount},
			{"role pending", unitInput(u, pending), unitInput(u, pending), recovery.MsgPendingRole},
		}
		known, _ := e.toVerify(t, browserA, unitInput(u, rep))
		kv, err := e.rec.Get(ctx, known, browserA)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				flowID, sid := e.toVerify(t, browserA, tc.in)
				v, err := e.rec.Get(ctx, flowID, browserA)
				if err != nil {
					t.Fatal(err)
				}
				if v.Step != kv.Step || v.Verification != kv.Verification || v.NoAccount != "" || v.Session.Purpose != kv.Session.Purpose {
					t.Errorf("view before the face step differs from a real account's: %+v vs %+v", v, kv)
				}
				c, err := recovery.Check(tc.who, e.clk.Now())
				if err != nil {
					t.Fatal(err)
				}
				e.passFace(t, flowID, sid, c.Person())
				v, err = e.rec.Get(ctx, flowID, browserA)
				if err != nil {
					t.Fatal(err)
				}
				if v.Step != recovery.StepNoAccount || v.NoAccount != tc.want {
					t.Errorf("after the face step: %s %q, want %q", v.Step, v.NoAccount, tc.want)
				}
				if _, err := e.rec.Finish(ctx, flowID, browserA, newPass()); !errors.Is(err, recovery.ErrStep) {
					t.Errorf("Finish without an account: %v", err)
				}
			})
		}
		if rs := e.resets(t); len(rs) != 0 {
			t.Errorf("%d resets", len(rs))
		}
	})
}

// TestOnlineVerificationRefusals: a verification passed by another person fails and a
// new one can be started; a passed result not used within the consume window must be
// repeated; a membership revoked meanwhile stops the reset.
func TestOnlineVerificationRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		rep := e.person(t, "顾承泽")
		u := e.unit(t, "示范市承泽精密机械有限公司", rep)
		other := e.person(t, "沈若溪")

		flowID, sid := e.toVerify(t, browserA, unitInput(u, rep))
		if s := e.approve(t, sid, identityOf(other)); s.Status != verify.Failed {
			t.Fatalf("another person's approval: %s", s.Status)
		}
		if err := e.rec.Verified(ctx, flowID, browserA); !errors.Is(err, recovery.ErrVerification) {
			t.Fatalf("Verified after another person: %v", err)
		}
		if v, _ := e.rec.Get(ctx, flowID, browserA); v.Verification != recovery.VerifyFailed {
			t.Errorf("view %q", v.Verification)
		}
		if err := e.rec.RestartVerification(ctx, flowID, browserA); err != nil {
			t.Fatal(err)
		}
		sid2 := e.sessionOf(t, flowID, browserA)
		if sid2 == sid {
			t.Fatal("restart kept the session")
		}
		e.passFace(t, flowID, sid2, identityOf(rep))

		// Too long between the face step and the new password.
		e.clk.Add(6 * time.Minute)
		if _, err := e.rec.Finish(ctx, flowID, browserA, newPass()); !errors.Is(err, recovery.ErrVerification) {
			t.Fatalf("Finish after the consume window: %v", err)
		}
		if err := e.unitLogin(t, u, rep, oldPassword); err != nil {
			t.Errorf("password changed by a refused reset: %v", err)
		}
		if err := e.rec.RestartVerification(ctx, flowID, browserA); err != nil {
			t.Fatal(err)
		}
		sid3 := e.sessionOf(t, flowID, browserA)
		e.passFace(t, flowID, sid3, identityOf(rep))
		if _, err := e.rec.Finish(ctx, flowID, browserA, newPass()); err != nil {
			t.Fatalf("Finish with a fresh verification: %v", err)
		}

		// An agent removed between the face step and the new password.
		ag := e.person(t, "许嘉禾")
		m := e.member(t, u, ag, unit.RoleAgent, unit.StatusActive)
		flowID, sid = e.toVerify(t, browserA, unitInput(u, ag))
		e.passFace(t, flowID, sid, identityOf(ag))
		if _, err := db.Exec(ctx, "UPDATE memberships SET status = 'revoked', revoked_at = ? WHERE id = ?", e.clk.Now(), m.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.rec.Finish(ctx, flowID, browserA, newPass()); !errors.Is(err, recovery.ErrNoAccount) {
			t.Fatalf("Finish for a revoked agent: %v", err)
		}
		if s, err := e.svc.Verify.Status(ctx, sid, flowID); err != nil || !s.ConsumedAt.IsZero() {
			t.Errorf("the refused reset consumed the verification: %v", err)
		}
	})
}

// TestResetVerificationChecks: the reset takes only a passed verification of its own
// purpose for the target's person, and each verification once; a refusal leaves the
// password and the verification as they were.
func TestResetVerificationChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		p := e.person(t, "林知夏")
		other := e.person(t, "沈若溪")
		target := recovery.Target{PersonID: p.ID}
		start := func(purpose string, who verify.Person, approve bool) string {
			s, err := e.svc.Verify.Start(ctx, verify.Request{Purpose: purpose, Binding: "binding-1", Expected: who})
			if err != nil {
				t.Fatal(err)
			}
			if approve {
				e.approve(t, s.ID, who)
			}
			return s.ID
		}
		cases := []struct {
			name    string
			session string
			want    error
		}{
			{"other purpose", start(verify.PurposeAgentConfirm, identityOf(p), true), recovery.ErrVerification},
			{"other person", start(verify.PurposeRecover, identityOf(other), true), recovery.ErrVerification},
			{"pending", start(verify.PurposeRecover, identityOf(p), false), recovery.ErrPending},
			{"unknown", strings.Repeat("A", 43), recovery.ErrVerification},
		}
		for _, tc := range cases {
			if _, err := e.rec.ResetWith(ctx, target, newPassword, verify.PurposeRecover, tc.session, "binding-1"); !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
			if s, err := e.svc.Verify.Status(ctx, tc.session, "binding-1"); err == nil && !s.ConsumedAt.IsZero() {
				t.Errorf("%s: the refused reset consumed the verification", tc.name)
			}
		}
		good := start(verify.PurposeRecover, identityOf(p), true)
		if _, err := e.rec.ResetWith(ctx, target, newPassword, verify.PurposeRecover, good, "binding-2"); !errors.Is(err, recovery.ErrVerification) {
			t.Errorf("another binding: %v", err)
		}
		if err := e.personLogin(t, p, oldPassword); err != nil {
			t.Fatalf("a refused reset changed the password: %v", err)
		}
		if _, err := e.rec.ResetWith(ctx, target, newPassword, verify.PurposeRecover, good, "binding-1"); err != nil {
			t.Fatalf("reset: %v", err)
		}
		if _, err := e.rec.ResetWith(ctx, target, "Rec-Third-Pass-2028", verify.PurposeRecover, good, "binding-1"); !errors.Is(err, recovery.ErrVerification) {
			t.Errorf("a consumed verification was used again: %v", err)
		}
		if err := e.personLogin(t, p, newPassword); err != nil {
			t.Errorf("new password: %v", err)
		}
		if n := len(e.resets(t)); n != 1 {
			t.Errorf("%d reset records", n)
		}
	})
}

// TestStartThrottledPerAddress: starts are counted per client address; the limit's
// next start is refused for that address only, and an hour later it may start again.
func TestStartThrottledPerAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		p := e.person(t, "林知夏")
		for i := range recovery.AddrLimits.LockAfter {
			if _, err := e.rec.Start(ctx, browserA, clientIP, personInput(p)); err != nil {
				t.Fatalf("start %d: %v", i+1, err)
			}
		}
		_, err := e.rec.Start(ctx, browserA, clientIP, personInput(p))
		if !errors.Is(err, recovery.ErrTooMany) {
			t.Fatalf("start over the limit: %v", err)
		}
		// The refusal says when the lock, LockFor from the refused start, ends.
		var tooMany *recovery.TooManyError
		if want := e.clk.Now().UTC().Add(recovery.AddrLimits.LockFor); !errors.As(err, &tooMany) || !tooMany.Until.Equal(want) {
			t.Errorf("start over the limit: %#v, want a *TooManyError until %s", err, want)
		}
		// A refused form is not counted and says what is wrong, limit or not.
		var fe *recovery.FormError
		if _, err := e.rec.Start(ctx, browserA, clientIP, recovery.Input{Kind: "person"}); !errors.As(err, &fe) {
			t.Fatalf("empty form: %v", err)
		}
		if _, err := e.rec.Start(ctx, browserA, "198.51.100.9", personInput(p)); err != nil {
			t.Fatalf("another address: %v", err)
		}
		e.clk.Add(recovery.AddrLimits.LockFor + time.Second)
		if _, err := e.rec.Start(ctx, browserA, clientIP, personInput(p)); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
	})
}

// TestPassCaptcha: the captcha step wants a pass token of the recovery purpose from
// the same browser, once.
func TestPassCaptcha(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		p := e.person(t, "林知夏")
		f, err := e.rec.Start(ctx, browserA, clientIP, personInput(p))
		if err != nil {
			t.Fatal(err)
		}
		wantField := func(what string, err error) {
			t.Helper()
			var fe *recovery.FormError
			if !errors.As(err, &fe) || fe.Fields[recovery.FieldCaptcha] == "" {
				t.Errorf("%s: %v", what, err)
			}
		}
		wantField("no token", e.rec.PassCaptcha(ctx, f.ID, browserA, ""))
		wantField("another browser's token", e.rec.PassCaptcha(ctx, f.ID, browserA, e.captchaToken(t, browserB)))
		tok := e.captchaToken(t, browserA)
		if err := e.rec.PassCaptcha(ctx, f.ID, browserA, tok); err != nil {
			t.Fatal(err)
		}
		if err := e.rec.PassCaptcha(ctx, f.ID, browserA, tok); !errors.Is(err, recovery.ErrStep) {
			t.Errorf("captcha step again: %v", err)
		}
		g, err := e.rec.Start(ctx, browserA, clientIP, personInput(p))
		if err != nil {
			t.Fatal(err)
		}
		wantField("a used token", e.rec.PassCaptcha(ctx, g.ID, browserA, tok))
		e.clk.Add(recovery.TTL)
		if err := e.rec.PassCaptcha(ctx, g.ID, browserA, e.captchaToken(t, browserA)); !errors.Is(err, recovery.ErrExpired) {
			t.Errorf("after the TTL: %v", err)
		}
	})
}
