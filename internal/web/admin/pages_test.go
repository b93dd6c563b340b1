package admin

import (
	"context"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/person"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// TestEveryAdminPageRenders renders every back-office page template through the
// request webtest.AdminPageURLs names, as the role it names, and checks what every
// page must have (webtest.CheckPage). It fails when a template has no entry.
func TestEveryAdminPageRenders(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 81)
	holder := w.Person(t, "页面旧主")
	if _, err := ts.Persons.FileAppeal(context.Background(), person.Appeal{Kind: person.AppealMobileTaken, IDType: ident.IDTypeResident,
		IDNumber: w.IDNumber(), Name: "页面申诉", Mobile: holder.Mobile, ContactMobile: w.Mobile()}); err != nil {
		t.Fatal(err)
	}
	rep := w.Person(t, "页面法人")
	u := w.Unit(t, "示范页面办件有限公司", rep)
	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	if _, err := ts.Cases.Apply(context.Background(), cases.Actor{UnitID: u.ID, PersonID: rep.ID, Role: unit.RoleLegalRep},
		cases.ItemEnrolment, url.Values{cases.FieldName: {"页面职工"}, cases.FieldIDNumber: {w.IDNumber()},
			cases.FieldStartMonth: {month}, cases.FieldBase: {"6000"}, cases.FieldTypes: {"pension"}}); err != nil {
		t.Fatal(err)
	}
	clerk, reviewer, auditor := tm.signIn(t, ts)
	webtest.WantRedirect(t, "release", clerk.postFile(t, "/admin/appeals/1/release", url.Values{"reason": {"已核验证件"}}, "id.png",
		webtest.ScanPNG(t)), "/admin/counter/1")
	security := newStaffClient(ts)
	security.Post(t, "/admin/login", url.Values{"login": {tm.security.Staff.Login}, "password": {staffPassword},
		"code": {tm.security.code(t, time.Now())}})
	clients := map[string]*staffClient{"": newStaffClient(ts), "clerk": clerk, "reviewer": reviewer, "auditor": auditor,
		"security": security}

	entries, err := os.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".html"); ok && !e.IsDir() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			p, ok := webtest.AdminPageURLs[name]
			if !ok {
				t.Fatalf("back-office page %q has no entry in webtest.AdminPageURLs: add a request that renders it", name)
			}
			c := clients[p.As]
			rec := c.Get(t, p.Target)
			if p.Form != nil {
				rec = c.Post(t, p.Target, p.Form)
			}
			webtest.WantStatus(t, p.Target, rec, p.Status)
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Fatalf("%s: content type %q", p.Target, ct)
			}
			webtest.CheckPage(t, ts, p.Target, webtest.ParseHTML(t, rec.Body.String()))
		})
	}
}
