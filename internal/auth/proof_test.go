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
		// The person's password, as a login or re-authentication has just
		// verified it.
		const hash = "$argon2id$v=19$m=19456,t=2,p=1$cHJvb2ZzYWx0$cHJvb2ZoYXNo"
		if _, err := db.Exec(ctx, `UPDATE persons SET password_hash = ? WHERE id = ?`, hash, pid); err != nil {
			t.Fatal(err)
		}
		password := NewVerified(Credential{PersonID: pid}, hash)

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
		tok, _, err = f.ss.Rotate(ctx, tok, Subject{PersonID: pid, UnitID: 12, Role: RoleLegalRep},
			Meta{Proof: ProofPassword, Verified: password}, RotateSwitch)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.mustLive(t, tok); got.Proof != ProofPassword || !got.ProvedAt.Equal(now()) {
			t.Errorf("after a switch with the password: %q at %v", got.Proof, got.ProvedAt)
		}

		// Prove renews it in place.
		f.clock.Add(20 * time.Minute)
		if s, err := f.ss.Prove(ctx, tok, ProofPassword, password); err != nil || s.Proof != ProofPassword || !s.ProvedAt.Equal(now()) {
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
		if _, err := f.ss.Prove(ctx, tok, ProofPassword, password); !errors.Is(err, ErrNoSession) {
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

// TestPasswordProofNeedsVerified: a session, or a proof recorded in one, that
// claims a password without the Verified it rests on is refused
// (ErrUnverifiedPassword) by Create, Rotate (login and switch) and Prove, and
// nothing is written: no session, the old one live with its proof. Proofs that
// rest on no stored password need none, nor does a switch that makes no proof.
func TestPasswordProofNeedsVerified(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newLoginWorld(t, db, 60)
		count := func() int {
			t.Helper()
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// The admin signed in by SMS code, which verified no stored password.
		tok, before, err := w.ss.Create(ctx, Subject{PersonID: w.admin.ID}, Meta{Proof: ProofSMS})
		if err != nil {
			t.Fatalf("Create with an SMS proof and no Verified: %v", err)
		}
		sessions := count()
		admin := Subject{PersonID: w.admin.ID, UnitID: w.unit.ID, Role: RoleAdmin}
		for _, c := range []struct {
			proof Proof
			subj  Subject
		}{
			{ProofPassword, Subject{PersonID: w.admin.ID}},
			{ProofUnitPassword, admin},
			{ProofInstitutionPassword, Subject{PersonID: w.admin.ID, UnitID: w.unit.ID, Role: RoleInstitution, InstitutionID: w.inst.ID}},
		} {
			if _, _, err := w.ss.Create(ctx, c.subj, Meta{Proof: c.proof}); !errors.Is(err, ErrUnverifiedPassword) {
				t.Errorf("Create with %q and no Verified: %v, want ErrUnverifiedPassword", c.proof, err)
			}
			for _, r := range []Rotation{RotateLogin, RotateSwitch} {
				if _, _, err := w.ss.Rotate(ctx, tok, c.subj, Meta{Proof: c.proof}, r); !errors.Is(err, ErrUnverifiedPassword) {
					t.Errorf("Rotate (%d) with %q and no Verified: %v, want ErrUnverifiedPassword", r, c.proof, err)
				}
			}
			if _, err := w.ss.Prove(ctx, tok, c.proof, Verified{}); !errors.Is(err, ErrUnverifiedPassword) {
				t.Errorf("Prove with %q and no Verified: %v, want ErrUnverifiedPassword", c.proof, err)
			}
			if n := count(); n != sessions {
				t.Errorf("%d sessions after the refusals with %q, want %d", n, c.proof, sessions)
			}
			if s, err := w.ss.Lookup(ctx, tok); err != nil || s.Proof != ProofSMS || !s.ProvedAt.Equal(before.ProvedAt) ||
				s.Subject != before.Subject {
				t.Fatalf("the session after the refusals with %q: %+v, %v; want it live as it was", c.proof, s, err)
			}
		}
		// A Verified that is not the subject's own password, or not of the proof's
		// kind, is refused the same way: the legal rep's password for the admin, the
		// admin's personal password for a unit-password proof, the admin's unit
		// password for the legal rep's unit session, and for an institution another
		// institution's number.
		rep := Subject{PersonID: w.rep.ID, UnitID: w.unit.ID, Role: RoleLegalRep}
		instSubj := Subject{PersonID: w.admin.ID, UnitID: w.unit.ID, Role: RoleInstitution, InstitutionID: w.inst.ID}
		for _, c := range []struct {
			name  string
			subj  Subject
			proof Proof
			v     Verified
		}{
			{"another person's password", Subject{PersonID: w.admin.ID}, ProofPassword, w.verified(t, Subject{PersonID: w.rep.ID}, ProofPassword)},
			{"a personal password as the unit password", admin, ProofUnitPassword, w.verified(t, Subject{PersonID: w.admin.ID}, ProofPassword)},
			{"another person's membership", rep, ProofUnitPassword, w.verified(t, admin, ProofUnitPassword)},
			{"a unit password as the institution's", instSubj, ProofInstitutionPassword, w.verified(t, admin, ProofUnitPassword)},
			{"another institution", Subject{PersonID: w.admin.ID, UnitID: w.unit.ID, Role: RoleInstitution, InstitutionID: w.inst.ID + 1},
				ProofInstitutionPassword, w.verified(t, instSubj, ProofInstitutionPassword)},
		} {
			if _, _, err := w.ss.Create(ctx, c.subj, Meta{Proof: c.proof, Verified: c.v}); !errors.Is(err, ErrUnverifiedPassword) {
				t.Errorf("Create with %s: %v, want ErrUnverifiedPassword", c.name, err)
			}
			if _, _, err := w.ss.Rotate(ctx, tok, c.subj, Meta{Proof: c.proof, Verified: c.v}, RotateLogin); !errors.Is(err, ErrUnverifiedPassword) {
				t.Errorf("Rotate with %s: %v, want ErrUnverifiedPassword", c.name, err)
			}
			if n := count(); n != sessions {
				t.Errorf("%d sessions after the refusal with %s, want %d", n, c.name, sessions)
			}
		}
		// Prove learns the session's subject only in its transaction: a Verified of
		// another kind than the proof is refused before it, and one that is not the
		// subject's own in it — another person's password for the admin's own
		// session, the admin's membership for the legal rep's unit session, and
		// another institution's password for an institution session.
		if _, err := w.ss.Prove(ctx, tok, ProofUnitPassword, w.verified(t, Subject{PersonID: w.admin.ID}, ProofPassword)); !errors.Is(err, ErrUnverifiedPassword) {
			t.Errorf("Prove of a unit password with a personal one: %v, want ErrUnverifiedPassword", err)
		}
		repTok, _, err := w.ss.Create(ctx, rep, Meta{Proof: ProofSMS})
		if err != nil {
			t.Fatal(err)
		}
		otherInst := Subject{PersonID: w.admin.ID, UnitID: w.unit.ID, Role: RoleInstitution, InstitutionID: w.inst.ID + 1}
		instTok, _, err := w.ss.Create(ctx, otherInst, Meta{Proof: ProofSMS})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			token string
			proof Proof
			v     Verified
		}{
			{"another person's password", tok, ProofPassword, w.verified(t, Subject{PersonID: w.rep.ID}, ProofPassword)},
			{"another person's membership", repTok, ProofUnitPassword, w.verified(t, admin, ProofUnitPassword)},
			{"another institution", instTok, ProofInstitutionPassword, w.verified(t, instSubj, ProofInstitutionPassword)},
		} {
			if _, err := w.ss.Prove(ctx, c.token, c.proof, c.v); !errors.Is(err, ErrUnverifiedPassword) {
				t.Errorf("Prove with %s: %v, want ErrUnverifiedPassword", c.name, err)
			}
			if s, err := w.ss.Lookup(ctx, c.token); err != nil || s.Proof != ProofSMS {
				t.Errorf("the session after Prove with %s: %+v, %v; want its SMS proof alone", c.name, s, err)
			}
		}

		// The controls: the same calls with the Verified pass, and a switch that
		// makes no proof carries the session's own.
		if _, err := w.ss.Prove(ctx, tok, ProofPassword, w.verified(t, before.Subject, ProofPassword)); err != nil {
			t.Fatalf("Prove with the Verified: %v", err)
		}
		tok, sess, err := w.ss.Rotate(ctx, tok, admin, Meta{}, RotateSwitch)
		if err != nil || sess.Proof != ProofPassword {
			t.Fatalf("a switch without a proof: %+v, %v; want the password's proof carried", sess, err)
		}
		if _, _, err := w.ss.Rotate(ctx, tok, admin, Meta{Proof: ProofUnitPassword, Verified: w.verified(t, admin, ProofUnitPassword)},
			RotateLogin); err != nil {
			t.Fatalf("Rotate with the Verified: %v", err)
		}
	})
}
