// Package stafftest opens back-office accounts for the tests of the services staff act
// on, straight in the database: no password to sign in with and no TOTP secret, since
// those tests act through a staff.Actor and never sign in.
package stafftest

import (
	"context"
	"testing"
	"time"

	"hall/internal/staff"
	"hall/internal/store"
)

// Insert opens an enabled account login, named name, with roles, created at at, and
// returns its id. It fails the test on error.
func Insert(t testing.TB, db *store.DB, login, name string, roles staff.Roles, at time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := db.Tx(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO staff (login, name, password_hash, must_change_password, is_clerk,
			is_reviewer, is_security, is_auditor, totp_secret, created_at, updated_at)
			VALUES (?, ?, 'x', ?, ?, ?, ?, ?, '', ?, ?) RETURNING id`, login, name, false, roles.Has(staff.RoleClerk),
			roles.Has(staff.RoleReviewer), roles.Has(staff.RoleSecurity), roles.Has(staff.RoleAuditor), at, at).Scan(&id)
	})
	if err != nil {
		t.Fatalf("insert staff %s: %v", login, err)
	}
	return id
}
