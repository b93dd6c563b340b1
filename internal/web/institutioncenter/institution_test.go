package institutioncenter

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/institution"
	"hall/internal/person"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// newPassword is what the operator changes the initial password to (invented).
const newPassword = "Jx-Base-2026x"

// TestInstitutionSignInSeesOnlyItsOwn: the operator signs in at the unit login with
// the 机构编号, must replace the initial password first, then sees the cases
// entered for the institution and nothing else — not another institution's, not
// the unit's own, not the unit center, not the personal center.
func TestInstitutionSignInSeesOnlyItsOwn(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 0x1a57)
	rep, op, op2 := w.Person(t, "岑望舒"), w.Person(t, "邬知远"), w.Person(t, "苗若行")
	u := w.Unit(t, "示范见习服务有限公司", rep)
	a := w.Institution(t, u, rep, op, "示范东区就业见习示范基地")
	b := w.Institution(t, u, rep, op2, "示范西区就业见习基地")
	clerk := w.CounterClerk(t)
	caseA := w.CounterCase(t, clerk, u, a.Number, "邬知远")
	caseB := w.CounterCase(t, clerk, u, b.Number, "苗若行")
	caseU := w.CounterCase(t, clerk, u, "", "岑望舒")
	if caseA.InstitutionID != a.ID || caseU.InstitutionID != 0 {
		t.Fatalf("cases: %d → %d, unit's → %d", caseA.ID, caseA.InstitutionID, caseU.InstitutionID)
	}

	c := webtest.NewClient(ts)
	rec := c.Post(t, "/login/unit", url.Values{"account": {strings.ToLower(a.Number)}, "login": {op.IDNumber}, "password": {a.InitialPassword},
		"next": {"/unit/info"}})
	webtest.WantRedirect(t, "institution login", rec, web.InstitutionHome)
	sess, err := ts.Sessions.Lookup(context.Background(), c.Session())
	if err != nil || sess.Subject != webtest.InstitutionSubject(a.Institution) || sess.Proof != auth.ProofInstitutionPassword {
		t.Fatalf("session %+v, %v", sess, err)
	}
	webtest.WantRedirect(t, "before the password change", c.Get(t, "/institution/"), "/institution/password")
	webtest.WantRedirect(t, "a case before the password change", c.Get(t, "/institution/cases/"+strconv.FormatInt(caseA.ID, 10)), "/institution/password")
	doc := c.Page(t, "/institution/password", http.StatusOK)
	doc.Must(t, "[data-forced-change]")

	// No unit page and no personal page serves an institution session.
	for _, target := range []string{"/unit/", "/unit/cases", "/unit/institutions", "/unit/agents", "/unit/cases/" + strconv.FormatInt(caseA.ID, 10)} {
		rec := c.Get(t, target)
		webtest.WantStatus(t, target, rec, http.StatusForbidden)
		if !strings.Contains(rec.Body.String(), web.MsgInstitutionOnly) {
			t.Errorf("%s does not say why", target)
		}
	}
	if loc := webtest.Redirected(t, c.Get(t, "/me")); !strings.HasPrefix(loc, "/login?tab=person") {
		t.Errorf("/me → %q", loc)
	}

	form := url.Values{person.FieldCurrentPassword: {"Wrong-Pass-7"}, person.FieldNewPassword: {newPassword}, person.FieldConfirm: {newPassword}}
	rec = c.Post(t, "/institution/password", form)
	webtest.WantStatus(t, "wrong current password", rec, http.StatusUnprocessableEntity)
	if got := webtest.ParseHTML(t, rec.Body.String()).Must(t, "#e-"+person.FieldCurrentPassword).TextContent(); got != person.MsgCurrentWrong {
		t.Errorf("beside the current password: %q", got)
	}
	old := c.Session()
	form.Set(person.FieldCurrentPassword, a.InitialPassword)
	webtest.WantRedirect(t, "password changed", c.Post(t, "/institution/password", form), "/institution/?notice=password")
	if c.Session() == old {
		t.Error("the session token was not replaced after the password change")
	}
	if _, err := ts.Sessions.Lookup(context.Background(), old); err == nil {
		t.Error("the session of the initial password lives on")
	}

	doc = c.Page(t, "/institution/?notice=password", http.StatusOK)
	body := doc.TextContent()
	for _, want := range []string{"密码已修改", a.Name, a.Number, u.Name, caseA.Number} {
		if !strings.Contains(body, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	for _, other := range []string{caseB.Number, caseU.Number} {
		if strings.Contains(body, other) {
			t.Errorf("home shows case %s, which is not the institution's", other)
		}
	}
	c.Page(t, "/institution/cases/"+strconv.FormatInt(caseA.ID, 10), http.StatusOK).Must(t, ".case-timeline")
	for _, other := range []int64{caseB.ID, caseU.ID, 999999} {
		webtest.WantStatus(t, "another's case", c.Get(t, "/institution/cases/"+strconv.FormatInt(other, 10)), http.StatusNotFound)
	}

	// The unit closes the institution: the session ends on its next request, and
	// the right password no longer signs in.
	if err := ts.Institutions.Close(context.Background(), institution.Actor{PersonID: rep.ID}, u.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if loc := webtest.Redirected(t, c.Get(t, "/institution/")); !strings.HasPrefix(loc, "/login?tab=unit") {
		t.Errorf("after the close → %q", loc)
	}
	rec = webtest.NewClient(ts).Post(t, "/login/unit", url.Values{"account": {a.Number}, "login": {op.Mobile}, "password": {newPassword}})
	webtest.WantStatus(t, "closed institution", rec, http.StatusForbidden)
}

// TestInstitutionLoginThrottle: wrong passwords count against the institution's
// password whatever spelling of the operator's login was typed (ID number or
// mobile, the number in any case); a login that names someone else, and an
// unknown number, get the same answer as a wrong password.
func TestInstitutionLoginThrottle(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 0x1a58)
	rep, op := w.Person(t, "廖听澜"), w.Person(t, "阮怀瑾")
	u := w.Unit(t, "示范培训服务有限公司", rep)
	a := w.Institution(t, u, rep, op, "示范职业培训学校")

	answer := func(c *webtest.Client, form url.Values) (int, string, bool) {
		t.Helper()
		rec := c.Post(t, "/login/unit", form)
		if rec.Code == http.StatusSeeOther {
			return rec.Code, rec.Header().Get("Location"), false
		}
		doc := webtest.ParseHTML(t, rec.Body.String())
		return rec.Code, webtest.TopError(doc), doc.First(".slider-captcha") != nil
	}
	// Someone else's login with the institution's right password, and an unknown
	// number: the wrong-password answer, word for word.
	for name, form := range map[string]url.Values{
		"the legal rep's login": {"account": {a.Number}, "login": {rep.IDNumber}, "password": {a.InitialPassword}},
		"unknown number": {"account": {ident.NewInstitutionNumber(u.UnitNumber, 77)}, "login": {op.IDNumber},
			"password": {a.InitialPassword}},
	} {
		c := webtest.NewClient(ts)
		c.Remote = "198.51.100.200:1"
		if code, top, _ := answer(c, form); code != http.StatusUnprocessableEntity || top != web.MsgBadLogin {
			t.Errorf("%s: %d %q", name, code, top)
		}
	}

	// Three browsers and addresses, three spellings: the third failure asks for
	// the captcha everywhere, the right password included.
	for i, login := range []string{op.IDNumber, op.Mobile, strings.ToLower(op.IDNumber)} {
		c := webtest.NewClient(ts)
		c.Remote = "203.0.113." + strconv.Itoa(10+i) + ":1"
		code, top, captchaShown := answer(c, url.Values{"account": {a.Number}, "login": {login}, "password": {"Wrong-Pass-" + strconv.Itoa(i)}})
		if code != http.StatusUnprocessableEntity || top != web.MsgBadLogin || captchaShown != (i == 2) {
			t.Errorf("failure %d (%s): %d %q captcha %v", i+1, login, code, top, captchaShown)
		}
	}
	c := webtest.NewClient(ts)
	c.Remote = "203.0.113.99:1"
	if code, _, captchaShown := answer(c, url.Values{"account": {a.Number}, "login": {op.Mobile}, "password": {a.InitialPassword}}); code != http.StatusUnprocessableEntity || !captchaShown {
		t.Errorf("right password after three failures: %d, captcha %v", code, captchaShown)
	}
	if c.Session() != "" {
		t.Error("signed in without the captcha")
	}
}

// TestInstitutionOfClosedUnit: when the unit's account is closed (cancelled in the
// registry), its institution's session ends on the next request and its right
// password is answered with the closed account's message.
func TestInstitutionOfClosedUnit(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 0x1a5b)
	rep, op := w.Person(t, "钟若远"), w.Person(t, "柳北澜")
	u := w.Unit(t, "示范关停贸易有限公司", rep)
	a := w.Institution(t, u, rep, op, "示范关停就业见习基地")
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, webtest.InstitutionSubject(a.Institution))
	webtest.WantStatus(t, "before the close", c.Get(t, "/institution/password"), http.StatusOK)
	if _, err := ts.DB.Exec(context.Background(), "UPDATE units SET status = 'closed' WHERE id = ?", u.ID); err != nil {
		t.Fatal(err)
	}
	if loc := webtest.Redirected(t, c.Get(t, "/institution/password")); !strings.HasPrefix(loc, "/login?tab=unit") {
		t.Errorf("after the unit's close → %q", loc)
	}
	rec := webtest.NewClient(ts).Post(t, "/login/unit", url.Values{"account": {a.Number}, "login": {op.IDNumber}, "password": {a.InitialPassword}})
	webtest.WantStatus(t, "login to a closed unit's institution", rec, http.StatusForbidden)
	if !strings.Contains(rec.Body.String(), web.MsgInstitutionClosed) {
		t.Error("the refusal does not say the account is closed")
	}
}

// TestInstitutionPasswordReplacedBeforeSignInAgain: the change signs its browser
// in again with the new password only while that is still stored. When the unit
// resets it first (a trigger stands for that writer: it rewrites the hash the
// change has just written), the browser gets no session and is sent to the unit
// login, which says why.
func TestInstitutionPasswordReplacedBeforeSignInAgain(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 0x1a58)
	rep, op := w.Person(t, "岑望川"), w.Person(t, "邬知行")
	u := w.Unit(t, "示范见习咨询有限公司", rep)
	a := w.Institution(t, u, rep, op, "示范南区就业见习基地")
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, webtest.InstitutionSubject(a.Institution))
	webtest.AnotherWriter(t, ts, "replace_institution_password",
		fmt.Sprintf("UPDATE OF password_hash ON institutions WHEN NEW.id = %d AND NEW.password_hash NOT LIKE 'replaced%%'", a.ID),
		fmt.Sprintf("UPDATE institutions SET password_hash = 'replaced' || password_hash WHERE id = %d", a.ID))
	form := url.Values{person.FieldCurrentPassword: {a.InitialPassword}, person.FieldNewPassword: {newPassword}, person.FieldConfirm: {newPassword}}
	rec := c.Post(t, "/institution/password", form)
	login := "/login?tab=unit&next=" + url.QueryEscape("/institution/password") + "&ended=password"
	webtest.WantRedirect(t, "change raced by a reset", rec, login)
	if ck := webtest.SessionCookie(ts, rec); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("session cookie %+v, want it cleared", ck)
	}
	var live int
	if err := ts.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM sessions WHERE institution_id = ? AND ended_at IS NULL`,
		a.ID).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if live != 0 {
		t.Errorf("%d live sessions of the institution, want 0", live)
	}
	if got := c.Page(t, login, http.StatusOK).Must(t, ".password-replaced").TextContent(); !strings.Contains(got, "请使用最新的密码重新登录") {
		t.Errorf("login page notice %q", got)
	}
}
