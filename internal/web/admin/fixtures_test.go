package admin

import (
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"hall/internal/staff"
	"hall/internal/web/webtest"
)

// staffPassword is the password every fixture staff member sets at first login
// (invented; passes the policy).
const staffPassword = "Staff-Fixture-2026"

// staffMember is a fixture account: its login, initial password and TOTP secret.
type staffMember struct {
	staff.Created
}

// code is the account's TOTP code at t, as an authenticator app computes it.
func (m staffMember) code(t testing.TB, at time.Time) string {
	t.Helper()
	return webtest.StaffCode(t, m.Enrolment.Secret, at)
}

// team is what `hall staff add` and the security administrator make: a security
// administrator (bootstrapped, password changed) and the staff they create.
type team struct {
	security staffMember
	clerk    staffMember
	reviewer staffMember
	auditor  staffMember
}

// newTeam creates the security administrator as `hall staff add` does, who then
// creates a clerk, a reviewer and an auditor; none of those has signed in yet.
func newTeam(t testing.TB, ts *webtest.TestServer) team {
	t.Helper()
	sec, actor := webtest.StaffSecurity(t, ts, "security.admin", "安全员甲", "首次部署", staffPassword)
	create := func(login, name string, role staff.Role) staffMember {
		return staffMember{webtest.StaffCreate(t, ts, actor, login, name, role)}
	}
	return team{security: staffMember{sec}, clerk: create("counter.clerk", "窗口员乙", staff.RoleClerk),
		reviewer: create("counter.reviewer", "审核员丙", staff.RoleReviewer),
		auditor:  create("audit.officer", "审计员丁", staff.RoleAuditor)}
}

// signIn signs the clerk, the reviewer and the auditor in, each in a client of
// their own (first login: the initial password changed).
func (tm team) signIn(t testing.TB, ts *webtest.TestServer) (clerk, reviewer, auditor *staffClient) {
	t.Helper()
	clerk, reviewer, auditor = newStaffClient(ts), newStaffClient(ts), newStaffClient(ts)
	clerk.login(t, tm.clerk)
	reviewer.login(t, tm.reviewer)
	auditor.login(t, tm.auditor)
	return clerk, reviewer, auditor
}

// staffClient is a browser of the back office: a webtest.Client whose requests go
// to the operations listener's handler.
type staffClient struct{ *webtest.Client }

func newStaffClient(ts *webtest.TestServer) *staffClient {
	return &staffClient{webtest.NewStaffClient(ts)}
}

// postFile posts form as multipart with file (may be nil) as the field "scan".
func (c *staffClient) postFile(t testing.TB, target string, form url.Values, name string, file []byte) *httptest.ResponseRecorder {
	t.Helper()
	var files []webtest.FormFile
	if file != nil {
		files = append(files, webtest.FormFile{Field: "scan", Name: name, Body: file})
	}
	return c.PostFiles(t, target, form, files...)
}

// login signs m in with the right password and code; a first login then sets
// staffPassword, so the client lands on the home page.
func (c *staffClient) login(t testing.TB, m staffMember) {
	t.Helper()
	webtest.StaffFirstLogin(t, c.Client, m.Created, staffPassword)
}
