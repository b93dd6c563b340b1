package webtest

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

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

// StaffCode is the TOTP code of the account enrolled with secret at the time at, as
// an authenticator app computes it.
func StaffCode(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix,
		Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// NewStaffClient is a browser of the back office: a Client whose requests go to the
// operations listener's handler.
func NewStaffClient(ts *TestServer) *Client {
	c := NewClient(ts)
	c.Handler = ts.AdminHandler()
	return c
}

// StaffFirstLogin signs m in on c with its initial password and code, and sets
// password as its first login must, so that c lands on the back office's home page.
func StaffFirstLogin(t testing.TB, c *Client, m staff.Created, password string) {
	t.Helper()
	rec := c.Post(t, "/admin/login", url.Values{"login": {m.Staff.Login}, "password": {m.InitialPassword},
		"code": {StaffCode(t, m.Enrolment.Secret, time.Now())}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/admin/password" {
		t.Fatalf("login %s: %d %s\n%s", m.Staff.Login, rec.Code, rec.Header().Get("Location"), ShortBody(rec.Body.String()))
	}
	rec = c.Post(t, "/admin/password", url.Values{"password": {m.InitialPassword}, "new_password": {password},
		"confirm": {password}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/admin/" {
		t.Fatalf("password change %s: %d\n%s", m.Staff.Login, rec.Code, ShortBody(rec.Body.String()))
	}
}
