package unitdelegation

import (
	"context"
	"fmt"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/cases"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/skills"
	"hall/internal/unit"
)

// clockStart is the fake clock's start: a Monday morning in Asia/Shanghai, far from
// midnight, so that "today" is the same day for the test and the server.
var clockStart = time.Date(2026, 5, 11, 10, 0, 0, 0, web.Shanghai)

// unitPassword is the unit password of fixture admins and agents (invented).
const unitPassword = "Dlg-Unit-Pass-26"

// fixture is a unit whose legal rep is signed in on c, on a fake clock.
type fixture struct {
	ts  *webtest.TestServer
	clk *webtest.Clock
	w   *webtest.World
	u   unit.Unit
	rep person.Person
	c   *webtest.Client
}

func newFixture(t *testing.T, seed uint64) *fixture {
	t.Helper()
	clk := webtest.NewClock(clockStart)
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clk))
	desk := webtest.SignInLegalRep(t, ts, seed, "沈知秋", "示范同舟科技有限公司")
	return &fixture{ts: ts, clk: clk, w: desk.World, u: desk.Unit, rep: desk.Rep, c: desk.Client}
}

// date is the date days after clockStart, as a date input sends it.
func date(days int) string { return clockStart.AddDate(0, 0, days).Format("2006-01-02") }

// midnightAfter is the end of a period whose last day is days after clockStart.
func midnightAfter(days int) time.Time {
	d := clockStart.AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, web.Shanghai)
}

func nomineeForm(p person.Person) url.Values {
	return url.Values{"name": {p.Name}, "id_type": {string(p.IDType)}, "id_number": {p.IDNumber}, "mobile": {p.Mobile}}
}

func adminForm(p person.Person, lastDay string) url.Values {
	v := nomineeForm(p)
	v.Set("valid_until", lastDay)
	return v
}

func agentForm(p person.Person, items []string, from, until string) url.Values {
	v := nomineeForm(p)
	v["items"] = items
	v.Set("valid_from", from)
	v.Set("valid_until", until)
	return v
}

// Member adds a confirmed admin or agent of the unit (a fixture: as if the person
// had confirmed in the app), valid from now until until.
func (f *fixture) member(t *testing.T, u unit.Unit, name string, role unit.Role, until time.Time) (person.Person, unit.Membership) {
	t.Helper()
	p := f.w.Person(t, name)
	now := f.clk.Now()
	m := f.w.Member(t, unit.Membership{UnitID: u.ID, PersonID: p.ID, Role: role, Status: unit.StatusActive,
		ValidFrom: &now, ValidUntil: &until}, unitPassword)
	return p, m
}

// as signs a new client in as p in role of f's unit.
func (f *fixture) as(t *testing.T, p person.Person, role unit.Role) *webtest.Client {
	t.Helper()
	c := webtest.NewClient(f.ts)
	webtest.SignIn(t, c, webtest.UnitSubject(p, f.u, role))
	return c
}

// membershipRow is a membership as stored.
type membershipRow struct {
	ID                int64
	Role, Status      string
	ValidFrom, ValidU time.Time
}

// currentMembership is p's non-revoked membership of unit u (ok false when none).
func currentMembership(t *testing.T, ts *webtest.TestServer, unitID, personID int64) (membershipRow, bool) {
	t.Helper()
	var r membershipRow
	var from, until *time.Time
	err := ts.DB.QueryRow(context.Background(), `SELECT id, role, status, valid_from, valid_until FROM memberships
		WHERE unit_id = ? AND person_id = ? AND status <> 'revoked'`, unitID, personID).Scan(&r.ID, &r.Role, &r.Status, &from, &until)
	if err != nil {
		return membershipRow{}, false
	}
	if from != nil {
		r.ValidFrom = *from
	}
	if until != nil {
		r.ValidU = *until
	}
	return r, true
}

// membershipStatus is the status of membership id.
func membershipStatus(t *testing.T, ts *webtest.TestServer, id int64) string {
	t.Helper()
	var s string
	if err := ts.DB.QueryRow(context.Background(), `SELECT status FROM memberships WHERE id = ?`, id).Scan(&s); err != nil {
		t.Fatalf("membership %d: %v", id, err)
	}
	return s
}

func grants(t *testing.T, ts *webtest.TestServer, membershipID int64) []string {
	t.Helper()
	g, err := ts.Delegation.Grants(context.Background(), membershipID)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// countMemberships counts memberships of the unit in role that are not revoked.
func countMemberships(t *testing.T, ts *webtest.TestServer, unitID int64, role unit.Role) int {
	t.Helper()
	var n int
	if err := ts.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM memberships WHERE unit_id = ? AND role = ? AND status <> 'revoked'`,
		unitID, string(role)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// latestText is the newest text message to mobile in the development outbox.
func latestText(t *testing.T, ts *webtest.TestServer, mobile string) string {
	t.Helper()
	m, err := ts.DevOutbox.Latest(context.Background(), mobile)
	if err != nil {
		t.Fatalf("no text to %s: %v", ident.MaskMobile(mobile), err)
	}
	return m.Text
}

// sessionAlive reports whether a session token still works.
func sessionAlive(ts *webtest.TestServer, token string) bool {
	_, err := ts.Sessions.Lookup(context.Background(), token)
	return err == nil
}

// follow checks a 303 to the page with notice and returns the page it leads to.
func follow(t *testing.T, c *webtest.Client, rec *httptest.ResponseRecorder, notice string) *webtest.HTMLNode {
	t.Helper()
	res := rec.Result()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", res.StatusCode)
	}
	want := "/unit/agents?notice=" + notice
	if got := res.Header.Get("Location"); got != want {
		t.Fatalf("redirect to %q, want %q", got, want)
	}
	return c.Page(t, want, http.StatusOK)
}

// request is one request to a route of 经办人管理, as the tables of
// refused requests list them.
type request struct {
	method, path string
	form         url.Values
}

// wantAdminSlotKept fails the test unless the admin membership id is still active
// and nominee holds no membership of the fixture's unit: what a refused change of
// an admin slot leaves behind.
func (f *fixture) wantAdminSlotKept(t *testing.T, id int64, nominee person.Person) {
	t.Helper()
	if st := membershipStatus(t, f.ts, id); st != "active" {
		t.Errorf("the admin slot changed: membership %d is %s", id, st)
	}
	if _, ok := currentMembership(t, f.ts, f.u.ID, nominee.ID); ok {
		t.Error("someone was nominated")
	}
}

// inputValue is the value of the input named name.
func inputValue(doc *webtest.HTMLNode, name string) string {
	if n := doc.First("input[name=" + name + "]"); n != nil {
		return n.AttrOr("value")
	}
	return ""
}

// checkedValues lists the ticked checkboxes named name.
func checkedValues(doc *webtest.HTMLNode, name string) []string {
	var out []string
	for _, n := range doc.All("input[name=" + name + "]") {
		if _, ok := n.Attr("checked"); ok {
			out = append(out, n.AttrOr("value"))
		}
	}
	return out
}

// ---- rules of the page (table tests) ----

func TestDelegationUntil(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.ParseInLocation("2006-01-02", s, web.Shanghai); return d }
	at := func(s string) *time.Time {
		d, _ := time.ParseInLocation("2006-01-02 15:04", s, web.Shanghai)
		return &d
	}
	for _, tc := range []struct {
		name, in string
		grantor  *time.Time
		want     time.Time
		msg      string
	}{
		{"a day ends at the next midnight", "2026-06-10", nil, day("2026-06-11"), ""},
		{"spaces", " 2026-06-10 ", nil, day("2026-06-11"), ""},
		{"empty", "", nil, time.Time{}, msgUntilMissing},
		{"not a date", "2026/06/10", nil, time.Time{}, msgDateFormat},
		{"no such day", "2026-02-30", nil, time.Time{}, msgDateFormat},
		{"year out of range", "1999-12-31", nil, time.Time{}, msgDateFormat},
		{"grantor ends during the day: its end", "2026-06-10", at("2026-06-10 15:00"), *at("2026-06-10 15:00"), ""},
		{"grantor ends at that midnight", "2026-06-10", at("2026-06-11 00:00"), day("2026-06-11"), ""},
		{"grantor ends later", "2026-06-10", at("2026-09-01 08:00"), day("2026-06-11"), ""},
		{"grantor ended before the day: left to the domain", "2026-06-10", at("2026-06-09 12:00"), day("2026-06-11"), ""},
		{"grantor ends at the day's start: left to the domain", "2026-06-10", at("2026-06-10 00:00"), day("2026-06-11"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := parseUntil(tc.in, tc.grantor)
			if msg != tc.msg || !got.Equal(tc.want) {
				t.Errorf("dlgUntil(%q) = %v, %q; want %v, %q", tc.in, got, msg, tc.want, tc.msg)
			}
		})
	}
}

func TestDelegationFrom(t *testing.T) {
	now := clockStart
	for _, tc := range []struct {
		name, in, keep string
		want           time.Time
		msg            string
	}{
		{"empty: now", "", "", time.Time{}, ""},
		{"today on the add form: now", date(0), "", time.Time{}, ""},
		{"today on the change form: from now", date(0), date(-5), now, ""},
		{"a later day: its start", date(3), "", time.Date(2026, 5, 14, 0, 0, 0, 0, web.Shanghai), ""},
		{"yesterday", date(-1), "", time.Time{}, msgFromPast},
		{"the current start, even past: kept", date(-5), date(-5), time.Time{}, ""},
		{"another past day on the change form", date(-4), date(-5), time.Time{}, msgFromPast},
		{"empty on the change form: kept", "", date(-5), time.Time{}, ""},
		{"garbage", "tomorrow", "", time.Time{}, msgDateFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := parseFrom(tc.in, now, tc.keep)
			if msg != tc.msg || !got.Equal(tc.want) {
				t.Errorf("dlgFrom(%q, keep %q) = %v, %q; want %v, %q", tc.in, tc.keep, got, msg, tc.want, tc.msg)
			}
		})
	}
}

// TestDelegationRefusals: every sentinel of the commands is mapped, beside a field the
// forms have or as a page, and shows the domain's own Chinese message.
func TestDelegationRefusals(t *testing.T) {
	fields := map[string]bool{"": true, fieldIDNumber: true, fieldItems: true, fieldUntil: true}
	for _, e := range []*delegation.Error{
		delegation.ErrNomineeMismatch, delegation.ErrAlreadyMember, delegation.ErrNoItems, delegation.ErrUnknownItem,
		delegation.ErrBadValidity, delegation.ErrBeyondGrantor, delegation.ErrAdminExists, delegation.ErrAdminChanged,
		delegation.ErrAgentLimit, delegation.ErrNotLegalRep, delegation.ErrNotManager, delegation.ErrUnitClosed,
		delegation.ErrUnitNotFound, delegation.ErrAgentNotFound,
	} {
		ref, ok := refusals[e.Code]
		if !ok {
			t.Errorf("%s is not mapped", e.Code)
			continue
		}
		if !fields[ref.Field] || (ref.Field != "" && ref.Status != http.StatusUnprocessableEntity) {
			t.Errorf("%s → %+v", e.Code, ref)
		}
		f := &web.Form{Values: url.Values{}, Errors: map[string]string{}}
		status, err := refuse(f, fmt.Errorf("wrapped: %w", e))
		switch {
		case ref.Status == http.StatusUnprocessableEntity && (status != 422 || err != nil || (f.Errors[ref.Field]+f.Top) != e.Msg):
			t.Errorf("%s: status %d, err %v, form %+v %q", e.Code, status, err, f.Errors, f.Top)
		case ref.Status != http.StatusUnprocessableEntity && (err == nil || err.Error() != e.Msg):
			t.Errorf("%s: page error %v, want %q", e.Code, err, e.Msg)
		}
	}
	// A failure that is no refusal goes to the error page unchanged (logged there).
	boom := fmt.Errorf("database is gone")
	if _, err := refuse(&web.Form{Errors: map[string]string{}}, boom); err != boom {
		t.Errorf("a failure became %v", err)
	}
	if err := removeRefused(delegation.ErrAdminChanged); err == nil || web.StatusOf(err) != http.StatusConflict {
		t.Errorf("a stale removal: %v", err)
	}
}

func TestDelegationChosenAndGroup(t *testing.T) {
	items := []cases.Item{
		{Code: "SB-001", Category: "SB", CategoryName: "社会保险", Name: "甲"},
		{Code: "SB-002", Category: "SB", CategoryName: "社会保险", Name: "乙"},
		{Code: "JY-001", Category: "JY", CategoryName: "就业", Name: "丙"},
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want []string
		all  map[string]bool // categories whose 全选 shows ticked
	}{
		{"ticked items", url.Values{"items": {"SB-002"}}, []string{"SB-002"}, map[string]bool{}},
		{"全选 without JavaScript", url.Values{"all": {"SB"}}, []string{"SB-001", "SB-002"}, map[string]bool{"SB": true}},
		{"全选 and an item of another category", url.Values{"all": {"JY"}, "items": {"SB-001"}}, []string{"JY-001", "SB-001"}, map[string]bool{"JY": true}},
		{"every item ticked by hand ticks 全选", url.Values{"items": {"SB-001", "SB-002"}}, []string{"SB-001", "SB-002"}, map[string]bool{"SB": true}},
		{"an unknown category grants nothing", url.Values{"all": {"XX"}}, nil, map[string]bool{}},
		{"an unknown code passes through to be refused", url.Values{"items": {"ZZ-9"}}, []string{"ZZ-9"}, map[string]bool{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := chosenItems(items, tc.form)
			norm, _ := delegation.NormalizeItems(got)
			if !slices.Equal(norm, tc.want) {
				t.Errorf("chosen %v, want %v", norm, tc.want)
			}
			groups := group(items, codeSet(got), codeSet(tc.form["all"]))
			if len(groups) != 2 || groups[0].Code != "SB" || groups[1].Code != "JY" || len(groups[0].Items) != 2 {
				t.Fatalf("groups %+v", groups)
			}
			for _, g := range groups {
				if g.All != tc.all[g.Code] {
					t.Errorf("全选 of %s = %v", g.Code, g.All)
				}
				for _, it := range g.Items {
					if it.Checked != slices.Contains(norm, it.Code) {
						t.Errorf("%s ticked = %v", it.Code, it.Checked)
					}
				}
			}
		})
	}
}

func TestDelegationPagerOf(t *testing.T) {
	p := pagerOf(5, 9)
	var nums []int
	for _, l := range p.Links {
		if !l.Gap {
			nums = append(nums, l.Num)
		} else {
			nums = append(nums, 0)
		}
	}
	if want := []int{1, 0, 3, 4, 5, 6, 7, 0, 9}; !slices.Equal(nums, want) {
		t.Errorf("links %v, want %v", nums, want)
	}
	if p.Prev != "/unit/agents?page=4#dlg-history-title" || p.Next != "/unit/agents?page=6#dlg-history-title" {
		t.Errorf("prev %q next %q", p.Prev, p.Next)
	}
	if one := pagerOf(1, 1); one.Prev != "" || one.Next != "" || len(one.Links) != 1 {
		t.Errorf("one page: %+v", one)
	}
}

// FuzzDelegationDates: whatever a browser sends as a date, the readers neither panic nor
// make a period that ends before the day chosen.
func FuzzDelegationDates(f *testing.F) {
	for _, s := range []string{"2026-06-10", "", " ", "2026-02-30", "0000-01-01", "9999-12-31", "2026-6-1", "２０２６-０６-１０", "2026-06-10T00:00"} {
		f.Add(s, "2026-05-01")
	}
	f.Fuzz(func(t *testing.T, s, keep string) {
		grantor := clockStart.Add(40 * 24 * time.Hour)
		until, msg := parseUntil(s, &grantor)
		if msg == "" {
			d, ok := parseDay(s)
			if !ok || !until.After(d) || until.After(d.AddDate(0, 0, 1)) {
				t.Fatalf("dlgUntil(%q) = %v for day %v", s, until, d)
			}
		}
		from, msg := parseFrom(s, clockStart, keep)
		if msg == "" && !from.IsZero() && from.Before(clockStart) {
			t.Fatalf("dlgFrom(%q) = %v, before now", s, from)
		}
	})
}

// ---- the page ----

func TestDelegationPage(t *testing.T) {
	f := newFixture(t, 501)
	doc := f.c.Page(t, "/unit/agents", http.StatusOK)
	webtest.CheckPage(t, f.ts, "/unit/agents", doc)
	main := doc.Must(t, ".uc-main").TextContent()
	for _, want := range []string{"开通多个经办人须知", "法定代表人可添加1名管理员", "最多10名经办人", "管理员可在授权有效期内办理任何业务",
		"我的 → 企业服务 → 我是经办人", "本单位尚未设置管理员", "还可添加 10 名", "暂无变更记录"} {
		if !strings.Contains(main, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, href := range []string{"/unit/agents/admin/new", "/unit/agents/new"} {
		if doc.First("a[href="+href+"]") == nil {
			t.Errorf("no link to %s", href)
		}
	}
	if cur := doc.Texts("nav.uc-menu a[aria-current=page]"); !slices.Equal(cur, []string{"经办人管理"}) {
		t.Errorf("current menu entry %v", cur)
	}
	// Both forms render and pass the page checks.
	for _, path := range []string{"/unit/agents/admin/new", "/unit/agents/new"} {
		webtest.CheckPage(t, f.ts, path, f.c.Page(t, path, http.StatusOK))
	}
	// A crafted notice key shows nothing.
	doc = f.c.Page(t, "/unit/agents?notice=%3Cb%3Ehi", http.StatusOK)
	if doc.First(".dlg-notice") != nil {
		t.Error("an unknown notice key was shown")
	}
}

// ---- 设置管理员 / 更换管理员 / 删除管理员 ----

func TestDelegationSetAdmin(t *testing.T) {
	f := newFixture(t, 502)
	adm := f.w.Person(t, "顾晚舟")

	rec := f.c.Post(t, "/unit/agents/admin/new", adminForm(adm, date(365)))
	doc := follow(t, f.c, rec, "admin_set")

	row, ok := currentMembership(t, f.ts, f.u.ID, adm.ID)
	if !ok || row.Role != "admin" || row.Status != "pending" {
		t.Fatalf("membership %+v, %v; want a pending admin", row, ok)
	}
	if !row.ValidU.Equal(midnightAfter(365)) {
		t.Errorf("valid until %v, want %v", row.ValidU, midnightAfter(365))
	}
	text := latestText(t, f.ts, adm.Mobile)
	if !strings.Contains(text, "邀请您成为"+f.u.Name+"的管理员") || !strings.Contains(text, "我是经办人") {
		t.Errorf("invitation text %q", text)
	}

	notice := doc.Must(t, ".dlg-notice").TextContent()
	if !strings.Contains(notice, "短信") || !strings.Contains(notice, "我的 → 企业服务 → 我是经办人") {
		t.Errorf("notice %q", notice)
	}
	table := doc.Must(t, ".dlg-admin-table").TextContent()
	for _, want := range []string{adm.Name, ident.MaskID(adm.IDNumber), ident.MaskMobile(adm.Mobile), "待确认", date(0) + " 至 " + date(365), "更换管理员", "删除管理员"} {
		if !strings.Contains(table, want) {
			t.Errorf("admin row lacks %q: %s", want, table)
		}
	}
	body := doc.TextContent()
	if strings.Contains(body, adm.IDNumber) || strings.Contains(body, adm.Mobile) {
		t.Error("the page shows the full ID number or mobile")
	}
	if doc.First("a[href=/unit/agents/admin/new]") != nil {
		t.Error("设置管理员 is still offered")
	}
	hist := doc.Must(t, ".dlg-history").TextContent()
	for _, want := range []string{"设置管理员", "法定代表人 " + ident.MaskName(f.rep.Name), "管理员 " + ident.MaskName(adm.Name)} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q: %s", want, hist)
		}
	}
	if strings.Contains(hist, adm.Name) {
		t.Error("history shows a full name")
	}
	// With an admin, 设置管理员 leads to 更换管理员.
	rec = f.c.Get(t, "/unit/agents/admin/new")
	webtest.WantRedirect(t, "GET admin/new with an admin", rec, "/unit/agents/admin/"+strconv.FormatInt(row.ID, 10)+"/replace")
}

func TestDelegationSetAdminRefused(t *testing.T) {
	f := newFixture(t, 503)
	adm := f.w.Person(t, "林听澜")
	unregistered := person.Person{Name: "方未名", IDType: ident.IDTypeResident, IDNumber: f.w.IDNumber(), Mobile: f.w.Mobile()}
	with := func(p person.Person, mod func(url.Values)) url.Values {
		v := adminForm(p, date(100))
		if mod != nil {
			mod(v)
		}
		return v
	}
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string // "" for the top of the form
		msg   string
	}{
		{"empty name", with(adm, func(v url.Values) { v.Set("name", " ") }), "name", msgNameMissing},
		{"no ID type", with(adm, func(v url.Values) { v.Set("id_type", "card") }), "id_type", msgIDTypeMissing},
		{"malformed ID number", with(adm, func(v url.Values) { v.Set("id_number", "12345") }), "id_number", ""},
		{"malformed mobile", with(adm, func(v url.Values) { v.Set("mobile", "12345") }), "mobile", ""},
		{"no end date", with(adm, func(v url.Values) { v.Del("valid_until") }), "valid_until", msgUntilMissing},
		{"malformed end date", with(adm, func(v url.Values) { v.Set("valid_until", "2026/13/01") }), "valid_until", msgDateFormat},
		{"end in the past", with(adm, func(v url.Values) { v.Set("valid_until", date(-1)) }), "valid_until", delegation.ErrBadValidity.Msg},
		{"another mobile than registered", with(adm, func(v url.Values) { v.Set("mobile", f.w.Mobile()) }), "id_number", delegation.MsgNomineeMismatch},
		{"another name than registered", with(adm, func(v url.Values) { v.Set("name", "林听雨") }), "id_number", delegation.MsgNomineeMismatch},
		{"not registered", with(unregistered, nil), "id_number", delegation.MsgNomineeMismatch},
		{"the legal rep himself", with(f.rep, nil), "id_number", delegation.ErrAlreadyMember.Msg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := webtest.Parsed(t, f.c.Post(t, "/unit/agents/admin/new", tc.form), http.StatusUnprocessableEntity)
			got := webtest.FieldError(t, doc, tc.field)
			if got == "" || (tc.msg != "" && got != tc.msg) {
				t.Errorf("message beside %s = %q, want %q", tc.field, got, tc.msg)
			}
			if v := inputValue(doc, "name"); v != tc.form.Get("name") {
				t.Errorf("name not filled in again: %q", v)
			}
			if n := countMemberships(t, f.ts, f.u.ID, unit.RoleAdmin); n != 0 {
				t.Errorf("%d admins after a refused form", n)
			}
		})
	}
	// An admin exists already (set meanwhile in another tab): above the form.
	if _, err := f.ts.Delegation.SetAdmin(context.Background(), delegation.Actor{PersonID: f.rep.ID}, f.u.ID,
		delegation.Nominee{Name: adm.Name, IDType: adm.IDType, IDNumber: adm.IDNumber, Mobile: adm.Mobile}, midnightAfter(30)); err != nil {
		t.Fatal(err)
	}
	other := f.w.Person(t, "许青禾")
	doc := webtest.Parsed(t, f.c.Post(t, "/unit/agents/admin/new", adminForm(other, date(30))), http.StatusUnprocessableEntity)
	if got := webtest.TopError(doc); got != delegation.ErrAdminExists.Msg {
		t.Errorf("top message %q", got)
	}
	if _, ok := currentMembership(t, f.ts, f.u.ID, other.ID); ok {
		t.Error("a second admin was nominated")
	}
}

func TestDelegationReplaceAdmin(t *testing.T) {
	f := newFixture(t, 504)
	old, oldM := f.member(t, f.u, "陆云起", unit.RoleAdmin, midnightAfter(200))
	oldC := f.as(t, old, unit.RoleAdmin)
	next := f.w.Person(t, "宋清越")
	path := "/unit/agents/admin/" + strconv.FormatInt(oldM.ID, 10) + "/replace"

	doc := f.c.Page(t, path, http.StatusOK)
	webtest.CheckPage(t, f.ts, path, doc)
	if cur := doc.Must(t, ".dlg-current").TextContent(); !strings.Contains(cur, old.Name) {
		t.Errorf("the form does not name the admin it replaces: %q", cur)
	}

	// A refused form keeps what was typed.
	bad := adminForm(next, date(90))
	bad.Set("mobile", f.w.Mobile())
	doc = webtest.Parsed(t, f.c.Post(t, path, bad), http.StatusUnprocessableEntity)
	if got := webtest.FieldError(t, doc, "id_number"); got != delegation.MsgNomineeMismatch {
		t.Errorf("mismatch: %q", got)
	}
	if inputValue(doc, "id_number") != next.IDNumber || inputValue(doc, "valid_until") != date(90) {
		t.Error("the form was not filled in again")
	}
	if membershipStatus(t, f.ts, oldM.ID) != "active" {
		t.Fatal("a refused replacement changed the admin")
	}

	follow(t, f.c, f.c.Post(t, path, adminForm(next, date(90))), "admin_replaced")
	if membershipStatus(t, f.ts, oldM.ID) != "revoked" {
		t.Error("the old admin is not revoked")
	}
	if row, ok := currentMembership(t, f.ts, f.u.ID, next.ID); !ok || row.Role != "admin" || row.Status != "pending" {
		t.Errorf("new admin %+v", row)
	}
	if sessionAlive(f.ts, oldC.Session()) {
		t.Error("the old admin's session lives on")
	}
	if !strings.Contains(latestText(t, f.ts, next.Mobile), "的管理员") {
		t.Error("no invitation to the new admin")
	}
	// The page showed the old admin: replacing it again is a stale compare-and-set.
	doc = webtest.Parsed(t, f.c.Post(t, path, adminForm(f.w.Person(t, "白露微"), date(90))), http.StatusUnprocessableEntity)
	if got := webtest.TopError(doc); got != delegation.ErrAdminChanged.Msg {
		t.Errorf("stale replacement: %q", got)
	}
	if rec := f.c.Get(t, path); rec.Code != http.StatusNotFound {
		t.Errorf("GET the replaced admin's form: %d", rec.Code)
	}
}

func TestDelegationRemoveAdmin(t *testing.T) {
	f := newFixture(t, 505)
	adm, m := f.member(t, f.u, "程砚秋", unit.RoleAdmin, midnightAfter(200))
	admC := f.as(t, adm, unit.RoleAdmin)
	path := "/unit/agents/admin/" + strconv.FormatInt(m.ID, 10) + "/remove"

	doc := f.c.Page(t, path, http.StatusOK)
	webtest.CheckPage(t, f.ts, path, doc)
	if txt := doc.Must(t, ".uc-main").TextContent(); !strings.Contains(txt, "确定要删除管理员") || !strings.Contains(txt, adm.Name) {
		t.Errorf("confirmation page: %s", txt)
	}
	if doc.First("form[action="+path+"] button") == nil {
		t.Fatal("no 确认删除 form")
	}
	if membershipStatus(t, f.ts, m.ID) != "active" {
		t.Fatal("opening the confirmation removed the admin")
	}
	doc = follow(t, f.c, f.c.Post(t, path, url.Values{}), "admin_removed")
	if membershipStatus(t, f.ts, m.ID) != "revoked" {
		t.Error("admin not revoked")
	}
	if sessionAlive(f.ts, admC.Session()) {
		t.Error("the removed admin's session lives on")
	}
	if !strings.Contains(doc.Must(t, ".dlg-history").TextContent(), "删除管理员") {
		t.Error("history lacks the removal")
	}
	// Removing again: someone changed it meanwhile.
	if rec := f.c.Post(t, path, url.Values{}); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), delegation.ErrAdminChanged.Msg) {
		t.Errorf("second removal: %d", rec.Code)
	}
}

// TestDelegationAdminCannotTouchAdminSlot: the admin sees the page without the admin's
// buttons, and every attempt on the admin slot is refused by the domain.
func TestDelegationAdminCannotTouchAdminSlot(t *testing.T) {
	f := newFixture(t, 506)
	adm, m := f.member(t, f.u, "叶知白", unit.RoleAdmin, midnightAfter(200))
	c := f.as(t, adm, unit.RoleAdmin)
	doc := c.Page(t, "/unit/agents", http.StatusOK)
	for _, label := range []string{"设置管理员", "更换管理员", "删除管理员"} {
		for _, a := range doc.All(".uc-main a") {
			if a.TextContent() == label {
				t.Errorf("the admin is offered %s", label)
			}
		}
	}
	if doc.First("a[href=/unit/agents/new]") == nil {
		t.Error("the admin is not offered 添加经办人")
	}
	id := strconv.FormatInt(m.ID, 10)
	other := f.w.Person(t, "郑可期")
	for _, tc := range []request{
		{"GET", "/unit/agents/admin/new", nil},
		{"GET", "/unit/agents/admin/" + id + "/replace", nil},
		{"GET", "/unit/agents/admin/" + id + "/remove", nil},
		{"POST", "/unit/agents/admin/new", adminForm(other, date(30))},
		{"POST", "/unit/agents/admin/" + id + "/replace", adminForm(other, date(30))},
		{"POST", "/unit/agents/admin/" + id + "/replace", adminForm(adm, date(900))},
		{"POST", "/unit/agents/admin/" + id + "/remove", url.Values{}},
	} {
		rec := c.Do(t, tc.method, tc.path, tc.form, nil)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), delegation.ErrNotLegalRep.Msg) {
			t.Errorf("%s %s: %d, want 403 with %q", tc.method, tc.path, rec.Code, delegation.ErrNotLegalRep.Msg)
		}
	}
	f.wantAdminSlotKept(t, m.ID, other)
}

// TestDelegationAgentCannotOpen: an agent gets a refusal page for every route.
func TestDelegationAgentCannotOpen(t *testing.T) {
	f := newFixture(t, 507)
	ag, m := f.member(t, f.u, "袁北辰", unit.RoleAgent, midnightAfter(60))
	c := f.as(t, ag, unit.RoleAgent)
	other := f.w.Person(t, "秦望舒")
	id := strconv.FormatInt(m.ID, 10)
	for _, tc := range []request{
		{"GET", "/unit/agents", nil},
		{"GET", "/unit/agents?page=2", nil},
		{"GET", "/unit/agents/new", nil},
		{"GET", "/unit/agents/" + id + "/edit", nil},
		{"GET", "/unit/agents/" + id + "/remove", nil},
		{"GET", "/unit/agents/admin/new", nil},
		{"POST", "/unit/agents/new", agentForm(other, []string{"SB-001"}, date(0), date(30))},
		{"POST", "/unit/agents/" + id + "/edit", url.Values{"items": {"SB-001", "SB-002"}, "valid_until": {date(59)}}},
		{"POST", "/unit/agents/" + id + "/remove", url.Values{}},
		{"POST", "/unit/agents/admin/new", adminForm(other, date(30))},
	} {
		rec := c.Do(t, tc.method, tc.path, tc.form, nil)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s %s: %d, want 403", tc.method, tc.path, rec.Code)
			continue
		}
		doc := webtest.ParseHTML(t, rec.Body.String())
		if got := doc.Must(t, "main").TextContent(); !strings.Contains(got, AgentRefusedMessage) {
			t.Errorf("%s %s: refusal page lacks the reason", tc.method, tc.path)
		}
	}
	if membershipStatus(t, f.ts, m.ID) != "active" || len(grants(t, f.ts, m.ID)) != 0 {
		t.Error("the agent changed its own grant")
	}
	if n := countMemberships(t, f.ts, f.u.ID, unit.RoleAgent); n != 1 {
		t.Errorf("%d agents", n)
	}
	// The page's link in the menu is still there, and it says why it is closed.
	if !sessionAlive(f.ts, c.Session()) {
		t.Error("a refusal ended the agent's session")
	}
}

// ---- 添加经办人 / 修改经办人 / 删除经办人 ----

func TestDelegationAddAgent(t *testing.T) {
	f := newFixture(t, 508)
	adm, _ := f.member(t, f.u, "温如故", unit.RoleAdmin, midnightAfter(365))
	c := f.as(t, adm, unit.RoleAdmin)
	ag := f.w.Person(t, "苏念安")

	doc := c.Page(t, "/unit/agents/new", http.StatusOK)
	webtest.CheckPage(t, f.ts, "/unit/agents/new", doc)
	if inputValue(doc, "valid_from") != date(0) {
		t.Errorf("开始日期 not today: %q", inputValue(doc, "valid_from"))
	}
	if hint := doc.Must(t, ".uc-main").TextContent(); !strings.Contains(hint, "不能晚于您本人的授权有效期（"+date(365)+"）") {
		t.Error("the admin is not told its own limit")
	}
	// The items are grouped by category with a 全选 each.
	if len(doc.All("fieldset.dlg-category")) < 2 || len(doc.All("input[name=all]")) != len(doc.All("fieldset.dlg-category")) {
		t.Error("no categories with 全选")
	}
	if doc.First("input[name=items][value=JY-010]") != nil {
		t.Error("an item for persons only is offered")
	}
	// The grant of 企业职业技能等级认定备案 also lets the agent work on the plans of
	// 我的工作台, and the form says so under its name, as the checkbox's
	// description (its name stays the item's).
	box := doc.Must(t, "input#dlg-item-"+skills.ItemCode)
	if note := doc.Must(t, "#"+box.AttrOr("aria-describedby")).TextContent(); !strings.Contains(note, "考生录入") {
		t.Errorf("the description of %s does not say it covers 考生录入: %q", skills.ItemCode, note)
	}
	if name := doc.Must(t, "label[for=dlg-item-"+skills.ItemCode+"]").TextContent(); name != "企业职业技能等级认定备案" {
		t.Errorf("the label of %s reads %q", skills.ItemCode, name)
	}

	rec := c.Post(t, "/unit/agents/new", agentForm(ag, []string{"SB-001"}, date(0), date(30)))
	doc = follow(t, c, rec, "agent_added")
	row, ok := currentMembership(t, f.ts, f.u.ID, ag.ID)
	if !ok || row.Role != "agent" || row.Status != "pending" {
		t.Fatalf("membership %+v", row)
	}
	if g := grants(t, f.ts, row.ID); !slices.Equal(g, []string{"SB-001"}) {
		t.Errorf("grants %v", g)
	}
	if !row.ValidU.Equal(midnightAfter(30)) || !row.ValidFrom.Equal(clockStart) {
		t.Errorf("period %v – %v", row.ValidFrom, row.ValidU)
	}
	if text := latestText(t, f.ts, ag.Mobile); !strings.Contains(text, "的经办人") || !strings.Contains(text, "管理员") {
		t.Errorf("invitation %q", text)
	}
	if n := doc.Must(t, ".dlg-notice").TextContent(); !strings.Contains(n, "我是经办人") {
		t.Errorf("notice %q", n)
	}
	table := doc.Must(t, ".dlg-agent-table").TextContent()
	item, _ := f.ts.Catalog.Get(context.Background(), "SB-001")
	for _, want := range []string{ag.Name, ident.MaskID(ag.IDNumber), "待确认", item.Name, date(0) + " 至 " + date(30)} {
		if !strings.Contains(table, want) {
			t.Errorf("agent row lacks %q: %s", want, table)
		}
	}
	if !strings.Contains(doc.Must(t, ".dlg-slots").TextContent(), "还可添加 9 名") {
		t.Error("slots not counted")
	}
	if hist := doc.Must(t, ".dlg-history").TextContent(); !strings.Contains(hist, "添加经办人") || !strings.Contains(hist, "管理员 "+ident.MaskName(adm.Name)) || !strings.Contains(hist, item.Name) {
		t.Errorf("history %s", hist)
	}

	// 全选 without JavaScript grants the whole category.
	ag2 := f.w.Person(t, "钟离雪")
	form := agentForm(ag2, nil, date(1), date(60))
	form["all"] = []string{"SB"}
	follow(t, f.c, f.c.Post(t, "/unit/agents/new", form), "agent_added")
	sb, _, err := f.ts.Catalog.List(context.Background(), cases.Filter{Category: "SB", Applicant: cases.ApplicantUnit, PerPage: cases.MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	row2, _ := currentMembership(t, f.ts, f.u.ID, ag2.ID)
	if g := grants(t, f.ts, row2.ID); len(g) != len(sb) || len(g) < 2 {
		t.Errorf("全选 granted %v, want the %d unit items of SB", g, len(sb))
	}
	if !row2.ValidFrom.Equal(time.Date(2026, 5, 12, 0, 0, 0, 0, web.Shanghai)) {
		t.Errorf("a later start: %v", row2.ValidFrom)
	}
}

func TestDelegationAddAgentRefused(t *testing.T) {
	f := newFixture(t, 509)
	adm, _ := f.member(t, f.u, "唐若水", unit.RoleAdmin, midnightAfter(30))
	admC := f.as(t, adm, unit.RoleAdmin)
	ag := f.w.Person(t, "贺兰舟")
	with := func(mod func(url.Values)) url.Values {
		v := agentForm(ag, []string{"SB-001", "SB-002"}, date(0), date(20))
		if mod != nil {
			mod(v)
		}
		return v
	}
	for _, tc := range []struct {
		name  string
		c     *webtest.Client
		form  url.Values
		field string
		msg   string
	}{
		{"no item", f.c, with(func(v url.Values) { v.Del("items") }), "items", delegation.ErrNoItems.Msg},
		{"unknown item", f.c, with(func(v url.Values) { v["items"] = []string{"ZZ-999"} }), "items", delegation.ErrUnknownItem.Msg},
		{"an item for persons only", f.c, with(func(v url.Values) { v["items"] = []string{"JY-010"} }), "items", delegation.ErrUnknownItem.Msg},
		{"start yesterday", f.c, with(func(v url.Values) { v.Set("valid_from", date(-1)) }), "valid_from", msgFromPast},
		{"end before start", f.c, with(func(v url.Values) { v.Set("valid_from", date(10)); v.Set("valid_until", date(5)) }), "valid_until", delegation.ErrBadValidity.Msg},
		{"no end", f.c, with(func(v url.Values) { v.Del("valid_until") }), "valid_until", msgUntilMissing},
		{"the admin grants past its own end", admC, with(func(v url.Values) { v.Set("valid_until", date(31)) }), "valid_until", delegation.ErrBeyondGrantor.Msg},
		{"not registered as typed", f.c, with(func(v url.Values) { v.Set("name", "贺兰州") }), "id_number", delegation.MsgNomineeMismatch},
		{"the admin as agent", f.c, agentForm(adm, []string{"SB-001"}, date(0), date(20)), "id_number", delegation.ErrAlreadyMember.Msg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := webtest.Parsed(t, tc.c.Post(t, "/unit/agents/new", tc.form), http.StatusUnprocessableEntity)
			var got string
			if tc.field == "items" {
				got = doc.Must(t, "#e-items").TextContent()
				if !strings.Contains(doc.Must(t, "fieldset.dlg-grant").AttrOr("aria-describedby"), "e-items") {
					t.Error("the items message is not tied to its group")
				}
			} else {
				got = webtest.FieldError(t, doc, tc.field)
			}
			if got != tc.msg {
				t.Errorf("beside %s: %q, want %q", tc.field, got, tc.msg)
			}
			if v := inputValue(doc, "name"); v != tc.form.Get("name") {
				t.Errorf("name not filled in again: %q", v)
			}
			if ticked := checkedValues(doc, "items"); !slices.Equal(ticked, func() []string {
				var known []string
				for _, c := range tc.form["items"] {
					if doc.First("input[name=items][value="+c+"]") != nil {
						known = append(known, c)
					}
				}
				return known
			}()) {
				t.Errorf("items not ticked again: %v", ticked)
			}
			if n := countMemberships(t, f.ts, f.u.ID, unit.RoleAgent); n != 0 {
				t.Errorf("%d agents after a refused form", n)
			}
		})
	}
	// The admin may grant up to the end of its own validity as the page shows it.
	follow(t, admC, admC.Post(t, "/unit/agents/new", with(func(v url.Values) { v.Set("valid_until", date(30)) })), "agent_added")

	// Ten agents: the page offers no more, and a form sent anyway is refused.
	for i := range 9 {
		f.member(t, f.u, fmt.Sprintf("满员经办人%d", i), unit.RoleAgent, midnightAfter(30))
	}
	doc := f.c.Page(t, "/unit/agents", http.StatusOK)
	if doc.First("a[href=/unit/agents/new]") != nil || !strings.Contains(doc.Must(t, ".dlg-slots").TextContent(), "还可添加 0 名") {
		t.Error("a full unit still offers 添加经办人")
	}
	late := f.w.Person(t, "晚来客")
	doc = webtest.Parsed(t, f.c.Post(t, "/unit/agents/new", agentForm(late, []string{"SB-001"}, date(0), date(10))), http.StatusUnprocessableEntity)
	if got := webtest.TopError(doc); got != delegation.ErrAgentLimit.Msg {
		t.Errorf("eleventh agent: %q", got)
	}
	if n := countMemberships(t, f.ts, f.u.ID, unit.RoleAgent); n != 10 {
		t.Errorf("%d agents", n)
	}
}

func TestDelegationChangeAgent(t *testing.T) {
	f := newFixture(t, 510)
	ag := f.w.Person(t, "凌霜华")
	inv, err := f.ts.Delegation.AddAgent(context.Background(), delegation.Actor{PersonID: f.rep.ID}, f.u.ID,
		delegation.Nominee{Name: ag.Name, IDType: ag.IDType, IDNumber: ag.IDNumber, Mobile: ag.Mobile},
		[]string{"SB-001", "SB-002"}, time.Time{}, midnightAfter(40))
	if err != nil {
		t.Fatal(err)
	}
	path := "/unit/agents/" + strconv.FormatInt(inv.MembershipID, 10) + "/edit"
	doc := f.c.Page(t, path, http.StatusOK)
	webtest.CheckPage(t, f.ts, path, doc)
	if got := checkedValues(doc, "items"); !slices.Equal(got, []string{"SB-001", "SB-002"}) {
		t.Errorf("ticked %v", got)
	}
	if inputValue(doc, "valid_from") != date(0) || inputValue(doc, "valid_until") != date(40) {
		t.Errorf("dates %q %q", inputValue(doc, "valid_from"), inputValue(doc, "valid_until"))
	}
	if doc.First("input[name=id_number]") != nil {
		t.Error("the change form asks for the person again")
	}

	// Refused: nothing granted; the form keeps the dates typed. (Later than the
	// grant's start, so that keeping the start is tested; within the idle timeout.)
	f.clk.Advance(10 * time.Minute)
	doc = webtest.Parsed(t, f.c.Post(t, path, url.Values{"valid_from": {date(0)}, "valid_until": {date(50)}}), http.StatusUnprocessableEntity)
	if got := doc.Must(t, "#e-items").TextContent(); got != delegation.ErrNoItems.Msg {
		t.Errorf("no items: %q", got)
	}
	if inputValue(doc, "valid_until") != date(50) {
		t.Error("the end date typed was lost")
	}

	// The dates left as shown keep the period exactly; the items change.
	follow(t, f.c, f.c.Post(t, path, url.Values{"items": {"SB-003"}, "valid_from": {date(0)}, "valid_until": {date(40)}}), "agent_changed")
	row, _ := currentMembership(t, f.ts, f.u.ID, ag.ID)
	if g := grants(t, f.ts, row.ID); !slices.Equal(g, []string{"SB-003"}) {
		t.Errorf("grants %v", g)
	}
	if !row.ValidFrom.Equal(clockStart) || !row.ValidU.Equal(midnightAfter(40)) {
		t.Errorf("period moved: %v – %v", row.ValidFrom, row.ValidU)
	}
	// A new end date.
	follow(t, f.c, f.c.Post(t, path, url.Values{"items": {"SB-003"}, "valid_from": {date(0)}, "valid_until": {date(10)}}), "agent_changed")
	row, _ = currentMembership(t, f.ts, f.u.ID, ag.ID)
	if !row.ValidU.Equal(midnightAfter(10)) {
		t.Errorf("end %v, want %v", row.ValidU, midnightAfter(10))
	}
	doc = f.c.Page(t, "/unit/agents", http.StatusOK)
	if hist := doc.Must(t, ".dlg-history").TextContent(); !strings.Contains(hist, "修改经办人授权") {
		t.Errorf("history lacks the change: %s", hist)
	}
}

func TestDelegationRemoveAgent(t *testing.T) {
	f := newFixture(t, 511)
	ag, m := f.member(t, f.u, "柳如眉", unit.RoleAgent, midnightAfter(30))
	agC := f.as(t, ag, unit.RoleAgent)
	path := "/unit/agents/" + strconv.FormatInt(m.ID, 10) + "/remove"
	doc := f.c.Page(t, path, http.StatusOK)
	webtest.CheckPage(t, f.ts, path, doc)
	if txt := doc.Must(t, ".uc-main").TextContent(); !strings.Contains(txt, "确定要删除经办人") || !strings.Contains(txt, ag.Name) {
		t.Errorf("confirmation: %s", txt)
	}
	if membershipStatus(t, f.ts, m.ID) != "active" {
		t.Fatal("opening the confirmation removed the agent")
	}
	follow(t, f.c, f.c.Post(t, path, url.Values{}), "agent_removed")
	if membershipStatus(t, f.ts, m.ID) != "revoked" {
		t.Error("agent not revoked")
	}
	if sessionAlive(f.ts, agC.Session()) {
		t.Error("the removed agent's session lives on")
	}
	if rec := f.c.Get(t, path); rec.Code != http.StatusNotFound {
		t.Errorf("GET the removed agent's confirmation: %d", rec.Code)
	}
	if rec := f.c.Post(t, path, url.Values{}); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), delegation.ErrAgentNotFound.Msg) {
		t.Errorf("removing twice: %d", rec.Code)
	}
}

// TestDelegationOtherUnitsIDs: membership IDs of another unit put into URLs and forms reach
// nothing: the commands look for them in the session's unit only.
func TestDelegationOtherUnitsIDs(t *testing.T) {
	f := newFixture(t, 512)
	ctx := context.Background()
	otherU, otherRep := f.w.UnitWithRep(t, "示范他山贸易有限公司", "魏长风")
	x := f.w.Person(t, "钱多多")
	inv, err := f.ts.Delegation.AddAgent(ctx, delegation.Actor{PersonID: otherRep.ID}, otherU.ID,
		delegation.Nominee{Name: x.Name, IDType: x.IDType, IDNumber: x.IDNumber, Mobile: x.Mobile}, []string{"SB-001"}, time.Time{}, midnightAfter(30))
	if err != nil {
		t.Fatal(err)
	}
	_, y := f.member(t, otherU, "孙不二", unit.RoleAdmin, midnightAfter(100))
	agent, admin := strconv.FormatInt(inv.MembershipID, 10), strconv.FormatInt(y.ID, 10)
	newcomer := f.w.Person(t, "周而复")

	for _, tc := range []struct {
		method, path string
		form         url.Values
		status       int
	}{
		{"GET", "/unit/agents/" + agent + "/edit", nil, http.StatusNotFound},
		{"GET", "/unit/agents/" + agent + "/remove", nil, http.StatusNotFound},
		{"GET", "/unit/agents/admin/" + admin + "/replace", nil, http.StatusNotFound},
		{"GET", "/unit/agents/admin/" + admin + "/remove", nil, http.StatusNotFound},
		{"POST", "/unit/agents/" + agent + "/edit", url.Values{"items": {"SB-001", "SB-002"}, "valid_until": {date(200)}}, http.StatusNotFound},
		{"POST", "/unit/agents/" + agent + "/remove", url.Values{}, http.StatusNotFound},
		{"POST", "/unit/agents/admin/" + admin + "/replace", adminForm(newcomer, date(30)), http.StatusUnprocessableEntity},
		{"POST", "/unit/agents/admin/" + admin + "/remove", url.Values{}, http.StatusConflict},
		{"GET", "/unit/agents/abc/edit", nil, http.StatusNotFound},
		{"POST", "/unit/agents/-1/remove", url.Values{}, http.StatusNotFound},
	} {
		rec := f.c.Do(t, tc.method, tc.path, tc.form, nil)
		if rec.Code != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, rec.Code, tc.status)
		}
		if strings.Contains(rec.Body.String(), x.Name) || strings.Contains(rec.Body.String(), "孙不二") {
			t.Errorf("%s %s shows another unit's member", tc.method, tc.path)
		}
	}
	if membershipStatus(t, f.ts, inv.MembershipID) != "pending" || !slices.Equal(grants(t, f.ts, inv.MembershipID), []string{"SB-001"}) {
		t.Error("the other unit's agent changed")
	}
	f.wantAdminSlotKept(t, y.ID, newcomer) // the other unit's admin, not replaced
}

// TestDelegationHistoryPaged: 变更记录 is paged, newest first, with masked names.
func TestDelegationHistoryPaged(t *testing.T) {
	f := newFixture(t, 513)
	ctx := context.Background()
	rep := delegation.Actor{PersonID: f.rep.ID}
	var names []string
	// 13 records: 7 agents added, 6 of them removed again.
	for i := range 7 {
		p := f.w.Person(t, fmt.Sprintf("历史经办人%c", '甲'+rune(i)))
		names = append(names, p.Name)
		inv, err := f.ts.Delegation.AddAgent(ctx, rep, f.u.ID, delegation.Nominee{Name: p.Name, IDType: p.IDType, IDNumber: p.IDNumber, Mobile: p.Mobile},
			[]string{"SB-001"}, time.Time{}, midnightAfter(30))
		if err != nil {
			t.Fatal(err)
		}
		f.clk.Advance(time.Minute)
		if i < 6 {
			if err := f.ts.Delegation.RemoveAgent(ctx, rep, f.u.ID, inv.MembershipID); err != nil {
				t.Fatal(err)
			}
			f.clk.Advance(time.Minute)
		}
	}
	doc := f.c.Page(t, "/unit/agents", http.StatusOK)
	rows := doc.All(".dlg-history tbody tr")
	if len(rows) != historyPerPage {
		t.Fatalf("%d rows on page 1, want %d", len(rows), historyPerPage)
	}
	if first := rows[0].TextContent(); !strings.Contains(first, "添加经办人") || !strings.Contains(first, ident.MaskName(names[6])) {
		t.Errorf("newest first: %s", first)
	}
	if !strings.Contains(doc.Must(t, ".dlg-total").TextContent(), "共 13 条") {
		t.Error("total not shown")
	}
	if doc.First(`.pagination a[href="/unit/agents?page=2#dlg-history-title"]`) == nil {
		t.Fatal("no link to page 2")
	}
	doc = f.c.Page(t, "/unit/agents?page=2", http.StatusOK)
	rows = doc.All(".dlg-history tbody tr")
	if len(rows) != 3 {
		t.Fatalf("%d rows on page 2, want 3", len(rows))
	}
	if last := rows[2].TextContent(); !strings.Contains(last, "添加经办人") || !strings.Contains(last, ident.MaskName(names[0])) {
		t.Errorf("oldest last: %s", last)
	}
	if cur := doc.Texts(".pagination a[aria-current=page]"); !slices.Equal(cur, []string{"2"}) {
		t.Errorf("current page %v", cur)
	}
	if txt := doc.Must(t, ".dlg-history").TextContent(); strings.Contains(txt, names[0]) || !strings.Contains(txt, "删除经办人") {
		t.Errorf("page 2: %s", txt)
	}
	// Beyond the last page: the last page.
	doc = f.c.Page(t, "/unit/agents?page=99", http.StatusOK)
	if n := len(doc.All(".dlg-history tbody tr")); n != 3 {
		t.Errorf("page 99 shows %d rows", n)
	}
	for _, p := range []string{"0", "-3", "x"} {
		if n := len(f.c.Page(t, "/unit/agents?page="+p, http.StatusOK).All(".dlg-history tbody tr")); n != historyPerPage {
			t.Errorf("page=%s shows %d rows", p, n)
		}
	}
}

// TestDelegationSignedOut: the pages need a unit session.
func TestDelegationSignedOut(t *testing.T) {
	ts := webtest.NewTestServer(t)
	for _, path := range []string{"/unit/agents", "/unit/agents/new", "/unit/agents/1/edit"} {
		rec := webtest.NewClient(ts).Get(t, path)
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login?tab=unit") {
			t.Errorf("GET %s signed out: %d → %q", path, rec.Code, rec.Header().Get("Location"))
		}
	}
	w := webtest.NewWorld(ts, 514)
	p := w.Person(t, "单身汉")
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, auth.Subject{PersonID: p.ID})
	if rec := c.Post(t, "/unit/agents/new", url.Values{}); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/unit/choose" {
		t.Errorf("POST as a person: %d → %q", rec.Code, rec.Header().Get("Location"))
	}
}

// TestDelegationInvitationTextDelayed: when the gateway does not take the invitation at
// once, the change stands and the notice says the text follows.
func TestDelegationInvitationTextDelayed(t *testing.T) {
	f := newFixture(t, 515)
	adm := f.w.Person(t, "迟到信")
	f.ts.DevOutbox.FailNext(fmt.Errorf("gateway down"))
	doc := follow(t, f.c, f.c.Post(t, "/unit/agents/admin/new", adminForm(adm, date(30))), "invite_delayed")
	if n := doc.Must(t, ".dlg-notice").TextContent(); !strings.Contains(n, "暂未发出") {
		t.Errorf("notice %q", n)
	}
	if row, ok := currentMembership(t, f.ts, f.u.ID, adm.ID); !ok || row.Status != "pending" {
		t.Errorf("admin %+v", row)
	}
}
