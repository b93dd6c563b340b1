package unitreg_test

import (
	"context"
	"time"

	"errors"
	"sync"
	"testing"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
	"hall/internal/unitreg"
)

const goodPassword = "Qing#Lan2026"

// TestFinishNewAccount: a legal rep without a personal account gets one, and the
// unit its account, in one step; the fields are checked first; the flow is single use.
func TestFinishNewAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		flowID := e.verified(t)
		mobile := e.mobile()

		// Field checks, each on its own.
		good := unitreg.AccountInput{Mobile: mobile, SMSCode: "123456", Password: goodPassword, Confirm: goodPassword, ClientAddr: clientIP}
		tests := []struct {
			name  string
			edit  func(*unitreg.AccountInput)
			field string
			msg   string
		}{
			{"mobile missing", func(in *unitreg.AccountInput) { in.Mobile = "" }, unitreg.FieldMobile, "请输入移动电话"},
			{"mobile bad", func(in *unitreg.AccountInput) { in.Mobile = "12345678901" }, unitreg.FieldMobile, "请输入正确的11位手机号码"},
			{"code missing", func(in *unitreg.AccountInput) { in.SMSCode = "" }, unitreg.FieldSMSCode, "请输入6位短信验证码"},
			{"password missing", func(in *unitreg.AccountInput) { in.Password, in.Confirm = "", "" }, unitreg.FieldPassword, "请输入密码"},
			{"password weak", func(in *unitreg.AccountInput) { in.Password, in.Confirm = "abcdefgh", "abcdefgh" }, unitreg.FieldPassword, ""},
			{"password has id", func(in *unitreg.AccountInput) {
				in.Password = "Ab#x" + e.entry.LegalRepIDNumber[12:]
				in.Confirm = in.Password
			}, unitreg.FieldPassword, ""},
			{"password has uscc", func(in *unitreg.AccountInput) {
				in.Password = "a#" + e.entry.USCC
				in.Confirm = in.Password
			}, unitreg.FieldPassword, ""},
			{"confirm missing", func(in *unitreg.AccountInput) { in.Confirm = "" }, unitreg.FieldConfirm, "请再次输入密码"},
			{"confirm differs", func(in *unitreg.AccountInput) { in.Confirm = goodPassword + "x" }, unitreg.FieldConfirm, "两次输入的密码不一致"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := good
				tt.edit(&in)
				_, err := e.reg.Finish(ctx, flowID, browserA, in)
				fe := formError(t, err)
				got, ok := fe.Fields[tt.field]
				if !ok || (tt.msg != "" && got != tt.msg) {
					t.Errorf("beside %s: %q, want %q (all %v)", tt.field, got, tt.msg, fe.Fields)
				}
			})
		}
		// No code was sent yet: a well-formed code is refused.
		_, err := e.reg.Finish(ctx, flowID, browserA, good)
		if fe := formError(t, err); fe.Fields[unitreg.FieldSMSCode] == "" {
			t.Errorf("unsent code accepted? %v", fe.Fields)
		}

		code := e.sendCode(t, flowID, mobile)
		in := good
		in.SMSCode = code
		res, err := e.reg.Finish(ctx, flowID, browserA, in)
		if err != nil {
			t.Fatalf("Finish: %v", err)
		}
		if !res.NewAccount || res.Unit.USCC != e.entry.USCC || res.Unit.Name != e.entry.Name || res.Unit.UnitNumber == "" {
			t.Errorf("result %+v", res)
		}
		if res.Person.Mobile != mobile || res.Person.IDNumber != e.entry.LegalRepIDNumber || res.Person.Name != e.entry.LegalRepName {
			t.Errorf("person %+v", res.Person)
		}
		m, err := e.svc.Units.Membership(ctx, res.Unit.ID, res.Person.ID)
		if err != nil || m.Role != unit.RoleLegalRep || !m.Usable(e.clk.Now()) {
			t.Errorf("membership %+v %v", m, err)
		}
		// The legal rep can now log in for the unit (L1) with the new password.
		subj, err := e.svc.Login.Unit(ctx, res.Unit.UnitNumber, mobile, goodPassword, auth.Attempt{ClientAddr: clientIP, Start: func(context.Context, auth.Subject, auth.Verified) error { return nil }})
		if err != nil || subj.UnitID != res.Unit.ID || subj.Role != auth.RoleLegalRep {
			t.Errorf("unit login: %+v %v", subj, err)
		}
		entries, _, err := e.svc.Audit.List(ctx, audit.Filter{Action: "unit.register"})
		if err != nil || len(entries) != 1 || entries[0].UnitID != res.Unit.ID || entries[0].PersonID != res.Person.ID ||
			entries[0].ClientIP != clientIP || entries[0].Detail["account"] != "new" {
			t.Errorf("audit %+v %v", entries, err)
		}
		rc, err := e.reg.Receipt(ctx, res.Receipt, browserA)
		if err != nil || rc.UnitNumber != res.Unit.UnitNumber || rc.UnitName != e.entry.Name || !rc.NewAccount {
			t.Errorf("receipt %+v %v", rc, err)
		}
		if _, err := e.reg.Receipt(ctx, res.Receipt, browserB); !errors.Is(err, unitreg.ErrNotFound) {
			t.Errorf("receipt from another browser: %v", err)
		}

		// Replay: the same form again is refused, and nothing more is written.
		if _, err := e.reg.Finish(ctx, flowID, browserA, in); !errors.Is(err, unitreg.ErrCompleted) {
			t.Errorf("second Finish: %v, want ErrCompleted", err)
		}
		if _, err := e.reg.Get(ctx, flowID, browserA); !errors.Is(err, unitreg.ErrCompleted) {
			t.Errorf("Get after Finish: %v", err)
		}
		if n := count(t, db, "units"); n != 1 {
			t.Errorf("%d units", n)
		}
	})
}

// TestFinishRefusesSkippedVerification: the account step refuses a flow still at
// the verify step.
func TestFinishRefusesSkippedVerification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		flowID, _ := e.start(t)
		in := unitreg.AccountInput{Mobile: e.mobile(), SMSCode: "123456", Password: goodPassword, Confirm: goodPassword}
		if _, err := e.reg.Finish(ctx, flowID, browserA, in); !errors.Is(err, unitreg.ErrStep) {
			t.Errorf("Finish at the verify step: %v, want ErrStep", err)
		}
		if _, err := e.reg.SendCode(ctx, flowID, browserA, in.Mobile, clientIP); !errors.Is(err, unitreg.ErrStep) {
			t.Errorf("SendCode at the verify step: %v, want ErrStep", err)
		}
		if n := count(t, db, "units") + count(t, db, "persons"); n != 0 {
			t.Errorf("%d rows written", n)
		}
	})
}

// TestFinishMobileTaken: a mobile of another person is refused beside 移动电话 with
// the pointer to 用户申诉, when sending and when finishing.
func TestFinishMobileTaken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		other := e.addEntry(t, "常州瀚宇电子有限公司", "active")
		mobile := e.mobile()
		e.createPerson(t, other.LegalRepIDType, other.LegalRepIDNumber, "吴敏", mobile, "Other#Pass2026")
		flowID := e.verified(t)

		_, err := e.reg.SendCode(ctx, flowID, browserA, mobile, clientIP)
		wantField(t, err, unitreg.FieldMobile, person.MsgMobileTaken)

		// Finishing with a code for that number (sent by some other means) is refused
		// the same way.
		if _, err := e.svc.Codes.Issue(ctx, smsRequest(flowID, mobile)); err != nil {
			t.Fatal(err)
		}
		msg, _ := e.svc.DevOutbox.Latest(ctx, mobile)
		code := digits6(msg.Text)
		_, err = e.reg.Finish(ctx, flowID, browserA, unitreg.AccountInput{Mobile: mobile, SMSCode: code,
			Password: goodPassword, Confirm: goodPassword, ClientAddr: clientIP})
		wantField(t, err, unitreg.FieldMobile, person.MsgMobileTaken)
		if n := count(t, db, "units"); n != 0 {
			t.Errorf("%d units", n)
		}
	})
}

// TestFinishExistingAccount: a legal rep who has a personal account proves it with
// its password and a code sent to its own mobile; only the unit is created.
func TestFinishExistingAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		mobile := e.mobile()
		p := e.createPerson(t, e.entry.LegalRepIDType, e.entry.LegalRepIDNumber, e.entry.LegalRepName, mobile, goodPassword)
		flowID := e.verified(t)

		v, err := e.reg.Get(ctx, flowID, browserA)
		if err != nil || !v.HasAccount || v.AccountMobile != p.MaskedMobile() {
			t.Fatalf("view: %+v %v", v, err)
		}
		// The typed mobile is ignored: the code goes to the account's mobile.
		sent, err := e.reg.SendCode(ctx, flowID, browserA, e.mobile(), clientIP)
		if err != nil || sent.To != p.MaskedMobile() {
			t.Fatalf("SendCode: %+v %v", sent, err)
		}
		msg, err := e.svc.DevOutbox.Latest(ctx, mobile)
		if err != nil {
			t.Fatal(err)
		}
		code := digits6(msg.Text)

		_, err = e.reg.Finish(ctx, flowID, browserA, unitreg.AccountInput{SMSCode: code, Password: "Wrong#Pass2026"})
		wantField(t, err, unitreg.FieldPassword, unitreg.MsgWrongPassword)
		_, err = e.reg.Finish(ctx, flowID, browserA, unitreg.AccountInput{SMSCode: "", Password: ""})
		wantField(t, err, unitreg.FieldPassword, "请输入密码")

		persons := count(t, db, "persons")
		res, err := e.reg.Finish(ctx, flowID, browserA, unitreg.AccountInput{SMSCode: code, Password: goodPassword, ClientAddr: clientIP})
		if err != nil {
			t.Fatalf("Finish: %v", err)
		}
		if res.NewAccount || res.Person.ID != p.ID || res.Unit.UnitNumber == "" {
			t.Errorf("result %+v", res)
		}
		if n := count(t, db, "persons"); n != persons {
			t.Errorf("persons %d → %d", persons, n)
		}
		if _, err := e.svc.Units.Membership(ctx, res.Unit.ID, p.ID); err != nil {
			t.Errorf("membership: %v", err)
		}
	})
}

// TestFinishPasswordGuessing: wrong account passwords are bounded per flow.
func TestFinishPasswordGuessing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		e.createPerson(t, e.entry.LegalRepIDType, e.entry.LegalRepIDNumber, e.entry.LegalRepName, e.mobile(), goodPassword)
		flowID := e.verified(t)
		in := unitreg.AccountInput{SMSCode: "123456", Password: "Wrong#Pass2026"}
		for i := 1; i < unitreg.MaxPasswordFailures; i++ {
			_, err := e.reg.Finish(ctx, flowID, browserA, in)
			wantField(t, err, unitreg.FieldPassword, unitreg.MsgWrongPassword)
		}
		_, err := e.reg.Finish(ctx, flowID, browserA, in)
		if fe := formError(t, err); fe.Top != unitreg.MsgTooManyPasswords {
			t.Errorf("after %d failures: %+v", unitreg.MaxPasswordFailures, fe)
		}
		// Even the right password no longer helps in this flow.
		in.Password = goodPassword
		_, err = e.reg.Finish(ctx, flowID, browserA, in)
		if fe := formError(t, err); fe.Top != unitreg.MsgTooManyPasswords {
			t.Errorf("right password after the limit: %+v", fe)
		}
	})
}

// TestExpired: after TTL every step sends the person back to step 1.
func TestExpired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		flowID := e.verified(t)
		e.clk.Add(unitreg.TTL)
		if _, err := e.reg.Get(ctx, flowID, browserA); !errors.Is(err, unitreg.ErrExpired) {
			t.Errorf("Get: %v", err)
		}
		if _, err := e.reg.Finish(ctx, flowID, browserA, unitreg.AccountInput{}); !errors.Is(err, unitreg.ErrExpired) {
			t.Errorf("Finish: %v", err)
		}
		if _, err := e.reg.SendCode(ctx, flowID, browserA, e.mobile(), clientIP); !errors.Is(err, unitreg.ErrExpired) {
			t.Errorf("SendCode: %v", err)
		}
		if err := e.reg.Verified(ctx, flowID, browserA); !errors.Is(err, unitreg.ErrExpired) {
			t.Errorf("Verified: %v", err)
		}
	})
}

// TestFinishConcurrent: several submits of the same finished form at once open the
// unit exactly once.
func TestFinishConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		// A hasher that lets all six wait their turn: the default answers ErrBusy
		// after 2 s, which six argon2id hashes under the race detector on a busy
		// machine exceed; the hasher's overload is TestFinishKeepsCodeUntilAccounts'.
		hc := person.DefaultHashConfig()
		hc.MaxWait = time.Minute
		h, err := person.NewHasher(hc)
		if err != nil {
			t.Fatal(err)
		}
		// The flow services are built on the wired ones when asked for, so the
		// registration built now uses this hasher.
		e.svc.Hasher = h
		e.reg = e.svc.UnitRegistration()
		flowID := e.verified(t)
		mobile := e.mobile()
		code := e.sendCode(t, flowID, mobile)
		in := unitreg.AccountInput{Mobile: mobile, SMSCode: code, Password: goodPassword, Confirm: goodPassword, ClientAddr: clientIP}
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { _, errs[i] = e.reg.Finish(t.Context(), flowID, browserA, in) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			var fe *unitreg.FormError
			switch {
			case err == nil:
				ok++
			case errors.Is(err, unitreg.ErrCompleted), errors.As(err, &fe):
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d of %d submits succeeded, want 1 (%v)", ok, n, errs)
		}
		if u, p := count(t, db, "units"), count(t, db, "persons"); u != 1 || p != 1 {
			t.Errorf("%d units, %d persons", u, p)
		}
	})
}
