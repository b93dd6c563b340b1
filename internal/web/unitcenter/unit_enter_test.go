package unitcenter

import (
	"fmt"
	"hall/internal/web/webtest"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/unit"
)

// enterUnit enters unit unitID as a person does from the unit chooser: 进入 (POST
// /unit/switch), and, when the hall answers with the entry page asking for the
// role's password (unit_enter.go), that password. It returns the last answer
// (a redirect into the unit when the password was right). The entry page, when
// shown, must offer the password field in a form back to /unit/switch.
func enterUnit(t testing.TB, c *webtest.Client, unitID int64, password string) *httptest.ResponseRecorder {
	t.Helper()
	rec := c.Post(t, "/unit/switch", unitSwitchForm(unitID))
	if rec.Code != http.StatusOK {
		return rec
	}
	doc := webtest.ParseHTML(t, rec.Body.String())
	form := doc.Must(t, `form[action="/unit/switch"]`)
	form.Must(t, `input[type=password][name=`+enterFieldPassword+`]`)
	if id := form.Must(t, `input[name=unit_id]`).AttrOr("value"); id != strconv.FormatInt(unitID, 10) {
		t.Fatalf("the entry page is for unit %s, want %d", id, unitID)
	}
	return c.Post(t, "/unit/switch", url.Values{"unit_id": {strconv.FormatInt(unitID, 10)}, enterFieldPassword: {password}})
}

// enterSubject is the session the cookie of rec (or, without one, the client's) names.
func enterSubject(t testing.TB, ts *webtest.TestServer, c *webtest.Client) auth.Session {
	t.Helper()
	sess, err := ts.Sessions.Lookup(t.Context(), c.Session())
	if err != nil {
		t.Fatalf("session: %v", err)
	}
	return sess
}

// TestUnitEnterEnterAsAdmin: a person signed in personally by 手机动态码 chooses a unit where
// they are the administrator. The hall asks for the 经办密码 instead of entering; a
// wrong one (or the personal password) is refused and counted by the login
// throttle; the right one enters, with the proof and the method recorded.
func TestUnitEnterEnterAsAdmin(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 61)
	c := webtest.NewClient(ts)
	webtest.SignInBy(t, c, auth.Subject{PersonID: f.Person.ID}, auth.ProofSMS)
	personal := c.Session()

	rec := c.Post(t, "/unit/switch", unitSwitchForm(f.Other.ID))
	if rec.Code != http.StatusOK || webtest.SessionCookie(ts, rec) != nil {
		t.Fatalf("choosing the unit: %d, cookie %+v\n%s", rec.Code, webtest.SessionCookie(ts, rec), webtest.ShortBody(rec.Body.String()))
	}
	doc := webtest.ParseHTML(t, rec.Body.String())
	webtest.CheckPage(t, ts, "/unit/switch", doc)
	for _, want := range []string{f.Other.Name, "管理员", "经办密码", "忘记经办密码", "重置单位密码"} {
		if !strings.Contains(doc.TextContent(), want) {
			t.Errorf("the entry page does not say %q", want)
		}
	}
	if a := doc.First(`a[href="/recover?tab=unit"]`); a == nil {
		t.Error("no way to recover a forgotten unit password")
	}
	if s := enterSubject(t, ts, c); s.Subject.UnitID != 0 {
		t.Fatalf("the session entered the unit without its password: %+v", s.Subject)
	}

	// Wrong: the personal password, nothing, then guesses. The third counted
	// failure brings the account to the login throttle's captcha.
	form := func(pw, token string) url.Values {
		v := url.Values{"unit_id": {strconv.FormatInt(f.Other.ID, 10)}, enterFieldPassword: {pw}}
		if token != "" {
			v.Set("captcha_token", token)
		}
		return v
	}
	for i, pw := range []string{webtest.Password, "", "Uc-Admin-Pass-3", "Uc-Admin-Pass-4"} {
		rec = c.Post(t, "/unit/switch", form(pw, ""))
		if rec.Code != http.StatusUnprocessableEntity || webtest.SessionCookie(ts, rec) != nil {
			t.Fatalf("password %q: %d", pw, rec.Code)
		}
		want := enterMsgWrongUnit
		if pw == "" {
			want = enterMsgNeedUnit
		}
		doc = webtest.ParseHTML(t, rec.Body.String())
		if got := doc.Must(t, "#e-"+enterFieldPassword).TextContent(); got != want {
			t.Errorf("password %q: message %q, want %q", pw, got, want)
		}
		if captchaShown := doc.First(".slider-captcha") != nil; captchaShown != (i == 3) {
			t.Errorf("after wrong password %d the captcha shown is %v", i+1, captchaShown)
		}
	}
	// The right password now needs the captcha, like the unit login of the same
	// account, which shares the count.
	rec = c.Post(t, "/unit/switch", form("Uc-Admin-Pass-2", ""))
	if rec.Code != http.StatusUnprocessableEntity || webtest.SessionCookie(ts, rec) != nil {
		t.Fatalf("right password without the captcha after three wrong ones: %d", rec.Code)
	}
	other := webtest.NewClient(ts)
	rec = other.Post(t, "/login/unit", url.Values{"account": {f.Other.USCC}, "login": {f.Person.IDNumber}, "password": {"Uc-Admin-Pass-2"}})
	if rec.Code != http.StatusUnprocessableEntity || webtest.ParseHTML(t, rec.Body.String()).First(".slider-captcha") == nil {
		t.Errorf("the unit login of the same account after three wrong unit passwords at the chooser: %d, want the captcha", rec.Code)
	}
	if c.Session() != personal || enterSubject(t, ts, c).Subject.UnitID != 0 {
		t.Fatal("a refused unit password changed the session")
	}
	denied := 0
	for _, e := range webtest.UnitAuditEntries(t, ts, "unit.switch") {
		if e.Result == audit.Denied && e.Detail["reason"] == "bad_unit_password" {
			denied++
		}
	}
	if denied != 3 {
		t.Errorf("%d refused entries audited, want 3 (the empty password is not a guess)", denied)
	}

	rec = c.Post(t, "/unit/switch", form("Uc-Admin-Pass-2", webtest.SolveCaptcha(t, ts, c, 61)))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/unit/" || webtest.SessionCookie(ts, rec) == nil {
		t.Fatalf("the right unit password with the captcha: %d → %q", rec.Code, rec.Header().Get("Location"))
	}
	sess := enterSubject(t, ts, c)
	if want := (auth.Subject{PersonID: f.Person.ID, UnitID: f.Other.ID, Role: auth.RoleAdmin}); sess.Subject != want ||
		sess.Proof != auth.ProofUnitPassword || !sess.ProvedWithin(time.Second, ts.Now()) {
		t.Errorf("session after entering: %+v", sess)
	}
	var ok []audit.Entry
	for _, e := range webtest.UnitAuditEntries(t, ts, "unit.switch") {
		if e.Result == audit.Success {
			ok = append(ok, e)
		}
	}
	if len(ok) != 1 || ok[0].Detail["method"] != "unit_password" || ok[0].UnitID != f.Other.ID || ok[0].Role != "admin" {
		t.Errorf("entry audit %+v", ok)
	}
}

// TestUnitEnterEnterAsLegalRep: a legal rep whose session was opened with the personal
// password enters at once; one opened by 手机动态码 is asked for the personal password
// (not a unit password), and so is one whose last proof was another unit's password.
func TestUnitEnterEnterAsLegalRep(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 62)

	byPassword := webtest.NewClient(ts)
	webtest.SignInBy(t, byPassword, auth.Subject{PersonID: f.Person.ID}, auth.ProofPassword)
	if rec := byPassword.Post(t, "/unit/switch", unitSwitchForm(f.Home.ID)); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/unit/" {
		t.Fatalf("legal rep from a password session: %d", rec.Code)
	}
	es := webtest.UnitAuditEntries(t, ts, "unit.switch")
	if len(es) != 1 || es[0].Detail["method"] != "session_password" {
		t.Errorf("audit %+v", es)
	}

	bySMS := webtest.NewClient(ts)
	webtest.SignInBy(t, bySMS, auth.Subject{PersonID: f.Person.ID}, auth.ProofSMS)
	rec := bySMS.Post(t, "/unit/switch", unitSwitchForm(f.Home.ID))
	if rec.Code != http.StatusOK {
		t.Fatalf("legal rep from an SMS session: %d", rec.Code)
	}
	doc := webtest.ParseHTML(t, rec.Body.String())
	if !strings.Contains(doc.Must(t, "h1").TextContent(), "验证登录密码") || doc.First(`a[href="/recover?tab=person"]`) == nil {
		t.Errorf("the legal rep's entry page: %q", doc.Must(t, "h1").TextContent())
	}
	if rec := enterUnit(t, bySMS, f.Home.ID, "Uc-Admin-Pass-2"); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("the legal rep with a unit password: %d", rec.Code)
	}
	if rec := enterUnit(t, bySMS, f.Home.ID, webtest.Password); rec.Code != http.StatusSeeOther {
		t.Fatalf("the legal rep with the personal password: %d", rec.Code)
	}
	if s := enterSubject(t, ts, bySMS); s.Subject.Role != auth.RoleLegalRep || s.Proof != auth.ProofPassword {
		t.Errorf("session %+v", s)
	}

	// Admin of the other unit by its unit password, then back to the legal rep's unit:
	// the unit password is not the legal rep's credential.
	if rec := enterUnit(t, bySMS, f.Other.ID, "Uc-Admin-Pass-2"); rec.Code != http.StatusSeeOther {
		t.Fatalf("admin: %d", rec.Code)
	}
	if rec := bySMS.Post(t, "/unit/switch", unitSwitchForm(f.Home.ID)); rec.Code != http.StatusOK {
		t.Errorf("back to the legal rep's unit after a unit password: %d, want the entry page", rec.Code)
	}
	// An agent entering also gives its own unit password.
	w := webtest.NewWorld(ts, 63)
	agent := w.Person(t, "岑望舒")
	w.Member(t, unit.Membership{UnitID: f.Home.ID, PersonID: agent.ID, Role: unit.RoleAgent, Status: unit.StatusActive}, "Ue-Agent-Pass-5")
	ac := webtest.NewClient(ts)
	webtest.SignIn(t, ac, auth.Subject{PersonID: agent.ID})
	if rec := ac.Post(t, "/unit/switch", unitSwitchForm(f.Home.ID)); rec.Code != http.StatusOK {
		t.Errorf("agent from a password session: %d, want the entry page", rec.Code)
	}
	if rec := enterUnit(t, ac, f.Home.ID, "Ue-Agent-Pass-5"); rec.Code != http.StatusSeeOther {
		t.Errorf("agent with its unit password: %d", rec.Code)
	}
}

// TestUnitEnterPasswordChangedDuringCheck: the session enters the unit only while
// the password the entry page verified is still the stored one. A change that
// lands after the check and before the session moves (a trigger on the login
// throttle's success, which comes between the two, stands for it) is answered as a
// wrong password and audited as one; the session stays where it was.
func TestUnitEnterPasswordChangedDuringCheck(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 64)
	cases := []struct {
		name, password, statement, wrong, reason string
		unitID                                   int64
	}{
		{"administrator, unit password", "Uc-Admin-Pass-2",
			fmt.Sprintf("UPDATE memberships SET password_hash = 'replaced' || password_hash WHERE person_id = %d AND unit_id = %d",
				f.Person.ID, f.Other.ID), enterMsgWrongUnit, "bad_unit_password", f.Other.ID},
		{"legal rep, personal password", webtest.Password,
			fmt.Sprintf("UPDATE persons SET password_hash = 'replaced' || password_hash WHERE id = %d", f.Person.ID),
			enterMsgWrongPerson, "bad_password", f.Home.ID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := webtest.NewClient(ts)
			webtest.SignInBy(t, cl, auth.Subject{PersonID: f.Person.ID}, auth.ProofSMS)
			personal := cl.Session()
			before := len(webtest.UnitAuditEntries(t, ts, "unit.switch"))
			drop := webtest.AnotherWriter(t, ts, "replace_password", "DELETE ON throttle_counters", c.statement)
			rec := enterUnit(t, cl, c.unitID, c.password)
			drop()
			if rec.Code != http.StatusUnprocessableEntity || webtest.SessionCookie(ts, rec) != nil {
				t.Fatalf("entry with a password changed during the check: %d, cookie %+v\n%s", rec.Code,
					webtest.SessionCookie(ts, rec), webtest.ShortBody(rec.Body.String()))
			}
			doc := webtest.ParseHTML(t, rec.Body.String())
			if got := doc.Must(t, "#e-"+enterFieldPassword).TextContent(); got != c.wrong {
				t.Errorf("message %q, want %q", got, c.wrong)
			}
			if !strings.Contains(doc.TextContent(), enterMsgTop) {
				t.Errorf("the page does not say %q", enterMsgTop)
			}
			if s := enterSubject(t, ts, cl); cl.Session() != personal || s.Subject.UnitID != 0 || s.Proof != auth.ProofSMS {
				t.Errorf("the session after the refused entry: %+v", s)
			}
			// Newest first: one more entry, the refusal.
			es := webtest.UnitAuditEntries(t, ts, "unit.switch")
			if len(es) != before+1 || es[0].Result != audit.Denied || es[0].Detail["reason"] != c.reason {
				t.Errorf("audit %+v, want one more, a refusal %s", es, c.reason)
			}
		})
	}
}
