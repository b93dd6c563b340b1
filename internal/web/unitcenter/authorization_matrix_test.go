package unitcenter

import (
	"context"
	"fmt"
	"hall/internal/web"
	"hall/internal/web/unitdelegation"
	"hall/internal/web/unitinstitutions"
	"hall/internal/web/webtest"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/address"
	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/institution"
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
// TestMatrixRoutesCovered fails when routes.go gains a /unit/ route the matrix does not
// ask about, so a new route of the center cannot skip it.

// matrixT0 is the fake clock's start: a Tuesday morning in Asia/Shanghai, far from
// midnight, so "today" is the same day for the test and the server.
var matrixT0 = time.Date(2026, 6, 2, 10, 0, 0, 0, web.Shanghai)

const (
	// matrixUnitPassword is the 经办密码 the fixture's admins and agents set (invented).
	matrixUnitPassword = "Mtx-Unit-Pass-26"
	// matrixNewPassword is what 修改密码 changes a password to.
	matrixNewPassword = "Mtx-Fresh-Pass-88"
)

// The subjects (rows of the matrix). "This unit" is U, "the other unit" is V.
const (
	matrixLegalRep      = "legal rep"
	matrixAdmin         = "admin"
	matrixAgentIn       = "agent in scope"
	matrixAgentOut      = "agent out of scope"
	matrixExpired       = "expired agent"
	matrixPending       = "pending agent"
	matrixOtherRep      = "other unit's legal rep"
	matrixOtherAgent    = "other unit's agent"
	matrixExpiredPerson = "expired agent, personal session"
	matrixPendingPerson = "pending agent, personal session"
	matrixAnon          = "anonymous"
	// matrixInstitution is the operator of one of U's institutions, signed in with
	// its 机构编号 (SPEC U7): no role in the unit, so every page of the center
	// refuses it.
	matrixInstitution = "institution operator"
)

// matrixSubjects is every subject, in the order of the report.
var matrixSubjects = []string{matrixLegalRep, matrixAdmin, matrixAgentIn, matrixAgentOut, matrixExpired, matrixPending,
	matrixOtherRep, matrixOtherAgent, matrixExpiredPerson, matrixPendingPerson, matrixAnon, matrixInstitution}

// matrixUnitRoutes is the list of the center's routes the matrix asks about; it must
// equal the /unit/ routes of routes.go (TestMatrixRoutesCovered).
var matrixUnitRoutes = []string{
	"GET /unit/{$}",
	"GET /unit/choose",
	"POST /unit/switch",
	"POST /unit/leave",
	"GET /unit/info",
	"POST /unit/info",
	"GET /unit/info/export",
	"GET /unit/info/edit",
	"POST /unit/info/edit",
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
	"GET /unit/items/{code}/counter",
	"GET /unit/items/{code}/apply",
	"POST /unit/items/{code}/apply",
	"POST /unit/items/{code}/draft",
	"POST /unit/items/{code}/draft/discard",
	"GET /unit/cases",
	"GET /unit/cases/{id}",
	"POST /unit/cases/{id}/withdraw",
	"GET /unit/cases/{id}/resubmit",
	"POST /unit/cases/{id}/resubmit",
	"GET /unit/cases/{id}/materials/{material}",
	"GET /unit/cases/{id}/result",
	"GET /unit/deliveries",
	"GET /unit/deliveries/{id}",
	"GET /unit/workbench",
	"GET /unit/workbench/plans/{id}",
	"POST /unit/workbench/plans/{id}/candidates",
	"POST /unit/workbench/plans/{id}/candidates/{candidate}/remove",
	"POST /unit/workbench/plans/{id}/import",
	"POST /unit/workbench/plans/{id}/submit",
	"GET /unit/rights",
	"POST /unit/rights",
	"GET /unit/rights/{id}/file",
	"GET /unit/account/addresses",
	"POST /unit/account/addresses",
	"GET /unit/account/addresses/{id}/edit",
	"POST /unit/account/addresses/{id}/edit",
	"POST /unit/account/addresses/{id}/default",
	"POST /unit/account/addresses/{id}/delete",
	"GET /unit/account",
	"GET /unit/account/password",
	"POST /unit/account/password",
	"GET /unit/account/mobile",
	"POST /unit/account/mobile",
	"GET /unit/institutions",
	"GET /unit/institutions/new",
	"POST /unit/institutions/new",
	"GET /unit/institutions/{id}/edit",
	"POST /unit/institutions/{id}/edit",
	"GET /unit/institutions/{id}/reset",
	"POST /unit/institutions/{id}/reset",
	"GET /unit/institutions/{id}/close",
	"POST /unit/institutions/{id}/close",
}

// ---- the fixture ----

// matrixFx is the world of the matrix: unit U with its legal rep, a confirmed admin,
// an agent granted SB-001 (in scope), an agent granted JY-005 only (out of scope
// for SB-001), an agent whose validity ended, and an invited, unconfirmed agent;
// Unit V with its legal rep, a confirmed agent granted SB-001 and a pending admin.
// Admins and agents come from the delegation commands and are confirmed through a
// passed development face verification, as the app does.
type matrixFx struct {
	ts    *webtest.TestServer
	clk   *webtest.Clock
	w     *webtest.World
	hash  string // of testPassword, computed once: every fixture person has it
	names int

	u, v   unit.Unit
	people map[string]person.Person // by subject (anonymous: none)
	unitOf map[string]*unit.Unit    // the unit of a subject's unit session; nil for a personal one
	roleOf map[string]unit.Role     // the role of a subject's unit session
	admID  int64                    // U's admin membership (until phase 2 replaces it)
	repMID int64                    // U's legal rep membership
	// inst is U's institution whose operator is the matrixInstitution subject.
	inst institution.Opened
}

// matrixName is the n-th invented name (distinct for n < 1000).
func matrixName(n int) string {
	s := []rune("柳钟卓岑邬苗蔺骆阮廖")
	a := []rune("明清若知望怀北子云听")
	b := []rune("远和水行舒瑾辰衿起澜")
	return string(s[n%10]) + string(a[(n/10)%10]) + string(b[(n/100)%10])
}

// Person creates a real-name personal account with testPassword (hashed once).
func (fx *matrixFx) person(t testing.TB) person.Person {
	t.Helper()
	fx.names++
	name := matrixName(fx.names)
	var p person.Person
	fx.w.Tx(t, func(ctx context.Context, tx *store.Tx) error {
		var err error
		p, err = fx.ts.Persons.CreateTx(ctx, tx, person.NewAccount{IDType: ident.IDTypeResident, IDNumber: fx.w.IDNumber(),
			Name: name, Mobile: fx.w.Mobile(), PasswordHash: fx.hash}, "192.0.2.30")
		return err
	})
	return p
}

// matrixNominee is p as the forms and commands take a nominee.
func matrixNominee(p person.Person) delegation.Nominee {
	return delegation.Nominee{Name: p.Name, IDType: p.IDType, IDNumber: p.IDNumber, Mobile: p.Mobile}
}

// day is the date days after the fake now, as a date input sends it.
func (fx *matrixFx) day(days int) string {
	return fx.clk.Now().In(web.Shanghai).AddDate(0, 0, days).Format("2006-01-02")
}

// addAgent has actor (a legal rep) invite a fresh person as agent of u for items,
// valid until until; it returns the person and the membership ID.
func (fx *matrixFx) addAgent(t testing.TB, actor person.Person, u unit.Unit, until time.Time, items ...string) (person.Person, int64) {
	t.Helper()
	p := fx.person(t)
	inv, err := fx.ts.Delegation.AddAgent(context.Background(), delegation.Actor{PersonID: actor.ID}, u.ID, matrixNominee(p),
		items, time.Time{}, until)
	if err != nil {
		t.Fatalf("add agent: %v", err)
	}
	return p, inv.MembershipID
}

func matrixBuild(t *testing.T) *matrixFx {
	t.Helper()
	ctx := context.Background()
	clk := webtest.NewClock(matrixT0)
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clk))
	fx := &matrixFx{ts: ts, clk: clk, w: webtest.NewWorld(ts, 0x6d7478), people: map[string]person.Person{},
		unitOf: map[string]*unit.Unit{}, roleOf: map[string]unit.Role{}}
	var err error
	if fx.hash, err = ts.Hasher.Hash(ctx, webtest.Password); err != nil {
		t.Fatal(err)
	}
	rep, vrep := fx.person(t), fx.person(t)
	fx.u = fx.w.Unit(t, "示范明川机械有限公司", rep)
	fx.v = fx.w.Unit(t, "示范远岫贸易有限公司", vrep)
	lr := delegation.Actor{PersonID: rep.ID}

	// U's admin, confirmed, for a year.
	adm := fx.person(t)
	if _, err := ts.Delegation.SetAdmin(ctx, lr, fx.u.ID, matrixNominee(adm), matrixT0.AddDate(1, 0, 0)); err != nil {
		t.Fatalf("set admin: %v", err)
	}
	webtest.ConfirmOnlyInvitation(t, ts, adm, matrixUnitPassword)
	// U's agents: SB-001 for 30 days; JY-005 only; SB-001 for one hour (expired
	// below); SB-001, never confirmed.
	month := matrixT0.AddDate(0, 0, 30)
	ai, _ := fx.addAgent(t, rep, fx.u, month, "SB-001")
	webtest.ConfirmOnlyInvitation(t, ts, ai, matrixUnitPassword)
	ao, _ := fx.addAgent(t, rep, fx.u, month, "JY-005")
	webtest.ConfirmOnlyInvitation(t, ts, ao, matrixUnitPassword)
	ax, _ := fx.addAgent(t, rep, fx.u, matrixT0.Add(time.Hour), "SB-001")
	webtest.ConfirmOnlyInvitation(t, ts, ax, matrixUnitPassword)
	ap, _ := fx.addAgent(t, rep, fx.u, month, "SB-001")
	// V's agent, confirmed, SB-001.
	oa, _ := fx.addAgent(t, vrep, fx.v, month, "SB-001")
	webtest.ConfirmOnlyInvitation(t, ts, oa, matrixUnitPassword)

	// The expired agent's validity ends; every session below is opened afterwards.
	clk.Advance(2 * time.Hour)

	for _, s := range []struct {
		subj string
		p    person.Person
		u    *unit.Unit
		r    unit.Role
	}{
		{matrixLegalRep, rep, &fx.u, unit.RoleLegalRep}, {matrixAdmin, adm, &fx.u, unit.RoleAdmin},
		{matrixAgentIn, ai, &fx.u, unit.RoleAgent}, {matrixAgentOut, ao, &fx.u, unit.RoleAgent},
		{matrixExpired, ax, &fx.u, unit.RoleAgent}, {matrixPending, ap, &fx.u, unit.RoleAgent},
		{matrixOtherRep, vrep, &fx.v, unit.RoleLegalRep}, {matrixOtherAgent, oa, &fx.v, unit.RoleAgent},
		{matrixExpiredPerson, ax, nil, ""}, {matrixPendingPerson, ap, nil, ""},
	} {
		fx.people[s.subj], fx.unitOf[s.subj], fx.roleOf[s.subj] = s.p, s.u, s.r
	}
	// U's institution and its operator, who has replaced the initial password.
	fx.inst = fx.institution(t, fx.u, rep)
	if _, err := ts.DB.Exec(ctx, "UPDATE institutions SET must_change_password = ? WHERE id = ?", false, fx.inst.ID); err != nil {
		t.Fatal(err)
	}
	fx.admID = fx.membershipID(t, fx.u.ID, adm.ID)
	fx.repMID = fx.membershipID(t, fx.u.ID, rep.ID)
	return fx
}

// institution has legal rep rep open an institution of u with a fresh operator.
func (fx *matrixFx) institution(t testing.TB, u unit.Unit, rep person.Person) institution.Opened {
	t.Helper()
	op := fx.person(t)
	o, err := fx.ts.Institutions.Open(context.Background(), institution.Actor{PersonID: rep.ID}, u.ID, institution.Opening{
		Name: "示范见习基地" + strconv.Itoa(fx.names), Kind: institution.KindInternshipBase, Operator: matrixOperator(op)})
	if err != nil {
		t.Fatalf("open institution: %v", err)
	}
	return o
}

// matrixOperator is p as the institution forms name an operator.
func matrixOperator(p person.Person) institution.Operator {
	return institution.Operator{Name: p.Name, IDType: p.IDType, IDNumber: p.IDNumber, Mobile: p.Mobile}
}

// membershipID is the person's current membership of the unit.
func (fx *matrixFx) membershipID(t testing.TB, unitID, personID int64) int64 {
	t.Helper()
	m, err := fx.ts.Units.Membership(context.Background(), unitID, personID)
	if err != nil {
		t.Fatalf("membership of person %d in unit %d: %v", personID, unitID, err)
	}
	return m.ID
}

// adminOf is the unit's current (non-revoked) admin membership, 0 when none.
func (fx *matrixFx) adminOf(t testing.TB, unitID int64) (id, personID int64, status string) {
	t.Helper()
	err := fx.ts.DB.QueryRow(context.Background(), `SELECT id, person_id, status FROM memberships
		WHERE unit_id = ? AND role = 'admin' AND status <> 'revoked'`, unitID).Scan(&id, &personID, &status)
	if err != nil {
		return 0, 0, ""
	}
	return id, personID, status
}

// membership reads a membership as stored.
func (fx *matrixFx) membership(t testing.TB, id int64) (unitID, personID int64, role, status string) {
	t.Helper()
	if err := fx.ts.DB.QueryRow(context.Background(), `SELECT unit_id, person_id, role, status FROM memberships WHERE id = ?`,
		id).Scan(&unitID, &personID, &role, &status); err != nil {
		t.Fatalf("membership %d: %v", id, err)
	}
	return unitID, personID, role, status
}

// Client is a new browser signed in as subj (a fresh session, created as a login
// would; none for the anonymous visitor). Each subject has its own address, so the
// throttles of one do not count against another.
func (fx *matrixFx) client(t testing.TB, subj string) *webtest.Client {
	t.Helper()
	c := webtest.NewClient(fx.ts)
	c.Remote = fmt.Sprintf("198.51.100.%d:40000", 10+slices.Index(matrixSubjects, subj))
	if subj == matrixInstitution {
		webtest.SignIn(t, c, webtest.InstitutionSubject(fx.inst.Institution))
		return c
	}
	p, ok := fx.people[subj]
	if !ok {
		return c
	}
	s := auth.Subject{PersonID: p.ID}
	if u := fx.unitOf[subj]; u != nil {
		// The session a login made while the role was held (it may be gone since).
		s = webtest.UnitSubject(p, *u, fx.roleOf[subj])
	}
	if subj == matrixPending {
		// The pending agent has no unit password (the invitation was never
		// confirmed), so no login could have made its unit session with one: the
		// session records no proof, and the unit center must refuse it all the same.
		webtest.SignInBy(t, c, s, auth.ProofNone)
		return c
	}
	webtest.SignIn(t, c, s)
	return c
}

// clientAs is client with the session as says (matrixAsLogin: client's).
func (fx *matrixFx) clientAs(t testing.TB, subj string, as int) *webtest.Client {
	t.Helper()
	p, ok := fx.people[subj]
	switch {
	case !ok || as == matrixAsLogin:
		return fx.client(t, subj)
	case as == matrixAsPersonalSMS:
		c := fx.client(t, matrixAnon)
		c.Remote = fmt.Sprintf("198.51.100.%d:40000", 10+slices.Index(matrixSubjects, subj))
		webtest.SignInBy(t, c, auth.Subject{PersonID: p.ID}, auth.ProofSMS)
		return c
	}
	c := fx.client(t, subj)
	sess, err := fx.ts.Sessions.Lookup(context.Background(), c.Session())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.ts.DB.Exec(context.Background(), "UPDATE sessions SET proved_at = ? WHERE token_hash = ?",
		store.Time(fx.clk.Now().Add(-web.FreshProofWindow-time.Minute)), sess.ID); err != nil {
		t.Fatal(err)
	}
	return c
}

// matrixStateQueries read what a refused request must not change.
var matrixStateQueries = []string{
	`SELECT id, unit_id, person_id, role, status, valid_from, valid_until, COALESCE(password_hash, ''), confirmed_at, revoked_at
		FROM memberships ORDER BY id`,
	`SELECT membership_id, item_code FROM grants ORDER BY membership_id, item_code`,
	`SELECT id, membership_id, confirmed_at, declined_at FROM invitations ORDER BY id`,
	`SELECT id, mobile, password_hash FROM persons ORDER BY id`,
	`SELECT id, name, status, address, contact_name, contact_phone FROM units ORDER BY id`,
	`SELECT 'texts', COUNT(*) FROM sms_outbox`,
	`SELECT 'notices', COUNT(*) FROM delegation_notices`,
	`SELECT id, unit_id, seq, name, kind, operator_id, password_hash, must_change_password, status FROM institutions ORDER BY id`,
}

// matrixState is the state the matrix compares, one line per row.
func matrixState(t testing.TB, ts *webtest.TestServer) []string {
	t.Helper()
	var out []string
	for i, q := range matrixStateQueries {
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

// matrixDiff lists the lines only in a and only in b.
func matrixDiff(a, b []string) string {
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

// matrixCell is one request of the matrix: the fixture, the subject, the targets made
// for it, and afterwards the client and the answer.
type matrixCell struct {
	fx   *matrixFx
	subj string
	// tu and tv are pending agents of U and V made for this cell (needs matrixTargets);
	// tuPerson and tvPerson are their persons.
	tu, tv             int64
	tuPerson, tvPerson person.Person
	// uAdmin and vAdmin are the units' current admin memberships (V always has one).
	uAdmin, vAdmin int64
	// nominee is a fresh registered person for the forms (needs matrixNominees).
	nominee person.Person
	c       *webtest.Client
	rec     *httptest.ResponseRecorder
	// token is a session opened by the probe's before hook.
	token string
	// inst is a fresh institution of U made for this cell (needs matrixInstitutions).
	inst institution.Opened
}

// What a probe needs made before each of its cells.
const (
	matrixTargets      = 1 << iota // fresh pending agents tu (in U) and tv (in V)
	matrixNominees                 // a fresh registered person for the form
	matrixInstitutions             // a fresh institution of U
)

// matrixWant is the expected outcome of one cell.
type matrixWant struct {
	status int
	loc    string                       // Location of a 303 ("" with login: the login page)
	locf   func(c *matrixCell) string   // Location computed from the cell
	login  string                       // "Unit" or "Person": a 303 to that login tab, returning here
	ended  string                       // with login: the login page is told why the grant ended (?ended=)
	text   string                       // a refusal's message in the page, or the h1 of a page
	has    func(c *matrixCell) []string // more texts the page must show
	// changes: the cell is allowed to change the database, and effect checks the
	// change; otherwise the state must stay exactly as it was.
	changes bool
	effect  func(t *testing.T, c *matrixCell)
}

func matrixOK(h1 string) matrixWant        { return matrixWant{status: http.StatusOK, text: h1} }
func matrixSee(loc string) matrixWant      { return matrixWant{status: http.StatusSeeOther, loc: loc} }
func matrixDeny(msg string) matrixWant     { return matrixWant{status: http.StatusForbidden, text: msg} }
func matrixGone(msg string) matrixWant     { return matrixWant{status: http.StatusNotFound, text: msg} }
func matrixConflict(msg string) matrixWant { return matrixWant{status: http.StatusConflict, text: msg} }
func matrixRefused(msg string) matrixWant {
	return matrixWant{status: http.StatusUnprocessableEntity, text: msg}
}
func matrixSeeAt(f func(c *matrixCell) string) matrixWant {
	return matrixWant{status: http.StatusSeeOther, locf: f}
}

var (
	matrixUnitLogin = matrixWant{status: http.StatusSeeOther, login: "unit"}
	// matrixGrantEnded: the unit session ended on this request because its grant is
	// not usable; the login page is told why (ended=grant).
	matrixGrantEnded  = matrixWant{status: http.StatusSeeOther, login: "unit", ended: web.GrantLapsed}
	matrixPersonLogin = matrixWant{status: http.StatusSeeOther, login: "person"}
	matrixChooser     = matrixSee("/unit/choose")
	// matrixInstitutionOnly: an institution session is refused every page of the
	// center, with the reason.
	matrixInstitutionOnly = matrixDeny(web.MsgInstitutionOnly)
	matrixNoPage          = matrixGone("您访问的页面不存在。")

	// matrixGrantWithdrawn: the unit session ended because its role was taken back
	// (removed, replaced); the login page says so (ended=withdrawn).
	matrixGrantWithdrawn = matrixWant{status: http.StatusSeeOther, login: "unit", ended: web.GrantWithdrawn}
)

// changing marks an allowed change and how to check it.
func (w matrixWant) changing(effect func(t *testing.T, c *matrixCell)) matrixWant {
	w.changes, w.effect = true, effect
	return w
}

// then adds a check after the request (without allowing a change).
func (w matrixWant) then(effect func(t *testing.T, c *matrixCell)) matrixWant {
	w.effect = effect
	return w
}

func (w matrixWant) showing(f func(c *matrixCell) []string) matrixWant {
	w.has = f
	return w
}

// matrixProbe is one request shape of a route, asked by the subjects in want.
type matrixProbe struct {
	pattern string // the route of routes.go it exercises
	name    string // what is special about this request
	method  string
	path    func(c *matrixCell) string
	form    func(c *matrixCell) url.Values
	needs   int
	// phase 2 probes run after all others: they replace and remove U's admin.
	phase int
	// as is the session the cell's client has (matrixAsLogin when zero).
	as     int
	before func(t *testing.T, c *matrixCell)
	want   map[string]matrixWant
}

func matrixPath(p string) func(*matrixCell) string { return func(*matrixCell) string { return p } }

// The sessions a probe's client may have (matrixProbe.as).
const (
	// matrixAsLogin: the session a password login of the subject made just now.
	matrixAsLogin = iota
	// matrixAsPersonalSMS: the subject's person alone, signed in by 手机动态码.
	matrixAsPersonalSMS
	// matrixAsStale: the subject's usual session, its login's proof older than the
	// re-authentication window of 经办人管理.
	matrixAsStale
)

// matrixOutsideCenter fills the cells of the visitors without a usable unit session on
// a route of the center (UnitCenterGuard): a unit session whose grant is expired or not
// confirmed ends and goes to the unit login; a personal session goes to the unit
// chooser; nobody goes to the unit login.
func matrixOutsideCenter(m map[string]matrixWant) map[string]matrixWant {
	m[matrixExpired], m[matrixPending], m[matrixAnon] = matrixGrantEnded, matrixGrantEnded, matrixUnitLogin
	m[matrixExpiredPerson], m[matrixPendingPerson] = matrixChooser, matrixChooser
	m[matrixInstitution] = matrixInstitutionOnly
	return m
}

// matrixCenter is a page of the center every usable unit session may open.
func matrixCenter(h1 string) map[string]matrixWant {
	m := map[string]matrixWant{}
	for _, s := range []string{matrixLegalRep, matrixAdmin, matrixAgentIn, matrixAgentOut, matrixOtherRep, matrixOtherAgent} {
		m[s] = matrixOK(h1)
	}
	return matrixOutsideCenter(m)
}

// matrixManagers is a route of 经办人管理 (unitdelegation's guard): lr, adm and
// other are the cells of this unit's legal rep, its admin and the other unit's legal
// rep; agents are refused with the reason; the rest as matrixOutsideCenter.
func matrixManagers(lr, adm, other matrixWant) map[string]matrixWant {
	refused := matrixDeny(unitdelegation.AgentRefusedMessage)
	return matrixOutsideCenter(map[string]matrixWant{matrixLegalRep: lr, matrixAdmin: adm, matrixOtherRep: other,
		matrixAgentIn: refused, matrixAgentOut: refused, matrixOtherAgent: refused})
}

// matrixSigned is a route for any signed-in person (RequireSignedIn): the unit sessions that
// end on this request, and nobody, go to the personal login.
func matrixSigned(m map[string]matrixWant) map[string]matrixWant {
	m[matrixExpired], m[matrixPending], m[matrixAnon] = matrixPersonLogin, matrixPersonLogin, matrixPersonLogin
	// An institution session is no personal session.
	m[matrixInstitution] = matrixPersonLogin
	return m
}

// matrixOnly keeps the cells of the given subjects (phase 2 probes).
func matrixOnly(subj string, w matrixWant) map[string]matrixWant {
	return map[string]matrixWant{subj: w}
}

// ---- forms ----

func (c *matrixCell) nomineeForm() url.Values {
	p := c.nominee
	return url.Values{"name": {p.Name}, "id_type": {string(p.IDType)}, "id_number": {p.IDNumber}, "mobile": {p.Mobile}}
}

func (c *matrixCell) adminForm() url.Values {
	v := c.nomineeForm()
	v.Set("valid_until", c.fx.day(180))
	return v
}

// agentForm adds the nominee for SB-001 for 30 days, with a forged unit_id naming
// the subject's other unit, which the hall must ignore (the unit is the session's).
func (c *matrixCell) agentForm() url.Values {
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
func (c *matrixCell) editForm() url.Values {
	return url.Values{"items": {"SB-002"}, "valid_from": {""}, "valid_until": {c.fx.day(20)}}
}

// ---- effects ----

// matrixNomineeIs checks the nominee's membership after an add or a set: in unit u,
// pending, in role, and nowhere else.
func matrixNomineeIs(u func(fx *matrixFx) unit.Unit, role unit.Role, items ...string) func(t *testing.T, c *matrixCell) {
	return func(t *testing.T, c *matrixCell) {
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

func matrixU(fx *matrixFx) unit.Unit { return fx.u }
func matrixV(fx *matrixFx) unit.Unit { return fx.v }

// matrixRevoked checks that the target membership was revoked.
func matrixRevoked(target func(c *matrixCell) int64) func(t *testing.T, c *matrixCell) {
	return func(t *testing.T, c *matrixCell) {
		if _, _, _, st := c.fx.membership(t, target(c)); st != "revoked" {
			t.Errorf("membership %d is %s after the removal", target(c), st)
		}
	}
}

// matrixRescoped checks an agent's grants after the change form.
func matrixRescoped(target func(c *matrixCell) int64) func(t *testing.T, c *matrixCell) {
	return func(t *testing.T, c *matrixCell) {
		g, err := c.fx.ts.Delegation.Grants(context.Background(), target(c))
		if err != nil || !slices.Equal(g, []string{"SB-002"}) {
			t.Errorf("grants after the change %v (%v), want [SB-002]", g, err)
		}
	}
}

func matrixTU(c *matrixCell) int64 { return c.tu }
func matrixTV(c *matrixCell) int64 { return c.tv }

// matrixAdminNow checks the unit's admin after a set or replace: the nominee, pending.
func matrixAdminNow(u func(fx *matrixFx) unit.Unit) func(t *testing.T, c *matrixCell) {
	return func(t *testing.T, c *matrixCell) {
		_, pid, st := c.fx.adminOf(t, u(c.fx).ID)
		if pid != c.nominee.ID || st != "pending" {
			t.Errorf("the unit's admin is person %d (%s), want the nominee %d pending", pid, st, c.nominee.ID)
		}
	}
}

// matrixPasswordChanged checks that the subject's password (personal for a legal rep,
// the unit password otherwise) is now matrixNewPassword.
func matrixPasswordChanged(personal bool) func(t *testing.T, c *matrixCell) {
	return func(t *testing.T, c *matrixCell) {
		fx := c.fx
		p := fx.people[c.subj]
		var err error
		if personal {
			err = fx.ts.Persons.CheckPassword(context.Background(), p.ID, matrixNewPassword)
		} else {
			err = fx.ts.UnitPasswords().Check(context.Background(), fx.unitOf[c.subj].ID, p.ID, matrixNewPassword)
		}
		if err != nil {
			t.Errorf("the new password does not work: %v", err)
		}
	}
}

// matrixCodeSent checks that a code went to the subject's own mobile.
func matrixCodeSent(t *testing.T, c *matrixCell) {
	webtest.LatestCode(t, c.fx.ts, c.fx.people[c.subj].Mobile)
}

// matrixLeft checks that the session no longer acts for a unit: the center sends it
// to the chooser.
func matrixLeft(t *testing.T, c *matrixCell) {
	if loc := webtest.Redirected(t, c.c.Get(t, "/unit/")); loc != "/unit/choose" {
		t.Errorf("after leaving, /unit/ → %q", loc)
	}
}

// matrixStayed checks that the session did not enter a unit: it is still the
// subject's personal session.
func matrixStayed(t *testing.T, c *matrixCell) {
	sess, err := c.fx.ts.Sessions.Lookup(context.Background(), c.c.Session())
	if err != nil || sess.Subject.UnitID != 0 {
		t.Errorf("the session after the refused entry: %+v, %v", sess.Subject, err)
	}
}

// matrixSwitched checks that the session acts for the unit of the subject.
func matrixSwitched(t *testing.T, c *matrixCell) {
	doc := c.c.Page(t, "/unit/", http.StatusOK)
	if got := doc.Must(t, ".uc-unit-name").TextContent(); got != c.fx.unitOf[c.subj].Name {
		t.Errorf("after switching the header names %q", got)
	}
}

// ---- the table ----

func matrixProbes() []matrixProbe {
	item1, item2 := "企业社会保险登记", "SB-002"
	outOfScope := matrixDeny(delegation.ReasonOutOfScope.Message())
	expired := matrixDeny(delegation.ReasonExpired.Message())
	pending := matrixDeny(delegation.ReasonNotConfirmed.Message())
	notLegalRep := matrixDeny(delegation.ErrNotLegalRep.Msg)
	noAgent := matrixGone(delegation.ErrAgentNotFound.Msg)
	adminChanged := matrixGone(delegation.ErrAdminChanged.Msg)
	uAdminPath := func(suffix string) func(*matrixCell) string {
		return func(c *matrixCell) string { return "/unit/agents/admin/" + strconv.FormatInt(c.uAdmin, 10) + suffix }
	}
	vAdminPath := func(suffix string) func(*matrixCell) string {
		return func(c *matrixCell) string { return "/unit/agents/admin/" + strconv.FormatInt(c.vAdmin, 10) + suffix }
	}
	agentPath := func(id func(c *matrixCell) int64, suffix string) func(*matrixCell) string {
		return func(c *matrixCell) string { return "/unit/agents/" + strconv.FormatInt(id(c), 10) + suffix }
	}
	uAdminID := func(c *matrixCell) int64 { return c.fx.admID }
	uRepID := func(c *matrixCell) int64 { return c.fx.repMID }
	nominee := func(c *matrixCell) url.Values { return c.adminForm() }
	// Every subject but the legal rep, for the probes whose legal-rep cell runs in
	// phase 2.
	exceptLR := func(m map[string]matrixWant) map[string]matrixWant { delete(m, matrixLegalRep); return m }
	showsOwnAgents := func(c *matrixCell) []string {
		if c.fx.unitOf[c.subj] == &c.fx.u {
			return []string{c.fx.people[matrixAgentIn].Name, c.fx.people[matrixAdmin].Name}
		}
		return []string{c.fx.people[matrixOtherAgent].Name}
	}

	var ps []matrixProbe
	add := func(p matrixProbe) { ps = append(ps, p) }

	// 单位主页, the sections, the chooser, switching and leaving.
	add(matrixProbe{pattern: "GET /unit/{$}", method: "GET", path: matrixPath("/unit/"), want: matrixCenter("单位主页")})
	choose := map[string]matrixWant{}
	for _, s := range []string{matrixLegalRep, matrixAdmin, matrixAgentIn, matrixAgentOut, matrixOtherRep, matrixOtherAgent} {
		choose[s] = matrixOK("选择单位")
	}
	choose[matrixExpiredPerson] = matrixOK("选择单位").showing(func(*matrixCell) []string { return []string{"已过期"} })
	choose[matrixPendingPerson] = matrixOK("选择单位").showing(func(*matrixCell) []string { return []string{"待确认"} })
	add(matrixProbe{pattern: "GET /unit/choose", method: "GET", path: matrixPath("/unit/choose"), want: matrixSigned(choose)})

	switchTo := func(u func(fx *matrixFx) unit.Unit) func(c *matrixCell) url.Values {
		return func(c *matrixCell) url.Values { return url.Values{"unit_id": {strconv.FormatInt(u(c.fx).ID, 10)}} }
	}
	noRole, notUsable := matrixDeny(unitMsgNoRole), matrixDeny(unitMsgNotUsable)
	home := matrixSee("/unit/").then(matrixSwitched)
	add(matrixProbe{pattern: "POST /unit/switch", name: "to this unit", method: "POST", path: matrixPath("/unit/switch"), form: switchTo(matrixU),
		want: matrixSigned(map[string]matrixWant{matrixLegalRep: home, matrixAdmin: home, matrixAgentIn: home, matrixAgentOut: home,
			matrixOtherRep: noRole, matrixOtherAgent: noRole, matrixExpiredPerson: notUsable, matrixPendingPerson: notUsable})})
	add(matrixProbe{pattern: "POST /unit/switch", name: "to the other unit", method: "POST", path: matrixPath("/unit/switch"), form: switchTo(matrixV),
		want: matrixSigned(map[string]matrixWant{matrixLegalRep: noRole, matrixAdmin: noRole, matrixAgentIn: noRole, matrixAgentOut: noRole,
			matrixOtherRep: home, matrixOtherAgent: home, matrixExpiredPerson: noRole, matrixPendingPerson: noRole})})
	bad := matrixWant{status: http.StatusBadRequest, text: unitMsgBadRequest}
	add(matrixProbe{pattern: "POST /unit/switch", name: "malformed unit_id", method: "POST", path: matrixPath("/unit/switch"),
		form: func(*matrixCell) url.Values { return url.Values{"unit_id": {"1 OR 1=1"}} },
		want: matrixSigned(map[string]matrixWant{matrixLegalRep: bad, matrixAdmin: bad, matrixAgentIn: bad, matrixAgentOut: bad,
			matrixOtherRep: bad, matrixOtherAgent: bad, matrixExpiredPerson: bad, matrixPendingPerson: bad})})
	// Entering U from a personal session opened by 手机动态码 (SPEC L7): nobody enters
	// without the role's password (the legal rep's personal one, the unit password of
	// the others); a wrong one is refused; the right one enters.
	repAsks, unitAsks := matrixOK("验证登录密码").then(matrixStayed), matrixOK("输入经办密码").then(matrixStayed)
	personalSwitch := func(lr, other matrixWant) map[string]matrixWant {
		m := matrixSigned(map[string]matrixWant{matrixLegalRep: lr, matrixAdmin: other, matrixAgentIn: other, matrixAgentOut: other,
			matrixOtherRep: noRole, matrixOtherAgent: noRole, matrixExpiredPerson: notUsable, matrixPendingPerson: notUsable})
		// Their sessions here are personal too: the role is what is not usable.
		m[matrixExpired], m[matrixPending] = notUsable, notUsable
		return m
	}
	enterWith := func(pw func(c *matrixCell) string) func(c *matrixCell) url.Values {
		return func(c *matrixCell) url.Values {
			v := switchTo(matrixU)(c)
			v.Set(enterFieldPassword, pw(c))
			return v
		}
	}
	rolePassword := func(c *matrixCell) string {
		if c.subj == matrixLegalRep || c.subj == matrixOtherRep {
			return webtest.Password
		}
		return matrixUnitPassword
	}
	add(matrixProbe{pattern: "POST /unit/switch", name: "to this unit from an SMS-code session, no password", method: "POST",
		path: matrixPath("/unit/switch"), form: switchTo(matrixU), as: matrixAsPersonalSMS, want: personalSwitch(repAsks, unitAsks)})
	add(matrixProbe{pattern: "POST /unit/switch", name: "to this unit from an SMS-code session, wrong password", method: "POST",
		path: matrixPath("/unit/switch"), form: enterWith(func(*matrixCell) string { return "Mtx-Wrong-Pass-1" }), as: matrixAsPersonalSMS,
		want: personalSwitch(matrixRefused(enterMsgWrongPerson).then(matrixStayed), matrixRefused(enterMsgWrongUnit).then(matrixStayed))})
	add(matrixProbe{pattern: "POST /unit/switch", name: "to this unit from an SMS-code session, the role's password", method: "POST",
		path: matrixPath("/unit/switch"), form: enterWith(rolePassword), as: matrixAsPersonalSMS, want: personalSwitch(home, home)})
	left := matrixSee("/me").then(matrixLeft)
	add(matrixProbe{pattern: "POST /unit/leave", method: "POST", path: matrixPath("/unit/leave"), form: func(*matrixCell) url.Values { return url.Values{} },
		want: matrixSigned(map[string]matrixWant{matrixLegalRep: left, matrixAdmin: left, matrixAgentIn: left, matrixAgentOut: left,
			matrixOtherRep: left, matrixOtherAgent: left, matrixExpiredPerson: matrixSee("/me"), matrixPendingPerson: matrixSee("/me")})})

	// 经办人管理.
	page := matrixOK("经办人管理").showing(showsOwnAgents)
	add(matrixProbe{pattern: "GET /unit/agents", method: "GET", path: matrixPath("/unit/agents"), want: matrixManagers(page, page, page)})

	toReplace := func(own func(c *matrixCell) int64) matrixWant {
		return matrixSeeAt(func(c *matrixCell) string {
			return "/unit/agents/admin/" + strconv.FormatInt(own(c), 10) + "/replace"
		})
	}
	add(matrixProbe{pattern: "GET /unit/agents/admin/new", name: "unit has an admin", method: "GET", path: matrixPath("/unit/agents/admin/new"),
		want: matrixManagers(toReplace(func(c *matrixCell) int64 { return c.uAdmin }), notLegalRep, toReplace(func(c *matrixCell) int64 { return c.vAdmin }))})
	add(matrixProbe{pattern: "POST /unit/agents/admin/new", name: "unit has an admin", method: "POST", path: matrixPath("/unit/agents/admin/new"),
		form: nominee, needs: matrixNominees,
		want: matrixManagers(matrixRefused(delegation.ErrAdminExists.Msg), notLegalRep, matrixRefused(delegation.ErrAdminExists.Msg))})

	for _, op := range []struct{ suffix, h1 string }{{"/replace", "更换管理员"}, {"/remove", "删除管理员"}} {
		add(matrixProbe{pattern: "GET /unit/agents/admin/{id}" + op.suffix, name: "this unit's admin", method: "GET", path: uAdminPath(op.suffix),
			want: matrixManagers(matrixOK(op.h1), notLegalRep, adminChanged)})
		add(matrixProbe{pattern: "GET /unit/agents/admin/{id}" + op.suffix, name: "other unit's admin", method: "GET", path: vAdminPath(op.suffix),
			want: matrixManagers(adminChanged, notLegalRep, matrixOK(op.h1))})
		add(matrixProbe{pattern: "GET /unit/agents/admin/{id}" + op.suffix, name: "malformed id", method: "GET", path: matrixPath("/unit/agents/admin/x1" + op.suffix),
			want: matrixManagers(matrixNoPage, notLegalRep, matrixNoPage)})
	}
	add(matrixProbe{pattern: "POST /unit/agents/admin/{id}/replace", name: "this unit's admin", method: "POST", path: uAdminPath("/replace"),
		form: nominee, needs: matrixNominees,
		want: exceptLR(matrixManagers(matrixWant{}, notLegalRep, matrixRefused(delegation.ErrAdminChanged.Msg)))})
	add(matrixProbe{pattern: "POST /unit/agents/admin/{id}/replace", name: "other unit's admin", method: "POST", path: vAdminPath("/replace"),
		form: nominee, needs: matrixNominees,
		want: matrixManagers(matrixRefused(delegation.ErrAdminChanged.Msg), notLegalRep,
			matrixSee("/unit/agents?notice=admin_replaced").changing(matrixAdminNow(matrixV)))})
	add(matrixProbe{pattern: "POST /unit/agents/admin/{id}/remove", name: "this unit's admin", method: "POST", path: uAdminPath("/remove"),
		want: exceptLR(matrixManagers(matrixWant{}, notLegalRep, matrixConflict(delegation.ErrAdminChanged.Msg)))})
	add(matrixProbe{pattern: "POST /unit/agents/admin/{id}/remove", name: "other unit's admin", method: "POST", path: vAdminPath("/remove"),
		want: matrixManagers(matrixConflict(delegation.ErrAdminChanged.Msg), notLegalRep,
			matrixSee("/unit/agents?notice=admin_removed").changing(func(t *testing.T, c *matrixCell) {
				if id, _, _ := c.fx.adminOf(t, c.fx.v.ID); id != 0 {
					t.Errorf("the other unit still has admin %d", id)
				}
			}))})

	addForm := matrixOK("添加经办人")
	add(matrixProbe{pattern: "GET /unit/agents/new", method: "GET", path: matrixPath("/unit/agents/new"), want: matrixManagers(addForm, addForm, addForm)})
	added := func(u func(fx *matrixFx) unit.Unit) matrixWant {
		return matrixSee("/unit/agents?notice=agent_added").changing(matrixNomineeIs(u, unit.RoleAgent, "SB-001"))
	}
	add(matrixProbe{pattern: "POST /unit/agents/new", name: "with a forged unit_id", method: "POST", path: matrixPath("/unit/agents/new"),
		form: func(c *matrixCell) url.Values { return c.agentForm() }, needs: matrixNominees,
		want: matrixManagers(added(matrixU), added(matrixU), added(matrixV))})

	for _, op := range []struct{ suffix, h1 string }{{"/edit", "修改经办人"}, {"/remove", "删除经办人"}} {
		add(matrixProbe{pattern: "GET /unit/agents/{id}" + op.suffix, name: "this unit's agent", method: "GET", path: agentPath(matrixTU, op.suffix),
			needs: matrixTargets, want: matrixManagers(matrixOK(op.h1), matrixOK(op.h1), noAgent)})
		add(matrixProbe{pattern: "GET /unit/agents/{id}" + op.suffix, name: "other unit's agent", method: "GET", path: agentPath(matrixTV, op.suffix),
			needs: matrixTargets, want: matrixManagers(noAgent, noAgent, matrixOK(op.h1))})
		add(matrixProbe{pattern: "GET /unit/agents/{id}" + op.suffix, name: "this unit's admin by the agent route", method: "GET",
			path: agentPath(uAdminID, op.suffix), want: matrixManagers(noAgent, noAgent, noAgent)})
		add(matrixProbe{pattern: "GET /unit/agents/{id}" + op.suffix, name: "malformed id", method: "GET", path: matrixPath("/unit/agents/-3" + op.suffix),
			want: matrixManagers(matrixNoPage, matrixNoPage, matrixNoPage)})
	}
	edit := func(c *matrixCell) url.Values { return c.editForm() }
	changed := func(id func(c *matrixCell) int64) matrixWant {
		return matrixSee("/unit/agents?notice=agent_changed").changing(matrixRescoped(id))
	}
	add(matrixProbe{pattern: "POST /unit/agents/{id}/edit", name: "this unit's agent", method: "POST", path: agentPath(matrixTU, "/edit"),
		form: edit, needs: matrixTargets, want: matrixManagers(changed(matrixTU), changed(matrixTU), noAgent)})
	add(matrixProbe{pattern: "POST /unit/agents/{id}/edit", name: "other unit's agent", method: "POST", path: agentPath(matrixTV, "/edit"),
		form: edit, needs: matrixTargets, want: matrixManagers(noAgent, noAgent, changed(matrixTV))})
	add(matrixProbe{pattern: "POST /unit/agents/{id}/edit", name: "this unit's admin by the agent route", method: "POST",
		path: agentPath(uAdminID, "/edit"), form: edit, want: matrixManagers(noAgent, noAgent, noAgent)})
	removed := func(id func(c *matrixCell) int64) matrixWant {
		return matrixSee("/unit/agents?notice=agent_removed").changing(matrixRevoked(id))
	}
	add(matrixProbe{pattern: "POST /unit/agents/{id}/remove", name: "this unit's agent", method: "POST", path: agentPath(matrixTU, "/remove"),
		needs: matrixTargets, want: matrixManagers(removed(matrixTU), removed(matrixTU), noAgent)})
	add(matrixProbe{pattern: "POST /unit/agents/{id}/remove", name: "other unit's agent", method: "POST", path: agentPath(matrixTV, "/remove"),
		needs: matrixTargets, want: matrixManagers(noAgent, noAgent, removed(matrixTV))})
	add(matrixProbe{pattern: "POST /unit/agents/{id}/remove", name: "this unit's admin by the agent route", method: "POST",
		path: agentPath(uAdminID, "/remove"), want: matrixManagers(noAgent, noAgent, noAgent)})
	add(matrixProbe{pattern: "POST /unit/agents/{id}/remove", name: "this unit's legal rep by the agent route", method: "POST",
		path: agentPath(uRepID, "/remove"), want: matrixManagers(noAgent, noAgent, noAgent)})

	// Every change of 经办人管理 from a session whose proof is older than the window
	// asks for the role's password first and changes nothing (unitdelegation's
	// fresh runs before the command's own checks); with the password it goes on.
	reauth := matrixOK("验证身份")
	for _, pr := range []matrixProbe{
		{pattern: "POST /unit/agents/admin/new", path: matrixPath("/unit/agents/admin/new"), form: nominee, needs: matrixNominees},
		{pattern: "POST /unit/agents/admin/{id}/replace", path: vAdminPath("/replace"), form: nominee, needs: matrixNominees},
		{pattern: "POST /unit/agents/admin/{id}/remove", path: vAdminPath("/remove")},
		{pattern: "POST /unit/agents/new", form: func(c *matrixCell) url.Values { return c.agentForm() }, path: matrixPath("/unit/agents/new"), needs: matrixNominees},
		{pattern: "POST /unit/agents/{id}/edit", path: agentPath(matrixTU, "/edit"), form: edit, needs: matrixTargets},
		{pattern: "POST /unit/agents/{id}/remove", path: agentPath(matrixTU, "/remove"), needs: matrixTargets},
	} {
		pr.name, pr.method, pr.as = "proof older than the window", "POST", matrixAsStale
		pr.want = matrixManagers(reauth, reauth, reauth)
		add(pr)
	}
	reauthWith := func(pw func(c *matrixCell) string) func(c *matrixCell) url.Values {
		return func(c *matrixCell) url.Values {
			v := c.agentForm()
			v.Set(web.FreshProofField, pw(c))
			return v
		}
	}
	add(matrixProbe{pattern: "POST /unit/agents/new", name: "proof older than the window, wrong password", method: "POST",
		path: matrixPath("/unit/agents/new"), form: reauthWith(func(*matrixCell) string { return "Mtx-Wrong-Pass-2" }), needs: matrixNominees,
		as: matrixAsStale, want: matrixManagers(matrixRefused(web.FreshProofWrongMessage), matrixRefused(web.FreshProofWrongMessage), matrixRefused(web.FreshProofWrongMessage))})
	add(matrixProbe{pattern: "POST /unit/agents/new", name: "proof older than the window, re-authenticated", method: "POST",
		path: matrixPath("/unit/agents/new"), form: reauthWith(rolePassword), needs: matrixNominees, as: matrixAsStale,
		want: matrixManagers(added(matrixU), added(matrixU), added(matrixV))})

	// The business entry (businessBusiness): an expired or unconfirmed grant is refused
	// with its reason; a personal session goes to the chooser.
	business := func(m map[string]matrixWant) map[string]matrixWant {
		m[matrixExpired], m[matrixPending] = expired, pending
		m[matrixExpiredPerson], m[matrixPendingPerson], m[matrixAnon] = matrixChooser, matrixChooser, matrixUnitLogin
		m[matrixInstitution] = matrixInstitutionOnly
		return m
	}
	list := matrixOK("可办理业务")
	add(matrixProbe{pattern: "GET /unit/items", method: "GET", path: matrixPath("/unit/items"), want: business(map[string]matrixWant{
		matrixLegalRep: list, matrixAdmin: list, matrixAgentIn: list, matrixAgentOut: list, matrixOtherRep: list, matrixOtherAgent: list})})
	g := matrixOK(item1)
	add(matrixProbe{pattern: "GET /unit/items/{code}", name: "SB-001, granted to the in-scope agents", method: "GET", path: matrixPath("/unit/items/SB-001"),
		want: business(map[string]matrixWant{matrixLegalRep: g, matrixAdmin: g, matrixAgentIn: g, matrixAgentOut: outOfScope, matrixOtherRep: g, matrixOtherAgent: g})})
	// SB-002's page names its code among the facts.
	n := matrixWant{status: http.StatusOK}.showing(func(*matrixCell) []string { return []string{item2} })
	add(matrixProbe{pattern: "GET /unit/items/{code}", name: "SB-002, granted to nobody", method: "GET", path: matrixPath("/unit/items/SB-002"),
		want: business(map[string]matrixWant{matrixLegalRep: n, matrixAdmin: n, matrixAgentIn: outOfScope, matrixAgentOut: outOfScope, matrixOtherRep: n, matrixOtherAgent: outOfScope})})
	noItem := matrixGone("您查找的事项不存在")
	m := map[string]matrixWant{}
	for _, s := range matrixSubjects {
		m[s] = noItem
	}
	// 到窗口办理 of SB-001 (no online form) is authorized as its item page.
	gc := matrixOK("到窗口办理")
	add(matrixProbe{pattern: "GET /unit/items/{code}/counter", name: "SB-001, granted to the in-scope agents", method: "GET",
		path: matrixPath("/unit/items/SB-001/counter"),
		want: business(map[string]matrixWant{matrixLegalRep: gc, matrixAdmin: gc, matrixAgentIn: gc, matrixAgentOut: outOfScope,
			matrixOtherRep: gc, matrixOtherAgent: gc})})
	add(matrixProbe{pattern: "GET /unit/items/{code}", name: "malformed code", method: "GET", path: matrixPath("/unit/items/sb-001"), want: m})

	// 单位权益单 (rights.ItemCode, SB-007, granted to nobody): the legal reps and the
	// admin; an empty form is refused beside its fields; an unknown record is not found.
	rightsCells := func(w matrixWant) map[string]matrixWant {
		return business(map[string]matrixWant{matrixLegalRep: w, matrixAdmin: w, matrixAgentIn: outOfScope, matrixAgentOut: outOfScope,
			matrixOtherRep: w, matrixOtherAgent: outOfScope})
	}
	add(matrixProbe{pattern: "GET /unit/rights", method: "GET", path: matrixPath("/unit/rights"), want: rightsCells(matrixOK("单位权益单"))})
	add(matrixProbe{pattern: "POST /unit/rights", name: "empty form", method: "POST", path: matrixPath("/unit/rights"),
		form: func(*matrixCell) url.Values { return url.Values{} }, want: rightsCells(matrixRefused("请选择查询起始年月"))})
	add(matrixProbe{pattern: "GET /unit/rights/{id}/file", name: "unknown record", method: "GET", path: matrixPath("/unit/rights/999999/file"),
		want: rightsCells(matrixGone("未找到该权益单"))})

	// 人员参保登记 (SB-002, granted to nobody): the form and its refusal beside the
	// fields for the legal reps and the admin; 单位办件 (U4) for every usable unit
	// session, an unknown case not found.
	applyCells := func(w matrixWant) map[string]matrixWant {
		return business(map[string]matrixWant{matrixLegalRep: w, matrixAdmin: w, matrixAgentIn: outOfScope, matrixAgentOut: outOfScope,
			matrixOtherRep: w, matrixOtherAgent: outOfScope})
	}
	add(matrixProbe{pattern: "GET /unit/items/{code}/apply", method: "GET", path: matrixPath("/unit/items/SB-002/apply"),
		want: applyCells(matrixOK("用人单位用工参保登记"))})
	add(matrixProbe{pattern: "POST /unit/items/{code}/apply", name: "empty form", method: "POST", path: matrixPath("/unit/items/SB-002/apply"),
		form: func(*matrixCell) url.Values { return url.Values{} }, want: applyCells(matrixRefused("请填写职工姓名"))})
	// Drafts (保存草稿, 放弃草稿) are authorized as the application.
	add(matrixProbe{pattern: "POST /unit/items/{code}/draft", name: "partial form", method: "POST", path: matrixPath("/unit/items/SB-002/draft"),
		form: func(*matrixCell) url.Values { return url.Values{"name": {"草稿"}} }, want: applyCells(matrixSee("/unit/cases?notice=draft-saved"))})
	add(matrixProbe{pattern: "POST /unit/items/{code}/draft/discard", method: "POST", path: matrixPath("/unit/items/SB-002/draft/discard"),
		want: applyCells(matrixSee("/unit/items/SB-002/apply?notice=draft-discarded"))})
	add(matrixProbe{pattern: "GET /unit/cases", method: "GET", path: matrixPath("/unit/cases"), want: matrixCenter("单位办件")})
	noCase := map[string]matrixWant{}
	for _, s := range []string{matrixLegalRep, matrixAdmin, matrixAgentIn, matrixAgentOut, matrixOtherRep, matrixOtherAgent} {
		noCase[s] = matrixGone("未找到该办件")
	}
	noCase = matrixOutsideCenter(noCase)
	for _, pattern := range []string{"GET /unit/cases/{id}", "POST /unit/cases/{id}/withdraw", "GET /unit/cases/{id}/resubmit",
		"POST /unit/cases/{id}/resubmit", "GET /unit/cases/{id}/result"} {
		method, path, _ := strings.Cut(strings.Replace(pattern, "{id}", "999999", 1), " ")
		add(matrixProbe{pattern: pattern, name: "unknown case", method: method, path: matrixPath(path), want: noCase})
	}
	// A case's material: scoped by the unit, then authorized by the case's item.
	noMaterial := map[string]matrixWant{}
	for _, s := range []string{matrixLegalRep, matrixAdmin, matrixAgentIn, matrixAgentOut, matrixOtherRep, matrixOtherAgent} {
		noMaterial[s] = matrixGone("未找到该申请材料")
	}
	add(matrixProbe{pattern: "GET /unit/cases/{id}/materials/{material}", name: "unknown case", method: "GET",
		path: matrixPath("/unit/cases/999999/materials/nosuchmaterial"), want: matrixOutsideCenter(noMaterial)})
	// 单位快递: read like 单位办件, by every usable unit session.
	add(matrixProbe{pattern: "GET /unit/deliveries", method: "GET", path: matrixPath("/unit/deliveries"), want: matrixCenter("单位快递")})
	noDelivery := map[string]matrixWant{}
	for _, s := range []string{matrixLegalRep, matrixAdmin, matrixAgentIn, matrixAgentOut, matrixOtherRep, matrixOtherAgent} {
		noDelivery[s] = matrixGone("未找到该快递")
	}
	add(matrixProbe{pattern: "GET /unit/deliveries/{id}", name: "unknown delivery", method: "GET", path: matrixPath("/unit/deliveries/999999"),
		want: matrixOutsideCenter(noDelivery)})

	// 我的工作台 (U8): read by every usable unit session, like 单位办件; entering
	// candidates and submitting are the business of skills.ItemCode (RC-003),
	// granted to none of the agents; an unknown plan is not found, after the check.
	add(matrixProbe{pattern: "GET /unit/workbench", method: "GET", path: matrixPath("/unit/workbench?tab=done"), want: matrixCenter("我的工作台")})
	noPlan := map[string]matrixWant{}
	for _, s := range []string{matrixLegalRep, matrixAdmin, matrixAgentIn, matrixAgentOut, matrixOtherRep, matrixOtherAgent} {
		noPlan[s] = matrixGone("未找到该认定计划")
	}
	add(matrixProbe{pattern: "GET /unit/workbench/plans/{id}", name: "unknown plan", method: "GET", path: matrixPath("/unit/workbench/plans/999999"),
		want: matrixOutsideCenter(noPlan)})
	planCells := func() map[string]matrixWant {
		return business(map[string]matrixWant{matrixLegalRep: matrixGone("未找到该认定计划"), matrixAdmin: matrixGone("未找到该认定计划"),
			matrixAgentIn: outOfScope, matrixAgentOut: outOfScope, matrixOtherRep: matrixGone("未找到该认定计划"), matrixOtherAgent: outOfScope})
	}
	for _, pattern := range []string{"POST /unit/workbench/plans/{id}/candidates", "POST /unit/workbench/plans/{id}/candidates/{candidate}/remove",
		"POST /unit/workbench/plans/{id}/import", "POST /unit/workbench/plans/{id}/submit"} {
		path := strings.NewReplacer("{id}", "999999", "{candidate}", "1").Replace(strings.TrimPrefix(pattern, "POST "))
		add(matrixProbe{pattern: pattern, name: "unknown plan", method: "POST", path: matrixPath(path), want: planCells()})
	}

	// 单位信息: every usable unit session looks and exports; changing the basic
	// information is the business of SB-009 (单位参保信息变更登记), granted to none of
	// the agents.
	add(matrixProbe{pattern: "GET /unit/info", method: "GET", path: matrixPath("/unit/info?tab=changes"), want: matrixCenter("单位信息")})
	filtered := matrixSee("/unit/info?person=%E5%BC%A0%E4%B8%89&tab=changes")
	add(matrixProbe{pattern: "POST /unit/info", method: "POST", path: matrixPath("/unit/info"),
		form: func(*matrixCell) url.Values { return url.Values{"tab": {"changes"}, "person": {"张三"}} },
		want: matrixOutsideCenter(map[string]matrixWant{matrixLegalRep: filtered, matrixAdmin: filtered, matrixAgentIn: filtered,
			matrixAgentOut: filtered, matrixOtherRep: filtered, matrixOtherAgent: filtered})})
	csv := matrixWant{status: http.StatusOK}.showing(func(*matrixCell) []string { return []string{"变更年月,姓名,证件号码"} })
	add(matrixProbe{pattern: "GET /unit/info/export", method: "GET", path: matrixPath("/unit/info/export?tab=changes"),
		want: matrixOutsideCenter(map[string]matrixWant{matrixLegalRep: csv, matrixAdmin: csv, matrixAgentIn: csv, matrixAgentOut: csv,
			matrixOtherRep: csv, matrixOtherAgent: csv})})
	editForm := matrixOK("修改基本信息")
	add(matrixProbe{pattern: "GET /unit/info/edit", method: "GET", path: matrixPath("/unit/info/edit"),
		want: business(map[string]matrixWant{matrixLegalRep: editForm, matrixAdmin: editForm, matrixAgentIn: outOfScope,
			matrixAgentOut: outOfScope, matrixOtherRep: editForm, matrixOtherAgent: outOfScope})})
	saved := matrixSee("/unit/info?notice=saved").changing(func(t *testing.T, c *matrixCell) {
		u, err := c.fx.ts.Units.Get(context.Background(), c.fx.unitOf[c.subj].ID)
		if err != nil || u.ContactName != "矩阵联系人" {
			t.Errorf("after the change the unit's contact is %q (%v)", u.ContactName, err)
		}
	})
	add(matrixProbe{pattern: "POST /unit/info/edit", method: "POST", path: matrixPath("/unit/info/edit"),
		form: func(c *matrixCell) url.Values {
			target := c.fx.u.ID
			if u := c.fx.unitOf[c.subj]; u != nil {
				target = u.ID
			}
			u, err := c.fx.ts.Units.Get(context.Background(), target)
			if err != nil {
				panic(err)
			}
			return url.Values{infoFieldWasAddress: {u.Address}, infoFieldWasContact: {u.ContactName},
				infoFieldWasPhone: {unit.MaskPhone(u.ContactPhone)}, unit.FieldAddress: {u.Address},
				unit.FieldContactName: {"矩阵联系人"}, unit.FieldContactPhone: {c.fx.w.Mobile()}}
		},
		want: business(map[string]matrixWant{matrixLegalRep: saved, matrixAdmin: saved, matrixAgentIn: outOfScope,
			matrixAgentOut: outOfScope, matrixOtherRep: saved, matrixOtherAgent: outOfScope})})

	// 账号设置.
	add(matrixProbe{pattern: "GET /unit/account", method: "GET", path: matrixPath("/unit/account"), want: matrixCenter("账号设置")})
	add(matrixProbe{pattern: "GET /unit/account/password", method: "GET", path: matrixPath("/unit/account/password"), want: matrixCenter("修改密码")})
	add(matrixProbe{pattern: "GET /unit/account/mobile", method: "GET", path: matrixPath("/unit/account/mobile"), want: matrixCenter("修改手机号")})
	personal := matrixSee("/unit/account?notice=password").changing(matrixPasswordChanged(true))
	unitPw := matrixSee("/unit/account?notice=unit-password").changing(matrixPasswordChanged(false))
	add(matrixProbe{pattern: "POST /unit/account/password", name: "with the right current password", method: "POST", path: matrixPath("/unit/account/password"),
		form: func(c *matrixCell) url.Values {
			cur := matrixUnitPassword
			if c.subj == matrixLegalRep || c.subj == matrixOtherRep || c.fx.unitOf[c.subj] == nil {
				cur = webtest.Password
			}
			return url.Values{person.FieldCurrentPassword: {cur}, person.FieldNewPassword: {matrixNewPassword}, person.FieldConfirm: {matrixNewPassword}}
		},
		want: matrixOutsideCenter(map[string]matrixWant{matrixLegalRep: personal, matrixOtherRep: personal,
			matrixAdmin: unitPw, matrixAgentIn: unitPw, matrixAgentOut: unitPw, matrixOtherAgent: unitPw})})
	sent := matrixOK("修改手机号").changing(matrixCodeSent)
	add(matrixProbe{pattern: "POST /unit/account/mobile", name: "获取验证码 (old number)", method: "POST", path: matrixPath("/unit/account/mobile"),
		form: func(*matrixCell) url.Values { return url.Values{"action": {web.ActionSendOld}} },
		want: matrixOutsideCenter(map[string]matrixWant{matrixLegalRep: sent, matrixAdmin: sent, matrixAgentIn: sent, matrixAgentOut: sent,
			matrixOtherRep: sent, matrixOtherAgent: sent})})

	// 收件地址: every usable unit session looks; adding, changing, choosing the default
	// and deleting are the business of address.ItemCode (SB-009), granted to none of
	// the agents; an unknown address is not found, after the check.
	add(matrixProbe{pattern: "GET /unit/account/addresses", method: "GET", path: matrixPath("/unit/account/addresses"),
		want: matrixCenter("我的收件地址")})
	addressCells := func(w matrixWant) map[string]matrixWant {
		return business(map[string]matrixWant{matrixLegalRep: w, matrixAdmin: w, matrixAgentIn: outOfScope,
			matrixAgentOut: outOfScope, matrixOtherRep: w, matrixOtherAgent: outOfScope})
	}
	addressAdded := matrixSee("/unit/account/addresses?notice=added")
	add(matrixProbe{pattern: "POST /unit/account/addresses", method: "POST", path: matrixPath("/unit/account/addresses"),
		form: func(*matrixCell) url.Values {
			return url.Values{address.FieldRecipient: {"矩阵收件人"}, address.FieldPhone: {"13812345678"}, address.FieldProvince: {"32"},
				address.FieldCity: {"3201"}, address.FieldCounty: {"320102"}, address.FieldDetail: {"中山路78号"}}
		},
		want: addressCells(addressAdded)})
	noAddress := matrixGone("未找到该收件地址")
	add(matrixProbe{pattern: "GET /unit/account/addresses/{id}/edit", name: "unknown address", method: "GET",
		path: matrixPath("/unit/account/addresses/999999/edit"), want: addressCells(noAddress)})
	for _, pattern := range []string{"POST /unit/account/addresses/{id}/edit", "POST /unit/account/addresses/{id}/default",
		"POST /unit/account/addresses/{id}/delete"} {
		path := strings.Replace(strings.TrimPrefix(pattern, "POST "), "{id}", "999999", 1)
		add(matrixProbe{pattern: pattern, name: "unknown address", method: "POST", path: matrixPath(path), want: addressCells(noAddress)})
	}

	// 机构管理 (U7, unitinstitutions): the legal reps and the admin; agents are
	// refused with the reason; the other unit's legal rep does not find U's
	// institutions; a change from a proof older than the window asks for the
	// password first and changes nothing.
	institutionManagers := func(lr, adm, other matrixWant) map[string]matrixWant {
		refused := matrixDeny(unitinstitutions.ManagersOnlyMessage)
		return matrixOutsideCenter(map[string]matrixWant{matrixLegalRep: lr, matrixAdmin: adm, matrixOtherRep: other,
			matrixAgentIn: refused, matrixAgentOut: refused, matrixOtherAgent: refused})
	}
	same := func(w matrixWant) map[string]matrixWant { return institutionManagers(w, w, w) }
	uInstitution := func(suffix string) func(*matrixCell) string {
		return func(c *matrixCell) string {
			return "/unit/institutions/" + strconv.FormatInt(c.fx.inst.ID, 10) + suffix
		}
	}
	cellInstitution := func(suffix string) func(*matrixCell) string {
		return func(c *matrixCell) string { return "/unit/institutions/" + strconv.FormatInt(c.inst.ID, 10) + suffix }
	}
	operatorForm := func(name string, o institution.Operator) url.Values {
		return url.Values{institution.FieldName: {name}, institution.FieldKind: {string(institution.KindInternshipBase)},
			institution.FieldOperatorName: {o.Name}, "operator_id_type": {string(o.IDType)},
			institution.FieldOperatorID: {o.IDNumber}, institution.FieldOperatorMobile: {o.Mobile}}
	}
	openForm := func(c *matrixCell) url.Values {
		return operatorForm("矩阵就业见习基地", matrixOperator(c.nominee))
	}
	changeForm := func(c *matrixCell) url.Values {
		return operatorForm("矩阵就业见习基地（东区）", institution.Operator{Name: c.inst.OperatorName, IDType: ident.IDTypeResident,
			IDNumber: c.inst.OperatorIDNumber, Mobile: c.inst.OperatorMobile})
	}
	institutionNow := func(c *matrixCell) institution.Institution {
		i, err := c.fx.ts.Institutions.Get(context.Background(), c.inst.ID)
		if err != nil {
			panic(err)
		}
		return i
	}
	notFound := matrixNoPage
	add(matrixProbe{pattern: "GET /unit/institutions", method: "GET", path: matrixPath("/unit/institutions"),
		want: same(matrixOK("机构管理").showing(func(c *matrixCell) []string {
			if c.fx.unitOf[c.subj] == &c.fx.u {
				return []string{c.fx.inst.Number}
			}
			return []string{"本单位尚未开通机构账户"}
		}))})
	add(matrixProbe{pattern: "GET /unit/institutions/new", method: "GET", path: matrixPath("/unit/institutions/new"),
		want: same(matrixOK("开通机构账户"))})
	opened := func(u func(fx *matrixFx) unit.Unit) matrixWant {
		return matrixOK("机构账户已开通").changing(func(t *testing.T, c *matrixCell) {
			var unitID int64
			if err := c.fx.ts.DB.QueryRow(context.Background(), "SELECT unit_id FROM institutions WHERE operator_id = ?",
				c.nominee.ID).Scan(&unitID); err != nil || unitID != u(c.fx).ID {
				t.Errorf("the institution opened is in unit %d (%v), want %d", unitID, err, u(c.fx).ID)
			}
		})
	}
	add(matrixProbe{pattern: "POST /unit/institutions/new", method: "POST", path: matrixPath("/unit/institutions/new"), form: openForm,
		needs: matrixNominees, want: institutionManagers(opened(matrixU), opened(matrixU), opened(matrixV))})
	add(matrixProbe{pattern: "GET /unit/institutions/{id}/edit", method: "GET", path: uInstitution("/edit"),
		want: institutionManagers(matrixOK("修改机构账户"), matrixOK("修改机构账户"), notFound)})
	renamed := matrixSee("/unit/institutions?notice=changed").changing(func(t *testing.T, c *matrixCell) {
		if i := institutionNow(c); i.Name != "矩阵就业见习基地（东区）" {
			t.Errorf("after the change the name is %q", i.Name)
		}
	})
	add(matrixProbe{pattern: "POST /unit/institutions/{id}/edit", method: "POST", path: cellInstitution("/edit"), form: changeForm,
		needs: matrixInstitutions, want: institutionManagers(renamed, renamed, notFound)})
	add(matrixProbe{pattern: "GET /unit/institutions/{id}/reset", method: "GET", path: uInstitution("/reset"),
		want: institutionManagers(matrixOK("重置机构账户密码"), matrixOK("重置机构账户密码"), notFound)})
	reset := matrixOK("机构账户密码已重置").changing(func(t *testing.T, c *matrixCell) {
		if i := institutionNow(c); i.PasswordHash == c.inst.PasswordHash || !i.MustChangePassword {
			t.Error("the reset did not give a new password to be changed")
		}
	})
	add(matrixProbe{pattern: "POST /unit/institutions/{id}/reset", method: "POST", path: cellInstitution("/reset"),
		needs: matrixInstitutions, want: institutionManagers(reset, reset, notFound)})
	add(matrixProbe{pattern: "GET /unit/institutions/{id}/close", method: "GET", path: uInstitution("/close"),
		want: institutionManagers(matrixOK("关闭机构账户"), matrixOK("关闭机构账户"), notFound)})
	closed := matrixSee("/unit/institutions?notice=closed").changing(func(t *testing.T, c *matrixCell) {
		if i := institutionNow(c); i.Open() {
			t.Error("the institution is still open")
		}
	})
	add(matrixProbe{pattern: "POST /unit/institutions/{id}/close", method: "POST", path: cellInstitution("/close"),
		needs: matrixInstitutions, want: institutionManagers(closed, closed, notFound)})
	for _, pr := range []matrixProbe{
		{pattern: "POST /unit/institutions/new", path: matrixPath("/unit/institutions/new"), form: openForm, needs: matrixNominees},
		{pattern: "POST /unit/institutions/{id}/edit", path: cellInstitution("/edit"), form: changeForm, needs: matrixInstitutions},
		{pattern: "POST /unit/institutions/{id}/reset", path: cellInstitution("/reset"), needs: matrixInstitutions},
		{pattern: "POST /unit/institutions/{id}/close", path: cellInstitution("/close"), needs: matrixInstitutions},
	} {
		// The question comes before the institution is looked up: the other unit's
		// legal rep is asked too, and learns nothing of U's institution from it.
		pr.name, pr.method, pr.as = "proof older than the window", "POST", matrixAsStale
		pr.want = same(reauth)
		add(pr)
	}

	// Phase 2: the legal rep replaces the admin (whose live session ends), removes the
	// new one, and sets another on the unit that has none.
	add(matrixProbe{pattern: "POST /unit/agents/admin/{id}/replace", name: "this unit's admin (phase 2)", phase: 2, method: "POST",
		path: uAdminPath("/replace"), form: nominee, needs: matrixNominees,
		before: func(t *testing.T, c *matrixCell) { c.token = c.fx.client(t, matrixAdmin).Session() },
		want: matrixOnly(matrixLegalRep, matrixSee("/unit/agents?notice=admin_replaced").changing(func(t *testing.T, c *matrixCell) {
			matrixAdminNow(matrixU)(t, c)
			if _, _, _, st := c.fx.membership(t, c.fx.admID); st != "revoked" {
				t.Errorf("the replaced admin is %s", st)
			}
			if _, err := c.fx.ts.Sessions.Lookup(context.Background(), c.token); err == nil {
				t.Error("the replaced admin's live session goes on")
			}
		}))})
	add(matrixProbe{pattern: "GET /unit/agents", name: "the replaced admin (phase 2)", phase: 2, method: "GET", path: matrixPath("/unit/agents"),
		want: matrixOnly(matrixAdmin, matrixGrantWithdrawn)})
	add(matrixProbe{pattern: "POST /unit/agents/admin/{id}/remove", name: "this unit's new admin (phase 2)", phase: 2, method: "POST",
		path: uAdminPath("/remove"),
		want: matrixOnly(matrixLegalRep, matrixSee("/unit/agents?notice=admin_removed").changing(func(t *testing.T, c *matrixCell) {
			if id, _, _ := c.fx.adminOf(t, c.fx.u.ID); id != 0 {
				t.Errorf("the unit still has admin %d", id)
			}
		}))})
	add(matrixProbe{pattern: "GET /unit/agents/admin/new", name: "unit without admin (phase 2)", phase: 2, method: "GET", path: matrixPath("/unit/agents/admin/new"),
		want: matrixOnly(matrixLegalRep, matrixOK("设置管理员"))})
	add(matrixProbe{pattern: "POST /unit/agents/admin/new", name: "unit without admin (phase 2)", phase: 2, method: "POST", path: matrixPath("/unit/agents/admin/new"),
		form: nominee, needs: matrixNominees,
		want: matrixOnly(matrixLegalRep, matrixSee("/unit/agents?notice=admin_set").changing(matrixAdminNow(matrixU)))})
	return ps
}

// ---- running the matrix ----

// label names a probe in subtests and the report.
func (p matrixProbe) label() string {
	if p.name == "" {
		return p.pattern
	}
	return p.pattern + " (" + p.name + ")"
}

// setup makes what a cell of pr needs: fresh pending agents in both units, a fresh
// nominee, and an admin of V (pending) for the probes that name it.
func (fx *matrixFx) setup(t *testing.T, pr matrixProbe, subj string) *matrixCell {
	t.Helper()
	c := &matrixCell{fx: fx, subj: subj}
	until := fx.clk.Now().AddDate(0, 0, 30)
	if pr.needs&matrixTargets != 0 {
		c.tuPerson, c.tu = fx.addAgent(t, fx.people[matrixLegalRep], fx.u, until, "SB-001")
		c.tvPerson, c.tv = fx.addAgent(t, fx.people[matrixOtherRep], fx.v, until, "SB-001")
	}
	if pr.needs&matrixNominees != 0 {
		c.nominee = fx.person(t)
	}
	if pr.needs&matrixInstitutions != 0 {
		c.inst = fx.institution(t, fx.u, fx.people[matrixLegalRep])
	}
	if id, _, _ := fx.adminOf(t, fx.v.ID); id == 0 {
		if _, err := fx.ts.Delegation.SetAdmin(context.Background(), delegation.Actor{PersonID: fx.people[matrixOtherRep].ID}, fx.v.ID,
			matrixNominee(fx.person(t)), fx.clk.Now().AddDate(0, 0, 180)); err != nil {
			t.Fatalf("admin of the other unit: %v", err)
		}
	}
	c.uAdmin, _, _ = fx.adminOf(t, fx.u.ID)
	c.vAdmin, _, _ = fx.adminOf(t, fx.v.ID)
	return c
}

// cleanup removes the cell's targets that are still there, so the units stay below
// ten agents.
func (fx *matrixFx) cleanup(t *testing.T, c *matrixCell) {
	t.Helper()
	for _, tg := range []struct {
		id  int64
		u   unit.Unit
		rep string
	}{{c.tu, fx.u, matrixLegalRep}, {c.tv, fx.v, matrixOtherRep}} {
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
func (fx *matrixFx) memberNames(t testing.TB, unitID int64) []string {
	t.Helper()
	rows, err := fx.ts.DB.Query(context.Background(), `SELECT p.id, p.name FROM memberships m JOIN persons p ON p.id = m.person_id
		WHERE m.unit_id = ? AND m.status <> 'revoked'`, unitID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var sealedName []byte
		if err := rows.Scan(&id, &sealedName); err != nil {
			t.Fatal(err)
		}
		n, err := person.OpenName(fx.ts.DB.Keys(), id, sealedName)
		if err != nil {
			t.Fatalf("open the name of person %d: %v", id, err)
		}
		out = append(out, n)
	}
	return out
}

// otherUnit is the unit a subject has nothing to do with (nil for the anonymous
// Visitor): V for U's people, personal sessions included.
func (fx *matrixFx) otherUnit(subj string) *unit.Unit {
	switch {
	case subj == matrixAnon:
		return nil
	case fx.unitOf[subj] == &fx.v:
		return &fx.u
	}
	return &fx.v
}

// run asks one cell and checks its outcome; it returns the outcome for the report.
func (fx *matrixFx) run(t *testing.T, pr matrixProbe, subj string, want matrixWant, mux *http.ServeMux) string {
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
	before := matrixState(t, fx.ts)
	if pr.method == http.MethodPost {
		form := url.Values{}
		if pr.form != nil {
			form = pr.form(c)
		}
		c.rec = c.c.Post(t, path, form)
	} else {
		c.rec = c.c.Get(t, path)
	}
	after := matrixState(t, fx.ts)
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
			rec.Header().Get("Location"), webtest.ShortBody(rec.Body.String()))
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
		doc := webtest.ParseHTML(t, rec.Body.String())
		text := doc.TextContent()
		if want.text != "" {
			if rec.Code == http.StatusOK {
				// The page's heading: the h1, or the h2 of a tab inside the center.
				hs := append(doc.Texts("h1"), doc.Texts("h2")...)
				if !slices.ContainsFunc(hs, func(h string) bool { return strings.Contains(h, want.text) }) {
					t.Errorf("%s %s as %s: headings %q, want %q", pr.method, path, subj, hs, want.text)
				}
			} else if !strings.Contains(text, want.text) {
				t.Errorf("%s %s as %s: the page does not say %q:\n%s", pr.method, path, subj, want.text, webtest.ShortBody(text))
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

	switch d := matrixDiff(before, after); {
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

// matrixAbbrev names the subjects in the report's columns.
var matrixAbbrev = map[string]string{matrixLegalRep: "LR", matrixAdmin: "AD", matrixAgentIn: "AI", matrixAgentOut: "AO", matrixExpired: "AX",
	matrixPending: "AP", matrixOtherRep: "OR", matrixOtherAgent: "OA", matrixExpiredPerson: "AX/p", matrixPendingPerson: "AP/p", matrixAnon: "anon",
	matrixInstitution: "IN"}

// matrixWorlds is how many worlds the cells are dealt to, one cell after another
// in turn. Every cell leaves its fresh targets behind and compares the whole state
// before and after, so that in one world a cell costs more the more cells came
// before it; dealt to a few worlds, the cells cost less, and the worlds run side by
// side.
const matrixWorlds = 4

// TestMatrixAuthorization asks every probe of every /unit/ route as every subject.
// Each world runs its cells in the matrix's order, the second phase last in the
// first world: a world is the one fixture of the sequential matrix, seeing a part of
// its cells, each of which makes its own targets.
func TestMatrixAuthorization(t *testing.T) {
	mux := http.NewServeMux()
	for _, p := range matrixRoutesOf(t) {
		mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	probes := matrixProbes()
	type matrixCellOf struct {
		pr   matrixProbe
		subj string
		want matrixWant
	}
	worlds := make([][]matrixCellOf, matrixWorlds)
	cells := 0
	for phase := 1; phase <= 2; phase++ {
		for _, pr := range probes {
			if max(pr.phase, 1) != phase {
				continue
			}
			for _, subj := range matrixSubjects {
				want, ok := pr.want[subj]
				if !ok {
					continue
				}
				w := cells % matrixWorlds
				if phase == 2 {
					w = 0
				}
				worlds[w] = append(worlds[w], matrixCellOf{pr, subj, want})
				cells++
			}
		}
	}
	var resultsMu sync.Mutex
	results := map[string]map[string]string{}
	for _, pr := range probes {
		results[pr.label()] = map[string]string{}
	}
	// The report, once every world has run.
	t.Cleanup(func() {
		var b strings.Builder
		b.WriteString("the matrix (status and where a 303 leads):\n")
		for _, pr := range probes {
			label := pr.label()
			fmt.Fprintf(&b, "%s\n", label)
			for _, subj := range matrixSubjects {
				if r, ok := results[label][subj]; ok {
					fmt.Fprintf(&b, "    %-5s %s\n", matrixAbbrev[subj], r)
				}
			}
		}
		t.Log(b.String())
	})
	for i, world := range worlds {
		t.Run(fmt.Sprintf("world %d", i+1), func(t *testing.T) {
			t.Parallel()
			fx := matrixBuild(t)
			for _, c := range world {
				label := c.pr.label()
				t.Run(label+"/"+c.subj, func(t *testing.T) {
					got := fx.run(t, c.pr, c.subj, c.want, mux)
					resultsMu.Lock()
					defer resultsMu.Unlock()
					results[label][c.subj] = got
				})
			}
		})
	}
}

// ---- the guard ----

// matrixRoutePattern finds the patterns of routes.go that concern the unit center.
var matrixRoutePattern = regexp.MustCompile(`"((?:[A-Z]+ )?/unit(?:/[^"]*)?)"`)

// matrixRoutesOf reads the /unit/ routes from the text of every routes.go of the web
// layer (the kit's and each audience's: 账号设置 under /unit/account is account's),
// whatever helper registers them.
func matrixRoutesOf(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("../*/routes.go")
	if err != nil || len(files) < 4 {
		t.Fatalf("the audiences' routes.go: %v, %v", files, err)
	}
	var out []string
	for _, f := range append(files, "../routes.go") {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		for _, m := range matrixRoutePattern.FindAllStringSubmatch(string(src), -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
	}
	return out
}

// TestMatrixRoutesCovered fails when routes.go has a /unit/ route the matrix does not
// ask about (or the matrix asks about one that is gone), and when a route of the
// matrix lacks a cell for a subject.
func TestMatrixRoutesCovered(t *testing.T) {
	inFile := matrixRoutesOf(t)
	if len(inFile) < 10 {
		t.Fatalf("found only %d /unit routes in routes.go: %v", len(inFile), inFile)
	}
	for _, r := range inFile {
		if !slices.Contains(matrixUnitRoutes, r) {
			t.Errorf("routes.go registers %q, which the authorization matrix does not cover: add it to matrixUnitRoutes and probes with every subject to matrixProbes", r)
		}
	}
	for _, r := range matrixUnitRoutes {
		if !slices.Contains(inFile, r) {
			t.Errorf("the matrix lists %q, which routes.go no longer registers", r)
		}
	}
	cells := map[string]map[string]bool{}
	for _, pr := range matrixProbes() {
		if !slices.Contains(matrixUnitRoutes, pr.pattern) {
			t.Errorf("probe %s: %q is not in mtxUnitRoutes", pr.label(), pr.pattern)
		}
		if cells[pr.pattern] == nil {
			cells[pr.pattern] = map[string]bool{}
		}
		for subj, w := range pr.want {
			if !slices.Contains(matrixSubjects, subj) {
				t.Errorf("probe %s: unknown subject %q", pr.label(), subj)
			}
			if w.status == 0 {
				t.Errorf("probe %s: no expected outcome for %s", pr.label(), subj)
			}
			cells[pr.pattern][subj] = true
		}
	}
	for _, r := range matrixUnitRoutes {
		var missing []string
		for _, subj := range matrixSubjects {
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
