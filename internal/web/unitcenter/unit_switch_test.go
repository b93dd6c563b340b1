package unitcenter

import (
	"errors"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/unit"
)

func TestUnitChoiceOf(t *testing.T) {
	now := time.Date(2026, 5, 10, 4, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(48*time.Hour)
	u := unit.Unit{ID: 7, Name: "示范单位", USCC: "91320102MA0000000X"}
	for _, tc := range []struct {
		name           string
		m              unit.Membership
		current        int64
		usable         bool
		state, label   string
		reasonContains string
	}{
		{"legal rep", unit.Membership{Role: unit.RoleLegalRep, Status: unit.StatusActive}, 0, true, "ok", "正常", ""},
		{"current unit", unit.Membership{Role: unit.RoleLegalRep, Status: unit.StatusActive}, 7, true, "ok", "正常", ""},
		{"pending agent", unit.Membership{Role: unit.RoleAgent, Status: unit.StatusPending}, 0, false, "pending", "待确认", "我是经办人"},
		{"expired admin", unit.Membership{Role: unit.RoleAdmin, Status: unit.StatusActive, ValidUntil: &past}, 0, false, "expired", "已过期", "续期"},
		{"not yet valid", unit.Membership{Role: unit.RoleAgent, Status: unit.StatusActive, ValidFrom: &future}, 0, false, "notyet", "未生效", "起生效"},
		{"revoked", unit.Membership{Role: unit.RoleAgent, Status: unit.StatusRevoked}, 0, false, "other", "不可用", "联系"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := unitChoiceOf(unit.Acting{Unit: u, Membership: tc.m}, now, tc.current)
			if c.Usable != tc.usable || c.State != tc.state || c.StateLabel != tc.label || c.Current != (tc.current == 7) {
				t.Errorf("got %+v", c)
			}
			if (tc.reasonContains == "") != (c.Reason == "") || !strings.Contains(c.Reason, tc.reasonContains) {
				t.Errorf("reason %q, want one containing %q", c.Reason, tc.reasonContains)
			}
			if c.RoleLabel != tc.m.Role.Label() || c.UnitName != u.Name || c.UnitID != u.ID {
				t.Errorf("row %+v", c)
			}
		})
	}
}

func unitSwitchForm(id int64) url.Values { return url.Values{"unit_id": {strconv.FormatInt(id, 10)}} }

func TestUnitSwitch(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 11)
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, webtest.UnitSubject(f.Person, f.Home, unit.RoleLegalRep))
	old := c.Session()

	doc := c.Page(t, "/unit/", http.StatusOK)
	if a := doc.First(`.uc-band a[href="/unit/choose"]`); a == nil || a.TextContent() != "切换单位" {
		t.Fatal("no 切换单位 link for a person with two units")
	}

	rec := enterUnit(t, c, f.Other.ID, "Uc-Admin-Pass-2")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/unit/" {
		t.Fatalf("switch: %d → %q\n%s", rec.Code, rec.Header().Get("Location"), webtest.ShortBody(rec.Body.String()))
	}
	nc := webtest.SessionCookie(ts, rec)
	if nc == nil || nc.Value == "" || nc.Value == old {
		t.Fatalf("switch did not set a new session cookie: %+v", nc)
	}
	if !nc.HttpOnly || nc.SameSite != http.SameSiteLaxMode || nc.Path != "/" || nc.MaxAge != 0 || nc.RawExpires != "" {
		t.Errorf("cookie attributes %+v", nc)
	}

	// The old token is dead; the new one acts for the other unit as its admin.
	stale := webtest.NewClient(ts)
	stale.SetSession(old)
	if rec := stale.Get(t, "/unit/"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login?tab=unit") {
		t.Errorf("old cookie after the switch: %d → %q", rec.Code, rec.Header().Get("Location"))
	}
	doc = c.Page(t, "/unit/", http.StatusOK)
	if got := doc.Must(t, ".uc-unit-name").TextContent(); got != f.Other.Name {
		t.Errorf("unit after switch %q, want %q", got, f.Other.Name)
	}
	if got := doc.Must(t, ".uc-role").TextContent(); got != "管理员" {
		t.Errorf("role after switch %q", got)
	}
	sess, err := ts.Sessions.Lookup(t.Context(), nc.Value)
	if err != nil {
		t.Fatal(err)
	}
	if want := (auth.Subject{PersonID: f.Person.ID, UnitID: f.Other.ID, Role: auth.RoleAdmin}); sess.Subject != want {
		t.Errorf("session subject %+v, want %+v", sess.Subject, want)
	}

	es := webtest.UnitAuditEntries(t, ts, "unit.switch")
	if len(es) != 1 {
		t.Fatalf("%d unit.switch records, want 1", len(es))
	}
	e := es[0]
	if e.Result != audit.Success || e.PersonID != f.Person.ID || e.UnitID != f.Other.ID || e.Role != "admin" ||
		e.Target != "unit:"+strconv.FormatInt(f.Other.ID, 10) || e.Detail["from_unit"] != strconv.FormatInt(f.Home.ID, 10) || e.ClientIP == "" {
		t.Errorf("audit record %+v", e)
	}

	// Switching to the unit one is in changes nothing.
	rec = c.Post(t, "/unit/switch", unitSwitchForm(f.Other.ID))
	if rec.Code != http.StatusSeeOther || webtest.SessionCookie(ts, rec) != nil {
		t.Errorf("switch to the current unit: %d, cookie %+v", rec.Code, webtest.SessionCookie(ts, rec))
	}

	// And back, from the chooser's form.
	doc = c.Page(t, "/unit/choose", http.StatusOK)
	form := doc.Must(t, `form[action="/unit/switch"]`)
	if id := form.Must(t, `input[name=unit_id]`).AttrOr("value"); id != strconv.FormatInt(f.Home.ID, 10) {
		t.Fatalf("the chooser offers unit %s, want the legal rep's unit %d", id, f.Home.ID)
	}
	rec = enterUnit(t, c, f.Home.ID, webtest.Password)
	back := webtest.SessionCookie(ts, rec)
	if rec.Code != http.StatusSeeOther || back == nil {
		t.Fatalf("switch back: %d", rec.Code)
	}
	if role := c.Page(t, "/unit/", http.StatusOK).Must(t, ".uc-role").TextContent(); role != "法定代表人" {
		t.Errorf("role after switching back %q", role)
	}
	// Switching keeps the absolute expiry of the first login.
	s0, _ := ts.Sessions.Lookup(t.Context(), back.Value)
	if !s0.AbsoluteExpiresAt.Equal(sess.AbsoluteExpiresAt) {
		t.Errorf("absolute expiry moved from %v to %v", sess.AbsoluteExpiresAt, s0.AbsoluteExpiresAt)
	}
}

func TestUnitSwitchRefused(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 12)
	w := webtest.NewWorld(ts, 13)
	pendingUnit := w.Unit(t, "示范待定咨询有限公司", w.Person(t, "吕青禾"))
	w.Member(t, unit.Membership{UnitID: pendingUnit.ID, PersonID: f.Person.ID, Role: unit.RoleAgent, Status: unit.StatusPending}, "")
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, webtest.UnitSubject(f.Person, f.Home, unit.RoleLegalRep))
	token := c.Session()

	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		msg    string
	}{
		{"unit without a role", unitSwitchForm(f.None.ID), http.StatusForbidden, unitMsgNoRole},
		{"no such unit", unitSwitchForm(f.None.ID + 1000), http.StatusForbidden, unitMsgNoRole},
		{"pending role", unitSwitchForm(pendingUnit.ID), http.StatusForbidden, unitMsgNotUsable},
		{"not a number", url.Values{"unit_id": {"1 OR 1=1"}}, http.StatusBadRequest, unitMsgBadRequest},
		{"missing", url.Values{}, http.StatusBadRequest, unitMsgBadRequest},
		{"negative", url.Values{"unit_id": {"-3"}}, http.StatusBadRequest, unitMsgBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := c.Post(t, "/unit/switch", tc.form)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			doc := webtest.ParseHTML(t, rec.Body.String())
			if !strings.Contains(doc.Must(t, "main").TextContent(), tc.msg) {
				t.Errorf("page lacks %q", tc.msg)
			}
			if nc := webtest.SessionCookie(ts, rec); nc != nil {
				t.Errorf("a refused switch set the session cookie %+v", nc)
			}
			// The session is unchanged: same token, same unit.
			sess, err := ts.Sessions.Lookup(t.Context(), token)
			if err != nil {
				t.Fatalf("session after a refused switch: %v", err)
			}
			if sess.Subject.UnitID != f.Home.ID {
				t.Errorf("session moved to unit %d", sess.Subject.UnitID)
			}
		})
	}
	denied := 0
	for _, e := range webtest.UnitAuditEntries(t, ts, "unit.switch") {
		if e.Result != audit.Denied {
			t.Errorf("record %+v after refused switches only", e)
		}
		denied++
	}
	if denied != 3 {
		t.Errorf("%d denied unit.switch records, want 3 (the 403s)", denied)
	}
}

func TestUnitChoose(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 21)
	w := webtest.NewWorld(ts, 22)
	otherRep := w.Person(t, "孟知秋")
	pendingUnit := w.Unit(t, "示范待定咨询有限公司", otherRep)
	expiredUnit := w.Unit(t, "示范旧约服务有限公司", otherRep)
	w.Member(t, unit.Membership{UnitID: pendingUnit.ID, PersonID: f.Person.ID, Role: unit.RoleAgent, Status: unit.StatusPending}, "")
	past := ts.Now().Add(-time.Hour)
	w.Member(t, unit.Membership{UnitID: expiredUnit.ID, PersonID: f.Person.ID, Role: unit.RoleAgent, Status: unit.StatusActive, ValidUntil: &past}, "Uc-Agent-Pass-3")

	// From a personal session: every usable unit can be entered.
	personal := webtest.NewClient(ts)
	webtest.SignIn(t, personal, auth.Subject{PersonID: f.Person.ID})
	doc := personal.Page(t, "/unit/choose", http.StatusOK)
	webtest.CheckPage(t, ts, "/unit/choose", doc)
	rows := map[string]*webtest.HTMLNode{}
	for _, tr := range doc.All(".uc-choose-table tbody tr") {
		rows[tr.Must(t, "th").TextContent()] = tr
	}
	if len(rows) != 4 || rows[f.None.Name] != nil {
		t.Fatalf("chooser rows %v", doc.Texts(".uc-choose-table tbody th"))
	}
	for name, want := range map[string]struct{ role, state, action string }{
		f.Home.Name:      {"法定代表人", "正常", "进入"},
		f.Other.Name:     {"管理员", "正常", "进入"},
		pendingUnit.Name: {"经办人", "待确认", "暂不能进入"},
		expiredUnit.Name: {"经办人", "已过期", "暂不能进入"},
	} {
		tr := rows[name]
		if got := tr.Must(t, `td[data-label="身份"]`).TextContent(); got != want.role {
			t.Errorf("%s: role %q, want %q", name, got, want.role)
		}
		if got := tr.Must(t, `td[data-label="状态"] .badge`).TextContent(); got != want.state {
			t.Errorf("%s: state %q, want %q", name, got, want.state)
		}
		if got := tr.Must(t, `td[data-label="操作"]`).TextContent(); got != want.action {
			t.Errorf("%s: action %q, want %q", name, got, want.action)
		}
	}
	if got := rows[f.Home.Name].Must(t, `td[data-label="授权有效期"]`).TextContent(); got != "长期有效" {
		t.Errorf("legal rep validity %q", got)
	}
	if !strings.Contains(rows[pendingUnit.Name].TextContent(), "我是经办人") {
		t.Errorf("the pending row does not say how to confirm: %q", rows[pendingUnit.Name].TextContent())
	}

	// Entering from the personal session.
	rec := enterUnit(t, personal, f.Other.ID, "Uc-Admin-Pass-2")
	nc := webtest.SessionCookie(ts, rec)
	if rec.Code != http.StatusSeeOther || nc == nil {
		t.Fatalf("enter from a personal session: %d", rec.Code)
	}
	if e := webtest.UnitAuditEntries(t, ts, "unit.switch"); len(e) != 1 || e[0].Detail["from_unit"] != "" {
		t.Errorf("audit %+v", e)
	}
	// Now in a unit: that row is the current one, the other can be entered.
	doc = personal.Page(t, "/unit/choose", http.StatusOK)
	if got := doc.Texts(`td[data-label="操作"] .badge`); len(got) != 1 || got[0] != "当前单位" {
		t.Errorf("current marks %v", got)
	}
	if n := len(doc.All(`form[action="/unit/switch"]`)); n != 1 {
		t.Errorf("%d 进入 forms, want 1", n)
	}

	// A person with no unit sees the empty state.
	lonely := webtest.NewClient(ts)
	webtest.SignIn(t, lonely, auth.Subject{PersonID: w.Person(t, "秦向晚").ID})
	doc = lonely.Page(t, "/unit/choose", http.StatusOK)
	if doc.First(".uc-choose-table") != nil || !strings.Contains(doc.Must(t, ".empty").TextContent(), "没有可以代为办理业务的单位") {
		t.Error("no empty state for a person without units")
	}
}

func TestUnitLeave(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 31)
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, webtest.UnitSubject(f.Person, f.Home, unit.RoleLegalRep))
	old := c.Session()
	rec := c.Post(t, "/unit/leave", url.Values{})
	nc := webtest.SessionCookie(ts, rec)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/me" || nc == nil || nc.Value == old {
		t.Fatalf("leave: %d → %q, cookie %+v", rec.Code, rec.Header().Get("Location"), nc)
	}
	if _, err := ts.Sessions.Lookup(t.Context(), old); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("the unit session still works after leaving: %v", err)
	}
	sess, err := ts.Sessions.Lookup(t.Context(), nc.Value)
	if err != nil || sess.Subject != (auth.Subject{PersonID: f.Person.ID}) {
		t.Errorf("session after leaving %+v, %v", sess.Subject, err)
	}
	if es := webtest.UnitAuditEntries(t, ts, "unit.leave"); len(es) != 1 || es[0].UnitID != f.Home.ID || es[0].Role != "legal_rep" {
		t.Errorf("unit.leave records %+v", es)
	}
	// Back in the center's address, the person is sent to the chooser.
	if rec := c.Get(t, "/unit/"); rec.Header().Get("Location") != "/unit/choose" {
		t.Errorf("GET /unit/ after leaving → %q", rec.Header().Get("Location"))
	}
}

// TestUnitMembershipExpires: a role whose validity ends while the session lives stops
// working at the next request (visitor.go re-reads the membership every time).
func TestUnitMembershipExpires(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	f := webtest.NewTwoUnits(t, ts, 41)
	w := webtest.NewWorld(ts, 42)
	agent := w.Person(t, "白露凝")
	until := clock.Now().Add(10 * time.Minute)
	w.Member(t, unit.Membership{UnitID: f.Home.ID, PersonID: agent.ID, Role: unit.RoleAgent, Status: unit.StatusActive, ValidUntil: &until}, "Uc-Agent-Pass-4")

	ac := webtest.NewClient(ts)
	webtest.SignIn(t, ac, webtest.UnitSubject(agent, f.Home, unit.RoleAgent))
	agentToken := ac.Session()
	rc := webtest.NewClient(ts)
	webtest.SignIn(t, rc, webtest.UnitSubject(f.Person, f.Home, unit.RoleLegalRep))
	doc := ac.Page(t, "/unit/", http.StatusOK)
	if role := doc.Must(t, ".uc-role").TextContent(); role != "经办人" {
		t.Fatalf("role %q", role)
	}
	if doc.First(".uc-validity-warning") == nil {
		t.Error("no warning for a role that ends in 10 minutes")
	}

	clock.Advance(15 * time.Minute) // past the role's end, well within the idle timeout
	rec := ac.Get(t, "/unit/info")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login?tab=unit") {
		t.Fatalf("expired role: %d → %q", rec.Code, rec.Header().Get("Location"))
	}
	if c := webtest.SessionCookie(ts, rec); c == nil || c.MaxAge >= 0 {
		t.Errorf("the session cookie was not cleared: %+v", c)
	}
	if _, err := ts.Sessions.Lookup(t.Context(), agentToken); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("the expired role's session is still live: %v", err)
	}
	// Nor can it switch back in.
	ac.SetSession(agentToken)
	if rec := ac.Post(t, "/unit/switch", unitSwitchForm(f.Home.ID)); rec.Code != http.StatusSeeOther ||
		!strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("switch with the ended session: %d → %q", rec.Code, rec.Header().Get("Location"))
	}
	// The legal rep's session, as old, still works: it is the role that ended.
	rc.Page(t, "/unit/", http.StatusOK)
}

// FuzzUnitSwitchUnitID posts arbitrary unit_id values: the answer is a redirect, the
// entry page of the person's own admin unit (asking its password), 400 or 403, never
// a server error, and only the person's own units are ever entered.
func FuzzUnitSwitchUnitID(f *testing.F) {
	ts := webtest.NewTestServer(f)
	fx := webtest.NewTwoUnits(f, ts, 51)
	for _, s := range []string{"1", "2", "3", "0", "-1", "", " 2 ", "2.0", "0x2", "99999999999999999999", "２", "1e3", "2\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		c := webtest.NewClient(ts)
		webtest.SignIn(t, c, auth.Subject{PersonID: fx.Person.ID})
		rec := c.Post(t, "/unit/switch", url.Values{"unit_id": {id}})
		switch rec.Code {
		case http.StatusBadRequest, http.StatusForbidden:
		case http.StatusOK:
			// The entry page asks for the admin's unit password: nothing entered yet.
			if nc := webtest.SessionCookie(ts, rec); nc != nil {
				t.Fatalf("unit_id %q: the entry page set a session cookie", id)
			}
			if got := webtest.ParseHTML(t, rec.Body.String()).Must(t, `form[action="/unit/switch"] input[name=unit_id]`).AttrOr("value"); got != strconv.FormatInt(fx.Other.ID, 10) {
				t.Fatalf("unit_id %q: the entry page is for unit %s", id, got)
			}
		case http.StatusSeeOther:
			nc := webtest.SessionCookie(ts, rec)
			if nc == nil {
				t.Fatalf("unit_id %q: redirect without a session", id)
			}
			sess, err := ts.Sessions.Lookup(t.Context(), nc.Value)
			if err != nil {
				t.Fatal(err)
			}
			if sess.Subject.UnitID != fx.Home.ID && sess.Subject.UnitID != fx.Other.ID {
				t.Fatalf("unit_id %q entered unit %d", id, sess.Subject.UnitID)
			}
		default:
			t.Fatalf("unit_id %q: status %d", id, rec.Code)
		}
	})
}
