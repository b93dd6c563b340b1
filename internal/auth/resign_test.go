package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/institution"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/store/storetest"
	"hall/internal/unit"
)

// noReauth accepts any current password: the tests below are about what follows it.
func noReauth(context.Context, string) error { return nil }

// TestSignInAgainAfterPasswordChange: a password change (personal, unit,
// institution) returns the hash it stored, and the browser that made it is
// signed in again with it (as web.StartSessionVerified does). When another writer
// replaced that password between the change's commit and the new session (a
// second change here, as a reset, recovery or registry sync would), the session
// is refused with ErrCredentialChanged and none is created; without one, it is
// created (the control), by Create and by Rotate.
func TestSignInAgainAfterPasswordChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		type change func(t *testing.T, w *loginWorld, next string) (Credential, string)
		personal := func(t *testing.T, w *loginWorld, next string) (Credential, string) {
			c, err := w.persons.ChangePassword(ctx, person.PasswordChange{PersonID: w.rep.ID, Current: "x", New: next,
				Confirm: next, Reauth: noReauth, Sessions: w.ss})
			if err != nil {
				t.Fatal(err)
			}
			return Credential{PersonID: w.rep.ID}, c.Hash
		}
		unitPassword := func(t *testing.T, w *loginWorld, next string) (Credential, string) {
			pw := unit.NewPasswords(unit.PasswordDeps{DB: db, Hasher: w.hasher, Persons: w.persons,
				Audit: audit.New(db, nil, nil), Now: func() time.Time { return time.Date(2026, 4, 13, 9, 0, 0, 0, time.UTC) }})
			c, err := pw.ChangePassword(ctx, unit.PasswordChange{UnitID: w.unit.ID, PersonID: w.admin.ID, Current: "x",
				New: next, Confirm: next, Reauth: noReauth, Sessions: w.ss})
			if err != nil {
				t.Fatal(err)
			}
			if c.MembershipID != w.member.ID {
				t.Fatalf("changed membership %d, want %d", c.MembershipID, w.member.ID)
			}
			return Credential{MembershipID: c.MembershipID}, c.Hash
		}
		institutionPassword := func(t *testing.T, w *loginWorld, next string) (Credential, string) {
			hash, err := w.insts.ChangePassword(ctx, institution.PasswordChange{InstitutionID: w.inst.ID, OperatorID: w.admin.ID,
				Current: "x", New: next, Confirm: next, Reauth: noReauth})
			if err != nil {
				t.Fatal(err)
			}
			return Credential{InstitutionID: w.inst.ID}, hash
		}
		cases := []struct {
			name    string
			subject func(w *loginWorld) Subject
			proof   Proof
			change  change
		}{
			{"personal password", func(w *loginWorld) Subject { return Subject{PersonID: w.rep.ID} }, ProofPassword, personal},
			{"legal rep's personal password in the unit", func(w *loginWorld) Subject {
				return Subject{PersonID: w.rep.ID, UnitID: w.unit.ID, Role: RoleLegalRep}
			}, ProofPassword, personal},
			{"unit password", func(w *loginWorld) Subject {
				return Subject{PersonID: w.admin.ID, UnitID: w.unit.ID, Role: RoleAdmin}
			}, ProofUnitPassword, unitPassword},
			{"institution password", func(w *loginWorld) Subject {
				return Subject{PersonID: w.admin.ID, UnitID: w.unit.ID, Role: RoleInstitution, InstitutionID: w.inst.ID}
			}, ProofInstitutionPassword, institutionPassword},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				w := newLoginWorld(t, db, uint64(i+20))
				subj := c.subject(w)
				old, _, err := w.ss.Create(ctx, subj, Meta{Proof: c.proof, Verified: w.verified(t, subj, c.proof)})
				if err != nil {
					t.Fatal(err)
				}
				// The control: the change, then the browser signed in again with
				// what it stored, by Rotate of its (ended) session and by Create.
				cred, hash := c.change(t, w, "Changed#2026pw1")
				meta := Meta{Proof: c.proof, Verified: NewVerified(cred, hash)}
				tok, _, err := w.ss.Rotate(ctx, old, subj, meta, RotateLogin)
				if err != nil {
					t.Fatalf("signed in again after the change: %v", err)
				}
				if _, err := w.ss.Lookup(ctx, tok); err != nil {
					t.Fatalf("the new session: %v", err)
				}
				if _, _, err := w.ss.Create(ctx, subj, meta); err != nil {
					t.Fatalf("signed in again by Create: %v", err)
				}
				// The race: another change commits after this one and before the
				// browser is signed in again.
				cred, hash = c.change(t, w, "Changed#2026pw2")
				c.change(t, w, "Changed#2026pw3")
				live := w.liveSessions(t, subj.PersonID)
				meta = Meta{Proof: c.proof, Verified: NewVerified(cred, hash)}
				if _, _, err := w.ss.Rotate(ctx, tok, subj, meta, RotateLogin); !errors.Is(err, ErrCredentialChanged) {
					t.Fatalf("Rotate after a second change: %v, want ErrCredentialChanged", err)
				}
				if _, _, err := w.ss.Create(ctx, subj, meta); !errors.Is(err, ErrCredentialChanged) {
					t.Fatalf("Create after a second change: %v, want ErrCredentialChanged", err)
				}
				if n := w.liveSessions(t, subj.PersonID); n != live {
					t.Errorf("%d live sessions after the refused sign-ins, want %d", n, live)
				}
				// A Verified with the credential but no hash checks, and is refused.
				if _, _, err := w.ss.Create(ctx, subj, Meta{Proof: c.proof, Verified: NewVerified(cred, "")}); !errors.Is(err, ErrCredentialChanged) {
					t.Errorf("Create with an empty verified hash: %v, want ErrCredentialChanged", err)
				}
			})
		}
	})
}

// TestProveRacingPasswordChange: a re-authentication records its proof only
// while the password it verified is still stored. A change that commits after
// the check and before Prove leaves the proof as it was (ErrCredentialChanged);
// the same Prove without the change records it (the control). So does a unit
// entry, a RotateSwitch with the unit password verified: refused, the old session
// left live.
func TestProveRacingPasswordChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newLoginWorld(t, db, 40)
		// A session of the admin as a person, proved by SMS long ago.
		tok, _, err := w.ss.Create(ctx, Subject{PersonID: w.admin.ID}, Meta{Proof: ProofSMS})
		if err != nil {
			t.Fatal(err)
		}
		hash, err := w.persons.VerifyPassword(ctx, w.admin.ID, w.password)
		if err != nil {
			t.Fatal(err)
		}
		verified := NewVerified(Credential{PersonID: w.admin.ID}, hash)
		if s, err := w.ss.Prove(ctx, tok, ProofPassword, verified); err != nil || s.Proof != ProofPassword {
			t.Fatalf("Prove with the stored password: %+v, %v", s, err)
		}

		// The unit entry: the unit password verified, then changed, then the switch.
		unitHash := w.member.PasswordHash
		if _, err := db.Exec(ctx, `UPDATE memberships SET password_hash = ? WHERE id = ?`, unitHash+"x", w.member.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = w.ss.Rotate(ctx, tok, Subject{PersonID: w.admin.ID, UnitID: w.unit.ID, Role: RoleAdmin},
			Meta{Proof: ProofUnitPassword, Verified: NewVerified(Credential{MembershipID: w.member.ID}, unitHash)}, RotateSwitch)
		if !errors.Is(err, ErrCredentialChanged) {
			t.Fatalf("entering the unit after its password changed: %v, want ErrCredentialChanged", err)
		}
		if s, err := w.ss.Lookup(ctx, tok); err != nil || s.Subject.UnitID != 0 {
			t.Fatalf("the session after the refused entry: %+v, %v; want it live, as the person", s, err)
		}
		tok2, _, err := w.ss.Rotate(ctx, tok, Subject{PersonID: w.admin.ID, UnitID: w.unit.ID, Role: RoleAdmin},
			Meta{Proof: ProofUnitPassword, Verified: NewVerified(Credential{MembershipID: w.member.ID}, unitHash+"x")}, RotateSwitch)
		if err != nil {
			t.Fatalf("entering with the stored unit password: %v", err)
		}

		// The re-authentication: the unit password verified, then changed (not
		// ending this session: a direct write), then Prove.
		if _, err := db.Exec(ctx, `UPDATE memberships SET password_hash = ? WHERE id = ?`, unitHash+"y", w.member.ID); err != nil {
			t.Fatal(err)
		}
		before, err := w.ss.Lookup(ctx, tok2)
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.ss.Prove(ctx, tok2, ProofUnitPassword, NewVerified(Credential{MembershipID: w.member.ID}, unitHash+"x"))
		if !errors.Is(err, ErrCredentialChanged) {
			t.Fatalf("Prove after the change: %v, want ErrCredentialChanged", err)
		}
		after, err := w.ss.Lookup(ctx, tok2)
		if err != nil || after.Proof != before.Proof || !after.ProvedAt.Equal(before.ProvedAt) {
			t.Fatalf("proof after the refused Prove: %q at %v (%v), want %q at %v", after.Proof, after.ProvedAt, err,
				before.Proof, before.ProvedAt)
		}
		// The personal password too, through the hall's change.
		if _, err := w.persons.ChangePassword(ctx, person.PasswordChange{PersonID: w.admin.ID, Current: "x",
			New: "Changed#2026pw", Confirm: "Changed#2026pw", Reauth: noReauth, Sessions: w.ss}); err != nil {
			t.Fatal(err)
		}
		tok3, _, err := w.ss.Create(ctx, Subject{PersonID: w.admin.ID}, Meta{Proof: ProofSMS})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.ss.Prove(ctx, tok3, ProofPassword, verified); !errors.Is(err, ErrCredentialChanged) {
			t.Fatalf("Prove with the personal password changed: %v, want ErrCredentialChanged", err)
		}
		if s, err := w.ss.Lookup(ctx, tok3); err != nil || s.Proof != ProofSMS {
			t.Fatalf("proof after the refused Prove: %+v, %v", s, err)
		}
	})
}

// TestLoginNeedsStart: a login attempt without Attempt.Start is refused before
// any check, audit or hash, so that no caller gets a subject from a password and
// starts its session without the check of the verified password.
func TestLoginNeedsStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newLoginWorld(t, db, 50)
		var entries int
		count := func() int {
			var n int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		entries = count()
		before := w.hasher.Stats().Hashes
		logins := map[string]func() error{
			"personal": func() error { _, err := w.login.Person(ctx, w.rep.IDNumber, w.password, Attempt{}); return err },
			"unit": func() error {
				_, err := w.login.Unit(ctx, w.unit.USCC, w.admin.IDNumber, w.password, Attempt{ClientAddr: "192.0.2.1"})
				return err
			},
			"institution": func() error {
				_, err := w.login.Unit(ctx, w.inst.Number, w.admin.IDNumber, w.password, Attempt{})
				return err
			},
			"sms": func() error { _, err := w.login.PersonSMS(ctx, w.rep.Mobile, "123456", "b", Attempt{}); return err },
		}
		for name, login := range logins {
			if err := login(); !errors.Is(err, errNoStart) {
				t.Errorf("%s login without Start: %v, want errNoStart", name, err)
			}
		}
		if n := w.hasher.Stats().Hashes - before; n != 0 {
			t.Errorf("%d hashes computed for logins without Start, want 0", n)
		}
		if n := count(); n != entries {
			t.Errorf("%d audit entries written for logins without Start, want 0", n-entries)
		}
		// With Start, the same login signs in.
		started := 0
		if _, err := w.login.Person(ctx, w.rep.IDNumber, w.password, Attempt{Start: func(context.Context, Subject, Verified) error {
			started++
			return nil
		}}); err != nil || started != 1 {
			t.Fatalf("login with Start: %v, started %d times", err, started)
		}
	})
}
