package upgrade_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/legacy"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
	"hall/internal/upgrade"
)

// TestUpgradeWhole: the four steps open the unit with the nominee as its active
// administrator (signing in with the password set at step 3), mark the legacy
// account upgraded, audit, text the administrator; a second upgrade is refused.
func TestUpgradeWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		id, sid := e.toVerify(t)
		if _, err := e.up.Verified(ctx, id, browserA, clientIP); !errors.Is(err, upgrade.ErrPending) {
			t.Fatalf("Verified before the app = %v, want ErrPending", err)
		}
		e.passes(t, sid)
		res, err := e.up.Verified(ctx, id, browserA, clientIP)
		if err != nil {
			t.Fatalf("Verified: %v", err)
		}
		if res.Receipt == "" || res.Unit.USCC != e.entry.USCC || res.Unit.Name != e.entry.Name {
			t.Fatalf("result %+v", res)
		}
		m, err := e.svc.Units.Membership(ctx, res.Unit.ID, e.admin.ID)
		if err != nil || m.Role != unit.RoleAdmin || m.Status != unit.StatusActive {
			t.Fatalf("admin membership %+v %v", m, err)
		}
		if err := unit.NewPasswords(unit.PasswordDeps{DB: db, Hasher: e.svc.Hasher, Persons: e.svc.Persons, Audit: e.svc.Audit}).Check(ctx, res.Unit.ID, e.admin.ID, newPassword); err != nil {
			t.Errorf("the administrator's unit password does not check: %v", err)
		}
		var state string
		if err := db.QueryRow(ctx, `SELECT state FROM legacy_accounts WHERE unit_number = ?`, legacyNo).Scan(&state); err != nil || state != legacy.StateUpgraded {
			t.Errorf("legacy state %q %v", state, err)
		}
		var audits int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'unit.upgrade'`).Scan(&audits); err != nil || audits != 1 {
			t.Errorf("%d unit.upgrade audit records (%v)", audits, err)
		}
		msg, err := e.svc.DevOutbox.Latest(ctx, e.admin.Mobile)
		if err != nil || !strings.Contains(msg.Text, res.Unit.UnitNumber) || !strings.Contains(msg.Text, "管理员") {
			t.Errorf("administrator's SMS %q %v", msg.Text, err)
		}
		var value []byte
		if err := db.QueryRow(ctx, `SELECT data FROM flows WHERE id = ?`, id).Scan(&value); err != nil {
			t.Fatal(err)
		}
		if data, err := db.Keys().OpenString(flow.Place(id), value); err != nil || strings.Contains(data, "argon2") {
			t.Errorf("the completed flow keeps the password hash (%v): %s", err, data)
		}
		// A replay, and a second upgrade of the same account.
		if _, err := e.up.Verified(ctx, id, browserA, clientIP); !errors.Is(err, upgrade.ErrCompleted) {
			t.Errorf("second Verified = %v, want ErrCompleted", err)
		}
		_, err = e.up.Start(ctx, browserA, legacyNo, oldPassword)
		if got := top(t, err); got != upgrade.MsgUpgraded {
			t.Errorf("second upgrade: %q", got)
		}
		rc, err := e.up.Receipt(ctx, res.Receipt, browserA)
		if err != nil || rc.UnitNumber != res.Unit.UnitNumber {
			t.Errorf("receipt %+v %v", rc, err)
		}
		if _, err := e.up.Receipt(ctx, res.Receipt, browserB); !errors.Is(err, upgrade.ErrNotFound) {
			t.Errorf("receipt for another browser: %v", err)
		}
	})
}

// TestUpgradeTimeLimit: the flow lives ten minutes from the verified old password,
// whatever step it is at.
func TestUpgradeTimeLimit(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db)
	ctx := t.Context()
	for _, tc := range []struct {
		name  string
		after time.Duration
		want  error
	}{
		{"just inside", upgrade.TTL - time.Second, nil},
		{"at the limit", upgrade.TTL, upgrade.ErrExpired},
		{"long after", 2 * upgrade.TTL, upgrade.ErrExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := e.toAdmin(t)
			e.clk.Add(tc.after)
			defer e.clk.Add(-tc.after)
			err := e.up.Nominate(ctx, id, browserA, nomination(e.admin))
			if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Fatalf("Nominate after %v = %v, want %v", tc.after, err, tc.want)
			}
			v, err := e.up.Get(ctx, id, browserA)
			if tc.want == nil && (err != nil || !v.ExpiresAt.Equal(e.clk.Now().Add(-tc.after).Add(upgrade.TTL).Truncate(time.Microsecond))) {
				t.Errorf("deadline %v %v", v.ExpiresAt, err)
			}
		})
	}
}

// TestNominationMatching: only a registered person whose name, ID number and mobile
// match exactly passes; every other case gets the seed's one message, and a flow's
// tries are bounded. The legal rep is pointed to R2.
func TestNominationMatching(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db)
	ctx := t.Context()
	other := e.createPerson(t, "赵一鸣", "13900001111")
	for _, tc := range []struct {
		name   string
		change func(*upgrade.AdminInput)
		top    string
	}{
		{"another name", func(in *upgrade.AdminInput) { in.Name = "王海" }, upgrade.MsgAdminMismatch},
		{"another person's mobile", func(in *upgrade.AdminInput) { in.Mobile = other.Mobile }, upgrade.MsgAdminMismatch},
		{"not registered", func(in *upgrade.AdminInput) { in.IDNumber = e.entry.LegalRepIDNumber[:17] + "X" }, ""},
		{"another person's ID", func(in *upgrade.AdminInput) { in.IDNumber = other.IDNumber }, upgrade.MsgAdminMismatch},
		{"the legal rep", func(in *upgrade.AdminInput) { in.IDNumber, in.Name = e.entry.LegalRepIDNumber, e.entry.LegalRepName }, upgrade.MsgLegalRep},
		{"name with spaces (normalised)", func(in *upgrade.AdminInput) { in.Name = " 王 海燕 " }, "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := e.toAdmin(t)
			in := nomination(e.admin)
			tc.change(&in)
			err := e.up.Nominate(ctx, id, browserA, in)
			switch tc.top {
			case "ok":
				if err != nil {
					t.Fatalf("Nominate: %v", err)
				}
			case "":
				// A malformed ID number is refused beside the field, or, when its
				// check digit happens to fit, as not registered.
				var fe *upgrade.FormError
				if !errors.As(err, &fe) || (fe.Top != upgrade.MsgAdminMismatch && fe.Fields[upgrade.FieldAdminIDNumber] == "") {
					t.Fatalf("Nominate = %v", err)
				}
			default:
				if got := top(t, err); got != tc.top {
					t.Fatalf("Nominate: %q, want %q", got, tc.top)
				}
			}
		})
	}
	// Tries are bounded per flow, then even the right nominee is refused.
	id := e.toAdmin(t)
	in := nomination(e.admin)
	in.Mobile = other.Mobile
	for i := 1; i <= upgrade.MaxNominationFailures; i++ {
		want := upgrade.MsgAdminMismatch
		if i == upgrade.MaxNominationFailures {
			want = upgrade.MsgTooManyNominations
		}
		if got := top(t, e.up.Nominate(ctx, id, browserA, in)); got != want {
			t.Fatalf("try %d: %q, want %q", i, got, want)
		}
	}
	if got := top(t, e.up.Nominate(ctx, id, browserA, nomination(e.admin))); got != upgrade.MsgTooManyNominations {
		t.Fatalf("after the limit: %q", got)
	}
}

// TestStartRefusals: a wrong password and an unknown account are one error; the
// state of the account and the unit is told only after the right password; a
// unit that has an online account is refused with a pointer to 经办人管理.
func TestStartRefusals(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db)
	ctx := t.Context()
	for _, tc := range []struct{ number, password string }{
		{legacyNo, "wrong"}, {"JS9999999999", oldPassword}, {"??", oldPassword},
	} {
		if _, err := e.up.Start(ctx, browserA, tc.number, tc.password); !errors.Is(err, upgrade.ErrBadCredentials) {
			t.Errorf("Start(%q, %q) = %v, want ErrBadCredentials", tc.number, tc.password, err)
		}
	}
	// The flow belongs to the browser that started it.
	f, err := e.up.Start(ctx, browserA, strings.ToLower(legacyNo), oldPassword)
	if err != nil {
		t.Fatalf("Start with a lower-case number: %v", err)
	}
	if _, err := e.up.Get(ctx, f.ID, browserB); !errors.Is(err, upgrade.ErrNotFound) {
		t.Errorf("another browser: %v", err)
	}
	// Skipping a step.
	if err := e.up.Nominate(ctx, f.ID, browserA, nomination(e.admin)); !errors.Is(err, upgrade.ErrStep) {
		t.Errorf("Nominate before Confirm = %v, want ErrStep", err)
	}
	// A unit with an online account.
	taken := e.addEntry(t, "南京已开户有限公司")
	e.addLegacy(t, "JS3201020002", taken.USCC, oldPassword)
	if err := db.Tx(ctx, func(tx *store.Tx) error {
		_, err := e.svc.Units.Create(ctx, tx, unit.NewUnit{USCC: taken.USCC, Name: taken.Name, UnitType: "企业", Region: "320102",
			LegalRepPersonID: e.admin.ID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, err = e.up.Start(ctx, browserA, "JS3201020002", oldPassword)
	if got := top(t, err); got != upgrade.MsgUnitTaken || !strings.Contains(got, "经办人管理") {
		t.Errorf("unit with an account: %q", got)
	}
	// A unit the registry does not know.
	e.addLegacy(t, "JS3201020003", ident.GenerateUSCC(e.g, "320102"), oldPassword)
	if _, err := e.up.Start(ctx, browserA, "JS3201020003", oldPassword); top(t, err) != upgrade.MsgRegistryNotFound {
		t.Errorf("unknown unit: %v", err)
	}
}

// TestVerifiedSomeoneElse: a session passed by another person cannot finish the flow.
func TestVerifiedSomeoneElse(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db)
	ctx := t.Context()
	id, sid := e.toVerify(t)
	other := e.createPerson(t, "孙可", "13900002222")
	if _, err := e.svc.DevVerify.CompleteInApp(ctx, sid, asPerson(other), true); err == nil {
		if _, err := e.up.Verified(ctx, id, browserA, clientIP); !errors.Is(err, upgrade.ErrVerification) {
			t.Fatalf("Verified after another person = %v", err)
		}
	}
	if err := e.up.RestartVerification(ctx, id, browserA); err != nil {
		t.Fatal(err)
	}
	v, _ := e.up.Get(ctx, id, browserA)
	if v.Session.ID == sid {
		t.Fatal("the session was not replaced")
	}
	e.passes(t, v.Session.ID)
	if _, err := e.up.Verified(ctx, id, browserA, clientIP); err != nil {
		t.Fatalf("Verified: %v", err)
	}
}

// TestUpgradeLegalRepAndSecondFlow: when the registry's legal rep has a personal
// account, the unit gets them as legal rep beside the new administrator; a second
// flow of the same legacy account, started before the first finished, cannot
// finish.
func TestUpgradeLegalRepAndSecondFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		hash, err := e.svc.Hasher.Hash(ctx, "Lega1#Rep2026")
		if err != nil {
			t.Fatal(err)
		}
		var rep int64
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			p, err := e.svc.Persons.CreateTx(ctx, tx, person.NewAccount{IDType: e.entry.LegalRepIDType,
				IDNumber: e.entry.LegalRepIDNumber, Name: e.entry.LegalRepName, Mobile: "13900003333", PasswordHash: hash}, clientIP)
			rep = p.ID
			return err
		}); err != nil {
			t.Fatal(err)
		}
		first, second := e.toVerified(t), e.toVerified(t)
		res, err := e.up.Verified(ctx, first, browserA, clientIP)
		if err != nil {
			t.Fatalf("first Verified: %v", err)
		}
		m, err := e.svc.Units.Membership(ctx, res.Unit.ID, rep)
		if err != nil || m.Role != unit.RoleLegalRep || m.Status != unit.StatusActive {
			t.Errorf("legal rep membership %+v %v", m, err)
		}
		_, err = e.up.Verified(ctx, second, browserA, clientIP)
		if got := top(t, err); got != upgrade.MsgUnitTaken {
			t.Errorf("second flow: %q", got)
		}
		var units int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM units`).Scan(&units); err != nil || units != 1 {
			t.Errorf("%d units (%v)", units, err)
		}
	})
}

// TestUpgradeConcurrent: two flows of one legacy account finishing at once open one
// unit; the other is refused clearly, and the legacy account is upgraded once.
func TestUpgradeConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		var flows [2]string
		for i := range flows {
			flows[i] = e.toVerified(t)
		}
		var errs [2]error
		var wg sync.WaitGroup
		for i := range flows {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.up.Verified(ctx, flows[i], browserA, clientIP)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			var fe *upgrade.FormError
			switch {
			case err == nil:
				ok++
			case errors.As(err, &fe) && (fe.Top == upgrade.MsgUnitTaken || fe.Top == upgrade.MsgUpgraded):
			default:
				t.Errorf("refused with %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d upgrades succeeded (%v)", ok, errs)
		}
		var units, admins int
		if err := db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM units), (SELECT COUNT(*) FROM memberships WHERE role = 'admin')`).Scan(&units, &admins); err != nil || units != 1 || admins != 1 {
			t.Errorf("%d units, %d admins (%v)", units, admins, err)
		}
	})
}

// TestVerifiedAsksTheRegistryAgain: the last step opens the account as the
// registry stands then, not as it stood at step 1: a unit deregistered meanwhile
// is refused with nothing written and the verification left to finish later; a
// new legal rep with a personal account becomes the unit's legal rep.
func TestVerifiedAsksTheRegistryAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		id := e.toVerified(t)
		upsert := func(en registry.Entry) {
			t.Helper()
			if err := db.Tx(ctx, func(tx *store.Tx) error {
				_, err := e.svc.DevRegistry.Upsert(ctx, tx, en)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		revoked := e.entry
		revoked.Status = registry.StatusRevoked
		upsert(revoked)
		if _, err := e.up.Verified(ctx, id, browserA, clientIP); top(t, err) != upgrade.MsgRegistryInactive {
			t.Errorf("Verified of a unit revoked since step 1: %v", err)
		}
		var units int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM units`).Scan(&units); err != nil || units != 0 {
			t.Fatalf("%d units after the refusal (%v)", units, err)
		}

		// The licence is restored with a new legal rep, who has a personal account.
		newRep := e.createPerson(t, "林雪梅", ident.GenerateMobile(e.g))
		restored := e.entry
		restored.LegalRepIDType, restored.LegalRepIDNumber, restored.LegalRepName = newRep.IDType, newRep.IDNumber, newRep.Name
		upsert(restored)
		res, err := e.up.Verified(ctx, id, browserA, clientIP)
		if err != nil {
			t.Fatalf("Verified after the registry changed back: %v", err)
		}
		m, err := e.svc.Units.Membership(ctx, res.Unit.ID, newRep.ID)
		if err != nil || m.Role != unit.RoleLegalRep || m.Status != unit.StatusActive {
			t.Errorf("the registry's new legal rep: %+v %v", m, err)
		}
	})
}

// TestNominationsCountedPerLegacyAccount: the refused nominations of a legacy
// account are counted across its flows — a new flow (the legacy password again)
// does not give the guesses back; at the tenth in a day even the right nominee is
// refused in every flow, and a day later the account may nominate again.
func TestNominationsCountedPerLegacyAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		wrong := nomination(e.admin)
		wrong.Mobile = "13900001111"
		refused := 0
		for refused < upgrade.NominationLimits.LockAfter-1 {
			id := e.toAdmin(t) // a new flow each time the flow's own bound nears
			for range upgrade.MaxNominationFailures - 1 {
				if refused == upgrade.NominationLimits.LockAfter-1 {
					break
				}
				if got := top(t, e.up.Nominate(ctx, id, browserA, wrong)); got != upgrade.MsgAdminMismatch {
					t.Fatalf("refusal %d: %q", refused+1, got)
				}
				refused++
			}
		}
		// The right nominee still passes before the limit, and gives its count back.
		if err := e.up.Nominate(ctx, e.toAdmin(t), browserA, nomination(e.admin)); err != nil {
			t.Fatalf("the right nominee before the limit: %v", err)
		}
		id := e.toAdmin(t)
		if got := top(t, e.up.Nominate(ctx, id, browserA, wrong)); got != upgrade.MsgAdminMismatch {
			t.Fatalf("the tenth refusal: %q", got)
		}
		fresh := e.toAdmin(t)
		if got := top(t, e.up.Nominate(ctx, fresh, browserA, nomination(e.admin))); got != upgrade.MsgTooManyNominations {
			t.Fatalf("a new flow after ten refusals: %q, want %q", got, upgrade.MsgTooManyNominations)
		}
		e.clk.Add(upgrade.NominationLimits.LockFor + time.Minute)
		if err := e.up.Nominate(ctx, e.toAdmin(t), browserA, nomination(e.admin)); err != nil {
			t.Fatalf("a day later: %v", err)
		}
	})
}

// TestUpgradeNoticeRetried: when the gateway does not take the administrator's
// notice at the end of the upgrade, the upgrade stands, Result says the notice was
// delayed, and the notice stays queued until the next delivery round sends it.
func TestUpgradeNoticeRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		id := e.toVerified(t)
		e.svc.DevOutbox.FailNext(nil)
		res, err := e.up.Verified(ctx, id, browserA, clientIP)
		if err != nil {
			t.Fatalf("Verified: %v", err)
		}
		if !errors.Is(res.NoticeErr, upgrade.ErrNoticeDelayed) {
			t.Fatalf("NoticeErr %v, want ErrNoticeDelayed", res.NoticeErr)
		}
		if _, err := e.svc.DevOutbox.Latest(ctx, e.admin.Mobile); err == nil {
			t.Fatal("the administrator has a text although the gateway failed")
		}
		sent, err := e.svc.Delegation.DeliverNotices(ctx)
		if err != nil || sent != 1 {
			t.Fatalf("the next round sent %d (%v), want the notice", sent, err)
		}
		msg, err := e.svc.DevOutbox.Latest(ctx, e.admin.Mobile)
		if err != nil || !strings.Contains(msg.Text, res.Unit.UnitNumber) || !strings.Contains(msg.Text, "管理员") {
			t.Fatalf("administrator's SMS after the retry: %q %v", msg.Text, err)
		}
		if sent, err := e.svc.Delegation.DeliverNotices(ctx); err != nil || sent != 0 {
			t.Fatalf("a later round sent %d (%v): the notice goes once", sent, err)
		}
	})
}
