package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/unit"
)

// The authorization matrix of the unit user center (SPEC U6, §9; QUALITY.md
// "authorization on every request"): every route under /unit/ that routes.go
// registers, asked by every kind of visitor, with the outcome each cell must have.
// A cell that is refused must leave the database as it was (memberships, grants,
// invitations, persons, units, texts); a cell that is allowed must make exactly the
// change it names. IDs of the other unit's memberships go into URLs and forms.
//
// TestMtxRoutesCovered fails when routes.go gains a /unit/ route the matrix does not
// ask about, so a new route of the center cannot skip it.

// mtxT0 is the fake clock's start: a Tuesday morning in Asia/Shanghai, far from
// midnight, so "today" is the same day for the test and the server.
var mtxT0 = time.Date(2026, 6, 2, 10, 0, 0, 0, shanghai)

const (
	// mtxUnitPassword is the 经办密码 the fixture's admins and agents set (invented).
	mtxUnitPassword = "Mtx-Unit-Pass-26"
	// mtxNewPassword is what 修改密码 changes a password to.
	mtxNewPassword = "Mtx-Fresh-Pass-88"
)

// The subjects (rows of the matrix). "This unit" is U, "the other unit" is V.
const (
	mtxLegalRep      = "legal rep"
	mtxAdmin         = "admin"
	mtxAgentIn       = "agent in scope"
	mtxAgentOut      = "agent out of scope"
	mtxExpired       = "expired agent"
	mtxPending       = "pending agent"
	mtxOtherRep      = "other unit's legal rep"
	mtxOtherAgent    = "other unit's agent"
	mtxExpiredPerson = "expired agent, personal session"
	mtxPendingPerson = "pending agent, personal session"
	mtxAnon          = "anonymous"
)

// mtxSubjects is every subject, in the order of the report.
var mtxSubjects = []string{mtxLegalRep, mtxAdmin, mtxAgentIn, mtxAgentOut, mtxExpired, mtxPending,
	mtxOtherRep, mtxOtherAgent, mtxExpiredPerson, mtxPendingPerson, mtxAnon}

// mtxUnitRoutes is the list of the center's routes the matrix asks about; it must
// equal the /unit/ routes of routes.go (TestMtxRoutesCovered).
var mtxUnitRoutes = []string{
	"GET /unit/{$}",
	"GET /unit/{section}",
	"GET /unit/choose",
	"POST /unit/switch",
	"POST /unit/leave",
	"GET /unit/agents",
	"GET /unit/agents/admin/new",
	"POST /unit/agents/admin/new",
	"GET /unit/agents/admin/{id}/replace",
	"POST /unit/agents/admin/{id}/replace",
	"GET /unit/agents/admin/{id}/remove",
	"POST /unit/agents/admin/{id}/remove",
	"GET /unit/agents/new",
	"POST /unit/agents/new",
	"GET /unit/agents/{id}/edit",
	"POST /unit/agents/{id}/edit",
	"GET /unit/agents/{id}/remove",
	"POST /unit/agents/{id}/remove",
	"GET /unit/items",
	"GET /unit/items/{code}",
	"GET /unit/account",
	"GET /unit/account/password",
	"POST /unit/account/password",
	"GET /unit/account/mobile",
	"POST /unit/account/mobile",
}

// ---- the fixture ----

// mtxFx is the world of the matrix: unit U with its legal rep, a confirmed admin,
// an agent granted SB-001 (in scope), an agent granted JY-005 only (out of scope
// for SB-001), an agent whose validity ended, and an invited, unconfirmed agent;
// unit V with its legal rep, a confirmed agent granted SB-001 and a pending admin.
// Admins and agents come from the delegation commands and are confirmed through a
// passed development face verification, as the app does.
type mtxFx struct {
	ts    *TestServer
	clk   *Clock
	w     *World
	hash  string // of testPassword, computed once: every fixture person has it
	names int

	u, v   unit.Unit
	people map[string]person.Person // by subject (anonymous: none)
	unitOf map[string]*unit.Unit    // the unit of a subject's unit session; nil for a personal one
	roleOf map[string]unit.Role     // the role of a subject's unit session
	admID  int64                    // U's admin membership (until phase 2 replaces it)
	repMID int64                    // U's legal rep membership
}

// mtxName is the n-th invented name (distinct for n < 1000).
func mtxName(n int) string {
	s := []rune("柳钟卓岑邬苗蔺骆阮廖")
	a := []rune("明清若知望怀北子云听")
	b := []rune("远和水行舒瑾辰衿起澜")
	return string(s[n%10]) + string(a[(n/10)%10]) + string(b[(n/100)%10])
}

// person creates a real-name personal account with testPassword (hashed once).
func (fx *mtxFx) person(t testing.TB) person.Person {
	t.Helper()
	fx.names++
	name := mtxName(fx.names)
	var p person.Person
	fx.w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		var err error
		p, err = fx.ts.Persons.CreateTx(ctx, tx, person.NewAccount{IDType: ident.IDTypeResident, IDNumber: fx.w.IDNumber(),
			Name: name, Mobile: fx.w.Mobile(), PasswordHash: fx.hash}, "192.0.2.30")
		return err
	})
	return p
}

// mtxNominee is p as the forms and commands take a nominee.
func mtxNominee(p person.Person) delegation.Nominee {
	return delegation.Nominee{Name: p.Name, IDType: p.IDType, IDNumber: p.IDNumber, Mobile: p.Mobile}
}

// day is the date days after the fake now, as a date input sends it.
func (fx *mtxFx) day(days int) string {
	return fx.clk.Now().In(shanghai).AddDate(0, 0, days).Format("2006-01-02")
}

// addAgent has actor (a legal rep) invite a fresh person as agent of u for items,
// valid until until; it returns the person and the membership ID.
func (fx *mtxFx) addAgent(t testing.TB, actor person.Person, u unit.Unit, until time.Time, items ...string) (person.Person, int64) {
	t.Helper()
	p := fx.person(t)
	inv, err := fx.ts.Delegation.AddAgent(context.Background(), delegation.Actor{PersonID: actor.ID}, u.ID, mtxNominee(p),
		items, time.Time{}, until)
	if err != nil {
		t.Fatalf("add agent: %v", err)
	}
	return p, inv.MembershipID
}

func mtxBuild(t *testing.T) *mtxFx {
	t.Helper()
	ctx := context.Background()
	clk := &Clock{t: mtxT0}
	ts := NewTestServer(t, WithClock(t, clk))
	fx := &mtxFx{ts: ts, clk: clk, w: NewWorld(ts, 0x6d7478), people: map[string]person.Person{},
		unitOf: map[string]*unit.Unit{}, roleOf: map[string]unit.Role{}}
	var err error
	if fx.hash, err = ts.Hasher.Hash(ctx, Password); err != nil {
		t.Fatal(err)
	}
	rep, vrep := fx.person(t), fx.person(t)
	fx.u = fx.w.Unit(t, "示范明川机械有限公司", rep)
	fx.v = fx.w.Unit(t, "示范远岫贸易有限公司", vrep)
	lr := delegation.Actor{PersonID: rep.ID}

	// U's admin, confirmed, for a year.
	adm := fx.person(t)
	if _, err := ts.Delegation.SetAdmin(ctx, lr, fx.u.ID, mtxNominee(adm), mtxT0.AddDate(1, 0, 0)); err != nil {
		t.Fatalf("set admin: %v", err)
	}
	confirmOnlyInvitation(t, ts, adm, mtxUnitPassword)
	// U's agents: SB-001 for 30 days; JY-005 only; SB-001 for one hour (expired
	// below); SB-001, never confirmed.
	month := mtxT0.AddDate(0, 0, 30)
	ai, _ := fx.addAgent(t, rep, fx.u, month, "SB-001")
	confirmOnlyInvitation(t, ts, ai, mtxUnitPassword)
	ao, _ := fx.addAgent(t, rep, fx.u, month, "JY-005")
	confirmOnlyInvitation(t, ts, ao, mtxUnitPassword)
	ax, _ := fx.addAgent(t, rep, fx.u, mtxT0.Add(time.Hour), "SB-001")
	confirmOnlyInvitation(t, ts, ax, mtxUnitPassword)
	ap, _ := fx.addAgent(t, rep, fx.u, month, "SB-001")
	// V's agent, confirmed, SB-001.
	oa, _ := fx.addAgent(t, vrep, fx.v, month, "SB-001")
	confirmOnlyInvitation(t, ts, oa, mtxUnitPassword)

	// The expired agent's validity ends; every session below is opened afterwards.
	clk.Advance(2 * time.Hour)

	for _, s := range []struct {
		subj string
		p    person.Person
		u    *unit.Unit
		r    unit.Role
	}{
		{mtxLegalRep, rep, &fx.u, unit.RoleLegalRep}, {mtxAdmin, adm, &fx.u, unit.RoleAdmin},
		{mtxAgentIn, ai, &fx.u, unit.RoleAgent}, {mtxAgentOut, ao, &fx.u, unit.RoleAgent},
		{mtxExpired, ax, &fx.u, unit.RoleAgent}, {mtxPending, ap, &fx.u, unit.RoleAgent},
		{mtxOtherRep, vrep, &fx.v, unit.RoleLegalRep}, {mtxOtherAgent, oa, &fx.v, unit.RoleAgent},
		{mtxExpiredPerson, ax, nil, ""}, {mtxPendingPerson, ap, nil, ""},
	} {
		fx.people[s.subj], fx.unitOf[s.subj], fx.roleOf[s.subj] = s.p, s.u, s.r
	}
	fx.admID = fx.membershipID(t, fx.u.ID, adm.ID)
	fx.repMID = fx.membershipID(t, fx.u.ID, rep.ID)
	return fx
}

// membershipID is the person's current membership of the unit.
func (fx *mtxFx) membershipID(t testing.TB, unitID, personID int64) int64 {
	t.Helper()
	m, err := fx.ts.Units.Membership(context.Background(), unitID, personID)
	if err != nil {
		t.Fatalf("membership of person %d in unit %d: %v", personID, unitID, err)
	}
	return m.ID
}

// adminOf is the unit's current (non-revoked) admin membership, 0 when none.
func (fx *mtxFx) adminOf(t testing.TB, unitID int64) (id, personID int64, status string) {
	t.Helper()
	err := fx.ts.DB.QueryRow(context.Background(), `SELECT id, person_id, status FROM memberships
		WHERE unit_id = ? AND role = 'admin' AND status <> 'revoked'`, unitID).Scan(&id, &personID, &status)
	if err != nil {
		return 0, 0, ""
	}
	return id, personID, status
}

// membership reads a membership as stored.
func (fx *mtxFx) membership(t testing.TB, id int64) (unitID, personID int64, role, status string) {
	t.Helper()
	if err := fx.ts.DB.QueryRow(context.Background(), `SELECT unit_id, person_id, role, status FROM memberships WHERE id = ?`,
		id).Scan(&unitID, &personID, &role, &status); err != nil {
		t.Fatalf("membership %d: %v", id, err)
	}
	return unitID, personID, role, status
}

// client is a new browser signed in as subj (a fresh session, created as a login
// would; none for the anonymous visitor). Each subject has its own address, so the
// throttles of one do not count against another.
func (fx *mtxFx) client(t testing.TB, subj string) *Client {
	t.Helper()
	c := NewClient(fx.ts)
	c.Remote = fmt.Sprintf("198.51.100.%d:40000", 10+slices.Index(mtxSubjects, subj))
	p, ok := fx.people[subj]
	if !ok {
		return c
	}
	s := auth.Subject{PersonID: p.ID}
	if u := fx.unitOf[subj]; u != nil {
		// The session a login made while the role was held (it may be gone since).
		s = UnitSubject(p, *u, fx.roleOf[subj])
	}
	SignIn(t, c, s)
	return c
}

// clientAs is client with the session as says (mtxAsLogin: client's).
func (fx *mtxFx) clientAs(t testing.TB, subj string, as int) *Client {
	t.Helper()
	p, ok := fx.people[subj]
	switch {
	case !ok || as == mtxAsLogin:
		return fx.client(t, subj)
	case as == mtxAsPersonalSMS:
		c := fx.client(t, mtxAnon)
		c.Remote = fmt.Sprintf("198.51.100.%d:40000", 10+slices.Index(mtxSubjects, subj))
		SignInBy(t, c, auth.Subject{PersonID: p.ID}, auth.ProofSMS)
		return c
	}
	c := fx.client(t, subj)
	sess, err := fx.ts.Sessions.Lookup(context.Background(), c.Session())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.ts.DB.Exec(context.Background(), "UPDATE sessions SET proved_at = ? WHERE token_hash = ?",
		store.Time(fx.clk.Now().Add(-dlgReauthWindow-time.Minute)), sess.ID); err != nil {
		t.Fatal(err)
	}
	return c
}

// mtxStateQueries read what a refused request must not change.
var mtxStateQueries = []string{
	`SELECT id, unit_id, person_id, role, status, valid_from, valid_until, COALESCE(password_hash, ''), confirmed_at, revoked_at
		FROM memberships ORDER BY id`,
	`SELECT membership_id, item_code FROM grants ORDER BY membership_id, item_code`,
	`SELECT id, membership_id, confirmed_at, declined_at FROM invitations ORDER BY id`,
	`SELECT id, mobile, password_hash FROM persons ORDER BY id`,
	`SELECT id, name, status FROM units ORDER BY id`,
	`SELECT 'texts', COUNT(*) FROM sms_outbox`,
	`SELECT 'notices', COUNT(*) FROM delegation_notices`,
}

// mtxState is the state the matrix compares, one line per row.
func mtxState(t testing.TB, ts *TestServer) []string {
	t.Helper()
	var out []string
	for i, q := range mtxStateQueries {
		rows, err := ts.DB.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("state: %v", err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for j := range vals {
				ptrs[j] = &vals[j]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("state: %v", err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "%d:", i)
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, " %v", v)
			}
			out = append(out, b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("state: %v", err)
		}
		rows.Close()
	}
	return out
}

// mtxDiff lists the lines only in a and only in b.
func mtxDiff(a, b []string) string {
	var out []string
	for _, l := range a {
		if !slices.Contains(b, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range b {
		if !slices.Contains(a, l) {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

// ---- cells ----

// mtxCell is one request of the matrix: the fixture, the subject, the targets made
// for it, and afterwards the client and the answer.
type mtxCell struct {
	fx   *mtxFx
	subj string
	// tu and tv are pending agents of U and V made for this cell (needs mtxTargets);
	// tuPerson and tvPerson are their persons.
	tu, tv             int64
	tuPerson, tvPerson person.Person
	// uAdmin and vAdmin are the units' current admin memberships (V always has one).
	uAdmin, vAdmin int64
	// nominee is a fresh registered person for the forms (needs mtxNominees).
	nominee person.Person
	c       *Client
	rec     *httptest.ResponseRecorder
	// token is a session opened by the probe's before hook.
	token string
}

// What a probe needs made before each of its cells.
const (
	mtxTargets  = 1 << iota // fresh pending agents tu (in U) and tv (in V)
	mtxNominees             // a fresh registered person for the form
)

// mtxWant is the expected outcome of one cell.
type mtxWant struct {
	status int
	loc    string                    // Location of a 303 ("" with login: the login page)
	locf   func(c *mtxCell) string   // Location computed from the cell
	login  string                    // "unit" or "person": a 303 to that login tab, returning here
	ended  string                    // with login: the login page is told why the grant ended (?ended=)
	text   string                    // a refusal's message in the page, or the h1 of a page
	has    func(c *mtxCell) []string // more texts the page must show
	// changes: the cell is allowed to change the database, and effect checks the
	// change; otherwise the state must stay exactly as it was.
	changes bool
	effect  func(t *testing.T, c *mtxCell)
}

func mtxOK(h1 string) mtxWant        { return mtxWant{status: http.StatusOK, text: h1} }
func mtxSee(loc string) mtxWant      { return mtxWant{status: http.StatusSeeOther, loc: loc} }
func mtxDeny(msg string) mtxWant     { return mtxWant{status: http.StatusForbidden, text: msg} }
func mtxGone(msg string) mtxWant     { return mtxWant{status: http.StatusNotFound, text: msg} }
func mtxConflict(msg string) mtxWant { return mtxWant{status: http.StatusConflict, text: msg} }
func mtxRefused(msg string) mtxWant {
	return mtxWant{status: http.StatusUnprocessableEntity, text: msg}
}
func mtxSeeAt(f func(c *mtxCell) string) mtxWant {
	return mtxWant{status: http.StatusSeeOther, locf: f}
}

var (
	mtxUnitLogin = mtxWant{status: http.StatusSeeOther, login: "unit"}
	// mtxGrantEnded: the unit session ended on this request because its grant is
	// not usable; the login page is told why (ended=grant).
	mtxGrantEnded  = mtxWant{status: http.StatusSeeOther, login: "unit", ended: grantLapsed}
	mtxPersonLogin = mtxWant{status: http.StatusSeeOther, login: "person"}
	mtxChooser     = mtxSee("/unit/choose")
	mtxNoPage      = mtxGone("您访问的页面不存在。")

	// mtxGrantWithdrawn: the unit session ended because its role was taken back
	// (removed, replaced); the login page says so (ended=withdrawn).
	mtxGrantWithdrawn = mtxWant{status: http.StatusSeeOther, login: "unit", ended: grantWithdrawn}
)

// changing marks an allowed change and how to check it.
func (w mtxWant) changing(effect func(t *testing.T, c *mtxCell)) mtxWant {
	w.changes, w.effect = true, effect
	return w
}

// then adds a check after the request (without allowing a change).
func (w mtxWant) then(effect func(t *testing.T, c *mtxCell)) mtxWant {
	w.effect = effect
	return w
}

func (w mtxWant) showing(f func(c *mtxCell) []string) mtxWant {
	w.has = f
	return w
}

// mtxProbe is one request shape of a route, asked by the subjects in want.
type mtxProbe struct {
	pattern string // the route of routes.go it exercises
	name    string // what is special about this request
	method  string
	path    func(c *mtxCell) string
	form    func(c *mtxCell) url.Values
	needs   int
	// phase 2 probes run after all others: they replace and remove U's admin.
	phase int
	// as is the session the cell's client has (mtxAsLogin when zero).
	as     int
	before func(t *testing.T, c *mtxCell)
	want   map[string]mtxWant
}

func mtxPath(p string) func(*mtxCell) string { return func(*mtxCell) string { return p } }

// The sessions a probe's client may have (mtxProbe.as).
const (
	// mtxAsLogin: the session a password login of the subject made just now.
	mtxAsLogin = iota
	// mtxAsPersonalSMS: the subject's person alone, signed in by 手机动态码.
	mtxAsPersonalSMS
	// mtxAsStale: the subject's usual session, its login's proof older than the
	// re-authentication window of 经办人管理.
	mtxAsStale
)

// mtxOutsideCenter fills the cells of the visitors without a usable unit session on
// a route of the center (ucGuard): a unit session whose grant is expired or not
// confirmed ends and goes to the unit login; a personal session goes to the unit
// chooser; nobody goes to the unit login.
func mtxOutsideCenter(m map[string]mtxWant) map[string]mtxWant {
	m[mtxExpired], m[mtxPending], m[mtxAnon] = mtxGrantEnded, mtxGrantEnded, mtxUnitLogin
	m[mtxExpiredPerson], m[mtxPendingPerson] = mtxChooser, mtxChooser
	return m
}

// mtxCenter is a page of the center every usable unit session may open.
func mtxCenter(h1 string) map[string]mtxWant {
	m := map[string]mtxWant{}
	for _, s := range []string{mtxLegalRep, mtxAdmin, mtxAgentIn, mtxAgentOut, mtxOtherRep, mtxOtherAgent} {
		m[s] = mtxOK(h1)
	}
	return mtxOutsideCenter(m)
}

// mtxManagers is a route of 经办人管理 (dlgGuard): lr, adm and other are the cells of
// this unit's legal rep, its admin and the other unit's legal rep; agents are
// refused with the reason; the rest as mtxOutsideCenter.
func mtxManagers(lr, adm, other mtxWant) map[string]mtxWant {
	refused := mtxDeny(dlgMsgAgentRefused)
	return mtxOutsideCenter(map[string]mtxWant{mtxLegalRep: lr, mtxAdmin: adm, mtxOtherRep: other,
		mtxAgentIn: refused, mtxAgentOut: refused, mtxOtherAgent: refused})
}

// mtxSigned is a route for any signed-in person (signedIn): the unit sessions that
// end on this request, and nobody, go to the personal login.
func mtxSigned(m map[string]mtxWant) map[string]mtxWant {
	m[mtxExpired], m[mtxPending], m[mtxAnon] = mtxPersonLogin, mtxPersonLogin, mtxPersonLogin
	return m
}

// mtxOnly keeps the cells of the given subjects (phase 2 probes).
func mtxOnly(subj string, w mtxWant) map[string]mtxWant { return map[string]mtxWant{subj: w} }

// ---- forms ----

func (c *mtxCell) nomineeForm() url.Values {
	p := c.nominee
	return url.Values{"name": {p.Name}, "id_type": {string(p.IDType)}, "id_number": {p.IDNumber}, "mobile": {p.Mobile}}
}

func (c *mtxCell) adminForm() url.Values {
	v := c.nomineeForm()
	v.Set("valid_until", c.fx.day(180))
	return v
}

// agentForm adds the nominee for SB-001 for 30 days, with a forged unit_id naming
// the subject's other unit, which the hall must ignore (the unit is the session's).
func (c *mtxCell) agentForm() url.Values {
	v := c.nomineeForm()
	v["items"] = []string{"SB-001"}
	v.Set("valid_from", c.fx.day(0))
	v.Set("valid_until", c.fx.day(30))
	other := c.fx.v.ID
	if c.fx.unitOf[c.subj] == &c.fx.v {
		other = c.fx.u.ID
	}
	v.Set("unit_id", strconv.FormatInt(other, 10))
	return v
}

// editForm changes an agent's scope to SB-002 only, ending in 20 days.
func (c *mtxCell) editForm() url.Values {
	return url.Values{"items": {"SB-002"}, "valid_from": {""}, "valid_until": {c.fx.day(20)}}
}

// ---- effects ----

// mtxNomineeIs checks the nominee's membership after an add or a set: in unit u,
// pending, in role, and nowhere else.
func mtxNomineeIs(u func(fx *mtxFx) unit.Unit, role unit.Role, items ...string) func(t *testing.T, c *mtxCell) {
	return func(t *testing.T, c *mtxCell) {
		fx := c.fx
		want := u(fx)
		var rows []string
		r, err := fx.ts.DB.Query(context.Background(), `SELECT id, unit_id, role, status FROM memberships WHERE person_id = ?`, c.nominee.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var id, unitID int64
		for r.Next() {
			var rl, st string
			if err := r.Scan(&id, &unitID, &rl, &st); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, fmt.Sprintf("%d %s %s", unitID, rl, st))
		}
		if w := fmt.Sprintf("%d %s pending", want.ID, role); len(rows) != 1 || rows[0] != w {
			t.Errorf("nominee memberships %v, want [%s]", rows, w)
			return
		}
		if items != nil {
			g, err := fx.ts.Delegation.Grants(context.Background(), id)
			if err != nil || !slices.Equal(g, items) {
				t.Errorf("grants %v (%v), want %v", g, err, items)
			}
		}
	}
}

func mtxU(fx *mtxFx) unit.Unit { return fx.u }
func mtxV(fx *mtxFx) unit.Unit { return fx.v }

// mtxRevoked checks that the target membership was revoked.
func mtxRevoked(target func(c *mtxCell) int64) func(t *testing.T, c *mtxCell) {
	return func(t *testing.T, c *mtxCell) {
		if _, _, _, st := c.fx.membership(t, target(c)); st != "revoked" {
			t.Errorf("membership %d is %s after the removal", target(c), st)
		}
	}
}

// mtxRescoped checks an agent's grants after the change form.
func mtxRescoped(target func(c *mtxCell) int64) func(t *testing.T, c *mtxCell) {
	return func(t *testing.T, c *mtxCell) {
		g, err := c.fx.ts.Delegation.Grants(context.Background(), target(c))
		if err != nil || !slices.Equal(g, []string{"SB-002"}) {
			t.Errorf("grants after the change %v (%v), want [SB-002]", g, err)
		}
	}
}

func mtxTU(c *mtxCell) int64 { return c.tu }
func mtxTV(c *mtxCell) int64 { return c.tv }

// mtxAdminNow checks the unit's admin after a set or replace: the nominee, pending.
func mtxAdminNow(u func(fx *mtxFx) unit.Unit) func(t *testing.T, c *mtxCell) {
	return func(t *testing.T, c *mtxCell) {
		_, pid, st := c.fx.adminOf(t, u(c.fx).ID)
		if pid != c.nominee.ID || st != "pending" {
			t.Errorf("the unit's admin is person %d (%s), want the nominee %d pending", pid, st, c.nominee.ID)
		}
	}
}

// mtxPasswordChanged checks that the subject's password (personal for a legal rep,
// the unit password otherwise) is now mtxNewPassword.
func mtxPasswordChanged(personal bool) func(t *testing.T, c *mtxCell) {
	return func(t *testing.T, c *mtxCell) {
		fx := c.fx
		p := fx.people[c.subj]
		var err error
		if personal {
			err = fx.ts.Persons.CheckPassword(context.Background(), p.ID, mtxNewPassword)
		} else {
			err = fx.ts.acsUnitPasswords().Check(context.Background(), fx.unitOf[c.subj].ID, p.ID, mtxNewPassword)
		}
		if err != nil {
			t.Errorf("the new password does not work: %v", err)
		}
	}
}

// mtxCodeSent checks that a code went to the subject's own mobile.
func mtxCodeSent(t *testing.T, c *mtxCell) {
	LatestCode(t, c.fx.ts, c.fx.people[c.subj].Mobile)
}

// mtxLeft checks that the session no longer acts for a unit: the center sends it
// to the chooser.
func mtxLeft(t *testing.T, c *mtxCell) {
	if loc := Redirected(t, c.c.Get(t, "/unit/")); loc != "/unit/choose" {
		t.Errorf("after leaving, /unit/ → %q", loc)
	}
}

// mtxStayed checks that the session did not enter a unit: it is still the
// subject's personal session.
func mtxStayed(t *testing.T, c *mtxCell) {
	sess, err := c.fx.ts.Sessions.Lookup(context.Background(), c.c.Session())
	if err != nil || sess.Subject.UnitID != 0 {
		t.Errorf("the session after the refused entry: %+v, %v", sess.Subject, err)
	}
}

// mtxSwitched checks that the session acts for the unit of the subject.
func mtxSwitched(t *testing.T, c *mtxCell) {
	doc := c.c.Page(t, "/unit/", http.StatusOK)
	if got := doc.Must(t, ".uc-unit-name").TextContent(); got != c.fx.unitOf[c.subj].Name {
		t.Errorf("after switching the header names %q", got)
	}
}

// ---- the table ----

func mtxProbes() []mtxProbe {
	item1, item2 := "企业社会保险登记", "SB-002"
	outOfScope := mtxDeny(delegation.ReasonOutOfScope.Message())
	expired := mtxDeny(delegation.ReasonExpired.Message())
	pending := mtxDeny(delegation.ReasonNotConfirmed.Message())
	notLegalRep := mtxDeny(delegation.ErrNotLegalRep.Msg)
	noAgent := mtxGone(delegation.ErrAgentNotFound.Msg)
	adminChanged := mtxGone(delegation.ErrAdminChanged.Msg)
	uAdminPath := func(suffix string) func(*mtxCell) string {
		return func(c *mtxCell) string { return "/unit/agents/admin/" + strconv.FormatInt(c.uAdmin, 10) + suffix }
	}
	vAdminPath := func(suffix string) func(*mtxCell) string {
		return func(c *mtxCell) string { return "/unit/agents/admin/" + strconv.FormatInt(c.vAdmin, 10) + suffix }
	}
	agentPath := func(id func(c *mtxCell) int64, suffix string) func(*mtxCell) string {
		return func(c *mtxCell) string { return "/unit/agents/" + strconv.FormatInt(id(c), 10) + suffix }
	}
	uAdminID := func(c *mtxCell) int64 { return c.fx.admID }
	uRepID := func(c *mtxCell) int64 { return c.fx.repMID }
	nominee := func(c *mtxCell) url.Values { return c.adminForm() }
	// Every subject but the legal rep, for the probes whose legal-rep cell runs in
	// phase 2.
	exceptLR := func(m map[string]mtxWant) map[string]mtxWant { delete(m, mtxLegalRep); return m }
	showsOwnAgents := func(c *mtxCell) []string {
		if c.fx.unitOf[c.subj] == &c.fx.u {
			return []string{c.fx.people[mtxAgentIn].Name, c.fx.people[mtxAdmin].Name}
		}
		return []string{c.fx.people[mtxOtherAgent].Name}
	}

	var ps []mtxProbe
	add := func(p mtxProbe) { ps = append(ps, p) }

	// 单位主页, the sections, the chooser, switching and leaving.
	add(mtxProbe{pattern: "GET /unit/{$}", method: "GET", path: mtxPath("/unit/"), want: mtxCenter("单位主页")})
	add(mtxProbe{pattern: "GET /unit/{section}", name: "单位信息", method: "GET", path: mtxPath("/unit/info"), want: mtxCenter("单位信息")})
	add(mtxProbe{pattern: "GET /unit/{section}", name: "我的工作台", method: "GET", path: mtxPath("/unit/workbench"), want: mtxCenter("我的工作台")})
	for _, sec := range []string{"nosuch", "home"} {
		m := map[string]mtxWant{}
		for _, s := range mtxSubjects {
			m[s] = mtxNoPage
		}
		add(mtxProbe{pattern: "GET /unit/{section}", name: "no section " + sec, method: "GET", path: mtxPath("/unit/" + sec), want: m})
	}
	choose := map[string]mtxWant{}
	for _, s := range []string{mtxLegalRep, mtxAdmin, mtxAgentIn, mtxAgentOut, mtxOtherRep, mtxOtherAgent} {
		choose[s] = mtxOK("选择单位")
	}
	choose[mtxExpiredPerson] = mtxOK("选择单位").showing(func(*mtxCell) []string { return []string{"已过期"} })
	choose[mtxPendingPerson] = mtxOK("选择单位").showing(func(*mtxCell) []string { return []string{"待确认"} })
	add(mtxProbe{pattern: "GET /unit/choose", method: "GET", path: mtxPath("/unit/choose"), want: mtxSigned(choose)})

	switchTo := func(u func(fx *mtxFx) unit.Unit) func(c *mtxCell) url.Values {
		return func(c *mtxCell) url.Values { return url.Values{"unit_id": {strconv.FormatInt(u(c.fx).ID, 10)}} }
	}
	noRole, notUsable := mtxDeny(ucMsgNoRole), mtxDeny(ucMsgNotUsable)
	home := mtxSee("/unit/").then(mtxSwitched)
	add(mtxProbe{pattern: "POST /unit/switch", name: "to this unit", method: "POST", path: mtxPath("/unit/switch"), form: switchTo(mtxU),
		want: mtxSigned(map[string]mtxWant{mtxLegalRep: home, mtxAdmin: home, mtxAgentIn: home, mtxAgentOut: home,
			mtxOtherRep: noRole, mtxOtherAgent: noRole, mtxExpiredPerson: notUsable, mtxPendingPerson: notUsable})})
	add(mtxProbe{pattern: "POST /unit/switch", name: "to the other unit", method: "POST", path: mtxPath("/unit/switch"), form: switchTo(mtxV),
		want: mtxSigned(map[string]mtxWant{mtxLegalRep: noRole, mtxAdmin: noRole, mtxAgentIn: noRole, mtxAgentOut: noRole,
			mtxOtherRep: home, mtxOtherAgent: home, mtxExpiredPerson: noRole, mtxPendingPerson: noRole})})
	bad := mtxWant{status: http.StatusBadRequest, text: ucMsgBadRequest}
	add(mtxProbe{pattern: "POST /unit/switch", name: "malformed unit_id", method: "POST", path: mtxPath("/unit/switch"),
		form: func(*mtxCell) url.Values { return url.Values{"unit_id": {"1 OR 1=1"}} },
		want: mtxSigned(map[string]mtxWant{mtxLegalRep: bad, mtxAdmin: bad, mtxAgentIn: bad, mtxAgentOut: bad,
			mtxOtherRep: bad, mtxOtherAgent: bad, mtxExpiredPerson: bad, mtxPendingPerson: bad})})
	// Entering U from a personal session opened by 手机动态码 (SPEC L7): nobody enters
	// without the role's password (the legal rep's personal one, the unit password of
	// the others); a wrong one is refused; the right one enters.
	repAsks, unitAsks := mtxOK("验证登录密码").then(mtxStayed), mtxOK("输入经办密码").then(mtxStayed)
	personalSwitch := func(lr, other mtxWant) map[string]mtxWant {
		m := mtxSigned(map[string]mtxWant{mtxLegalRep: lr, mtxAdmin: other, mtxAgentIn: other, mtxAgentOut: other,
			mtxOtherRep: noRole, mtxOtherAgent: noRole, mtxExpiredPerson: notUsable, mtxPendingPerson: notUsable})
		// Their sessions here are personal too: the role is what is not usable.
		m[mtxExpired], m[mtxPending] = notUsable, notUsable
		return m
	}
	enterWith := func(pw func(c *mtxCell) string) func(c *mtxCell) url.Values {
		return func(c *mtxCell) url.Values {
			v := switchTo(mtxU)(c)
			v.Set(ueFieldPassword, pw(c))
			return v
		}
	}
	rolePassword := func(c *mtxCell) string {
		if c.subj == mtxLegalRep || c.subj == mtxOtherRep {
			return Password
		}
		return mtxUnitPassword
	}
	add(mtxProbe{pattern: "POST /unit/switch", name: "to this unit from an SMS-code session, no password", method: "POST",
		path: mtxPath("/unit/switch"), form: switchTo(mtxU), as: mtxAsPersonalSMS, want: personalSwitch(repAsks, unitAsks)})
	add(mtxProbe{pattern: "POST /unit/switch", name: "to this unit from an SMS-code session, wrong password", method: "POST",
		path: mtxPath("/unit/switch"), form: enterWith(func(*mtxCell) string { return "Mtx-Wrong-Pass-1" }), as: mtxAsPersonalSMS,
		want: personalSwitch(mtxRefused(ueMsgWrongPerson).then(mtxStayed), mtxRefused(ueMsgWrongUnit).then(mtxStayed))})
	add(mtxProbe{pattern: "POST /unit/switch", name: "to this unit from an SMS-code session, the role's password", method: "POST",
		path: mtxPath("/unit/switch"), form: enterWith(rolePassword), as: mtxAsPersonalSMS, want: personalSwitch(home, home)})
	left := mtxSee("/me").then(mtxLeft)
	add(mtxProbe{pattern: "POST /unit/leave", method: "POST", path: mtxPath("/unit/leave"), form: func(*mtxCell) url.Values { return url.Values{} },
		want: mtxSigned(map[string]mtxWant{mtxLegalRep: left, mtxAdmin: left, mtxAgentIn: left, mtxAgentOut: left,
			mtxOtherRep: left, mtxOtherAgent: left, mtxExpiredPerson: mtxSee("/me"), mtxPendingPerson: mtxSee("/me")})})

	// 经办人管理.
	page := mtxOK("经办人管理").showing(showsOwnAgents)
	add(mtxProbe{pattern: "GET /unit/agents", method: "GET", path: mtxPath("/unit/agents"), want: mtxManagers(page, page, page)})

	toReplace := func(own func(c *mtxCell) int64) mtxWant {
		return mtxSeeAt(func(c *mtxCell) string {
			return "/unit/agents/admin/" + strconv.FormatInt(own(c), 10) + "/replace"
		})
	}
	add(mtxProbe{pattern: "GET /unit/agents/admin/new", name: "unit has an admin", method: "GET", path: mtxPath("/unit/agents/admin/new"),
		want: mtxManagers(toReplace(func(c *mtxCell) int64 { return c.uAdmin }), notLegalRep, toReplace(func(c *mtxCell) int64 { return c.vAdmin }))})
	add(mtxProbe{pattern: "POST /unit/agents/admin/new", name: "unit has an admin", method: "POST", path: mtxPath("/unit/agents/admin/new"),
		form: nominee, needs: mtxNominees,
		want: mtxManagers(mtxRefused(delegation.ErrAdminExists.Msg), notLegalRep, mtxRefused(delegation.ErrAdminExists.Msg))})

	for _, op := range []struct{ suffix, h1 string }{{"/replace", "更换管理员"}, {"/remove", "删除管理员"}} {
		add(mtxProbe{pattern: "GET /unit/agents/admin/{id}" + op.suffix, name: "this unit's admin", method: "GET", path: uAdminPath(op.suffix),
			want: mtxManagers(mtxOK(op.h1), notLegalRep, adminChanged)})
		add(mtxProbe{pattern: "GET /unit/agents/admin/{id}" + op.suffix, name: "other unit's admin", method: "GET", path: vAdminPath(op.suffix),
			want: mtxManagers(adminChanged, notLegalRep, mtxOK(op.h1))})
		add(mtxProbe{pattern: "GET /unit/agents/admin/{id}" + op.suffix, name: "malformed id", method: "GET", path: mtxPath("/unit/agents/admin/x1" + op.suffix),
			want: mtxManagers(mtxNoPage, notLegalRep, mtxNoPage)})
	}
	add(mtxProbe{pattern: "POST /unit/agents/admin/{id}/replace", name: "this unit's admin", method: "POST", path: uAdminPath("/replace"),
		form: nominee, needs: mtxNominees,
		want: exceptLR(mtxManagers(mtxWant{}, notLegalRep, mtxRefused(delegation.ErrAdminChanged.Msg)))})
	add(mtxProbe{pattern: "POST /unit/agents/admin/{id}/replace", name: "other unit's admin", method: "POST", path: vAdminPath("/replace"),
		form: nominee, needs: mtxNominees,
		want: mtxManagers(mtxRefused(delegation.ErrAdminChanged.Msg), notLegalRep,
			mtxSee("/unit/agents?notice=admin_replaced").changing(mtxAdminNow(mtxV)))})
	add(mtxProbe{pattern: "POST /unit/agents/admin/{id}/remove", name: "this unit's admin", method: "POST", path: uAdminPath("/remove"),
		want: exceptLR(mtxManagers(mtxWant{}, notLegalRep, mtxConflict(delegation.ErrAdminChanged.Msg)))})
	add(mtxProbe{pattern: "POST /unit/agents/admin/{id}/remove", name: "other unit's admin", method: "POST", path: vAdminPath("/remove"),
		want: mtxManagers(mtxConflict(delegation.ErrAdminChanged.Msg), notLegalRep,
			mtxSee("/unit/agents?notice=admin_removed").changing(func(t *testing.T, c *mtxCell) {
				if id, _, _ := c.fx.adminOf(t, c.fx.v.ID); id != 0 {
					t.Errorf("the other unit still has admin %d", id)
				}
			}))})

	addForm := mtxOK("添加经办人")
	add(mtxProbe{pattern: "GET /unit/agents/new", method: "GET", path: mtxPath("/unit/agents/new"), want: mtxManagers(addForm, addForm, addForm)})
	added := func(u func(fx *mtxFx) unit.Unit) mtxWant {
		return mtxSee("/unit/agents?notice=agent_added").changing(mtxNomineeIs(u, unit.RoleAgent, "SB-001"))
	}
	add(mtxProbe{pattern: "POST /unit/agents/new", name: "with a forged unit_id", method: "POST", path: mtxPath("/unit/agents/new"),
		form: func(c *mtxCell) url.Values { return c.agentForm() }, needs: mtxNominees,
		want: mtxManagers(added(mtxU), added(mtxU), added(mtxV))})

	for _, op := range []struct{ suffix, h1 string }{{"/edit", "修改经办人"}, {"/remove", "删除经办人"}} {
		add(mtxProbe{pattern: "GET /unit/agents/{id}" + op.suffix, name: "this unit's agent", method: "GET", path: agentPath(mtxTU, op.suffix),
			needs: mtxTargets, want: mtxManagers(mtxOK(op.h1), mtxOK(op.h1), noAgent)})
		add(mtxProbe{pattern: "GET /unit/agents/{id}" + op.suffix, name: "other unit's agent", method: "GET", path: agentPath(mtxTV, op.suffix),
			needs: mtxTargets, want: mtxManagers(noAgent, noAgent, mtxOK(op.h1))})
		add(mtxProbe{pattern: "GET /unit/agents/{id}" + op.suffix, name: "this unit's admin by the agent route", method: "GET",
			path: agentPath(uAdminID, op.suffix), want: mtxManagers(noAgent, noAgent, noAgent)})
		add(mtxProbe{pattern: "GET /unit/agents/{id}" + op.suffix, name: "malformed id", method: "GET", path: mtxPath("/unit/agents/-3" + op.suffix),
			want: mtxManagers(mtxNoPage, mtxNoPage, mtxNoPage)})
	}
	edit := func(c *mtxCell) url.Values { return c.editForm() }
	changed := func(id func(c *mtxCell) int64) mtxWant {
		return mtxSee("/unit/agents?notice=agent_changed").changing(mtxRescoped(id))
	}
	add(mtxProbe{pattern: "POST /unit/agents/{id}/edit", name: "this unit's agent", method: "POST", path: agentPath(mtxTU, "/edit"),
		form: edit, needs: mtxTargets, want: mtxManagers(changed(mtxTU), changed(mtxTU), noAgent)})
	add(mtxProbe{pattern: "POST /unit/agents/{id}/edit", name: "other unit's agent", method: "POST", path: agentPath(mtxTV, "/edit"),
		form: edit, needs: mtxTargets, want: mtxManagers(noAgent, noAgent, changed(mtxTV))})
	add(mtxProbe{pattern: "POST /unit/agents/{id}/edit", name: "this unit's admin by the agent route", method: "POST",
		path: agentPath(uAdminID, "/edit"), form: edit, want: mtxManagers(noAgent, noAgent, noAgent)})
	removed := func(id func(c *mtxCell) int64) mtxWant {
		return mtxSee("/unit/agents?notice=agent_removed").changing(mtxRevoked(id))
	}
	add(mtxProbe{pattern: "POST /unit/agents/{id}/remove", name: "this unit's agent", method: "POST", path: agentPath(mtxTU, "/remove"),
		needs: mtxTargets, want: mtxManagers(removed(mtxTU), removed(mtxTU), noAgent)})
	add(mtxProbe{pattern: "POST /unit/agents/{id}/remove", name: "other unit's agent", method: "POST", path: agentPath(mtxTV, "/remove"),
		needs: mtxTargets, want: mtxManagers(noAgent, noAgent, removed(mtxTV))})
	add(mtxProbe{pattern: "POST /unit/agents/{id}/remove", name: "this unit's admin by the agent route", method: "POST",
		path: agentPath(uAdminID, "/remove"), want: mtxManagers(noAgent, noAgent, noAgent)})
	add(mtxProbe{pattern: "POST /unit/agents/{id}/remove", name: "this unit's legal rep by the agent route", method: "POST",
		path: agentPath(uRepID, "/remove"), want: mtxManagers(noAgent, noAgent, noAgent)})

	// Every change of 经办人管理 from a session whose proof is older than the window
	// asks for the role's password first and changes nothing (dlgFresh runs before
	// the command's own checks); with the password it goes on.
	reauth := mtxOK("验证身份")
	for _, pr := range []mtxProbe{
		{pattern: "POST /unit/agents/admin/new", path: mtxPath("/unit/agents/admin/new"), form: nominee, needs: mtxNominees},
		{pattern: "POST /unit/agents/admin/{id}/replace", path: vAdminPath("/replace"), form: nominee, needs: mtxNominees},
		{pattern: "POST /unit/agents/admin/{id}/remove", path: vAdminPath("/remove")},
		{pattern: "POST /unit/agents/new", form: func(c *mtxCell) url.Values { return c.agentForm() }, path: mtxPath("/unit/agents/new"), needs: mtxNominees},
		{pattern: "POST /unit/agents/{id}/edit", path: agentPath(mtxTU, "/edit"), form: edit, needs: mtxTargets},
		{pattern: "POST /unit/agents/{id}/remove", path: agentPath(mtxTU, "/remove"), needs: mtxTargets},
	} {
		pr.name, pr.method, pr.as = "proof older than the window", "POST", mtxAsStale
		pr.want = mtxManagers(reauth, reauth, reauth)
		add(pr)
	}
	reauthWith := func(pw func(c *mtxCell) string) func(c *mtxCell) url.Values {
		return func(c *mtxCell) url.Values {
			v := c.agentForm()
			v.Set(dlgFieldReauth, pw(c))
			return v
		}
	}
	add(mtxProbe{pattern: "POST /unit/agents/new", name: "proof older than the window, wrong password", method: "POST",
		path: mtxPath("/unit/agents/new"), form: reauthWith(func(*mtxCell) string { return "Mtx-Wrong-Pass-2" }), needs: mtxNominees,
		as: mtxAsStale, want: mtxManagers(mtxRefused(dlgMsgReauthWrong), mtxRefused(dlgMsgReauthWrong), mtxRefused(dlgMsgReauthWrong))})
	add(mtxProbe{pattern: "POST /unit/agents/new", name: "proof older than the window, re-authenticated", method: "POST",
		path: mtxPath("/unit/agents/new"), form: reauthWith(rolePassword), needs: mtxNominees, as: mtxAsStale,
		want: mtxManagers(added(mtxU), added(mtxU), added(mtxV))})

	// The business entry (agtBusiness): an expired or unconfirmed grant is refused
	// with its reason; a personal session goes to the chooser.
	business := func(m map[string]mtxWant) map[string]mtxWant {
		m[mtxExpired], m[mtxPending] = expired, pending
		m[mtxExpiredPerson], m[mtxPendingPerson], m[mtxAnon] = mtxChooser, mtxChooser, mtxUnitLogin
		return m
	}
	list := mtxOK("可办理业务")
	add(mtxProbe{pattern: "GET /unit/items", method: "GET", path: mtxPath("/unit/items"), want: business(map[string]mtxWant{
		mtxLegalRep: list, mtxAdmin: list, mtxAgentIn: list, mtxAgentOut: list, mtxOtherRep: list, mtxOtherAgent: list})})
	g := mtxOK(item1)
	add(mtxProbe{pattern: "GET /unit/items/{code}", name: "SB-001, granted to the in-scope agents", method: "GET", path: mtxPath("/unit/items/SB-001"),
		want: business(map[string]mtxWant{mtxLegalRep: g, mtxAdmin: g, mtxAgentIn: g, mtxAgentOut: outOfScope, mtxOtherRep: g, mtxOtherAgent: g})})
	// SB-002's page names its code among the facts.
	n := mtxWant{status: http.StatusOK}.showing(func(*mtxCell) []string { return []string{item2} })
	add(mtxProbe{pattern: "GET /unit/items/{code}", name: "SB-002, granted to nobody", method: "GET", path: mtxPath("/unit/items/SB-002"),
		want: business(map[string]mtxWant{mtxLegalRep: n, mtxAdmin: n, mtxAgentIn: outOfScope, mtxAgentOut: outOfScope, mtxOtherRep: n, mtxOtherAgent: outOfScope})})
	noItem := mtxGone("您查找的事项不存在")
	m := map[string]mtxWant{}
	for _, s := range mtxSubjects {
		m[s] = noItem
	}
	add(mtxProbe{pattern: "GET /unit/items/{code}", name: "malformed code", method: "GET", path: mtxPath("/unit/items/sb-001"), want: m})

	// 账号设置.
	add(mtxProbe{pattern: "GET /unit/account", method: "GET", path: mtxPath("/unit/account"), want: mtxCenter("账号设置")})
	add(mtxProbe{pattern: "GET /unit/account/password", method: "GET", path: mtxPath("/unit/account/password"), want: mtxCenter("修改密码")})
	add(mtxProbe{pattern: "GET /unit/account/mobile", method: "GET", path: mtxPath("/unit/account/mobile"), want: mtxCenter("修改手机号")})
	personal := mtxSee("/unit/account?notice=password").changing(mtxPasswordChanged(true))
	unitPw := mtxSee("/unit/account?notice=unit-password").changing(mtxPasswordChanged(false))
	add(mtxProbe{pattern: "POST /unit/account/password", name: "with the right current password", method: "POST", path: mtxPath("/unit/account/password"),
		form: func(c *mtxCell) url.Values {
			cur := mtxUnitPassword
			if c.subj == mtxLegalRep || c.subj == mtxOtherRep || c.fx.unitOf[c.subj] == nil {
				cur = Password
			}
			return url.Values{person.FieldCurrentPassword: {cur}, person.FieldNewPassword: {mtxNewPassword}, person.FieldConfirm: {mtxNewPassword}}
		},
		want: mtxOutsideCenter(map[string]mtxWant{mtxLegalRep: personal, mtxOtherRep: personal,
			mtxAdmin: unitPw, mtxAgentIn: unitPw, mtxAgentOut: unitPw, mtxOtherAgent: unitPw})})
	sent := mtxOK("修改手机号").changing(mtxCodeSent)
	add(mtxProbe{pattern: "POST /unit/account/mobile", name: "获取验证码 (old number)", method: "POST", path: mtxPath("/unit/account/mobile"),
		form: func(*mtxCell) url.Values { return url.Values{"action": {acsActionSendOld}} },
		want: mtxOutsideCenter(map[string]mtxWant{mtxLegalRep: sent, mtxAdmin: sent, mtxAgentIn: sent, mtxAgentOut: sent,
			mtxOtherRep: sent, mtxOtherAgent: sent})})

	// Phase 2: the legal rep replaces the admin (whose live session ends), removes the
	// new one, and sets another on the unit that has none.
	add(mtxProbe{pattern: "POST /unit/agents/admin/{id}/replace", name: "this unit's admin (phase 2)", phase: 2, method: "POST",
		path: uAdminPath("/replace"), form: nominee, needs: mtxNominees,
		before: func(t *testing.T, c *mtxCell) { c.token = c.fx.client(t, mtxAdmin).Session() },
		want: mtxOnly(mtxLegalRep, mtxSee("/unit/agents?notice=admin_replaced").changing(func(t *testing.T, c *mtxCell) {
			mtxAdminNow(mtxU)(t, c)
			if _, _, _, st := c.fx.membership(t, c.fx.admID); st != "revoked" {
				t.Errorf("the replaced admin is %s", st)
			}
			if _, err := c.fx.ts.Sessions.Lookup(context.Background(), c.token); err == nil {
				t.Error("the replaced admin's live session goes on")
			}
		}))})
	add(mtxProbe{pattern: "GET /unit/agents", name: "the replaced admin (phase 2)", phase: 2, method: "GET", path: mtxPath("/unit/agents"),
		want: mtxOnly(mtxAdmin, mtxGrantWithdrawn)})
	add(mtxProbe{pattern: "POST /unit/agents/admin/{id}/remove", name: "this unit's new admin (phase 2)", phase: 2, method: "POST",
		path: uAdminPath("/remove"),
		want: mtxOnly(mtxLegalRep, mtxSee("/unit/agents?notice=admin_removed").changing(func(t *testing.T, c *mtxCell) {
			if id, _, _ := c.fx.adminOf(t, c.fx.u.ID); id != 0 {
				t.Errorf("the unit still has admin %d", id)
			}
		}))})
	add(mtxProbe{pattern: "GET /unit/agents/admin/new", name: "unit without admin (phase 2)", phase: 2, method: "GET", path: mtxPath("/unit/agents/admin/new"),
		want: mtxOnly(mtxLegalRep, mtxOK("设置管理员"))})
	add(mtxProbe{pattern: "POST /unit/agents/admin/new", name: "unit without admin (phase 2)", phase: 2, method: "POST", path: mtxPath("/unit/agents/admin/new"),
		form: nominee, needs: mtxNominees,
		want: mtxOnly(mtxLegalRep, mtxSee("/unit/agents?notice=admin_set").changing(mtxAdminNow(mtxU)))})
	return ps
}

// ---- running the matrix ----

// label names a probe in subtests and the report.
func (p mtxProbe) label() string {
	if p.name == "" {
		return p.pattern
	}
	return p.pattern + " (" + p.name + ")"
}

// setup makes what a cell of pr needs: fresh pending agents in both units, a fresh
// nominee, and an admin of V (pending) for the probes that name it.
func (fx *mtxFx) setup(t *testing.T, pr mtxProbe, subj string) *mtxCell {
	t.Helper()
	c := &mtxCell{fx: fx, subj: subj}
	until := fx.clk.Now().AddDate(0, 0, 30)
	if pr.needs&mtxTargets != 0 {
		c.tuPerson, c.tu = fx.addAgent(t, fx.people[mtxLegalRep], fx.u, until, "SB-001")
		c.tvPerson, c.tv = fx.addAgent(t, fx.people[mtxOtherRep], fx.v, until, "SB-001")
	}
	if pr.needs&mtxNominees != 0 {
		c.nominee = fx.person(t)
	}
	if id, _, _ := fx.adminOf(t, fx.v.ID); id == 0 {
		if _, err := fx.ts.Delegation.SetAdmin(context.Background(), delegation.Actor{PersonID: fx.people[mtxOtherRep].ID}, fx.v.ID,
			mtxNominee(fx.person(t)), fx.clk.Now().AddDate(0, 0, 180)); err != nil {
			t.Fatalf("admin of the other unit: %v", err)
		}
	}
	c.uAdmin, _, _ = fx.adminOf(t, fx.u.ID)
	c.vAdmin, _, _ = fx.adminOf(t, fx.v.ID)
	return c
}

// cleanup removes the cell's targets that are still there, so the units stay below
// ten agents.
func (fx *mtxFx) cleanup(t *testing.T, c *mtxCell) {
	t.Helper()
	for _, tg := range []struct {
		id  int64
		u   unit.Unit
		rep string
	}{{c.tu, fx.u, mtxLegalRep}, {c.tv, fx.v, mtxOtherRep}} {
		if tg.id == 0 {
			continue
		}
		if _, _, _, st := fx.membership(t, tg.id); st == "revoked" {
			continue
		}
		if err := fx.ts.Delegation.RemoveAgent(context.Background(), delegation.Actor{PersonID: fx.people[tg.rep].ID}, tg.u.ID, tg.id); err != nil {
			t.Fatalf("cleanup: %v", err)
		}
	}
}

// memberNames are the full names of the unit's current members.
func (fx *mtxFx) memberNames(t testing.TB, unitID int64) []string {
	t.Helper()
	rows, err := fx.ts.DB.Query(context.Background(), `SELECT p.name FROM memberships m JOIN persons p ON p.id = m.person_id
		WHERE m.unit_id = ? AND m.status <> 'revoked'`, unitID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// otherUnit is the unit a subject has nothing to do with (nil for the anonymous
// visitor): V for U's people, personal sessions included.
func (fx *mtxFx) otherUnit(subj string) *unit.Unit {
	switch {
	case subj == mtxAnon:
		return nil
	case fx.unitOf[subj] == &fx.v:
		return &fx.u
	}
	return &fx.v
}

// run asks one cell and checks its outcome; it returns the outcome for the report.
func (fx *mtxFx) run(t *testing.T, pr mtxProbe, subj string, want mtxWant, mux *http.ServeMux) string {
	t.Helper()
	c := fx.setup(t, pr, subj)
	defer fx.cleanup(t, c)
	if pr.before != nil {
		pr.before(t, c)
	}
	c.c = fx.clientAs(t, subj, pr.as)
	path := pr.path(c)
	if _, pat := mux.Handler(httptest.NewRequest(pr.method, path, nil)); pat != pr.pattern {
		t.Errorf("%s %s is routed to %q, not to %q", pr.method, path, pat, pr.pattern)
	}
	before := mtxState(t, fx.ts)
	if pr.method == http.MethodPost {
		form := url.Values{}
		if pr.form != nil {
			form = pr.form(c)
		}
		c.rec = c.c.Post(t, path, form)
	} else {
		c.rec = c.c.Get(t, path)
	}
	after := mtxState(t, fx.ts)
	rec := c.rec
	got := strconv.Itoa(rec.Code)
	if rec.Code == http.StatusSeeOther {
		loc := rec.Header().Get("Location")
		switch {
		case strings.HasPrefix(loc, "/login?tab=unit"):
			got += " unit login"
		case strings.HasPrefix(loc, "/login?tab=person"):
			got += " personal login"
		default:
			got += " " + loc
		}
	}

	if rec.Code != want.status {
		t.Errorf("%s %s as %s: status %d, want %d (Location %q)\n%s", pr.method, path, subj, rec.Code, want.status,
			rec.Header().Get("Location"), ShortBody(rec.Body.String()))
	} else if rec.Code == http.StatusSeeOther {
		wantLoc := want.loc
		switch {
		case want.login != "":
			wantLoc = "/login?tab=" + want.login + "&next=" + url.QueryEscape(path)
			if want.ended != "" {
				wantLoc += "&ended=" + want.ended
			}
		case want.locf != nil:
			wantLoc = want.locf(c)
		}
		if loc := rec.Header().Get("Location"); loc != wantLoc {
			t.Errorf("%s %s as %s: redirect to %q, want %q", pr.method, path, subj, loc, wantLoc)
		}
	} else {
		doc := ParseHTML(t, rec.Body.String())
		text := doc.TextContent()
		if want.text != "" {
			if rec.Code == http.StatusOK {
				// The page's heading: the h1, or the h2 of a tab inside the center.
				hs := append(doc.Texts("h1"), doc.Texts("h2")...)
				if !slices.ContainsFunc(hs, func(h string) bool { return strings.Contains(h, want.text) }) {
					t.Errorf("%s %s as %s: headings %q, want %q", pr.method, path, subj, hs, want.text)
				}
			} else if !strings.Contains(text, want.text) {
				t.Errorf("%s %s as %s: the page does not say %q:\n%s", pr.method, path, subj, want.text, ShortBody(text))
			}
		}
		if want.has != nil {
			for _, s := range want.has(c) {
				if !strings.Contains(text, s) {
					t.Errorf("%s %s as %s: the page lacks %q", pr.method, path, subj, s)
				}
			}
		}
		// Nothing of the unit the subject has nothing to do with shows on its pages.
		if other := fx.otherUnit(subj); other != nil {
			for _, s := range append(fx.memberNames(t, other.ID), other.Name, other.USCC) {
				if strings.Contains(rec.Body.String(), s) {
					t.Errorf("%s %s as %s: the page shows %q of the other unit", pr.method, path, subj, s)
				}
			}
		}
	}

	switch d := mtxDiff(before, after); {
	case !want.changes && d != "":
		t.Errorf("%s %s as %s (%d) changed the database:\n%s", pr.method, path, subj, rec.Code, d)
	case want.changes && d == "" && !t.Failed():
		t.Errorf("%s %s as %s (%d) was allowed but changed nothing", pr.method, path, subj, rec.Code)
	}
	if want.effect != nil && rec.Code == want.status {
		want.effect(t, c)
	}
	return got
}

// mtxAbbrev names the subjects in the report's columns.
var mtxAbbrev = map[string]string{mtxLegalRep: "LR", mtxAdmin: "AD", mtxAgentIn: "AI", mtxAgentOut: "AO", mtxExpired: "AX",
	mtxPending: "AP", mtxOtherRep: "OR", mtxOtherAgent: "OA", mtxExpiredPerson: "AX/p", mtxPendingPerson: "AP/p", mtxAnon: "anon"}

// TestMtxAuthorization asks every probe of every /unit/ route as every subject.
func TestMtxAuthorization(t *testing.T) {
	mux := http.NewServeMux()
	for _, p := range mtxRoutesOf(t) {
		mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	fx := mtxBuild(t)
	probes := mtxProbes()
	results := map[string]map[string]string{}
	for phase := 1; phase <= 2; phase++ {
		for _, pr := range probes {
			if max(pr.phase, 1) != phase {
				continue
			}
			label := pr.label()
			results[label] = map[string]string{}
			for _, subj := range mtxSubjects {
				want, ok := pr.want[subj]
				if !ok {
					continue
				}
				t.Run(label+"/"+subj, func(t *testing.T) { results[label][subj] = fx.run(t, pr, subj, want, mux) })
			}
		}
	}
	var b strings.Builder
	b.WriteString("the matrix (status and where a 303 leads):\n")
	for _, pr := range probes {
		label := pr.label()
		fmt.Fprintf(&b, "%s\n", label)
		for _, subj := range mtxSubjects {
			if r, ok := results[label][subj]; ok {
				fmt.Fprintf(&b, "    %-5s %s\n", mtxAbbrev[subj], r)
			}
		}
	}
	t.Log(b.String())
}

// ---- the guard ----

// mtxRoutePattern finds the patterns of routes.go that concern the unit center.
var mtxRoutePattern = regexp.MustCompile(`"((?:[A-Z]+ )?/unit(?:/[^"]*)?)"`)

// mtxRoutesOf reads the /unit/ routes from routes.go's text, whatever helper
// registers them.
func mtxRoutesOf(t testing.TB) []string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatalf("read routes.go: %v", err)
	}
	var out []string
	for _, m := range mtxRoutePattern.FindAllStringSubmatch(string(src), -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// TestMtxRoutesCovered fails when routes.go has a /unit/ route the matrix does not
// ask about (or the matrix asks about one that is gone), and when a route of the
// matrix lacks a cell for a subject.
func TestMtxRoutesCovered(t *testing.T) {
	inFile := mtxRoutesOf(t)
	if len(inFile) < 10 {
		t.Fatalf("found only %d /unit routes in routes.go: %v", len(inFile), inFile)
	}
	for _, r := range inFile {
		if !slices.Contains(mtxUnitRoutes, r) {
			t.Errorf("routes.go registers %q, which the authorization matrix does not cover: add it to mtxUnitRoutes and probes with every subject to mtxProbes", r)
		}
	}
	for _, r := range mtxUnitRoutes {
		if !slices.Contains(inFile, r) {
			t.Errorf("the matrix lists %q, which routes.go no longer registers", r)
		}
	}
	cells := map[string]map[string]bool{}
	for _, pr := range mtxProbes() {
		if !slices.Contains(mtxUnitRoutes, pr.pattern) {
			t.Errorf("probe %s: %q is not in mtxUnitRoutes", pr.label(), pr.pattern)
		}
		if cells[pr.pattern] == nil {
			cells[pr.pattern] = map[string]bool{}
		}
		for subj, w := range pr.want {
			if !slices.Contains(mtxSubjects, subj) {
				t.Errorf("probe %s: unknown subject %q", pr.label(), subj)
			}
			if w.status == 0 {
				t.Errorf("probe %s: no expected outcome for %s", pr.label(), subj)
			}
			cells[pr.pattern][subj] = true
		}
	}
	for _, r := range mtxUnitRoutes {
		var missing []string
		for _, subj := range mtxSubjects {
			if !cells[r][subj] {
				missing = append(missing, subj)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("route %q has no cell for %v", r, missing)
		}
	}
}
