package unitcenter

import (
	"errors"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/cases"
	"hall/internal/delegation"
	"hall/internal/unit"
)

// businessCast is a unit with one person in every situation the business routes know.
type businessCast struct {
	ts      *webtest.TestServer
	u       unit.Unit
	clients map[string]*webtest.Client // by situation
	tokens  map[string]string
}

var (
	businessMsgExpired    = delegation.ReasonExpired.Message()
	businessMsgOutOfScope = delegation.ReasonOutOfScope.Message()
	businessMsgPending    = delegation.ReasonNotConfirmed.Message()
	businessMsgNotStarted = delegation.ReasonNotStarted.Message()
)

// businessNewCast makes the unit and signs in: the legal rep; an admin inside its
// validity and one past it; an agent granted SB-001 and JY-005 (confirmed in the
// app); an agent past its validity; a pending agent; an agent whose validity has
// not begun; a person signed in without a unit; and nobody.
func businessNewCast(t *testing.T, ts *webtest.TestServer, seed uint64) *businessCast {
	t.Helper()
	fx := webtest.Invite(t, ts, seed, "SB-001", "JY-005")
	webtest.ConfirmInvitation(t, ts, fx.Invitation.ID, fx.Agent, webtest.AgentPassword)
	w, u := fx.World, fx.Unit
	now := ts.Now()
	past, soon, later := now.Add(-time.Hour), now.Add(24*time.Hour), now.Add(48*time.Hour)
	people := []struct {
		who, name string
		m         unit.Membership
	}{
		{"admin", "常知微", unit.Membership{Role: unit.RoleAdmin, Status: unit.StatusActive, ValidUntil: &soon}},
		{"expired admin", "祁望舒", unit.Membership{Role: unit.RoleAdmin, Status: unit.StatusActive, ValidUntil: &past}},
		{"expired agent", "卫晴川", unit.Membership{Role: unit.RoleAgent, Status: unit.StatusActive, ValidUntil: &past}},
		{"pending agent", "鲁星澜", unit.Membership{Role: unit.RoleAgent, Status: unit.StatusPending, ValidUntil: &soon}},
		{"not-yet agent", "费南枝", unit.Membership{Role: unit.RoleAgent, Status: unit.StatusActive, ValidFrom: &soon, ValidUntil: &later}},
	}
	c := &businessCast{ts: ts, u: u, clients: map[string]*webtest.Client{}, tokens: map[string]string{}}
	sign := func(name string, subj auth.Subject) {
		cl := webtest.NewClient(ts)
		webtest.SignIn(t, cl, subj)
		c.clients[name], c.tokens[name] = cl, cl.Session()
	}
	sign("legal rep", webtest.UnitSubject(fx.Rep, u, unit.RoleLegalRep))
	sign("agent", webtest.UnitSubject(fx.Agent, u, unit.RoleAgent))
	for _, pp := range people {
		name, m := pp.who, pp.m
		p := w.Person(t, pp.name)
		m.UnitID, m.PersonID = u.ID, p.ID
		if name == "expired admin" {
			// The admin slot is taken by "admin": this one acts for a unit of its own.
			other := w.Unit(t, "示范远帆物流有限公司", w.Person(t, "柏远舟"))
			m.UnitID = other.ID
			w.Member(t, m, "Agt-Member-Pass-1")
			sign(name, webtest.UnitSubject(p, other, m.Role))
			continue
		}
		w.Member(t, m, "Agt-Member-Pass-1")
		sign(name, webtest.UnitSubject(p, u, m.Role))
	}
	sign("person", auth.Subject{PersonID: fx.Rep.ID})
	c.clients["nobody"] = webtest.NewClient(ts)
	return c
}

// businessListed reads every page of 可办理业务: the item codes shown enabled and the
// disabled ones with their reasons.
func businessListed(t *testing.T, c *webtest.Client, first string) (allowed []string, disabled map[string]string) {
	t.Helper()
	disabled = map[string]string{}
	for target := first; target != ""; {
		doc := c.Page(t, target, http.StatusOK)
		for _, tr := range doc.All("table.agt-items tbody tr") {
			code := tr.AttrOr("data-code")
			if tr.HasClass("agt-allowed") {
				if tr.First(`a[href="/unit/items/`+code+`"]`) == nil {
					t.Errorf("%s: enabled without a link", code)
				}
				allowed = append(allowed, code)
			} else {
				if tr.First("a") != nil {
					t.Errorf("%s: disabled with a link", code)
				}
				disabled[code] = tr.Must(t, ".agt-reason").TextContent()
			}
		}
		target = ""
		if next := doc.First(`.pagination a[rel="next"]`); next != nil {
			target = next.AttrOr("href")
		}
	}
	return allowed, disabled
}

// TestBusinessItemsWhoSeesWhat is the table of who sees what on /unit/items.
func TestBusinessItemsWhoSeesWhat(t *testing.T) {
	ts := webtest.NewTestServer(t)
	cast := businessNewCast(t, ts, 511)
	var unitItems []string
	for page := 1; ; page++ {
		items, total, err := ts.Catalog.List(t.Context(), cases.Filter{Applicant: cases.ApplicantUnit, Page: page, PerPage: cases.MaxPerPage})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			unitItems = append(unitItems, it.Code)
		}
		if len(unitItems) >= total {
			break
		}
	}
	if len(unitItems) <= businessItemPerPage {
		t.Fatalf("only %d unit items: the list is not paged", len(unitItems))
	}
	slices.Sort(unitItems)
	for _, tc := range []struct {
		who      string
		allowed  []string // nil: every unit item
		status   int      // Other than 200
		reason   string   // shown on the refusal
		location string   // of a redirect
	}{
		{who: "legal rep"},
		{who: "admin"},
		{who: "agent", allowed: []string{"JY-005", "SB-001"}},
		{who: "expired admin", status: http.StatusForbidden, reason: businessMsgExpired},
		{who: "expired agent", status: http.StatusForbidden, reason: businessMsgExpired},
		{who: "pending agent", status: http.StatusForbidden, reason: businessMsgPending},
		{who: "not-yet agent", status: http.StatusForbidden, reason: businessMsgNotStarted},
		{who: "person", status: http.StatusSeeOther, location: "/unit/choose"},
		{who: "nobody", status: http.StatusSeeOther, location: "/login?tab=unit&next=%2Funit%2Fitems"},
	} {
		t.Run(tc.who, func(t *testing.T) {
			c := cast.clients[tc.who]
			if tc.status != 0 {
				rec := c.Get(t, "/unit/items")
				webtest.WantStatus(t, tc.who, rec, tc.status)
				if tc.location != "" && rec.Header().Get("Location") != tc.location {
					t.Errorf("redirect to %q, want %q", rec.Header().Get("Location"), tc.location)
				}
				if tc.reason != "" {
					doc := webtest.ParseHTML(t, rec.Body.String())
					if got := doc.Must(t, ".agt-denied .alert-error").TextContent(); got != tc.reason {
						t.Errorf("reason %q, want %q", got, tc.reason)
					}
					// The session ended with the refusal: the next request is the login.
					if loc := webtest.Redirected(t, c.Get(t, "/unit/items")); !strings.HasPrefix(loc, "/login?tab=unit") {
						t.Errorf("next request → %q", loc)
					}
				}
				return
			}
			doc := c.Page(t, "/unit/items", http.StatusOK)
			webtest.CheckPage(t, ts, "/unit/items", doc)
			allowed, disabled := businessListed(t, c, "/unit/items")
			slices.Sort(allowed)
			want := tc.allowed
			if want == nil {
				want = unitItems
			}
			if !slices.Equal(allowed, want) {
				t.Errorf("enabled %v, want %v", allowed, want)
			}
			if len(allowed)+len(disabled) != len(unitItems) {
				t.Errorf("%d enabled + %d disabled rows, want %d unit items", len(allowed), len(disabled), len(unitItems))
			}
			for code, reason := range disabled {
				if reason != businessMsgOutOfScope {
					t.Errorf("%s disabled with %q", code, reason)
				}
			}
			if (doc.First(".agt-scope-note") != nil) != (tc.allowed != nil) {
				t.Error("the scope note is shown to the wrong person")
			}
			if tc.allowed != nil {
				// 只看可办理的事项 leaves the granted items only.
				only, none := businessListed(t, c, "/unit/items?only=1")
				slices.Sort(only)
				if !slices.Equal(only, tc.allowed) || len(none) != 0 {
					t.Errorf("only=1: %v and %v", only, none)
				}
				// One category.
				cat, _ := businessListed(t, c, "/unit/items?category=SB")
				if !slices.Equal(cat, []string{"SB-001"}) {
					t.Errorf("category SB: %v", cat)
				}
			}
		})
	}
}

// TestBusinessItemAccess is the table of who may open which item page.
func TestBusinessItemAccess(t *testing.T) {
	ts := webtest.NewTestServer(t)
	cast := businessNewCast(t, ts, 512)
	for _, tc := range []struct {
		who, code string
		status    int
		text      string // in the page's main
	}{
		{"legal rep", "SB-001", 200, "企业社会保险登记"},
		{"legal rep", "SB-010", 200, "该事项需到人社经办窗口办理"},
		{"legal rep", "SB-013", 200, "工伤认定申请"}, // for persons and units
		{"legal rep", "JY-010", 404, "不是单位办理的事项"},
		{"legal rep", "NO-999", 404, "事项不存在"},
		{"legal rep", "sb-001", 404, "事项不存在"},
		{"admin", "LD-002", 200, "劳务派遣经营许可"},
		{"agent", "SB-001", 200, "企业社会保险登记"},
		{"agent", "JY-005", 200, "录用备案"},
		{"agent", "SB-002", 403, businessMsgOutOfScope},
		{"agent", "JY-010", 403, businessMsgOutOfScope},
		{"agent", "NO-999", 403, businessMsgOutOfScope},
		{"expired agent", "SB-001", 403, businessMsgExpired},
		{"expired admin", "SB-001", 403, businessMsgExpired},
		{"pending agent", "SB-001", 403, businessMsgPending},
		{"nobody", "SB-001", 303, ""},
		{"person", "SB-001", 303, ""},
	} {
		t.Run(tc.who+" "+tc.code, func(t *testing.T) {
			c := cast.clients[tc.who]
			if strings.Contains(tc.who, "expired") || strings.Contains(tc.who, "pending") {
				c.SetSession(cast.tokens[tc.who]) // (ended by an earlier case, it is refused the same)
			}
			rec := c.Get(t, "/unit/items/"+tc.code)
			webtest.WantStatus(t, tc.who+" "+tc.code, rec, tc.status)
			if tc.status == 303 {
				return
			}
			doc := webtest.ParseHTML(t, rec.Body.String())
			if main := doc.Must(t, "main").TextContent(); !strings.Contains(main, tc.text) {
				t.Errorf("page lacks %q", tc.text)
			}
			if tc.status != http.StatusNotFound {
				webtest.CheckPage(t, ts, "/unit/items/"+tc.code, doc)
			}
		})
	}

	// The item page: facts from the catalog; an item without an online form has
	// 到窗口办理, to the page saying what to bring and where.
	doc := cast.clients["agent"].Page(t, "/unit/items/SB-001", http.StatusOK)
	it, err := ts.Catalog.Get(t.Context(), "SB-001")
	if err != nil {
		t.Fatal(err)
	}
	facts := map[string]string{}
	for _, d := range doc.All("dl.facts > div") {
		facts[d.Must(t, "dt").TextContent()] = d.Must(t, "dd").TextContent()
	}
	for k, want := range map[string]string{"事项编码": it.Code, "事项类别": it.CategoryName, "办理方式": it.Channel.Label(),
		"承诺期限": it.PromisedText(), "法定期限": it.LegalText()} {
		if facts[k] != want {
			t.Errorf("%s = %q, want %q", k, facts[k], want)
		}
	}
	var apply string
	for _, a := range doc.All(".agt-apply a") {
		switch a.TextContent() {
		case "到窗口办理":
			apply = a.AttrOr("href")
		case "开始办理":
			t.Errorf("an item without an online form offers 开始办理 → %q", a.AttrOr("href"))
		}
	}
	if apply != "/unit/items/SB-001/counter" {
		t.Fatalf("到窗口办理 → %q", apply)
	}
	counter := cast.clients["agent"].Page(t, apply, http.StatusOK)
	if h1 := counter.Must(t, "h1").TextContent(); h1 != it.Name+" · 到窗口办理" {
		t.Errorf("h1 %q", h1)
	}
	if strings.Contains(counter.TextContent(), "即将开放") {
		t.Error("the counter page says 即将开放")
	}
	if len(it.Materials) == 0 {
		t.Fatal("the test needs an item with materials in the catalog")
	}
	rows := counter.All(`table[data-counter-materials] tbody tr`)
	if len(rows) != len(it.Materials) {
		t.Fatalf("%d material rows, the catalog has %d", len(rows), len(it.Materials))
	}
	for i, m := range it.Materials {
		if name := rows[i].Must(t, `td[data-label="材料名称"]`).TextContent(); name != m.Name {
			t.Errorf("material %d: %q, want %q", i, name, m.Name)
		}
	}
	if where := counter.Must(t, "[data-counter-where]").TextContent(); !strings.Contains(where, ts.Config.BureauName) ||
		!strings.Contains(where, "窗口") {
		t.Errorf("where: %q", where)
	}
	if counter.First(`a[href="/unit/items/SB-001"]`) == nil {
		t.Error("no way back to the item")
	}
	webtest.CheckPage(t, ts, apply, counter)

	// Refusals are audited with the reason.
	entries, _, err := ts.Audit.List(t.Context(), audit.Filter{UnitID: cast.u.ID, Action: "business.open"})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, e := range entries {
		if e.Target == "item:SB-002" && e.Result == audit.Denied && e.Detail["reason"] == string(delegation.ReasonOutOfScope) && e.Role == "agent" {
			found = true
		}
	}
	if !found {
		t.Errorf("no audit record of the refused SB-002: %+v", entries)
	}
}

// TestBusinessFreshCheck: the check reads the grant on every request: a widened scope works
// at once in the same session, a narrowed one ends it, and the end of the validity
// refuses the next request although nothing else happened.
func TestBusinessFreshCheck(t *testing.T) {
	clk := webtest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clk))
	fx := webtest.Invite(t, ts, 513, "SB-001")
	webtest.ConfirmInvitation(t, ts, fx.Invitation.ID, fx.Agent, webtest.AgentPassword)
	m, err := webtest.MembershipOf(t, ts, fx.Unit.ID, fx.Agent.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := webtest.NewClient(ts)
	webtest.WantRedirect(t, "unit login", c.Post(t, "/login/unit", url.Values{"account": {fx.Unit.USCC}, "login": {fx.Agent.Mobile},
		"password": {webtest.AgentPassword}}), "/unit/")
	token := c.Session()
	webtest.WantStatus(t, "SB-002 before", c.Get(t, "/unit/items/SB-002"), http.StatusForbidden)

	rep := delegation.Actor{PersonID: fx.Rep.ID}
	until := *m.ValidUntil
	if err := ts.Delegation.ChangeAgent(t.Context(), rep, fx.Unit.ID, m.ID, []string{"SB-001", "SB-002"}, time.Time{}, until); err != nil {
		t.Fatal(err)
	}
	webtest.WantStatus(t, "SB-002 after widening", c.Get(t, "/unit/items/SB-002"), http.StatusOK)
	if c.Session() != token {
		t.Error("widening the scope changed the session")
	}

	// Near the end (sessions last hours, the grant days): a fresh login.
	clk.Advance(until.Sub(clk.Now()) - 2*time.Minute)
	webtest.WantRedirect(t, "unit login near the end", c.Post(t, "/login/unit", url.Values{"account": {fx.Unit.USCC},
		"login": {fx.Agent.Mobile}, "password": {webtest.AgentPassword}}), "/unit/")
	token = c.Session()
	webtest.WantStatus(t, "two minutes before the end", c.Get(t, "/unit/items/SB-001"), http.StatusOK)
	clk.Advance(2 * time.Minute)
	doc := webtest.Parsed(t, c.Get(t, "/unit/items/SB-001"), http.StatusForbidden)
	if got := doc.Must(t, ".alert-error").TextContent(); got != businessMsgExpired {
		t.Errorf("at the end: %q", got)
	}
	if _, err := ts.Sessions.Lookup(t.Context(), token); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("the expired agent's session lives on: %v", err)
	}
	if loc := webtest.Redirected(t, c.Get(t, "/unit/items/SB-001")); !strings.HasPrefix(loc, "/login?tab=unit") {
		t.Errorf("after the end → %q", loc)
	}
	// The login refuses the expired grant too.
	rec := c.Post(t, "/login/unit", url.Values{"account": {fx.Unit.USCC}, "login": {fx.Agent.Mobile}, "password": {webtest.AgentPassword}})
	webtest.WantStatus(t, "login after the end", rec, http.StatusForbidden)
}

// TestBusinessNarrowAndRemove: narrowing the scope or removing the agent ends the live
// Session; the next request is the login page.
func TestBusinessNarrowAndRemove(t *testing.T) {
	ts := webtest.NewTestServer(t)
	fx := webtest.Invite(t, ts, 514, "SB-001", "SB-002")
	webtest.ConfirmInvitation(t, ts, fx.Invitation.ID, fx.Agent, webtest.AgentPassword)
	m, _ := webtest.MembershipOf(t, ts, fx.Unit.ID, fx.Agent.ID)
	rep := delegation.Actor{PersonID: fx.Rep.ID}
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, webtest.UnitSubject(fx.Agent, fx.Unit, unit.RoleAgent))
	webtest.WantStatus(t, "SB-002", c.Get(t, "/unit/items/SB-002"), http.StatusOK)
	if err := ts.Delegation.ChangeAgent(t.Context(), rep, fx.Unit.ID, m.ID, []string{"SB-001"}, time.Time{}, *m.ValidUntil); err != nil {
		t.Fatal(err)
	}
	if loc := webtest.Redirected(t, c.Get(t, "/unit/items/SB-002")); loc != "/login?tab=unit&next=%2Funit%2Fitems%2FSB-002" {
		t.Errorf("after narrowing → %q", loc)
	}
	webtest.SignIn(t, c, webtest.UnitSubject(fx.Agent, fx.Unit, unit.RoleAgent))
	webtest.WantStatus(t, "SB-002 in a new session", c.Get(t, "/unit/items/SB-002"), http.StatusForbidden)
	webtest.WantStatus(t, "SB-001 in a new session", c.Get(t, "/unit/items/SB-001"), http.StatusOK)
	if err := ts.Delegation.RemoveAgent(t.Context(), rep, fx.Unit.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	if loc := webtest.Redirected(t, c.Get(t, "/unit/items")); !strings.HasPrefix(loc, "/login?tab=unit") {
		t.Errorf("after removal → %q", loc)
	}
}

// TestBusinessCatalogLinks: the catalog's 登录后在线办理 leads a unit item to the unit's
// business entry.
func TestBusinessCatalogLinks(t *testing.T) {
	ts := webtest.NewTestServer(t)
	for _, tc := range []struct{ code, href string }{
		{"SB-001", "/unit/items/SB-001"},
		{"SB-013", "/unit/items/SB-013"},
		{"JY-012", "/login?tab=person&next=%2Fcatalog%2FJY-012"},
	} {
		doc := ts.GetHTML(t, "/catalog/"+tc.code, http.StatusOK)
		if href := doc.Must(t, ".apply-panel a.button").AttrOr("href"); href != tc.href {
			t.Errorf("%s: 登录后在线办理 → %q, want %q", tc.code, href, tc.href)
		}
	}
	// An item for persons and units also says where persons go.
	doc := ts.GetHTML(t, "/catalog/SB-013", http.StatusOK)
	if doc.First(`.apply-panel a[href="/login?tab=person&next=%2Fcatalog%2FSB-013"]`) == nil {
		t.Error("SB-013 has no entry for persons")
	}
	// The unit home leads to the list.
	c := webtest.SignInLegalRep(t, ts, 515, "温如初", "示范清源环保有限公司").Client
	if c.Page(t, "/unit/", http.StatusOK).First(`a[href="/unit/items"]`) == nil {
		t.Error("the unit home does not link to 可办理业务")
	}
}

func TestBusinessPlausibleCode(t *testing.T) {
	for code, want := range map[string]bool{
		"SB-001": true, "A": true, "JY-0001-X": true, strings.Repeat("A", 16): true,
		"": false, "sb-001": false, "SB 001": false, "SB/001": false, strings.Repeat("A", 17): false, "SB-001\x00": false, "事项": false,
	} {
		if got := businessPlausibleCode(code); got != want {
			t.Errorf("agtPlausibleCode(%q) = %v", code, got)
		}
	}
}

func FuzzBusinessPlausibleCode(f *testing.F) {
	for _, s := range []string{"SB-001", "", "sb", "A-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		if !businessPlausibleCode(code) {
			return
		}
		if len(code) > 16 || strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			t.Errorf("accepted %q", code)
		}
		// An accepted code is safe in a path and an audit target as it is.
		if url.PathEscape(code) != code {
			t.Errorf("%q needs escaping", code)
		}
	})
}

// TestCatalogItemKnowsTheGrant: an agent browsing the public catalog is not offered
// 登录后在线办理 for an item its grant does not include (the button led to a 403
// page and an audited refusal): the item page says why instead. A granted item
// and the legal rep keep the button.
func TestCatalogItemKnowsTheGrant(t *testing.T) {
	ts := webtest.NewTestServer(t)
	cast := businessNewCast(t, ts, 515)
	for _, tc := range []struct {
		who, code string
		offered   bool
	}{
		{"agent", "SB-001", true},
		{"agent", "SB-002", false},
		{"legal rep", "SB-002", true},
		{"nobody", "SB-002", true},
	} {
		doc := cast.clients[tc.who].Page(t, "/catalog/"+tc.code, http.StatusOK)
		button := doc.First(`.apply-panel a.button[href="/unit/items/` + tc.code + `"]`)
		panel := doc.Must(t, ".apply-panel").TextContent()
		if tc.offered && (button == nil || strings.Contains(panel, delegation.ReasonOutOfScope.Message())) {
			t.Errorf("%s on %s: the button is not offered: %q", tc.who, tc.code, panel)
		}
		if !tc.offered && (button != nil || !strings.Contains(panel, delegation.ReasonOutOfScope.Message())) {
			t.Errorf("%s on %s: offered a button to a refusal, or no reason: %q", tc.who, tc.code, panel)
		}
	}
}
