package webtest

import (
	"context"
	"testing"

	"hall/internal/staff"
)

// StaffActor is the created staff member c acting in a command.
func StaffActor(c staff.Created) staff.Actor {
	return staff.Actor{StaffID: c.Staff.ID, Login: c.Staff.Login, Name: c.Staff.Name, Roles: c.Staff.Roles}
}

// StaffSecurity bootstraps the back office's security administrator as `hall staff
// add` does, and replaces its initial password with password (as its first login
// must before it acts); it returns the account and the administrator as an actor.
func StaffSecurity(t testing.TB, ts *TestServer, login, name, reason, password string) (staff.Created, staff.Actor) {
	t.Helper()
	ctx := context.Background()
	sec, err := ts.Staff.Bootstrap(ctx, login, name, reason, false)
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	actor := StaffActor(sec)
	if err := ts.Staff.ChangePassword(ctx, actor, staff.PasswordChange{Current: sec.InitialPassword, New: password,
		Confirm: password}, ""); err != nil {
		t.Fatalf("security administrator's password: %v", err)
	}
	return sec, actor
}

// StaffCreate has the security administrator create a staff member with one role;
// the member has not signed in yet (its initial password is in the result).
func StaffCreate(t testing.TB, ts *TestServer, security staff.Actor, login, name string, role staff.Role) staff.Created {
	t.Helper()
	c, err := ts.Staff.Create(context.Background(), security, staff.NewStaff{Login: login, Name: name, Roles: staff.RolesOf(role)}, "新员工入职")
	if err != nil {
		t.Fatalf("create %s: %v", login, err)
	}
	return c
}
