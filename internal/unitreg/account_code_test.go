package unitreg_test

import (
	"errors"
	"testing"
	"time"

	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unitreg"
)

// codeStates counts the account step's SMS codes by state ("active", "used", …).
func codeStates(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	rows, err := db.Query(t.Context(), `SELECT c.state, COUNT(*) FROM sms_codes c
		JOIN sms_flows f ON f.id = c.flow_id WHERE f.purpose = ? GROUP BY c.state`, unitreg.PurposeSMS)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			t.Fatal(err)
		}
		got[state] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// withoutAuditLog runs fn while the audit log cannot be written, so that the
// registration transaction fails after its inserts.
func withoutAuditLog(t *testing.T, db *store.DB, fn func()) {
	t.Helper()
	if _, err := db.Exec(t.Context(), "ALTER TABLE audit_log RENAME TO audit_log_away"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := db.Exec(t.Context(), "ALTER TABLE audit_log_away RENAME TO audit_log"); err != nil {
			t.Fatal(err)
		}
	}()
	fn()
}

// wantNothingSpent checks that the code is still active and nothing was created.
func wantNothingSpent(t *testing.T, db *store.DB, after string, persons int) {
	t.Helper()
	if got := codeStates(t, db); got["active"] != 1 || got["used"] != 0 {
		t.Errorf("after %s the codes are %v, want the one still active", after, got)
	}
	if u, p := count(t, db, "units"), count(t, db, "persons"); u != 0 || p != persons {
		t.Errorf("after %s: %d units, %d persons; want 0 and %d", after, u, p, persons)
	}
}

// wantFailure checks that err is the failure itself, not a refusal of the form.
func wantFailure(t *testing.T, what string, err error) {
	t.Helper()
	var fe *unitreg.FormError
	if err == nil || errors.As(err, &fe) || errors.Is(err, unitreg.ErrCompleted) {
		t.Fatalf("Finish with %s = %v, want the failure", what, err)
	}
}

// wantSpentOnce finishes with in (the code right and unspent), then again: the code
// is used once, and the same submission again is refused without writing anything.
func wantSpentOnce(t *testing.T, db *store.DB, reg *unitreg.Service, flowID string, in unitreg.AccountInput) unitreg.Result {
	t.Helper()
	res, err := reg.Finish(t.Context(), flowID, browserA, in)
	if err != nil {
		t.Fatalf("Finish after the failures: %v", err)
	}
	if got := codeStates(t, db); got["active"] != 0 || got["used"] != 1 {
		t.Errorf("after registering the codes are %v, want one used", got)
	}
	units, persons := count(t, db, "units"), count(t, db, "persons")
	if _, err := reg.Finish(t.Context(), flowID, browserA, in); !errors.Is(err, unitreg.ErrCompleted) {
		t.Errorf("the same code again: %v, want ErrCompleted", err)
	}
	if got := codeStates(t, db); got["active"] != 0 || got["used"] != 1 {
		t.Errorf("after the second submission the codes are %v, want one used", got)
	}
	if u, p := count(t, db, "units"), count(t, db, "persons"); u != units || p != persons {
		t.Errorf("the second submission wrote: units %d → %d, persons %d → %d", units, u, persons, p)
	}
	return res
}

// TestFinishKeepsCodeUntilAccounts: for a legal rep without a personal account the
// code is spent in the transaction that creates the person and the unit, so a busy
// hasher or a failed insert leaves it usable and the flow at the account step.
func TestFinishKeepsCodeUntilAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		// A hasher of its own with one slot and a short wait, so that occupying it
		// answers ErrBusy at once.
		hc := person.DefaultHashConfig()
		hc.MaxConcurrent, hc.MaxWait = 1, 10*time.Millisecond
		h, err := person.NewHasher(hc)
		if err != nil {
			t.Fatal(err)
		}
		// The flow services are built on the wired ones when asked for, so the
		// registration built now uses this hasher.
		e.svc.Hasher = h
		reg := e.svc.UnitRegistration()

		flowID := e.verified(t)
		mobile := e.mobile()
		code := e.sendCode(t, flowID, mobile)
		in := unitreg.AccountInput{Mobile: mobile, SMSCode: code, Password: goodPassword, Confirm: goodPassword, ClientAddr: clientIP}

		release := h.Occupy()
		_, err = reg.Finish(t.Context(), flowID, browserA, in)
		release()
		if !errors.Is(err, person.ErrBusy) {
			t.Fatalf("Finish with the hasher busy = %v, want person.ErrBusy", err)
		}
		wantNothingSpent(t, db, "a busy hasher", 0)

		withoutAuditLog(t, db, func() {
			_, err = reg.Finish(t.Context(), flowID, browserA, in)
		})
		wantFailure(t, "a failing insert", err)
		wantNothingSpent(t, db, "a failed insert", 0)
		if v, err := reg.Get(t.Context(), flowID, browserA); err != nil || v.Step != unitreg.StepAccount {
			t.Fatalf("flow after the failures: %+v %v, want at the account step", v, err)
		}

		res := wantSpentOnce(t, db, reg, flowID, in)
		if !res.NewAccount || res.Person.Mobile != mobile {
			t.Errorf("result %+v", res)
		}
		if u, p := count(t, db, "units"), count(t, db, "persons"); u != 1 || p != 1 {
			t.Errorf("%d units, %d persons; want 1 and 1", u, p)
		}
	})
}

// TestFinishExistingKeepsCode: for a legal rep who has a personal account, a failed
// unit insert leaves the code sent to the account's mobile usable as well.
func TestFinishExistingKeepsCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		mobile := e.mobile()
		p := e.createPerson(t, e.entry.LegalRepIDType, e.entry.LegalRepIDNumber, e.entry.LegalRepName, mobile, goodPassword)
		flowID := e.verified(t)
		code := e.sendCode(t, flowID, mobile)
		in := unitreg.AccountInput{SMSCode: code, Password: goodPassword, ClientAddr: clientIP}

		var err error
		withoutAuditLog(t, db, func() {
			_, err = e.reg.Finish(t.Context(), flowID, browserA, in)
		})
		wantFailure(t, "a failing insert", err)
		wantNothingSpent(t, db, "a failed insert", 1)

		res := wantSpentOnce(t, db, e.reg, flowID, in)
		if res.NewAccount || res.Person.ID != p.ID {
			t.Errorf("result %+v", res)
		}
	})
}

// TestFinishWrongCodeCounts: a wrong code counts against the flow although the
// account step's first look at the code does not spend a right one.
func TestFinishWrongCodeCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		flowID := e.verified(t)
		mobile := e.mobile()
		code := e.sendCode(t, flowID, mobile)
		wrong := []byte(code)
		wrong[5] = '0' + (wrong[5]-'0'+1)%10
		in := unitreg.AccountInput{Mobile: mobile, SMSCode: string(wrong), Password: goodPassword, Confirm: goodPassword, ClientAddr: clientIP}
		attempts := e.svc.Codes.Config().MaxAttempts
		for i := range attempts {
			_, err := e.reg.Finish(t.Context(), flowID, browserA, in)
			if fe := formError(t, err); fe.Fields[unitreg.FieldSMSCode] == "" {
				t.Fatalf("wrong code %d: %v", i+1, fe.Fields)
			}
		}
		in.SMSCode = code
		_, err := e.reg.Finish(t.Context(), flowID, browserA, in)
		if fe := formError(t, err); fe.Fields[unitreg.FieldSMSCode] == "" {
			t.Fatalf("right code after %d wrong ones accepted? %v", attempts, fe.Fields)
		}
		if u, p := count(t, db, "units"), count(t, db, "persons"); u != 0 || p != 0 {
			t.Errorf("%d units, %d persons written", u, p)
		}
	})
}
