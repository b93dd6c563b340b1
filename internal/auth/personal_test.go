package auth

import (
	"context"
	"testing"

	"hall/internal/institution"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestPasswordChangesEndTheirOwnSessions: a person who is also an institution's
// operator changes the personal password, which ends their sessions as
// themselves and for units but not their institution session (signed in with the
// institution's password); a change of the institution's password ends that.
func TestPasswordChangesEndTheirOwnSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newLoginWorld(t, db, 21)
		create := func(s Subject, p Proof) string {
			t.Helper()
			tok, _, err := w.ss.Create(ctx, s, Meta{Proof: p, Verified: w.verified(t, s, p)})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		alive := func(tok string) bool {
			_, err := w.ss.Lookup(ctx, tok)
			return err == nil
		}
		own := create(Subject{PersonID: w.admin.ID}, ProofPassword)
		asAdmin := create(Subject{PersonID: w.admin.ID, UnitID: w.unit.ID, Role: RoleAdmin}, ProofUnitPassword)
		asInstitution := create(Subject{PersonID: w.admin.ID, UnitID: w.unit.ID, Role: RoleInstitution, InstitutionID: w.inst.ID},
			ProofInstitutionPassword)
		someoneElse := create(Subject{PersonID: w.rep.ID}, ProofPassword)

		const personal = "Personal#2026new"
		changed, err := w.persons.ChangePassword(ctx, person.PasswordChange{PersonID: w.admin.ID, Current: w.password,
			New: personal, Confirm: personal, Reauth: func(context.Context, string) error { return nil }, Sessions: w.ss})
		if err != nil {
			t.Fatal(err)
		}
		if ended := changed.SessionsEnded; ended != 2 || alive(own) || alive(asAdmin) {
			t.Errorf("personal change ended %d; own session alive %v, unit session alive %v; want 2, both ended",
				changed.SessionsEnded, alive(own), alive(asAdmin))
		}
		if !alive(asInstitution) {
			t.Error("the personal password change ended the institution session")
		}
		if !alive(someoneElse) {
			t.Error("the personal password change ended another person's session")
		}

		const inst = "Institution#2026new"
		if _, err := w.insts.ChangePassword(ctx, institution.PasswordChange{InstitutionID: w.inst.ID, OperatorID: w.admin.ID,
			Current: w.password, New: inst, Confirm: inst, Reauth: func(context.Context, string) error { return nil }}); err != nil {
			t.Fatal(err)
		}
		if alive(asInstitution) {
			t.Error("the institution session outlived the institution's password change")
		}
		if !alive(someoneElse) {
			t.Error("the institution's password change ended another person's session")
		}
	})
}
