package auth

import (
	"context"
	"errors"
	"testing"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestInstitutionLoginAudit: every attempt with a 机构编号 is audited as the
// institution login, as a known institution's wrong password is: an unknown
// number and a login naming someone else than the operator too, with the same
// answer and the same work (one argon2id) as the wrong password. A unit
// account's attempts stay the unit login's.
func TestInstitutionLoginAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newLoginWorld(t, db, 11)
		cases := []struct {
			name, account, login, action string
		}{
			{"known number, wrong password", w.inst.Number, w.admin.IDNumber, "login.institution.password"},
			{"unknown number", ident.NewInstitutionNumber(w.unit.UnitNumber, 77), w.admin.IDNumber, "login.institution.password"},
			{"known number, someone else's login", w.inst.Number, w.rep.IDNumber, "login.institution.password"},
			{"unit account, unknown login", w.unit.USCC, "13800000000", "login.unit.password"},
		}
		for _, c := range cases {
			before := w.hasher.Stats().Hashes
			_, err := w.login.Unit(ctx, c.account, c.login, "Wrong#2026pw", Attempt{Start: func(context.Context, Subject, Verified) error { return nil }})
			if !errors.Is(err, ErrBadCredentials) {
				t.Errorf("%s: %v, want ErrBadCredentials", c.name, err)
			}
			if n := w.hasher.Stats().Hashes - before; n != 1 {
				t.Errorf("%s: %d hashes, want 1 (as a wrong password)", c.name, n)
			}
			action, result, _, reason := w.lastAudit(t)
			if action != c.action || result != string(audit.Failure) || reason != "bad_credentials" {
				t.Errorf("%s: audited %s %s %q, want %s failure bad_credentials", c.name, action, result, reason, c.action)
			}
			var role string
			if err := db.QueryRow(ctx, `SELECT role FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&role); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]string{true: string(RoleInstitution), false: ""}[c.action == "login.institution.password"]; role != want {
				t.Errorf("%s: audited role %q, want %q", c.name, role, want)
			}
		}
	})
}
