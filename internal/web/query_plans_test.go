package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/skills"
	"hall/internal/staff"
	"hall/internal/store/storetest"
	"hall/internal/web/webtest"
)

// smallTables are the tables whose size does not grow with the hall's persons, units
// and their business: a whole read of one of them is no risk at any scale. Every other
// table is taken to be large, so that a new table is checked unless it is named here
// with its reason.
var smallTables = map[string]string{
	"audit_head":           "one row: the chain's head",
	"case_numbers":         "one counter per item and year",
	"catalog_categories":   "the service catalog",
	"catalog_items":        "the service catalog (about a hundred items)",
	"catalog_item_topics":  "the service catalog",
	"catalog_materials":    "the service catalog",
	"catalog_topics":       "the service catalog",
	"demo_loads":           "one row per demo data set",
	"insurance_pull_lease": "one row: the scheduled pull's lease",
	"notices":              "the bureau's notices, a few a month",
	"registry_sync_cursor": "one row: the registry sync's position",
	"schema_migrations":    "one row per migration",
	"staff":                "the bureau's own staff",
	"unit_number_seq":      "one counter",
	"sqlite_sequence":      "SQLite's own counters",
}

// largeTable reports whether a whole read of table is a full scan that matters.
func largeTable(table string) bool {
	_, small := smallTables[strings.ToLower(table)]
	return !small
}

// queryRecorder keeps the first arguments each distinct query was run with.
type queryRecorder struct {
	mu      sync.Mutex
	queries map[string][]any
}

func (r *queryRecorder) observe(q string, args []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, seen := r.queries[q]; !seen {
		r.queries[q] = append([]any(nil), args...)
	}
}

// taken is a copy of the queries recorded so far.
func (r *queryRecorder) taken() map[string][]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][]any, len(r.queries))
	for q, args := range r.queries {
		out[q] = args
	}
	return out
}

// TestHotQueryPlans runs the hall's pages and logins on demo-like data — the link
// walk of every audience (every page a visitor reaches by a link, TestLinkWalk's
// areas), password logins of a person and of a unit, right and wrong, and a 扫码登录
// from its ticket to the session (hotQRLogin) — records every query they send, and
// fails on each whose plan reads the whole of a table that grows with the hall's
// users and their business (largeTable): on a test database such a query is quick,
// on ten million persons it is not. On both engines
// (storetest.FullScans says how each plan is read).
func TestHotQueryPlans(t *testing.T) {
	engines := []struct {
		name   string
		server func(t *testing.T) *webtest.TestServer
	}{
		{"sqlite", func(t *testing.T) *webtest.TestServer { return webtest.NewTestServer(t) }},
		{"postgres", func(t *testing.T) *webtest.TestServer { return webtest.NewPostgresTestServer(t) }},
	}
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			ts := engine.server(t)
			d := webtest.NewDemoHall(t, ts, 1401)
			bo := newBackOffice(t, ts)
			rec := &queryRecorder{queries: map[string][]any{}}
			ts.DB.ObserveQueries(rec.observe)
			for _, a := range linkWalkAreas(d) {
				c := webtest.NewClient(ts)
				if a.sign != nil {
					a.sign(t, c)
				}
				webtest.LinkWalk{Client: c, Start: a.start, Max: 400, Placeholders: knownPlaceholders, Skip: linkWalkSkip}.Run(t)
			}
			hotQRLogin(t, ts, d)
			hotBackOffice(t, ts, d, bo)
			hotLogins(t, ts, d)
			ts.DB.ObserveQueries(nil)

			// A request the server was still answering when the observer was
			// removed may still be telling it (ObserveQueries does not wait): the
			// queries are read under the recorder's lock.
			queries := rec.taken()
			texts := make([]string, 0, len(queries))
			for q := range queries {
				texts = append(texts, q)
			}
			sort.Strings(texts)
			explained := 0
			for _, q := range texts {
				if !explainable(q) {
					continue
				}
				explained++
				scans, err := storetest.FullScans(t.Context(), ts.DB, q, queries[q], largeTable)
				if err != nil {
					t.Errorf("explain %s: %v", oneLine(q), err)
					continue
				}
				for _, s := range scans {
					t.Errorf("full scan of %s (%s) in:\n%s", s.Table, s.Step, oneLine(q))
				}
			}
			// The walks and logins send well over a hundred distinct queries; far fewer
			// means the recording broke, and the test would pass by reading nothing.
			if explained < 100 {
				t.Fatalf("only %d distinct queries recorded", explained)
			}
			t.Logf("%d distinct queries explained", explained)
		})
	}
}

// backOffice is what hotBackOffice needs made before the queries are recorded: the
// clerk and the reviewer (made as `hall staff add` and the security administrator
// make them) and the persons whose mobile numbers the appeals claim. Making them
// runs no page's query; on SQLite an insert into a table other tables refer to shows
// in its plan the foreign key checks that run only while a deferred violation is
// pending, which the hall never leaves.
type backOffice struct {
	clerk, reviewer staff.Created
	holders         []person.Person
	world           *webtest.World
}

// backOfficePassword is the fixture staff's password after their first login.
const backOfficePassword = "Staff-Plans-2026"

func newBackOffice(t *testing.T, ts *webtest.TestServer) backOffice {
	t.Helper()
	_, security := webtest.StaffSecurity(t, ts, "plans.security", "安全员甲", "首次部署", backOfficePassword)
	w := webtest.NewWorld(ts, 1404)
	return backOffice{clerk: webtest.StaffCreate(t, ts, security, "plans.clerk", "窗口员乙", staff.RoleClerk),
		reviewer: webtest.StaffCreate(t, ts, security, "plans.reviewer", "审核员丙", staff.RoleReviewer),
		holders:  []person.Person{w.Person(t, "走查旧主"), w.Person(t, "走查另主")}, world: w}
}

// hotBackOffice walks the back office as its counter staff: two persons file appeals
// (one the clerk releases to a counter request, one left waiting), the clerk opens
// a skill plan for the demo unit, then the clerk and the reviewer sign in (the first
// login sets the password) and follow every link from the home page — the counter
// queue and its tabs, the appeals, the cases to review, the skill plans, each
// request, appeal, case and plan.
func hotBackOffice(t *testing.T, ts *webtest.TestServer, d webtest.DemoHall, bo backOffice) {
	t.Helper()
	ctx := t.Context()
	var filed []int64
	for i, name := range []string{"走查申诉", "走查待办"} {
		id, err := ts.Persons.FileAppeal(ctx, person.Appeal{Kind: person.AppealMobileTaken, IDType: ident.IDTypeResident,
			IDNumber: bo.world.IDNumber(), Name: name, Mobile: bo.holders[i].Mobile, ContactMobile: bo.world.Mobile()})
		if err != nil {
			t.Fatal(err)
		}
		filed = append(filed, id)
	}
	clerk, reviewer := webtest.NewStaffClient(ts), webtest.NewStaffClient(ts)
	webtest.StaffFirstLogin(t, clerk, bo.clerk, backOfficePassword)
	webtest.StaffFirstLogin(t, reviewer, bo.reviewer, backOfficePassword)
	webtest.Redirected(t, clerk.PostFiles(t, "/admin/appeals/"+strconv.FormatInt(filed[0], 10)+"/release",
		url.Values{"reason": {"已核验证件"}}, webtest.FormFile{Field: "scan", Name: "id.png", Body: webtest.ScanPNG(t)}))
	if _, err := ts.Skills.CreatePlan(ctx, webtest.StaffActor(bo.clerk), skills.PlanDraft{UnitUSCC: d.Unit.USCC, Name: "走查鉴定",
		Occupation: "电工", Level: 4, ExamDate: ts.Now().AddDate(0, 1, 0).Format("2006-01-02")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*webtest.Client{clerk, reviewer} {
		webtest.LinkWalk{Client: c, Start: []string{"/admin/"}, Max: 300}.Run(t)
	}
}

// hotLogins signs in by password as a person and as the unit's legal representative,
// and fails one login of each with a wrong password: the login's look-ups, the
// throttle and the session's writes.
func hotLogins(t *testing.T, ts *webtest.TestServer, d webtest.DemoHall) {
	t.Helper()
	for _, try := range []struct {
		path string
		form url.Values
		want int
	}{
		{"/login/person", url.Values{"login": {d.Rep.Mobile}, "password": {webtest.Password}}, http.StatusSeeOther},
		{"/login/person", url.Values{"login": {d.Rep.IDNumber}, "password": {"Wrong-Pass-1"}}, http.StatusUnprocessableEntity},
		{"/login/unit", url.Values{"account": {d.Unit.USCC}, "login": {d.Rep.IDNumber}, "password": {webtest.Password}}, http.StatusSeeOther},
		{"/login/unit", url.Values{"account": {d.Unit.USCC}, "login": {d.Rep.Mobile}, "password": {"Wrong-Pass-1"}}, http.StatusUnprocessableEntity},
	} {
		got := webtest.NewClient(ts).Post(t, try.path, try.form)
		webtest.WantStatus(t, "POST "+try.path, got, try.want)
	}
}

// hotQRLogin runs a unit 扫码登录 to its end: the login page makes the ticket, its
// long poll answers at once each time the state moved past what it has seen
// (waiting, scanned, confirmed), the legal rep's app scans and confirms for the
// unit, and the page signs in with the ticket.
func hotQRLogin(t *testing.T, ts *webtest.TestServer, d webtest.DemoHall) {
	t.Helper()
	browser := webtest.NewClient(ts)
	ticket := browser.Page(t, "/login?tab=unit&method=qr", http.StatusOK).Must(t, "input[name=ticket]").AttrOr("value")
	wait := func(seen, want string) {
		t.Helper()
		rec := browser.Get(t, "/login/qr/wait?"+url.Values{"ticket": {ticket}, "seen": {seen}}.Encode())
		var answer struct {
			State string `json:"state"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || rec.Code != http.StatusOK || answer.State != want {
			t.Fatalf("the QR login's wait after %q: %d %s, want the state %s", seen, rec.Code, webtest.ShortBody(rec.Body.String()), want)
		}
	}
	wait("", "waiting")
	phone := webtest.NewClient(ts)
	webtest.AppLogin(t, phone, d.Rep)
	phone.Page(t, "/app/qr/"+ticket, http.StatusOK)
	wait("waiting", "scanned")
	webtest.Parsed(t, phone.Post(t, "/app/qr/"+ticket, url.Values{"decision": {"confirm"},
		"unit": {strconv.FormatInt(d.Unit.ID, 10)}}), http.StatusOK)
	wait("scanned", "confirmed")
	webtest.WantRedirect(t, "the QR sign-in", browser.Post(t, "/login/qr", url.Values{"ticket": {ticket}, "tab": {"unit"}}), "/unit/")
}

// explainable reports whether q is a statement a plan can be asked for.
func explainable(q string) bool {
	words := strings.Fields(q)
	if len(words) == 0 {
		return false
	}
	switch strings.ToUpper(words[0]) {
	case "SELECT", "WITH", "INSERT", "UPDATE", "DELETE":
		return true
	}
	return false
}

// oneLine folds q's whitespace for the failure message.
func oneLine(q string) string { return strings.Join(strings.Fields(q), " ") }
