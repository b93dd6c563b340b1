package unitcenter

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"hall/internal/auth"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// gateNewPassword is the password the flagged legal rep sets (invented).
const gateNewPassword = "Gate-Own-Pass-2027"

// flagPasswordChange gives p a password issued at the counter (webtest.Password,
// as person.ResetAtCounterTx stores it), so that p must change it.
func flagPasswordChange(t testing.TB, ts *webtest.TestServer, w *webtest.World, p person.Person) {
	t.Helper()
	w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		hash, err := ts.Hasher.Hash(ctx, webtest.Password)
		if err != nil {
			return err
		}
		return ts.Persons.ResetAtCounterTx(ctx, tx, p.ID, hash)
	})
}

// gateTarget is a request for a route pattern: its path values filled in with
// something (the gate answers before any handler reads them).
func gateTarget(pattern string) (method, target string) {
	method, path, _ := strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "{$}", "")
	return method, pathValue.ReplaceAllString(path, "1")
}

var pathValue = regexp.MustCompile(`\{[a-z]+\}`)

// routePattern finds the "METHOD /path" patterns in a routes.go.
var routePattern = regexp.MustCompile(`"([A-Z]+ /[^"]*)"`)

// hallRoutes are the routes of the hall and the app that every audience's routes.go
// and the kit's register (the back office is another listener with its own session
// and its own forced change).
func hallRoutes(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("../*/routes.go")
	if err != nil || len(files) < 4 {
		t.Fatalf("the audiences' routes.go: %v, %v", files, err)
	}
	var out []string
	for _, f := range append(files, "../routes.go") {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range routePattern.FindAllStringSubmatch(string(src), -1) {
			if _, path, _ := strings.Cut(m[1], " "); !strings.HasPrefix(path, "/admin") {
				out = append(out, m[1])
			}
		}
	}
	if len(out) < 60 {
		t.Fatalf("found only %d routes: %v", len(out), out)
	}
	return out
}

// openDuringChange are the routes that answer a person who must change their
// password: leaving, the assets and probes, the display switches and the session
// keep-alive.
var openDuringChange = []string{"POST /logout", "POST /app/logout", "GET /static/", "GET /healthz", "GET /readyz",
	"GET /display/elder", "GET /display/standard", "POST /session/keepalive"}

// While a legal rep must change the password the counter issued, every route of
// the hall and the app that routes.go registers — the unit user center, the
// personal center, the app's confirmations, a new page tomorrow — sends them to the
// change page, GET and POST alike, and changes nothing; the change page says why.
// Only leaving and what acts on nothing stays open. Once the password is changed,
// the center opens.
func TestPasswordChangeForcedOnEveryRoute(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 41)
	u, rep := w.UnitWithRep(t, "示范强制改密有限公司", "欧阳志强")
	flagPasswordChange(t, ts, w, rep)

	inUnit := webtest.NewClient(ts)
	webtest.SignIn(t, inUnit, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	personal := webtest.NewClient(ts)
	webtest.SignIn(t, personal, auth.Subject{PersonID: rep.ID})

	for _, pattern := range hallRoutes(t) {
		if slices.Contains(openDuringChange, pattern) {
			continue // below
		}
		method, target := gateTarget(pattern)
		for _, c := range []struct {
			name   string
			client *webtest.Client
			change string
		}{{"unit session", inUnit, web.PathUnitPasswordChange}, {"personal session", personal, web.PathPersonalPasswordChange}} {
			if target == c.change {
				continue // the change page itself: below
			}
			var form url.Values
			if method == http.MethodPost {
				form = url.Values{}
			}
			rec := c.client.Do(t, method, target, form, nil)
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != c.change {
				t.Errorf("%s %s in a %s: %d %q, want 303 to %s", method, target, c.name, rec.Code, rec.Header().Get("Location"), c.change)
			}
		}
	}

	for _, pattern := range openDuringChange {
		method, target := gateTarget(pattern)
		if method == http.MethodPost {
			continue // leaving and the keep-alive: the rest of the test needs the session
		}
		if target == "/static/" {
			target = "/static/css/hall.css"
		}
		if rec := inUnit.Get(t, target); rec.Header().Get("Location") == web.PathUnitPasswordChange {
			t.Errorf("%s is closed to a person who must change their password", target)
		}
	}
	if code, answer := webtest.KeepAlivePost(t, inUnit, nil); code != http.StatusOK || !answer.OK {
		t.Errorf("the keep-alive: %d %+v", code, answer)
	}

	doc := inUnit.Page(t, web.PathUnitPasswordChange, http.StatusOK)
	if got := doc.Must(t, "[data-forced-change]").TextContent(); got != web.MsgPasswordChangeForced {
		t.Errorf("the change page says %q", got)
	}
	if strings.Contains(doc.Must(t, "form.acs-form").TextContent(), "返回") {
		t.Error("the forced change page offers 返回")
	}
	personal.Page(t, web.PathPersonalPasswordChange, http.StatusOK).Must(t, "[data-forced-change]")

	rec := inUnit.Post(t, web.PathUnitPasswordChange, url.Values{person.FieldCurrentPassword: {webtest.Password},
		person.FieldNewPassword: {gateNewPassword}, person.FieldConfirm: {gateNewPassword}})
	webtest.WantStatus(t, "the change", rec, http.StatusSeeOther)
	for _, target := range []string{"/unit/", "/unit/info", "/unit/agents", "/unit/items"} {
		webtest.WantStatus(t, target+" after the change", inUnit.Get(t, target), http.StatusOK)
	}
	if doc := inUnit.Page(t, web.PathUnitPasswordChange, http.StatusOK); doc.First("[data-forced-change]") != nil {
		t.Error("the change page still says the change is forced")
	}
	if _, err := ts.Persons.Authenticate(context.Background(), rep.IDNumber, gateNewPassword); err != nil {
		t.Errorf("the new password: %v", err)
	}
}

// An administrator whose personal password the counter reset is sent from the unit
// center to the personal center's change page: in the unit center 修改密码 changes the
// unit password, which is not the one the counter issued.
func TestPasswordChangeForcedForAdministrator(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 42)
	u, _ := w.UnitWithRep(t, "示范管理员改密有限公司", "司马宏")
	adm := w.Person(t, "上官敏")
	w.Member(t, unit.Membership{UnitID: u.ID, PersonID: adm.ID, Role: unit.RoleAdmin, Status: unit.StatusActive}, matrixUnitPassword)
	flagPasswordChange(t, ts, w, adm)
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, webtest.UnitSubject(adm, u, unit.RoleAdmin))
	for _, target := range []string{"/unit/", "/unit/account/password", "/me"} {
		webtest.WantRedirect(t, target, c.Get(t, target), web.PathPersonalPasswordChange)
	}
	c.Page(t, web.PathPersonalPasswordChange, http.StatusOK).Must(t, "[data-forced-change]")
}
