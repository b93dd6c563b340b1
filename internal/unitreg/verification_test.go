package unitreg_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unitreg"
	"hall/internal/verify"
)

// TestVerified walks the verify step: pending, failed (another person), a new
// session, passed; the result is single use and a second Verified is harmless.
func TestVerified(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		flowID, sid := e.start(t)

		if err := e.reg.Verified(ctx, flowID, browserA); !errors.Is(err, unitreg.ErrPending) {
			t.Errorf("Verified while pending: %v, want ErrPending", err)
		}

		// Someone else approves: the session fails as 非本人.
		stranger := verify.Person{IDType: ident.IDTypeResident,
			IDNumber: ident.GenerateResidentID(e.g, "320105", time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC), false), Name: "李静"}
		if _, err := e.svc.DevVerify.CompleteInApp(ctx, sid, stranger, true); err != nil {
			t.Fatal(err)
		}
		v, _ := e.reg.Get(ctx, flowID, browserA)
		if v.Verification != unitreg.VerifyFailed || v.Session.ResultNote != verify.NoteNotSelf {
			t.Errorf("after a stranger: %s %q", v.Verification, v.Session.ResultNote)
		}
		if err := e.reg.Verified(ctx, flowID, browserA); !errors.Is(err, unitreg.ErrVerification) {
			t.Errorf("Verified after failure: %v, want ErrVerification", err)
		}

		// A new session replaces the failed one.
		if err := e.reg.RestartVerification(ctx, flowID, browserA); err != nil {
			t.Fatalf("RestartVerification: %v", err)
		}
		v, _ = e.reg.Get(ctx, flowID, browserA)
		if v.Session.ID == sid || v.Verification != unitreg.VerifyPending {
			t.Fatalf("after restart: session %s (old %s), %s", v.Session.ID, sid, v.Verification)
		}
		passed := v.Session.ID
		if _, err := e.svc.DevVerify.CompleteInApp(ctx, passed, legalRep(e.entry), true); err != nil {
			t.Fatal(err)
		}
		if err := e.reg.Verified(ctx, flowID, browserB); !errors.Is(err, unitreg.ErrNotFound) {
			t.Errorf("Verified from another browser: %v", err)
		}
		if err := e.reg.Verified(ctx, flowID, browserA); err != nil {
			t.Fatalf("Verified: %v", err)
		}
		v, _ = e.reg.Get(ctx, flowID, browserA)
		if v.Step != unitreg.StepAccount || v.HasAccount {
			t.Errorf("after Verified: step %s, has account %v", v.Step, v.HasAccount)
		}
		// The page's script and its button may both ask: no harm.
		if err := e.reg.Verified(ctx, flowID, browserA); err != nil {
			t.Errorf("second Verified: %v", err)
		}
		// The passed result was taken: it cannot serve anything else.
		err := db.Tx(ctx, func(tx *store.Tx) error {
			_, err := e.svc.Verify.Consume(ctx, tx, passed, flowID)
			return err
		})
		if !errors.Is(err, verify.ErrUsed) {
			t.Errorf("consume again: %v, want ErrUsed", err)
		}
		if err := e.reg.RestartVerification(ctx, flowID, browserA); !errors.Is(err, unitreg.ErrStep) {
			t.Errorf("restart at the account step: %v, want ErrStep", err)
		}
	})
}

// TestVerificationExpires: a QR code not used in time expires, and a new one can
// be started.
func TestVerificationExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		flowID, sid := e.start(t)
		e.clk.Add(6 * time.Minute)
		v, err := e.reg.Get(ctx, flowID, browserA)
		if err != nil || v.Verification != unitreg.VerifyExpired {
			t.Fatalf("after 6 minutes: %v %s", err, v.Verification)
		}
		if _, err := e.svc.DevVerify.CompleteInApp(ctx, sid, legalRep(e.entry), true); !errors.Is(err, verify.ErrExpired) {
			t.Errorf("approving an expired session: %v", err)
		}
		if err := e.reg.Verified(ctx, flowID, browserA); !errors.Is(err, unitreg.ErrVerification) {
			t.Errorf("Verified: %v, want ErrVerification", err)
		}
		if err := e.reg.RestartVerification(ctx, flowID, browserA); err != nil {
			t.Fatal(err)
		}
		v, _ = e.reg.Get(ctx, flowID, browserA)
		if _, err := e.svc.DevVerify.CompleteInApp(ctx, v.Session.ID, legalRep(e.entry), true); err != nil {
			t.Fatal(err)
		}
		if err := e.reg.Verified(ctx, flowID, browserA); err != nil {
			t.Errorf("Verified with the new session: %v", err)
		}
	})
}

// TestWait: the long poll answers as soon as the app records the result, and only
// to the browser that owns the flow, for the flow's own session.
func TestWait(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		flowID, sid := e.start(t)

		if _, err := e.reg.Wait(ctx, flowID, browserB, sid, time.Second); !errors.Is(err, unitreg.ErrNotFound) {
			t.Errorf("Wait from another browser: %v", err)
		}
		if _, err := e.reg.Wait(ctx, flowID, browserA, otherID(sid), time.Second); !errors.Is(err, unitreg.ErrNotFound) {
			t.Errorf("Wait for another session: %v", err)
		}
		if st, err := e.reg.Wait(ctx, flowID, browserA, sid, 0); err != nil || st != verify.Pending {
			t.Errorf("Wait(0): %s %v", st, err)
		}

		type answer struct {
			st  verify.Status
			err error
			d   time.Duration
		}
		done := make(chan answer, 1)
		go func() {
			start := time.Now()
			st, err := e.reg.Wait(context.Background(), flowID, browserA, sid, 20*time.Second)
			done <- answer{st, err, time.Since(start)}
		}()
		time.Sleep(200 * time.Millisecond) // let the waiter park
		if _, err := e.svc.DevVerify.CompleteInApp(ctx, sid, legalRep(e.entry), true); err != nil {
			t.Fatal(err)
		}
		select {
		case a := <-done:
			if a.err != nil || a.st != verify.Passed {
				t.Errorf("Wait: %s %v", a.st, a.err)
			}
			if a.d > 5*time.Second {
				t.Errorf("Wait took %v after the result", a.d)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Wait did not return after the result was recorded")
		}
		if err := e.reg.Verified(ctx, flowID, browserA); err != nil {
			t.Fatal(err)
		}
		if st, err := e.reg.Wait(ctx, flowID, browserA, sid, time.Second); err != nil || st != verify.Passed {
			t.Errorf("Wait after the flow moved on: %s %v", st, err)
		}
	})
}

// otherID returns a well-formed session ID that differs from id.
func otherID(id string) string {
	if id[0] == 'A' {
		return "B" + id[1:]
	}
	return "A" + id[1:]
}

// TestVerifiesWithoutAccount: a unit registration's session needs no app sign-in
// while its legal rep has no personal account, and does once the legal rep has
// one; sessions of other purposes always do.
func TestVerifiesWithoutAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		_, sid := e.start(t)
		sess, err := e.svc.Verify.Lookup(ctx, sid)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := e.reg.VerifiesWithoutAccount(ctx, sess); err != nil || !ok {
			t.Errorf("legal rep without an account: %v, %v; want true", ok, err)
		}
		other := sess
		other.Purpose = verify.PurposeRecover
		if ok, err := e.reg.VerifiesWithoutAccount(ctx, other); err != nil || ok {
			t.Errorf("another purpose: %v, %v; want false", ok, err)
		}
		e.createPerson(t, e.entry.LegalRepIDType, e.entry.LegalRepIDNumber, e.entry.LegalRepName, e.mobile(), "Lan#Xi2026ok")
		if ok, err := e.reg.VerifiesWithoutAccount(ctx, sess); err != nil || ok {
			t.Errorf("legal rep with an account: %v, %v; want false", ok, err)
		}
	})
}

// refuseFlowUpdates makes every update of a saved flow fail until the returned
// function is called: the database refuses the write, as it might on a full disk.
func refuseFlowUpdates(t *testing.T, db *store.DB) (restore func()) {
	t.Helper()
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	if db.Engine == store.Postgres {
		exec(`CREATE FUNCTION refuse_flow_update() RETURNS trigger LANGUAGE plpgsql AS
			$$ BEGIN RAISE EXCEPTION 'flow updates refused'; END $$`)
		exec(`CREATE TRIGGER refuse_flow_update BEFORE UPDATE ON flows
			FOR EACH ROW EXECUTE FUNCTION refuse_flow_update()`)
		return func() {
			exec("DROP TRIGGER refuse_flow_update ON flows")
			exec("DROP FUNCTION refuse_flow_update()")
		}
	}
	exec(`CREATE TRIGGER refuse_flow_update BEFORE UPDATE ON flows
		BEGIN SELECT RAISE(ABORT, 'flow updates refused'); END`)
	return func() { exec("DROP TRIGGER refuse_flow_update") }
}

// TestVerifiedKeepsResultUntilRecorded: the passed verification is consumed in the
// transaction that records it in the flow, so a write that fails leaves it usable
// and the legal rep need not verify again.
func TestVerifiedKeepsResultUntilRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := t.Context()
		flowID, sid := e.start(t)
		if _, err := e.svc.DevVerify.CompleteInApp(ctx, sid, legalRep(e.entry), true); err != nil {
			t.Fatal(err)
		}
		restore := refuseFlowUpdates(t, db)
		err := e.reg.Verified(ctx, flowID, browserA)
		restore()
		if err == nil || errors.Is(err, unitreg.ErrVerification) {
			t.Fatalf("Verified with flow updates refused = %v, want the failure", err)
		}
		if err := e.reg.Verified(ctx, flowID, browserA); err != nil {
			t.Fatalf("Verified once the write works: %v", err)
		}
		if v, err := e.reg.Get(ctx, flowID, browserA); err != nil || v.Step != unitreg.StepAccount {
			t.Fatalf("after Verified: %+v %v, want the account step", v, err)
		}
	})
}
