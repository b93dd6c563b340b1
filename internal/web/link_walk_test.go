package web_test

import (
	"strings"
	"testing"

	"hall/internal/auth"
	"hall/internal/browsertest"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// knownPlaceholders are the 即将开放 pages the hall still links to, each for a
// feature of SPEC not built yet. A link to any other placeholder page fails
// TestLinkWalk; when a feature is built, its line goes (a listed page no walk
// reaches fails the test, so the list cannot outlive what it names).
var knownPlaceholders = map[string]string{}

// linkWalkArea is one audience of the walk: who is signed in (through a session
// made directly, and in a browser through the login form), and where the walk
// starts.
type linkWalkArea struct {
	name    string
	start   []string
	sign    func(t *testing.T, c *webtest.Client)
	browser func(t *testing.T, p *browsertest.Page, base string)
	phone   bool
}

// linkWalkAreas are the hall's audiences on d: signed out, a person, the unit's
// legal rep, its administrator, an agent with two items granted, the operator of
// the unit's institution, and the companion app.
func linkWalkAreas(d webtest.DemoHall) []linkWalkArea {
	unitLogin := func(login, password string) func(t *testing.T, p *browsertest.Page, base string) {
		return func(t *testing.T, p *browsertest.Page, base string) {
			webtest.BrowserUnitLogin(t, p, base, d.Unit.USCC, login, password)
		}
	}
	return []linkWalkArea{
		{name: "anonymous", start: []string{"/", "/app/"}},
		{name: "person", start: []string{"/me", "/"},
			sign: func(t *testing.T, c *webtest.Client) { webtest.SignIn(t, c, auth.Subject{PersonID: d.Rep.ID}) },
			browser: func(t *testing.T, p *browsertest.Page, base string) {
				webtest.BrowserPersonLogin(t, p, base, d.Rep.Mobile, webtest.Password)
			}},
		{name: "legal-rep", start: []string{"/unit/"},
			sign: func(t *testing.T, c *webtest.Client) {
				webtest.SignIn(t, c, webtest.UnitSubject(d.Rep, d.Unit, unit.RoleLegalRep))
			},
			browser: unitLogin(d.Rep.Mobile, webtest.Password)},
		{name: "admin", start: []string{"/unit/"},
			sign: func(t *testing.T, c *webtest.Client) {
				webtest.SignIn(t, c, webtest.UnitSubject(d.Admin, d.Unit, unit.RoleAdmin))
			},
			browser: unitLogin(d.Admin.Mobile, webtest.DemoAdminPassword)},
		{name: "agent", start: []string{"/unit/"},
			sign: func(t *testing.T, c *webtest.Client) {
				webtest.SignIn(t, c, webtest.UnitSubject(d.Agent, d.Unit, unit.RoleAgent))
			},
			browser: unitLogin(d.Agent.Mobile, webtest.AgentPassword)},
		{name: "institution", start: []string{"/institution/"},
			sign: func(t *testing.T, c *webtest.Client) {
				webtest.SignIn(t, c, webtest.InstitutionSubject(d.Institution))
			},
			browser: func(t *testing.T, p *browsertest.Page, base string) {
				p.Open(base + "/login?tab=unit")
				p.Fill("统一社会信用代码/单位编号/机构编号", d.Institution.Number)
				p.Fill("证件号码/移动电话", d.Operator.Mobile)
				p.Fill("密码", webtest.DemoInstitutionPassword)
				p.Click("登录")
				p.WaitURL("/institution/")
			}},
		{name: "app", start: []string{"/app/", "/app/me"}, phone: true,
			sign: func(t *testing.T, c *webtest.Client) { webtest.AppLogin(t, c, d.Agent) },
			browser: func(t *testing.T, p *browsertest.Page, base string) {
				webtest.BrowserAppOpen(t, p, base, d.Agent.Mobile, webtest.Password)
			}},
	}
}

// walkArea walks area a of ts signed in as the area says.
func walkArea(t *testing.T, ts *webtest.TestServer, a linkWalkArea) webtest.WalkResult {
	t.Helper()
	c := webtest.NewClient(ts)
	if a.sign != nil {
		a.sign(t, c)
	}
	session := c.Session()
	before := webtest.TableRows(t, ts)
	res := webtest.LinkWalk{Client: c, Start: a.start, Max: 400, Placeholders: knownPlaceholders, Skip: linkWalkSkip}.Run(t)
	// Nothing the walk fetched (GET only) signed the visitor out.
	if session != "" && c.Session() != session {
		t.Errorf("%s: the session changed during the walk: a GET signs out or rotates it", a.name)
	}
	// Nor did it write anything but what a GET may write (linkWalkWrites).
	after := webtest.TableRows(t, ts)
	for table, n := range after {
		if _, ok := linkWalkWrites[table]; !ok && n != before[table] {
			t.Errorf("%s: the walk's GETs added %d row(s) to %s", a.name, n-before[table], table)
		}
	}
	// seq counts from 1 without gaps (internal/audit): the new records follow the count.
	var changed int
	if err := ts.DB.QueryRow(t.Context(), `SELECT COUNT(*) FROM audit_log WHERE seq > ? AND result <> 'denied'`,
		before["audit_log"]).Scan(&changed); err != nil {
		t.Fatal(err)
	}
	if changed > 0 {
		t.Errorf("%s: the walk's GETs wrote %d audit record(s) of something done", a.name, changed)
	}
	return res
}

// TestLinkWalk follows, breadth-first, every link and GET form of the hall from
// the home page signed out and from each signed-in area (linkWalkAreas), on a hall
// with demo-like data (webtest.NewDemoHall), and fails on any link that answers
// 404 or 5xx, a page without <title> or <main>, and a link to a 即将开放 page not in
// knownPlaceholders (webtest.LinkWalk). The back office's walk:
// admin.TestBackOfficeLinkWalk; the same pages in a browser:
// TestBrowserLinkWalk.
func TestLinkWalk(t *testing.T) {
	ts := webtest.NewTestServer(t)
	d := webtest.NewDemoHall(t, ts, 1401)
	linked := map[string]bool{}
	areas, walked := linkWalkAreas(d), 0
	for _, a := range areas {
		t.Run(a.name, func(t *testing.T) {
			walked++
			res := walkArea(t, ts, a)
			t.Logf("%s: %s", a.name, res.Counts())
			for p := range res.Placeholders {
				linked[p] = true
			}
		})
	}
	if walked < len(areas) {
		return // -run chose some areas: the others may hold the links
	}
	for p, why := range knownPlaceholders {
		if !linked[p] {
			t.Errorf("no page links to the placeholder %s (%s) any more: remove it from knownPlaceholders", p, why)
		}
	}
}

// linkWalkWrites are the tables a GET writes to by design: none of them is a
// change a visitor made.
var linkWalkWrites = map[string]string{
	// Each view of the login page's QR tab (L2) shows a new one-time code.
	"qr_tickets": "a new login QR code per view",
	// ...counted per address for a visitor without a session.
	"throttle_counters": "the rate limits of anonymous requests",
	// A refused business request is audited (unitcenter.businessAuditDenial); the
	// walk checks that every record it causes is such a refusal.
	"audit_log": "refusals",
}

// linkWalkSkip are links the walk leaves: the development SMS outbox (a tool of
// development, not a page of the hall).
func linkWalkSkip(path string) bool {
	return strings.HasPrefix(path, "/dev/")
}
