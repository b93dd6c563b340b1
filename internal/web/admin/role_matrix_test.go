package admin

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
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

	"hall/internal/auth"
	"hall/internal/counter"
	"hall/internal/scans"
	"hall/internal/staff"
	"hall/internal/web/webtest"
)

// The back office's role × route matrix (issue 12, 三员分立): every route admin.go
// registers, asked by every staff role, by a staff member who has not changed the
// initial password, by a visitor without a session, by a hall session presented to
// the back office, and on the public listener, with the answer each cell must get.
// TestAdminMatrixRoutesCovered fails when admin.go gains a route without a row.

// Subjects of the matrix.
const (
	amClerk    = "clerk"
	amReviewer = "reviewer"
	amSecurity = "security"
	amAuditor  = "auditor"
	amMust     = "initial password"
	amAnon     = "no session"
	amHall     = "hall session"
	amPublic   = "public listener"
)

var amSubjects = []string{amClerk, amReviewer, amSecurity, amAuditor, amMust, amAnon, amHall, amPublic}

// amOutcome is a cell: the status, and for a 303 where it leads.
type amOutcome struct {
	status   int
	location string
}

func (o amOutcome) String() string {
	if o.location != "" {
		return fmt.Sprintf("%d → %s", o.status, o.location)
	}
	return strconv.Itoa(o.status)
}

var (
	amOK        = amOutcome{status: http.StatusOK}
	amForbidden = amOutcome{status: http.StatusForbidden}
	amToLogin   = amOutcome{http.StatusSeeOther, "/admin/login"}
	amToChange  = amOutcome{http.StatusSeeOther, "/admin/password"}
	amNotFound  = amOutcome{status: http.StatusNotFound}
)

// amRow is one route: how to ask it (the target may need a fresh request of the
// counter, made by newTarget), and the answer of each role that signs in; those of
// the other subjects follow from the route (amOthers).
type amRow struct {
	pattern string
	target  func(t *testing.T, fx *amFixture) string
	form    url.Values
	files   bool // sent as multipart
	roles   map[string]amOutcome
}

// allowOnly answers ok for the roles named and 403 for the others.
func allowOnly(ok amOutcome, roles ...string) map[string]amOutcome {
	out := map[string]amOutcome{}
	for _, r := range []string{amClerk, amReviewer, amSecurity, amAuditor} {
		out[r] = amForbidden
		if slices.Contains(roles, r) {
			out[r] = ok
		}
	}
	return out
}

func fixed(path string) func(*testing.T, *amFixture) string {
	return func(*testing.T, *amFixture) string { return path }
}

// amRows is the matrix, in the order of admin.go.
func amRows() []amRow {
	all := allowOnly(amOK, amClerk, amReviewer, amSecurity, amAuditor)
	reason := url.Values{"reason": {"核验材料后办理"}}
	return []amRow{
		{pattern: "GET /admin/login", target: fixed("/admin/login"), roles: all},
		{pattern: "POST /admin/login", target: fixed("/admin/login"), form: url.Values{}, roles: all},
		{pattern: "GET /admin/password", target: fixed("/admin/password"), roles: all},
		{pattern: "POST /admin/password", target: fixed("/admin/password"), form: url.Values{}, roles: all},
		{pattern: "GET /admin/{$}", target: fixed("/admin/"), roles: all},
		{pattern: "GET /admin/staff/new", target: fixed("/admin/staff/new"), roles: allowOnly(amOK, amSecurity)},
		{pattern: "POST /admin/staff/new", target: fixed("/admin/staff/new"), form: url.Values{}, roles: allowOnly(amOK, amSecurity)},
		{pattern: "GET /admin/audit", target: fixed("/admin/audit"), roles: allowOnly(amOK, amAuditor)},
		{pattern: "POST /admin/audit/export", target: fixed("/admin/audit/export"), form: url.Values{}, roles: allowOnly(amOK, amAuditor)},
		{pattern: "POST /admin/audit/verify", target: fixed("/admin/audit/verify"), form: url.Values{}, roles: allowOnly(amOK, amAuditor)},
		{pattern: "GET /admin/counter/unit-registration", target: fixed("/admin/counter/unit-registration"), roles: allowOnly(amOK, amClerk)},
		{pattern: "POST /admin/counter/unit-registration", target: fixed("/admin/counter/unit-registration"), files: true,
			roles: allowOnly(amOK, amClerk)},
		{pattern: "GET /admin/counter/password-reset", target: fixed("/admin/counter/password-reset"), roles: allowOnly(amOK, amClerk)},
		{pattern: "POST /admin/counter/password-reset", target: fixed("/admin/counter/password-reset"), files: true,
			roles: allowOnly(amOK, amClerk)},
		{pattern: "GET /admin/counter/{$}", target: fixed("/admin/counter/"), roles: allowOnly(amOK, amClerk, amReviewer)},
		{pattern: "GET /admin/counter/{id}", target: func(t *testing.T, fx *amFixture) string { return fx.request(t, false) },
			roles: allowOnly(amOK, amClerk, amReviewer)},
		{pattern: "POST /admin/counter/{id}/approve", form: reason,
			target: func(t *testing.T, fx *amFixture) string { return fx.request(t, false) + "/approve" },
			roles:  allowOnly(amOutcome{status: http.StatusSeeOther}, amReviewer)},
		{pattern: "POST /admin/counter/{id}/reject", form: reason,
			target: func(t *testing.T, fx *amFixture) string { return fx.request(t, false) + "/reject" },
			roles:  allowOnly(amOutcome{status: http.StatusSeeOther}, amReviewer)},
		{pattern: "POST /admin/counter/{id}/resend", form: reason,
			target: func(t *testing.T, fx *amFixture) string { return fx.request(t, true) + "/resend" },
			roles:  allowOnly(amOutcome{status: http.StatusSeeOther}, amClerk)},
		{pattern: "GET /admin/scans/{id}", target: func(t *testing.T, fx *amFixture) string { return fx.scan(t) },
			roles: allowOnly(amOK, amClerk, amReviewer)},
		// Last: it ends the subjects' sessions.
		{pattern: "POST /admin/logout", target: fixed("/admin/logout"), form: url.Values{},
			roles: allowOnly(amToLogin, amClerk, amReviewer, amSecurity, amAuditor)},
	}
}

// amOthers is the answer of the subjects that do not sign in as a role: no session
// and a hall session go to the login page, a staff member with the initial password
// to the password page (the login and password pages answer them as they are), and
// the public listener knows no route of the back office.
func amOthers(pattern string) map[string]amOutcome {
	out := map[string]amOutcome{amAnon: amToLogin, amHall: amToLogin, amMust: amToChange, amPublic: amNotFound}
	switch pattern {
	case "GET /admin/login", "POST /admin/login":
		out[amAnon], out[amHall], out[amMust] = amOK, amOK, amOK
	case "POST /admin/logout":
		out[amMust] = amToLogin
	case "GET /admin/password", "POST /admin/password":
		out[amMust] = amOK
	}
	return out
}

// amFixture is the team signed in, each subject's client, and the makings of
// counter requests.
type amFixture struct {
	ts      *webtest.TestServer
	clients map[string]*staffClient
	public  *webtest.Client
	clerk   staff.Actor
	review  staff.Actor
	world   *webtest.World
}

func amBuild(t *testing.T) *amFixture {
	t.Helper()
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	fx := &amFixture{ts: ts, clients: map[string]*staffClient{}, world: webtest.NewWorld(ts, 51)}
	fx.clients[amClerk], fx.clients[amReviewer], fx.clients[amAuditor] = tm.signIn(t, ts)
	sec := newStaffClient(ts)
	rec := sec.Post(t, "/admin/login", url.Values{"login": {tm.security.Staff.Login}, "password": {staffPassword},
		"code": {tm.security.code(t, time.Now())}})
	webtest.WantRedirect(t, "security administrator's login", rec, "/admin/")
	fx.clients[amSecurity] = sec

	actor := staff.Actor{StaffID: tm.security.Staff.ID, Login: tm.security.Staff.Login, Roles: tm.security.Staff.Roles}
	fresh, err := ts.Staff.Create(context.Background(), actor, staff.NewStaff{Login: "counter.new", Name: "新员工己",
		Roles: staff.RolesOf(staff.RoleClerk)}, "新员工入职")
	if err != nil {
		t.Fatal(err)
	}
	must := newStaffClient(ts)
	rec = must.Post(t, "/admin/login", url.Values{"login": {fresh.Staff.Login}, "password": {fresh.InitialPassword},
		"code": {staffMember{fresh}.code(t, time.Now())}})
	webtest.WantRedirect(t, "first login", rec, "/admin/password")
	fx.clients[amMust] = must
	fx.clients[amAnon] = newStaffClient(ts)

	w := fx.world
	u, rep := w.UnitWithRep(t, "示范矩阵有限公司", "钟离杰")
	hall := webtest.NewClient(ts)
	webtest.SignIn(t, hall, auth.Subject{PersonID: rep.ID, UnitID: u.ID, Role: auth.RoleLegalRep})
	hallInBackOffice := newStaffClient(ts)
	for _, name := range []string{ts.CookieName("hall_session"), sessionCookie} {
		hallInBackOffice.Cookies[name] = &http.Cookie{Name: name, Value: hall.Session()}
	}
	fx.clients[amHall] = hallInBackOffice
	fx.public = webtest.NewClient(ts)
	webtest.SignIn(t, fx.public, auth.Subject{PersonID: rep.ID})

	fx.clerk = staff.Actor{StaffID: tm.clerk.Staff.ID, Login: tm.clerk.Staff.Login, Roles: tm.clerk.Staff.Roles}
	fx.review = staff.Actor{StaffID: tm.reviewer.Staff.ID, Login: tm.reviewer.Staff.Login, Roles: tm.reviewer.Staff.Roles}
	return fx
}

// request records a password reset for a new person (and approves it when
// approved) and returns its page.
func (fx *amFixture) request(t *testing.T, approved bool) string {
	t.Helper()
	ctx := context.Background()
	p := fx.world.Person(t, "矩阵"+strconv.Itoa(int(fx.world.Generator.Uint64()%100000)))
	q, err := fx.ts.Counter.SubmitPasswordReset(ctx, fx.clerk, counter.PasswordResetInput{Person: counter.Identity{IDType: p.IDType,
		IDNumber: p.IDNumber, Name: p.Name}}, "本人持证件到窗口", []scans.Upload{{Kind: scans.KindIDCard, Name: "id.png",
		Body: bytes.NewReader(scanPNG(t))}})
	if err != nil {
		t.Fatal(err)
	}
	if approved {
		if _, err := fx.ts.Counter.Approve(ctx, fx.review, q.ID, "证件一致"); err != nil {
			t.Fatal(err)
		}
	}
	return "/admin/counter/" + strconv.FormatInt(q.ID, 10)
}

// scan is the download of a new request's scan.
func (fx *amFixture) scan(t *testing.T) string {
	t.Helper()
	id, _ := strconv.ParseInt(strings.TrimPrefix(fx.request(t, false), "/admin/counter/"), 10, 64)
	list, err := fx.ts.Scans.List(context.Background(), id)
	if err != nil || len(list) != 1 {
		t.Fatalf("scans of request %d: %v, %v", id, list, err)
	}
	return "/admin/scans/" + list[0].ID
}

// ask sends the row's request as subj.
func (fx *amFixture) ask(t *testing.T, row amRow, subj string) amOutcome {
	t.Helper()
	method, _, _ := strings.Cut(row.pattern, " ")
	target := row.target(t, fx)
	var r *http.Request
	switch {
	case row.files:
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("reason", "核验材料后办理")
		_ = mw.Close()
		r = httptest.NewRequest(method, target, &body)
		r.Header.Set("Content-Type", mw.FormDataContentType())
	case row.form != nil:
		r = httptest.NewRequest(method, target, strings.NewReader(row.form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		r = httptest.NewRequest(method, target, nil)
	}
	var rec *httptest.ResponseRecorder
	if subj == amPublic {
		rec = fx.public.Send(t, r)
	} else {
		rec = fx.clients[subj].Send(t, r)
	}
	out := amOutcome{status: rec.Code}
	if rec.Code == http.StatusSeeOther {
		out.location = rec.Header().Get("Location")
	}
	return out
}

// TestAdminRoleMatrix asks every route as every subject.
func TestAdminRoleMatrix(t *testing.T) {
	fx := amBuild(t)
	var report strings.Builder
	for _, row := range amRows() {
		want := amOthers(row.pattern)
		for role, o := range row.roles {
			want[role] = o
		}
		fmt.Fprintf(&report, "%s\n", row.pattern)
		for _, subj := range amSubjects {
			got := fx.ask(t, row, subj)
			w := want[subj]
			// A 303 of a command leads back to its request: where is the row's own.
			if got.status != w.status || (w.location != "" && got.location != w.location) {
				t.Errorf("%s as %s: %v, want %v", row.pattern, subj, got, w)
			}
			fmt.Fprintf(&report, "    %-16s %v\n", subj, got)
		}
	}
	t.Log(report.String())
}

// amRoutePattern finds the routes admin.go registers.
var amRoutePattern = regexp.MustCompile(`HandleAdmin\("([A-Z]+ /admin[^"]*)"`)

// TestAdminMatrixRoutesCovered fails when admin.go registers a route the matrix has
// no row for, or the matrix has a row for a route that is gone.
func TestAdminMatrixRoutesCovered(t *testing.T) {
	src, err := os.ReadFile("admin.go")
	if err != nil {
		t.Fatal(err)
	}
	var registered []string
	for _, m := range amRoutePattern.FindAllStringSubmatch(string(src), -1) {
		registered = append(registered, m[1])
	}
	var rows []string
	for _, r := range amRows() {
		rows = append(rows, r.pattern)
		if len(r.roles) != 4 {
			t.Errorf("row %s answers %d roles, want 4", r.pattern, len(r.roles))
		}
	}
	for _, r := range registered {
		if !slices.Contains(rows, r) {
			t.Errorf("admin.go registers %q, which the role matrix has no row for: add it to amRows", r)
		}
	}
	for _, r := range rows {
		if !slices.Contains(registered, r) {
			t.Errorf("the role matrix has a row for %q, which admin.go no longer registers", r)
		}
	}
	if len(registered) < 15 {
		t.Errorf("found only %d routes in admin.go", len(registered))
	}
}
