package admin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/staff"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// The back office's role × route matrix: every route admin.go registers, asked by
// every kind of visitor — nobody, a unit user's hall session presented to the back
// office, a staff member who gave the password without the TOTP code, one still on
// the initial password, and each of the four roles — and on the public listener.

// Who may reach a route (access of a matrixRoute).
const (
	accessPublic = "public" // the login page: everyone
	accessLogout = "logout" // everyone, sent to the login page
	accessOwn    = "own"    // one's own password: any signed-in staff member, the initial password too
	accessStaff  = "staff"  // the home page: any signed-in staff member past the initial password
)

// matrixRoute is one route of admin.go and how to ask it: target (with the
// fixture's IDs for {id}), a form (sent as multipart when multipart), and who may:
// an access above, or the roles allowed.
type matrixRoute struct {
	target    string
	form      url.Values
	multipart bool
	access    string
	roles     []staff.Role
}

// matrixFixture are the IDs the routes with {id} are asked about: an open appeal,
// the release request a clerk recorded for it, and its scan.
type matrixFixture struct{ appeal, request, scan string }

func matrixRoutes(fx matrixFixture) map[string]matrixRoute {
	clerk, reviewer := staff.RoleClerk, staff.RoleReviewer
	noReason := url.Values{"reason": {""}}
	return map[string]matrixRoute{
		"GET /admin/login":    {target: "/admin/login", access: accessPublic},
		"POST /admin/login":   {target: "/admin/login", form: url.Values{"login": {"nobody"}}, access: accessPublic},
		"POST /admin/logout":  {target: "/admin/logout", form: url.Values{}, access: accessLogout},
		"GET /admin/password": {target: "/admin/password", access: accessOwn},
		"POST /admin/password": {target: "/admin/password", form: url.Values{"password": {""}},
			access: accessOwn},
		"GET /admin/{$}": {target: "/admin/", access: accessStaff},

		"GET /admin/staff/new":  {target: "/admin/staff/new", roles: []staff.Role{staff.RoleSecurity}},
		"POST /admin/staff/new": {target: "/admin/staff/new", form: noReason, roles: []staff.Role{staff.RoleSecurity}},
		// Account 2 is the fixture's clerk; without a reason no command changes it.
		"GET /admin/staff/{$}":           {target: "/admin/staff/", roles: []staff.Role{staff.RoleSecurity}},
		"GET /admin/staff/{id}":          {target: "/admin/staff/2", roles: []staff.Role{staff.RoleSecurity}},
		"POST /admin/staff/{id}/roles":   {target: "/admin/staff/2/roles", form: noReason, roles: []staff.Role{staff.RoleSecurity}},
		"POST /admin/staff/{id}/disable": {target: "/admin/staff/2/disable", form: noReason, roles: []staff.Role{staff.RoleSecurity}},
		"POST /admin/staff/{id}/enable":  {target: "/admin/staff/2/enable", form: noReason, roles: []staff.Role{staff.RoleSecurity}},
		"POST /admin/staff/{id}/reset":   {target: "/admin/staff/2/reset", form: noReason, roles: []staff.Role{staff.RoleSecurity}},

		"GET /admin/audit":         {target: "/admin/audit", roles: []staff.Role{staff.RoleAuditor}},
		"POST /admin/audit/export": {target: "/admin/audit/export?action=staff.", form: noReason, roles: []staff.Role{staff.RoleAuditor}},
		"POST /admin/audit/verify": {target: "/admin/audit/verify", form: url.Values{}, roles: []staff.Role{staff.RoleAuditor}},
		"GET /admin/counter/{$}":   {target: "/admin/counter/", roles: []staff.Role{clerk, reviewer}},
		"GET /admin/counter/{id}":  {target: "/admin/counter/" + fx.request, roles: []staff.Role{clerk, reviewer}},
		"GET /admin/scans/{id}":    {target: "/admin/scans/" + fx.scan, roles: []staff.Role{clerk, reviewer}},
		"POST /admin/counter/{id}/approve": {target: "/admin/counter/" + fx.request + "/approve", form: noReason,
			roles: []staff.Role{reviewer}},
		"POST /admin/counter/{id}/reject": {target: "/admin/counter/" + fx.request + "/reject", form: noReason,
			roles: []staff.Role{reviewer}},
		"POST /admin/counter/{id}/resend": {target: "/admin/counter/" + fx.request + "/resend", form: noReason,
			roles: []staff.Role{clerk}},
		"GET /admin/counter/admin-change": {target: "/admin/counter/admin-change", roles: []staff.Role{clerk}},
		"POST /admin/counter/admin-change": {target: "/admin/counter/admin-change", form: noReason, multipart: true,
			roles: []staff.Role{clerk}},
		"GET /admin/counter/unit-registration": {target: "/admin/counter/unit-registration", roles: []staff.Role{clerk}},
		"POST /admin/counter/unit-registration": {target: "/admin/counter/unit-registration", form: noReason, multipart: true,
			roles: []staff.Role{clerk}},
		"GET /admin/counter/password-reset": {target: "/admin/counter/password-reset", roles: []staff.Role{clerk}},
		"POST /admin/counter/password-reset": {target: "/admin/counter/password-reset", form: noReason, multipart: true,
			roles: []staff.Role{clerk}},

		"GET /admin/appeals/{$}":  {target: "/admin/appeals/", roles: []staff.Role{clerk, reviewer}},
		"GET /admin/appeals/{id}": {target: "/admin/appeals/" + fx.appeal, roles: []staff.Role{clerk, reviewer}},
		"POST /admin/appeals/{id}/release": {target: "/admin/appeals/" + fx.appeal + "/release", form: noReason, multipart: true,
			roles: []staff.Role{clerk}},
		"POST /admin/appeals/{id}/reject": {target: "/admin/appeals/" + fx.appeal + "/reject", form: url.Values{"answer": {""}},
			roles: []staff.Role{clerk}},

		"GET /admin/cases/{$}":      {target: "/admin/cases/", roles: []staff.Role{clerk, reviewer}},
		"GET /admin/cases/{id}":     {target: "/admin/cases/999999", roles: []staff.Role{clerk, reviewer}},
		"GET /admin/cases/counter":  {target: "/admin/cases/counter", roles: []staff.Role{clerk}},
		"POST /admin/cases/counter": {target: "/admin/cases/counter", form: noReason, roles: []staff.Role{clerk}},
		"GET /admin/cases/{id}/materials/{material}": {target: "/admin/cases/999999/materials/nosuchmaterial",
			roles: []staff.Role{clerk, reviewer}},
		"GET /admin/cases/{id}/result":   {target: "/admin/cases/999999/result", roles: []staff.Role{clerk, reviewer}},
		"POST /admin/cases/{id}/accept":  {target: "/admin/cases/999999/accept", form: noReason, roles: []staff.Role{clerk}},
		"POST /admin/cases/{id}/refuse":  {target: "/admin/cases/999999/refuse", form: noReason, roles: []staff.Role{clerk}},
		"POST /admin/cases/{id}/approve": {target: "/admin/cases/999999/approve", form: noReason, roles: []staff.Role{reviewer}},
		"POST /admin/cases/{id}/return":  {target: "/admin/cases/999999/return", form: noReason, roles: []staff.Role{reviewer}},
		"POST /admin/cases/{id}/resubmit": {target: "/admin/cases/999999/resubmit", form: noReason,
			roles: []staff.Role{clerk}},

		"GET /admin/notices/{$}":  {target: "/admin/notices/", roles: []staff.Role{clerk, reviewer}},
		"GET /admin/notices/new":  {target: "/admin/notices/new", roles: []staff.Role{clerk}},
		"POST /admin/notices/new": {target: "/admin/notices/new", form: noReason, roles: []staff.Role{clerk}},
		"GET /admin/notices/{id}": {target: "/admin/notices/999999", roles: []staff.Role{clerk, reviewer}},
		"POST /admin/notices/{id}/edit": {target: "/admin/notices/999999/edit", form: noReason,
			roles: []staff.Role{clerk}},
		"POST /admin/notices/{id}/publish": {target: "/admin/notices/999999/publish", form: noReason,
			roles: []staff.Role{reviewer}},
		"POST /admin/notices/{id}/withdraw": {target: "/admin/notices/999999/withdraw", form: noReason,
			roles: []staff.Role{reviewer}},

		"GET /admin/skills/{$}":  {target: "/admin/skills/", roles: []staff.Role{clerk, reviewer}},
		"GET /admin/skills/new":  {target: "/admin/skills/new", roles: []staff.Role{clerk}},
		"POST /admin/skills/new": {target: "/admin/skills/new", form: noReason, roles: []staff.Role{clerk}},
		"GET /admin/skills/{id}": {target: "/admin/skills/999999", roles: []staff.Role{clerk, reviewer}},
		"POST /admin/skills/{id}/approve": {target: "/admin/skills/999999/approve", form: noReason,
			roles: []staff.Role{reviewer}},
		"POST /admin/skills/{id}/return": {target: "/admin/skills/999999/return", form: noReason,
			roles: []staff.Role{reviewer}},

		"GET /admin/registry":       {target: "/admin/registry", roles: []staff.Role{clerk, reviewer}},
		"POST /admin/registry/sync": {target: "/admin/registry/sync", form: noReason, roles: []staff.Role{clerk}},
	}
}

// An answer's kind: the page or command served (ok), 403 (denied), the login page
// (login), or the forced password change (change).
const (
	answerOK     = "ok"
	answerDenied = "denied"
	answerLogin  = "login"
	answerChange = "change"
)

// matrixWant is the answer visitor (a role's name, "anonymous", "unit-session",
// "no-totp" or "initial-password") should get from rt.
func matrixWant(rt matrixRoute, visitor string) string {
	signedIn := visitor != "anonymous" && visitor != "unit-session" && visitor != "no-totp"
	switch {
	case rt.access == accessPublic:
		return answerOK
	case rt.access == accessLogout, !signedIn:
		return answerLogin
	case rt.access == accessOwn:
		return answerOK
	case visitor == "initial-password":
		return answerChange
	case rt.access == accessStaff, slices.Contains(rt.roles, staff.Role(visitor)):
		return answerOK
	}
	return answerDenied
}

func matrixAnswer(rec *httptest.ResponseRecorder) string {
	switch loc := rec.Header().Get("Location"); {
	case rec.Code == http.StatusForbidden:
		return answerDenied
	case rec.Code == http.StatusSeeOther && loc == "/admin/login":
		return answerLogin
	case rec.Code == http.StatusSeeOther && loc == "/admin/password":
		return answerChange
	case rec.Code >= 500:
		return "error " + rec.Body.String()
	}
	return answerOK
}

// adminRoutesOf reads the patterns admin.go registers.
func adminRoutesOf(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("admin.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`HandleAdmin\("([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		out = append(out, m[1])
	}
	return out
}

// TestAdminMatrixRoutesCovered fails when admin.go registers a route the matrix
// has no row for, or the matrix has a row for a route that is gone.
func TestAdminMatrixRoutesCovered(t *testing.T) {
	routes := adminRoutesOf(t)
	rows := matrixRoutes(matrixFixture{})
	if len(routes) < 20 {
		t.Fatalf("found only %d routes in admin.go", len(routes))
	}
	for _, r := range routes {
		if _, ok := rows[r]; !ok {
			t.Errorf("admin.go registers %q, which the role × route matrix does not cover: add a row to matrixRoutes", r)
		}
	}
	for r := range rows {
		if !slices.Contains(routes, r) {
			t.Errorf("the matrix has a row for %q, which admin.go no longer registers", r)
		}
	}
}

// TestAdminRoleMatrix asks every route as every visitor, on the operations listener,
// and each route on the public listener (404).
func TestAdminRoleMatrix(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	ctx := context.Background()
	w := webtest.NewWorld(ts, 61)
	holder := w.Person(t, "石占用")
	appealID, err := ts.Persons.FileAppeal(ctx, person.Appeal{Kind: person.AppealMobileTaken, IDType: ident.IDTypeResident,
		IDNumber: w.IDNumber(), Name: "石申诉", Mobile: holder.Mobile, ContactMobile: w.Mobile()})
	if err != nil {
		t.Fatal(err)
	}
	clerk, reviewer, auditor := tm.signIn(t, ts)
	appeal := "/admin/appeals/" + strconv.FormatInt(appealID, 10)
	rec := clerk.postFile(t, appeal+"/release", url.Values{"reason": {"已核验证件"}}, "id.png", webtest.ScanPNG(t))
	webtest.WantStatus(t, "release", rec, http.StatusSeeOther)
	request := strings.TrimPrefix(rec.Header().Get("Location"), "/admin/counter/")
	scan := strings.TrimPrefix(webtest.ParseHTML(t, clerk.Get(t, "/admin/counter/"+request).Body.String()).
		Must(t, `a[href^="/admin/scans/"]`).AttrOr("href"), "/admin/scans/")
	routes := matrixRoutes(matrixFixture{appeal: strconv.FormatInt(appealID, 10), request: request, scan: scan})

	security := newStaffClient(ts)
	security.Post(t, "/admin/login", url.Values{"login": {tm.security.Staff.Login}, "password": {staffPassword},
		"code": {tm.security.code(t, time.Now())}})
	// A clerk past the password who did not give the TOTP code: no session.
	noTOTP := newStaffClient(ts)
	noTOTP.Post(t, "/admin/login", url.Values{"login": {tm.clerk.Staff.Login}, "password": {staffPassword}})
	// A reviewer still on the initial password (signed in with it and the code).
	initial := newStaffClient(ts)
	fresh, err := ts.Staff.Create(ctx, staff.Actor{StaffID: tm.security.Staff.ID, Login: tm.security.Staff.Login,
		Roles: tm.security.Staff.Roles}, staff.NewStaff{Login: "new.reviewer", Name: "审核员新", Roles: staff.RolesOf(staff.RoleReviewer)}, "新员工入职")
	if err != nil {
		t.Fatal(err)
	}
	webtest.WantRedirect(t, "initial login", initial.Post(t, "/admin/login", url.Values{"login": {"new.reviewer"},
		"password": {fresh.InitialPassword}, "code": {staffMember{fresh}.code(t, time.Now())}}), "/admin/password")
	// A unit's legal rep signed in to the hall, whose cookie reaches the back office.
	u, rep := w.UnitWithRep(t, "示范矩阵有限公司", "石法人")
	unitSession := newStaffClient(ts)
	webtest.SignIn(t, unitSession.Client, webtest.UnitSubject(rep, u, unit.RoleLegalRep))

	visitors := []struct {
		name string
		c    *staffClient
	}{
		{"anonymous", newStaffClient(ts)}, {"unit-session", unitSession}, {"no-totp", noTOTP},
		{"initial-password", initial}, {string(staff.RoleSecurity), security}, {string(staff.RoleClerk), clerk},
		{string(staff.RoleReviewer), reviewer}, {string(staff.RoleAuditor), auditor},
	}
	patterns := make([]string, 0, len(routes))
	for p := range routes {
		patterns = append(patterns, p)
	}
	// The logout last: it ends the visitor's session.
	slices.SortFunc(patterns, func(a, b string) int {
		if (a == "POST /admin/logout") != (b == "POST /admin/logout") {
			if a == "POST /admin/logout" {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	for _, v := range visitors {
		for _, p := range patterns {
			rt := routes[p]
			method := strings.Fields(p)[0]
			var rec *httptest.ResponseRecorder
			switch {
			case rt.multipart:
				rec = v.c.postFile(t, rt.target, rt.form, "", nil)
			case method == http.MethodPost:
				rec = v.c.Post(t, rt.target, rt.form)
			default:
				rec = v.c.Get(t, rt.target)
			}
			if got, want := matrixAnswer(rec), matrixWant(rt, v.name); got != want {
				t.Errorf("%s × %s: %s (%d %s), want %s", v.name, p, got, rec.Code, rec.Header().Get("Location"), want)
			}
		}
	}

	// The public listener knows none of them, signed in or not.
	public := webtest.NewClient(ts)
	for _, p := range patterns {
		rt := routes[p]
		rec := public.Do(t, strings.Fields(p)[0], rt.target, rt.form, nil)
		if rec.Code != http.StatusNotFound {
			t.Errorf("public listener × %s: %d, want 404", p, rec.Code)
		}
	}
	if _, err := ts.Persons.ByMobile(ctx, holder.Mobile); err != nil {
		t.Errorf("the matrix changed what it asked about: the mobile is no longer held: %v", err)
	}
}
