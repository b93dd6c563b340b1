package counter

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/scans"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestPasswordReset: a clerk records, a reviewer approves; the person gets a one-time
// password by SMS, must change it, and every session of theirs ends.
func TestPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.person(t, "刘洋")
		tok := f.session(t, p.ID, 0, "")
		q, err := f.svc.SubmitPasswordReset(f.ctx, f.clerk, PasswordResetInput{Person: Identity{p.IDType, strings.ToLower(p.IDNumber), " 刘洋 "}},
			"本人持身份证到窗口，忘记密码", uploads(scans.KindIDCard))
		if err != nil {
			t.Fatal(err)
		}
		if q.Status != StatusSubmitted || q.PersonID != p.ID {
			t.Fatalf("submitted %+v", q)
		}
		if h, _ := f.hash(t, p.ID); h != "fake$Own#2026pw" {
			t.Fatal("the password changed before approval")
		}
		out, err := f.svc.Approve(f.ctx, f.reviewer, q.ID, "证件核验一致")
		if err != nil {
			t.Fatal(err)
		}
		if !out.Delivered || out.Request.Status != StatusApproved || out.Request.DecidedBy != f.reviewer.StaffID {
			t.Fatalf("outcome %+v", out)
		}
		pw := f.sentPassword(t, p.Mobile)
		if h, must := f.hash(t, p.ID); h != "fake$"+pw || !must {
			t.Fatalf("after approval: hash %q (SMS %q), must change %v", h, pw, must)
		}
		if f.live(tok) {
			t.Fatal("the person's session survived the reset")
		}
		got, err := f.persons.Get(f.ctx, p.ID)
		if err != nil || !got.MustChangePassword {
			t.Fatalf("MustChangePassword read: %+v, %v", got, err)
		}
		sub, app := f.entries(t, "counter.submit"), f.entries(t, "counter.approve")
		if len(sub) != 1 || sub[0].StaffID != f.clerk.StaffID || sub[0].Role != "clerk" || sub[0].Detail["reason"] != "本人持身份证到窗口，忘记密码" {
			t.Fatalf("audit of the submission %+v", sub)
		}
		if len(app) != 1 || app[0].StaffID != f.reviewer.StaffID || app[0].Role != "reviewer" || app[0].PersonID != p.ID ||
			app[0].Detail["reason"] != "证件核验一致" || strings.Contains(app[0].Detail["mobile"], p.Mobile) {
			t.Fatalf("audit of the approval %+v", app)
		}
		for _, e := range append(f.entries(t, "counter."), f.entries(t, "person.")...) {
			for k, v := range e.Detail {
				if strings.Contains(v, pw) {
					t.Fatalf("the one-time password is in the audit log (%s %s)", e.Action, k)
				}
			}
		}
	})
}

// TestDecisionRules: who may decide what, as a table.
func TestDecisionRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		submit := func(by staff.Actor) Request {
			t.Helper()
			p := f.person(t, "某人")
			q, err := f.svc.SubmitPasswordReset(f.ctx, by, PasswordResetInput{Person: Identity{p.IDType, p.IDNumber, p.Name}},
				"忘记密码", uploads(scans.KindIDCard))
			if err != nil {
				t.Fatal(err)
			}
			return q
		}
		mine := submit(f.both)
		decided := submit(f.clerk)
		if _, err := f.svc.Reject(f.ctx, f.reviewer, decided.ID, "证件不清晰"); err != nil {
			t.Fatal(err)
		}
		open := submit(f.clerk)
		p := f.person(t, "另一人")
		cases := []struct {
			name string
			do   func() error
			want error
		}{
			{"clerk-reviewer approves own request", func() error { _, err := f.svc.Approve(f.ctx, f.both, mine.ID, "同意"); return err }, staff.DenyOwnWork},
			{"clerk-reviewer rejects own request", func() error { _, err := f.svc.Reject(f.ctx, f.both, mine.ID, "退回"); return err }, staff.DenyOwnWork},
			{"clerk approves", func() error { _, err := f.svc.Approve(f.ctx, f.clerk, open.ID, "同意"); return err }, staff.DenyRole},
			{"auditor approves", func() error { _, err := f.svc.Approve(f.ctx, f.auditor, open.ID, "同意"); return err }, staff.DenyRole},
			{"reviewer submits", func() error {
				_, err := f.svc.SubmitPasswordReset(f.ctx, f.reviewer, PasswordResetInput{Person: Identity{p.IDType, p.IDNumber, p.Name}}, "忘记密码", uploads(scans.KindIDCard))
				return err
			}, staff.DenyRole},
			// A role that may not submit learns nothing about the person or unit asked
			// about: the refusal comes before any look-up or check.
			{"reviewer asks about an unregistered ID number", func() error {
				_, err := f.svc.SubmitPasswordReset(f.ctx, f.reviewer, PasswordResetInput{Person: Identity{p.IDType, ident.GenerateResidentID(f.rnd, "320102", time.Date(1990, 3, 3, 0, 0, 0, 0, time.UTC), false), "无此人"}}, "忘记密码", nil)
				return err
			}, staff.DenyRole},
			{"reviewer asks about a name", func() error {
				_, err := f.svc.SubmitPasswordReset(f.ctx, f.reviewer, PasswordResetInput{Person: Identity{p.IDType, p.IDNumber, "张三"}}, "", nil)
				return err
			}, staff.DenyRole},
			{"auditor asks about a unit", func() error {
				_, err := f.svc.SubmitAdminChange(f.ctx, f.auditor, AdminChangeInput{Unit: "91110000MA0000000X"}, "", nil)
				return err
			}, staff.DenyRole},
			{"auditor registers a unit with a registered legal rep's wrong name", func() error {
				_, err := f.svc.SubmitUnitRegistration(f.ctx, f.auditor, UnitRegistrationInput{LegalRep: Identity{p.IDType, p.IDNumber, "张三"}}, "", nil)
				return err
			}, staff.DenyRole},
			{"reviewer releases an appeal", func() error {
				_, err := f.svc.SubmitAppealRelease(f.ctx, f.reviewer, 999999, "", nil)
				return err
			}, staff.DenyRole},
			{"approve without reason", func() error { _, err := f.svc.Approve(f.ctx, f.reviewer, open.ID, " "); return err }, staff.ErrReasonRequired},
			{"approve a rejected request", func() error { _, err := f.svc.Approve(f.ctx, f.reviewer, decided.ID, "同意"); return err }, ErrDecided},
			{"approve an unknown request", func() error { _, err := f.svc.Approve(f.ctx, f.reviewer, 999999, "同意"); return err }, ErrNotFound},
			{"second open request for the same person", func() error {
				var in PasswordResetInput
				pp, _ := f.persons.Get(f.ctx, open.PersonID)
				in.Person = Identity{pp.IDType, pp.IDNumber, pp.Name}
				_, err := f.svc.SubmitPasswordReset(f.ctx, f.clerk, in, "忘记密码", uploads(scans.KindIDCard))
				return err
			}, ErrOpen},
			{"no ID scan", func() error {
				_, err := f.svc.SubmitPasswordReset(f.ctx, f.clerk, PasswordResetInput{Person: Identity{p.IDType, p.IDNumber, p.Name}}, "忘记密码", nil)
				return err
			}, ErrScanMissing},
			{"name does not match the account", func() error {
				_, err := f.svc.SubmitPasswordReset(f.ctx, f.clerk, PasswordResetInput{Person: Identity{p.IDType, p.IDNumber, "张三"}}, "忘记密码", uploads(scans.KindIDCard))
				return err
			}, ErrNameMismatch},
			{"a renamed executable as scan", func() error {
				up := []scans.Upload{{Kind: scans.KindIDCard, Name: "id.png", Body: strings.NewReader("MZ" + strings.Repeat("\x00", 200))}}
				_, err := f.svc.SubmitPasswordReset(f.ctx, f.clerk, PasswordResetInput{Person: Identity{p.IDType, p.IDNumber, p.Name}}, "忘记密码", up)
				return err
			}, scans.ErrType},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if err := c.do(); !errors.Is(err, c.want) {
					t.Fatalf("got %v, want %v", err, c.want)
				}
			})
		}
		var denied int
		for _, e := range f.entries(t, "counter.") {
			if e.Result == audit.Denied {
				denied++
			}
		}
		if denied != 10 {
			t.Errorf("%d denials audited, want 10", denied)
		}
		// The database itself refuses a decision by the request's clerk.
		_, err := db.Exec(f.ctx, `UPDATE counter_requests SET status = 'approved', decided_by = submitted_by, decided_at = ?
			WHERE id = ?`, t0, open.ID)
		if !store.IsConstraintViolation(err) {
			t.Fatalf("self-approval written past the CHECK: %v", err)
		}
	})
}

// TestApproveConcurrently: two reviewers approving one request at once: one carries
// it out, the other is told it was decided.
func TestApproveConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r2 := f.staff(t, "review2", staff.RolesOf(staff.RoleReviewer))
		p := f.person(t, "黄河")
		q, err := f.svc.SubmitPasswordReset(f.ctx, f.clerk, PasswordResetInput{Person: Identity{p.IDType, p.IDNumber, p.Name}}, "忘记密码", uploads(scans.KindIDCard))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, who := range []staff.Actor{f.reviewer, r2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.svc.Approve(f.ctx, who, q.ID, "同意")
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrDecided):
				t.Fatalf("approval: %v", err)
			}
		}
		if ok != 1 || len(f.entries(t, "counter.approve")) != 1 {
			t.Fatalf("%d approvals of one request", ok)
		}
	})
}

// TestResend: a new one-time password while the person has not set their own.
func TestResend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.person(t, "江涛")
		q, err := f.svc.SubmitPasswordReset(f.ctx, f.clerk, PasswordResetInput{Person: Identity{p.IDType, p.IDNumber, p.Name}}, "忘记密码", uploads(scans.KindIDCard))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Resend(f.ctx, f.clerk, q.ID, "未收到短信"); err != ErrNotResendable {
			t.Fatalf("resend before approval: %v", err)
		}
		f.outbox.FailNext(errors.New("gateway down"))
		out, err := f.svc.Approve(f.ctx, f.reviewer, q.ID, "同意")
		if err != nil || out.Delivered {
			t.Fatalf("approval with the gateway down: %+v, %v", out, err)
		}
		if _, err := f.svc.Resend(f.ctx, f.reviewer, q.ID, "未收到短信"); !errors.Is(err, staff.DenyRole) {
			t.Fatalf("reviewer resends: %v", err)
		}
		out, err = f.svc.Resend(f.ctx, f.clerk, q.ID, "未收到短信")
		if err != nil || !out.Delivered {
			t.Fatalf("resend: %+v, %v", out, err)
		}
		pw := f.sentPassword(t, p.Mobile)
		if h, must := f.hash(t, p.ID); h != "fake$"+pw || !must {
			t.Fatalf("after resend: %q, %v", h, must)
		}
		if _, err := db.Exec(f.ctx, `UPDATE persons SET must_change_password = ? WHERE id = ?`, false, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Resend(f.ctx, f.clerk, q.ID, "未收到短信"); err != ErrNotResendable {
			t.Fatalf("resend after the person changed it: %v", err)
		}
	})
}
