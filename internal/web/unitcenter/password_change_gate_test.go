package unitcenter

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
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

// gateTarget is a request for a route pattern of the center: its path values
// filled in with something the route accepts in form.
func gateTarget(pattern string) (method, target string) {
	method, path, _ := strings.Cut(pattern, " ")
	path = strings.NewReplacer("{$}", "", "{section}", "cases", "{id}", "1", "{code}", "SB-001").Replace(path)
	return method, path
}

// personalCenterPattern finds the personal center's routes in a routes.go.
var personalCenterPattern = regexp.MustCompile(`"([A-Z]+ /me(?:/[^"]*)?)"`)

// personalCenterRoutes are the /me routes every audience's routes.go registers.
func personalCenterRoutes(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("../*/routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range personalCenterPattern.FindAllStringSubmatch(string(src), -1) {
			out = append(out, m[1])
		}
	}
	if len(out) < 5 {
		t.Fatalf("found only %v under /me", out)
	}
	return out
}

// While a legal rep must change the password the counter issued, every route of
// the unit user center (every /unit/ route routes.go registers: the matrix's list,
// which TestMatrixRoutesCovered keeps complete) and of the personal center (every
// /me route) sends
// them to the change page, GET and POST alike, and changes nothing; the change page
// says why. Once the password is changed, the center opens.
func TestPasswordChangeForcedOnEveryRoute(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 41)
	u, rep := w.UnitWithRep(t, "示范强制改密有限公司", "欧阳志强")
	flagPasswordChange(t, ts, w, rep)

	inUnit := webtest.NewClient(ts)
	webtest.SignIn(t, inUnit, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	personal := webtest.NewClient(ts)
	webtest.SignIn(t, personal, auth.Subject{PersonID: rep.ID})

	routes := append(matrixRoutesOf(t), personalCenterRoutes(t)...)
	for _, pattern := range routes {
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
