package admin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"hall/internal/audit"
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
	if links := webtest.ParseHTML(t, c.Get(t, "/admin/").Body.String()).Texts(".admin-menu a"); strings.Join(links, ",") != "工作人员账户,新建工作人员账户" {
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

// reasonBeside is the message beside field on a refused page.
func reasonBeside(t *testing.T, rec *httptest.ResponseRecorder, field string) string {
	t.Helper()
	return webtest.ParseHTML(t, rec.Body.String()).Must(t, "#e-"+field).TextContent()
}

// pageAlert is the refusal above a form on rec's page.
func pageAlert(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	return webtest.ParseHTML(t, rec.Body.String()).Must(t, ".alert-error").TextContent()
}

// The security administrator's 工作人员账户: the list, an account's page, and each
// command with its refusals — no reason (beside the field), stale expected roles
// (409, the current roles shown), one's own account (403 with the domain's
// sentence on the page) — and what each command does.
func TestStaffAccountCommands(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	clerk := newStaffClient(ts)
	clerk.login(t, tm.clerk)
	c := signInSecurity(t, ts, tm)
	id := strconv.FormatInt(tm.clerk.Staff.ID, 10)
	account := "/admin/staff/" + id

	list := webtest.ParseHTML(t, c.Get(t, "/admin/staff/").Body.String())
	rows := list.Texts("table.data tbody tr")
	if len(rows) != 4 {
		t.Fatalf("list rows %q", rows)
	}
	for _, want := range []string{"counter.clerk", "窗口员乙", "窗口经办", "启用"} {
		if !strings.Contains(strings.Join(rows, "\n"), want) {
			t.Errorf("the list lacks %q: %q", want, rows)
		}
	}
	if !strings.Contains(strings.Join(rows, "\n"), "从未登录") {
		t.Errorf("the auditor never signed in, yet no row says 从未登录: %q", rows)
	}
	list.Must(t, `a[href="`+account+`"]`)

	page := webtest.ParseHTML(t, c.Get(t, account).Body.String())
	if v := page.Must(t, `input[name=expected_roles]`).AttrOr("value"); v != "clerk" {
		t.Fatalf("expected roles carried %q, want clerk", v)
	}

	// 变更角色.
	rec := c.Post(t, account+"/roles", url.Values{"expected_roles": {"clerk"}, "roles": {"clerk", "reviewer"}})
	webtest.WantStatus(t, "roles without a reason", rec, http.StatusUnprocessableEntity)
	if got := reasonBeside(t, rec, "roles_reason"); got != "请填写变更原因" {
		t.Errorf("beside 变更原因: %q", got)
	}
	rec = c.Post(t, account+"/roles", url.Values{"expected_roles": {"clerk"}, "roles": {"clerk", "auditor"}, "roles_reason": {"调岗"}})
	webtest.WantStatus(t, "conflicting roles", rec, http.StatusUnprocessableEntity)
	if got := reasonBeside(t, rec, "roles"); got != staff.ErrRoleConflict.Msg {
		t.Errorf("beside 角色: %q", got)
	}
	rec = c.Post(t, account+"/roles", url.Values{"expected_roles": {"reviewer"}, "roles": {"clerk", "reviewer"}, "roles_reason": {"调岗"}})
	webtest.WantStatus(t, "stale expected roles", rec, http.StatusConflict)
	if got := pageAlert(t, rec); !strings.Contains(got, "已被他人修改") {
		t.Errorf("stale roles: %q", got)
	}
	if v := webtest.ParseHTML(t, rec.Body.String()).Must(t, `input[name=expected_roles]`).AttrOr("value"); v != "clerk" {
		t.Errorf("after a stale submission the page carries %q, want the current roles", v)
	}
	webtest.WantRedirect(t, "roles", c.Post(t, account+"/roles", url.Values{"expected_roles": {"clerk"},
		"roles": {"clerk", "reviewer"}, "roles_reason": {"兼任审核岗"}}), account+"?done=roles")
	if st, _ := ts.Staff.Get(context.Background(), tm.clerk.Staff.ID); st.Roles != staff.RolesOf(staff.RoleClerk, staff.RoleReviewer) {
		t.Errorf("roles now %v", st.Roles)
	}
	webtest.WantRedirect(t, "the clerk after the role change", clerk.Get(t, "/admin/"), "/admin/login")
	// The same form again, sent from the page as it was: refused as stale.
	webtest.WantStatus(t, "a second submission of the old page", c.Post(t, account+"/roles", url.Values{"expected_roles": {"clerk"},
		"roles": {"clerk"}, "roles_reason": {"撤销审核岗"}}), http.StatusConflict)

	// 停用 / 启用.
	rec = c.Post(t, account+"/disable", url.Values{"state_reason": {"  "}})
	webtest.WantStatus(t, "disable without a reason", rec, http.StatusUnprocessableEntity)
	if got := reasonBeside(t, rec, "state_reason"); got != "请填写停用原因" {
		t.Errorf("beside 停用原因: %q", got)
	}
	webtest.WantRedirect(t, "disable", c.Post(t, account+"/disable", url.Values{"state_reason": {"离职"}}), account+"?done=disabled")
	if got := webtest.ParseHTML(t, c.Get(t, account).Body.String()).Must(t, "[data-state]").TextContent(); got != "停用" {
		t.Errorf("state after disabling %q", got)
	}
	rec = newStaffClient(ts).Post(t, "/admin/login", url.Values{"login": {tm.clerk.Staff.Login}, "password": {staffPassword},
		"code": {tm.clerk.code(t, time.Now().Add(30*time.Second))}})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), staff.ErrBadCredentials.Msg) {
		t.Errorf("a disabled account signs in: %d", rec.Code)
	}
	rec = c.Post(t, account+"/enable", url.Values{})
	webtest.WantStatus(t, "enable without a reason", rec, http.StatusUnprocessableEntity)
	if got := reasonBeside(t, rec, "state_reason"); got != "请填写启用原因" {
		t.Errorf("beside 启用原因: %q", got)
	}
	webtest.WantRedirect(t, "enable", c.Post(t, account+"/enable", url.Values{"state_reason": {"返岗"}}), account+"?done=enabled")

	// 重置密码和动态口令: the new credentials shown once, and they sign in.
	rec = c.Post(t, account+"/reset", url.Values{})
	webtest.WantStatus(t, "reset without a reason", rec, http.StatusUnprocessableEntity)
	if got := reasonBeside(t, rec, "reset_reason"); got != "请填写重置原因" {
		t.Errorf("beside 重置原因: %q", got)
	}
	rec = c.Post(t, account+"/reset", url.Values{"reset_reason": {"更换手机，已核验工作证"}})
	webtest.WantStatus(t, "reset", rec, http.StatusOK)
	doc := webtest.ParseHTML(t, rec.Body.String())
	if h := doc.Must(t, "h1").TextContent(); h != "密码和动态口令已重置" {
		t.Errorf("reset page heading %q", h)
	}
	secret := doc.Must(t, "[data-totp-secret]").TextContent()
	uri := webtest.DecodeDataURL(t, doc.Must(t, "img.admin-totp-qr").AttrOr("src"))
	if key, err := otp.NewKeyFromURL(uri); err != nil || key.Secret() != secret {
		t.Fatalf("QR code %q: %v", uri, err)
	}
	newStaffClient(ts).login(t, staffMember{staff.Created{Staff: staff.Staff{Login: tm.clerk.Staff.Login},
		InitialPassword: doc.Must(t, "[data-initial-password]").TextContent(), Enrolment: staff.Enrolment{Secret: secret, URI: uri}}})

	// Every command is audited with the reason typed.
	for action, reason := range map[string]string{"staff.roles": "兼任审核岗", "staff.disable": "离职", "staff.enable": "返岗",
		"staff.reset": "更换手机，已核验工作证"} {
		es, _, err := ts.Audit.List(context.Background(), audit.Filter{Action: action, PerPage: 10})
		if err != nil || len(es) == 0 || es[0].Detail["reason"] != reason || es[0].StaffID != tm.security.Staff.ID {
			t.Errorf("audit of %s: %+v %v", action, es, err)
		}
	}

	// One's own account: the page offers no form but says why, and a command sent
	// anyway gets the domain's sentence on the page with 403.
	own := "/admin/staff/" + strconv.FormatInt(tm.security.Staff.ID, 10)
	ownPage := c.Get(t, own)
	webtest.WantStatus(t, "own account", ownPage, http.StatusOK)
	if strings.Contains(ownPage.Body.String(), `action="`+own+`/disable"`) || !strings.Contains(ownPage.Body.String(), staff.DenySelf.Msg) {
		t.Error("the own account's page offers 停用 or does not say why not")
	}
	for _, cmd := range []struct {
		path string
		form url.Values
	}{
		{"/roles", url.Values{"expected_roles": {"security"}, "roles": {"security"}, "roles_reason": {"自查"}}},
		{"/disable", url.Values{"state_reason": {"自查"}}},
		{"/reset", url.Values{"reset_reason": {"自查"}}},
	} {
		rec := c.Post(t, own+cmd.path, cmd.form)
		webtest.WantStatus(t, "own "+cmd.path, rec, http.StatusForbidden)
		if got := pageAlert(t, rec); got != staff.DenySelf.Msg {
			t.Errorf("own %s: %q", cmd.path, got)
		}
	}

	webtest.WantStatus(t, "unknown account", c.Get(t, "/admin/staff/999999"), http.StatusNotFound)
	webtest.WantStatus(t, "unparsable account", c.Get(t, "/admin/staff/x1"), http.StatusNotFound)
	webtest.WantStatus(t, "disable an unknown account", c.Post(t, "/admin/staff/999999/disable", url.Values{"state_reason": {"离职"}}),
		http.StatusNotFound)
}

// Other roles get 403 from the list, the account page and every command, and the
// commands change nothing.
func TestStaffAccountsRefusedToOtherRoles(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	clerk, reviewer, auditor := tm.signIn(t, ts)
	target := "/admin/staff/" + strconv.FormatInt(tm.reviewer.Staff.ID, 10)
	for name, c := range map[string]*staffClient{"clerk": clerk, "reviewer": reviewer, "auditor": auditor} {
		for _, path := range []string{"/admin/staff/", target} {
			webtest.WantStatus(t, name+" GET "+path, c.Get(t, path), http.StatusForbidden)
		}
		for path, form := range map[string]url.Values{
			target + "/roles":   {"expected_roles": {"reviewer"}, "roles": {"clerk"}, "roles_reason": {"越权"}},
			target + "/disable": {"state_reason": {"越权"}},
			target + "/enable":  {"state_reason": {"越权"}},
			target + "/reset":   {"reset_reason": {"越权"}},
		} {
			rec := c.Post(t, path, form)
			webtest.WantStatus(t, name+" POST "+path, rec, http.StatusForbidden)
			if !strings.Contains(rec.Body.String(), staff.DenyRole.Msg) {
				t.Errorf("%s POST %s: no 角色 refusal", name, path)
			}
		}
	}
	if st, _ := ts.Staff.Get(context.Background(), tm.reviewer.Staff.ID); st.Roles != staff.RolesOf(staff.RoleReviewer) || st.Disabled {
		t.Errorf("after refused commands: %+v", st)
	}
}
