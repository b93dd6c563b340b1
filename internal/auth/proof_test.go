package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestProof follows a session's proof: recorded by a login, carried over by a
// switch without a new proof, replaced by a switch with one, never carried into a
// new login, renewed by Prove; and Lookup reads it back.
func TestProof(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		pid := f.person(t)
		now := func() time.Time { return store.Time(f.clock.Now()) }

		tok, sess, err := f.ss.Create(ctx, Subject{PersonID: pid}, Meta{Proof: ProofSMS})
		if err != nil {
			t.Fatal(err)
		}
		smsAt := now()
		if sess.Proof != ProofSMS || !sess.ProvedAt.Equal(smsAt) {
			t.Fatalf("created with %q at %v", sess.Proof, sess.ProvedAt)
		}
		if got := f.mustLive(t, tok); got.Proof != ProofSMS || !got.ProvedAt.Equal(smsAt) {
			t.Fatalf("looked up with %q at %v", got.Proof, got.ProvedAt)
		}

		// A switch without a proof keeps the old one, with its time.
		f.clock.Add(4 * time.Minute)
		unit := Subject{PersonID: pid, UnitID: 11, Role: RoleLegalRep}
		tok, sess, err = f.ss.Rotate(ctx, tok, unit, Meta{}, RotateSwitch)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.mustLive(t, tok); got.Proof != ProofSMS || !got.ProvedAt.Equal(smsAt) || sess.Proof != ProofSMS {
			t.Errorf("after a switch: %q at %v", got.Proof, got.ProvedAt)
		}
		if !sess.ProvedWithin(5*time.Minute, now()) || sess.ProvedWithin(3*time.Minute, now()) {
			t.Errorf("ProvedWithin around 4 minutes is wrong for %v at %v", sess.ProvedAt, now())
		}

		// A switch with a proof records it now.
		f.clock.Add(time.Minute)
		tok, _, err = f.ss.Rotate(ctx, tok, Subject{PersonID: pid, UnitID: 12, Role: RoleAdmin}, Meta{Proof: ProofUnitPassword}, RotateSwitch)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.mustLive(t, tok); got.Proof != ProofUnitPassword || !got.ProvedAt.Equal(now()) {
			t.Errorf("after a switch with the unit password: %q at %v", got.Proof, got.ProvedAt)
		}

		// Prove renews it in place.
		f.clock.Add(20 * time.Minute)
		if s, err := f.ss.Prove(ctx, tok, ProofPassword, Verified{}); err != nil || s.Proof != ProofPassword || !s.ProvedAt.Equal(now()) {
			t.Fatalf("Prove: %+v, %v", s, err)
		}
		if got := f.mustLive(t, tok); got.Proof != ProofPassword || !got.ProvedAt.Equal(now()) {
			t.Errorf("after Prove: %q at %v", got.Proof, got.ProvedAt)
		}
		if _, err := f.ss.Prove(ctx, tok, ProofNone, Verified{}); err == nil {
			t.Error("Prove accepted ProofNone")
		}

		// A login without a proof does not inherit the old session's.
		tok2, sess2, err := f.ss.Rotate(ctx, tok, Subject{PersonID: pid}, Meta{}, RotateLogin)
		if err != nil {
			t.Fatal(err)
		}
		if sess2.Proof != ProofNone || !sess2.ProvedAt.IsZero() || sess2.ProvedWithin(time.Hour, now()) {
			t.Errorf("a login carried a proof: %+v", sess2)
		}
		if got := f.mustLive(t, tok2); got.Proof != ProofNone || !got.ProvedAt.IsZero() {
			t.Errorf("looked up: %q at %v", got.Proof, got.ProvedAt)
		}
		if _, err := f.ss.Prove(ctx, tok, ProofPassword, Verified{}); !errors.Is(err, ErrNoSession) {
			t.Errorf("Prove on an ended session: %v", err)
		}
		if _, _, err := f.ss.Create(ctx, Subject{PersonID: pid}, Meta{Proof: "fingerprint"}); err == nil {
			t.Error("Create accepted an unknown proof")
		}

		// A QR login is recorded, but is no recent proof for a re-authentication.
		_, qr, err := f.ss.Create(ctx, Subject{PersonID: pid}, Meta{Proof: ProofQR})
		if err != nil {
			t.Fatal(err)
		}
		if qr.Proof != ProofQR || !qr.ProvedAt.Equal(now()) || qr.ProvedWithin(time.Hour, now()) {
			t.Errorf("a QR login: %q at %v, counted as a recent proof: %v", qr.Proof, qr.ProvedAt, qr.ProvedWithin(time.Hour, now()))
		}
	})
}
