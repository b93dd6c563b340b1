package admin

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/web/webtest"
)

// TestBackOfficeLinkWalk follows every link and GET form of the back office on its
// own listener, signed out and as each staff role, on a hall with demo-like data
// (webtest.NewDemoHall: a unit's case) and an appeal released to a counter request:
// no link answers 404 or 5xx, every page has <title> and <main>
// (webtest.LinkWalk), and no link leads to a 即将开放 page. The public hall's walk:
// web.TestLinkWalk.
func TestBackOfficeLinkWalk(t *testing.T) {
	ts := webtest.NewTestServer(t)
	webtest.NewDemoHall(t, ts, 1402)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 1403)
	holder := w.Person(t, "走查旧主")
	if _, err := ts.Persons.FileAppeal(context.Background(), person.Appeal{Kind: person.AppealMobileTaken, IDType: ident.IDTypeResident,
		IDNumber: w.IDNumber(), Name: "走查申诉", Mobile: holder.Mobile, ContactMobile: w.Mobile()}); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Persons.FileAppeal(context.Background(), person.Appeal{Kind: person.AppealMobileTaken, IDType: ident.IDTypeResident,
		IDNumber: w.IDNumber(), Name: "走查待办", Mobile: w.Person(t, "走查另主").Mobile, ContactMobile: w.Mobile()}); err != nil {
		t.Fatal(err)
	}
	clerk, reviewer, auditor := tm.signIn(t, ts)
	webtest.WantRedirect(t, "release", clerk.postFile(t, "/admin/appeals/1/release", url.Values{"reason": {"已核验证件"}}, "id.png",
		webtest.ScanPNG(t)), "/admin/counter/1")
	security := newStaffClient(ts)
	webtest.Redirected(t, security.Post(t, "/admin/login", url.Values{"login": {tm.security.Staff.Login}, "password": {staffPassword},
		"code": {tm.security.code(t, time.Now())}}))
	for _, a := range []struct {
		name string
		c    *staffClient
	}{{"signed-out", newStaffClient(ts)}, {"clerk", clerk}, {"reviewer", reviewer}, {"auditor", auditor}, {"security", security}} {
		t.Run(a.name, func(t *testing.T) {
			before := webtest.TableRows(t, ts)
			res := webtest.LinkWalk{Client: a.c.Client, Start: []string{"/admin/", "/admin/login"}, Max: 300}.Run(t)
			t.Logf("%s: %s", a.name, res.Counts())
			if len(res.Placeholders) > 0 {
				t.Errorf("the back office links to 即将开放 pages: %v", res.Placeholders)
			}
			// Nothing the walk fetched (GET only) wrote to the database but the
			// audit record of each view of a scanned ID document (scan.read: who saw
			// whose papers)...
			for table, n := range webtest.TableRows(t, ts) {
				if n != before[table] && table != "audit_log" {
					t.Errorf("the walk's GETs added %d row(s) to %s", n-before[table], table)
				}
			}
			var done int
			if err := ts.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE seq > ? AND action <> 'scan.read'`,
				before["audit_log"]).Scan(&done); err != nil {
				t.Fatal(err)
			}
			if done > 0 {
				t.Errorf("the walk's GETs wrote %d audit record(s) of something done", done)
			}
			// ...or signed the staff member out.
			if rec := a.c.Get(t, "/admin/"); a.name != "signed-out" && rec.Code != http.StatusOK {
				t.Errorf("after the walk /admin/ answers %d: a GET signed the staff member out", rec.Code)
			}
		})
	}
}
