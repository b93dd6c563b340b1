package admin

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"hall/internal/staff"
	"hall/internal/web/webtest"
)

// signInSecurity signs the fixture's security administrator in (their password is
// already changed).
func signInSecurity(t testing.TB, ts *webtest.TestServer, tm team) *staffClient {
	t.Helper()
	c := newStaffClient(ts)
	rec := c.Post(t, "/admin/login", url.Values{"login": {tm.security.Staff.Login}, "password": {staffPassword},
		"code": {tm.security.code(t, time.Now())}})
	webtest.WantRedirect(t, "security administrator's login", rec, "/admin/")
	return c
}

// The security administrator creates an account; the enrolment page shows the
// initial password and the TOTP secret as a QR code an authenticator app reads, and
// the new staff member signs in with them. Refusals go beside their fields.
func TestStaffCreateAndEnrolment(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	c := signInSecurity(t, ts, tm)
	if links := webtest.ParseHTML(t, c.Get(t, "/admin/").Body.String()).Texts(".admin-menu a"); strings.Join(links, ",") != "新建工作人员账户" {
		t.Errorf("security administrator's menu %q", links)
	}
	webtest.WantStatus(t, "the form", c.Get(t, "/admin/staff/new"), http.StatusOK)

	refusals := []struct {
		name, field, want string
		form              url.Values
	}{
		{"login taken", "login", staff.ErrLoginTaken.Msg,
			url.Values{"login": {tm.clerk.Staff.Login}, "name": {"王五"}, "roles": {"clerk"}, "reason": {"入职"}}},
		{"bad login", "login", staff.ErrBadLogin.Msg,
			url.Values{"login": {"9x"}, "name": {"王五"}, "roles": {"clerk"}, "reason": {"入职"}}},
		{"no role", "roles", staff.ErrNoRole.Msg, url.Values{"login": {"new.staff"}, "name": {"王五"}, "reason": {"入职"}}},
		{"auditor and clerk", "roles", staff.ErrRoleConflict.Msg,
			url.Values{"login": {"new.staff"}, "name": {"王五"}, "roles": {"clerk", "auditor"}, "reason": {"入职"}}},
		{"no reason", "reason", staff.ErrReasonRequired.Msg,
			url.Values{"login": {"new.staff"}, "name": {"王五"}, "roles": {"clerk"}}},
	}
	for _, r := range refusals {
		rec := c.Post(t, "/admin/staff/new", r.form)
		webtest.WantStatus(t, r.name, rec, http.StatusOK)
		if got := webtest.ParseHTML(t, rec.Body.String()).Must(t, "#e-"+r.field).TextContent(); got != r.want {
			t.Errorf("%s: %q beside %s, want %q", r.name, got, r.field, r.want)
		}
	}

	rec := c.Post(t, "/admin/staff/new", url.Values{"login": {"new.staff"}, "name": {"王五"}, "roles": {"clerk", "reviewer"},
		"reason": {"新员工入职"}})
	webtest.WantStatus(t, "create", rec, http.StatusOK)
	doc := webtest.ParseHTML(t, rec.Body.String())
	password := doc.Must(t, "[data-initial-password]").TextContent()
	secret := doc.Must(t, "[data-totp-secret]").TextContent()
	uri := webtest.DecodeDataURL(t, doc.Must(t, "img.admin-totp-qr").AttrOr("src"))
	key, err := otp.NewKeyFromURL(uri)
	if err != nil || key.Secret() != secret || !strings.HasSuffix(key.AccountName(), "new.staff") {
		t.Fatalf("QR code %q: %v (secret %q)", uri, err, secret)
	}

	fresh := staffMember{staff.Created{Staff: staff.Staff{Login: "new.staff"}, InitialPassword: password,
		Enrolment: staff.Enrolment{Secret: secret, URI: uri}}}
	newStaffClient(ts).login(t, fresh)
}

// Only the security administrator opens the staff pages.
func TestStaffCreateRefusedToOtherRoles(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	for _, m := range []staffMember{tm.clerk, tm.reviewer, tm.auditor} {
		c := newStaffClient(ts)
		c.login(t, m)
		for what, rec := range map[string]*http.Response{"GET": c.Get(t, "/admin/staff/new").Result(),
			"POST": c.Post(t, "/admin/staff/new", url.Values{"login": {"x.y"}, "name": {"王五"}, "roles": {"clerk"}, "reason": {"入职"}}).Result()} {
			if rec.StatusCode != http.StatusForbidden || !strings.Contains(readBody(t, rec), staff.DenyRole.Msg) {
				t.Errorf("%s: %s /admin/staff/new: status %d, want 403", m.Staff.Login, what, rec.StatusCode)
			}
		}
	}
}
