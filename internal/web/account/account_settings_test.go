package account

import (
	"context"
	"errors"
	"fmt"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/person"
	"hall/internal/unit"
)

// 账号设置 (U9) and the personal center's 修改密码 / 修改手机号: the account page, the
// re-authentication (which password, throttled like a login), the sessions a change
// ends, and the two codes of a mobile change.

const settingsNewPassword = "Acs-Changed-2026"

// settingsFixture: a legal rep of a unit, and an admin of it with a unit password.
type settingsFixture struct {
	w            *webtest.World
	u            unit.Unit
	rep, admin   person.Person
	adminUnitPwd string
}

func settingsNewFixture(t *testing.T, ts *webtest.TestServer, seed uint64) settingsFixture {
	t.Helper()
	w := webtest.NewWorld(ts, seed)
	f := settingsFixture{w: w, adminUnitPwd: "Acs-Unit-Pass-7"}
	f.u, f.rep = w.UnitWithRep(t, "示范安盛物流有限公司", "罗青岚")
	f.admin = w.Person(t, "苏明远")
	w.Member(t, unit.Membership{UnitID: f.u.ID, PersonID: f.admin.ID, Role: unit.RoleAdmin, Status: unit.StatusActive}, f.adminUnitPwd)
	return f
}

// settingsLive reports whether the session token still signs in.
func settingsLive(t *testing.T, ts *webtest.TestServer, token string) bool {
	t.Helper()
	_, err := ts.Sessions.Lookup(context.Background(), token)
	if err != nil && !errors.Is(err, auth.ErrNoSession) {
		t.Fatal(err)
	}
	return err == nil
}

func settingsPasswordForm(current, newPassword, confirm string) url.Values {
	return url.Values{person.FieldCurrentPassword: {current}, person.FieldNewPassword: {newPassword}, person.FieldConfirm: {confirm}}
}

func TestSettingsUnitAccountPage(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := settingsNewFixture(t, ts, 71)

	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, webtest.UnitSubject(f.rep, f.u, unit.RoleLegalRep))
	doc := c.Page(t, "/unit/account", http.StatusOK)
	webtest.CheckPage(t, ts, "/unit/account", doc)
	main := doc.Must(t, ".uc-main").TextContent()
	for _, want := range []string{"账户信息", f.rep.MaskedID(), f.rep.MaskedMobile(), "法定代表人", f.u.Name, "个人账户密码", "修改密码", "修改手机号"} {
		if !strings.Contains(main, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	for _, secret := range []string{f.rep.IDNumber, f.rep.Mobile, f.rep.Name} {
		if strings.Contains(doc.Must(t, "body").TextContent(), secret) {
			t.Errorf("account page shows %q unmasked", secret)
		}
	}
	if doc.First(`nav.acs-tabs a[href="/unit/account/addresses"]`) == nil {
		t.Error("账号设置 has no 收件地址 tab")
	}

	a := webtest.NewClient(ts)
	webtest.SignIn(t, a, webtest.UnitSubject(f.admin, f.u, unit.RoleAdmin))
	if main := a.Page(t, "/unit/account", http.StatusOK).Must(t, ".uc-main").TextContent(); !strings.Contains(main, "管理员") || !strings.Contains(main, "经办密码") {
		t.Errorf("admin's account page: %q", main)
	}

	// Guards: anonymous to the unit login, a personal session to the unit chooser.
	anon := webtest.NewClient(ts)
	for _, path := range []string{"/unit/account", "/unit/account/password", "/unit/account/mobile"} {
		webtest.WantRedirect(t, "anonymous "+path, anon.Get(t, path), "/login?tab=unit&next="+url.QueryEscape(path))
	}
	webtest.WantRedirect(t, "anonymous /me/password", anon.Get(t, "/me/password"), "/login?tab=person&next="+url.QueryEscape("/me/password"))
	p := webtest.NewClient(ts)
	webtest.SignIn(t, p, auth.Subject{PersonID: f.rep.ID})
	webtest.WantRedirect(t, "personal session", p.Get(t, "/unit/account"), "/unit/choose")
	webtest.WantRedirect(t, "anonymous POST", anon.Post(t, "/unit/account/password", settingsPasswordForm(webtest.Password, settingsNewPassword, settingsNewPassword)),
		"/login?tab=unit&next="+url.QueryEscape("/unit/account/password"))
}

// TestSettingsPasswordPersonal: /me/password re-authenticates with the personal password;
// a refusal says what is wrong beside the field; the change ends every other session
// of the person and keeps this browser signed in with a new token.
func TestSettingsPasswordPersonal(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := settingsNewFixture(t, ts, 72)
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, auth.Subject{PersonID: f.rep.ID})
	other := webtest.NewClient(ts)
	webtest.SignIn(t, other, auth.Subject{PersonID: f.rep.ID})
	inUnit := webtest.NewClient(ts)
	webtest.SignIn(t, inUnit, webtest.UnitSubject(f.rep, f.u, unit.RoleLegalRep))

	doc := c.Page(t, "/me", http.StatusOK)
	if doc.First(`a[href="/me/password"]`) == nil || doc.First(`a[href="/me/mobile"]`) == nil {
		t.Fatal("the personal center does not link to 修改密码 and 修改手机号")
	}
	doc = c.Page(t, "/me/password", http.StatusOK)
	webtest.CheckPage(t, ts, "/me/password", doc)

	cases := []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"wrong current", settingsPasswordForm("Wrong-Pass-123", settingsNewPassword, settingsNewPassword), person.FieldCurrentPassword, person.MsgCurrentWrong},
		{"no current", settingsPasswordForm("", settingsNewPassword, settingsNewPassword), person.FieldCurrentPassword, "请输入当前密码"},
		{"confirm differs", settingsPasswordForm(webtest.Password, settingsNewPassword, settingsNewPassword+"x"), person.FieldConfirm, "两次输入的新密码不一致"},
		{"weak", settingsPasswordForm(webtest.Password, "abcdefgh", "abcdefgh"), person.FieldNewPassword, "密码"},
		{"same", settingsPasswordForm(webtest.Password, webtest.Password, webtest.Password), person.FieldNewPassword, "不能与当前密码相同"},
		{"contains the mobile", settingsPasswordForm(webtest.Password, "Ab!"+f.rep.Mobile, "Ab!"+f.rep.Mobile), person.FieldNewPassword, "手机号码"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := webtest.Parsed(t, c.Post(t, "/me/password", tc.form), http.StatusUnprocessableEntity)
			if got := webtest.FieldError(t, doc, tc.field); !strings.Contains(got, tc.msg) {
				t.Errorf("message beside %s: %q, want %q", tc.field, got, tc.msg)
			}
			for _, n := range doc.All("input[type=password]") {
				if n.AttrOr("value") != "" {
					t.Errorf("password field %s echoed back", n.AttrOr("name"))
				}
			}
		})
	}
	if !settingsLive(t, ts, other.Session()) || !settingsLive(t, ts, c.Session()) {
		t.Fatal("a refused change ended sessions")
	}
	if n := webtest.SMSNotices(t, ts, f.rep.Mobile); len(n) != 0 {
		t.Errorf("refused changes sent notices: %q", n)
	}

	before := c.Session()
	rec := c.Post(t, "/me/password", settingsPasswordForm(webtest.Password, settingsNewPassword, settingsNewPassword))
	webtest.WantRedirect(t, "change", rec, "/me?notice=password")
	nc := webtest.SessionCookie(ts, rec)
	if nc == nil || nc.Value == "" || nc.Value == before || !nc.HttpOnly {
		t.Fatalf("no new session cookie after the change: %+v", nc)
	}
	if settingsLive(t, ts, before) || settingsLive(t, ts, other.Session()) || settingsLive(t, ts, inUnit.Session()) {
		t.Error("a session from before the change is still live")
	}
	if !settingsLive(t, ts, c.Session()) {
		t.Fatal("the browser that made the change was signed out")
	}
	if got := c.Page(t, "/me?notice=password", http.StatusOK).Must(t, ".alert-success").TextContent(); !strings.Contains(got, "密码修改成功") {
		t.Errorf("notice %q", got)
	}
	webtest.WantRedirect(t, "other browser", other.Get(t, "/me"), "/login?tab=person&next=%2Fme")
	if _, err := ts.Persons.Authenticate(context.Background(), f.rep.IDNumber, webtest.Password); !errors.Is(err, person.ErrBadCredentials) {
		t.Errorf("old password still works: %v", err)
	}
	if _, err := ts.Persons.Authenticate(context.Background(), f.rep.IDNumber, settingsNewPassword); err != nil {
		t.Errorf("new password: %v", err)
	}
	es := webtest.UnitAuditEntries(t, ts, "person.password.change")
	if len(es) != 1 || es[0].PersonID != f.rep.ID || es[0].Detail["sessions_ended"] != "3" || es[0].ClientIP == "" {
		t.Fatalf("audit: %+v", es)
	}
	webtest.WantNotice(t, ts, f.rep.Mobile, "个人账户登录密码", "修改")
}

// TestSettingsPasswordUnit: in the unit center the legal rep changes the personal
// password; an admin re-authenticates with, and changes, the unit password, which
// ends only the admin's sessions in that unit.
func TestSettingsPasswordUnit(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := settingsNewFixture(t, ts, 73)

	// The admin: the personal password does not re-authenticate here.
	a := webtest.NewClient(ts)
	webtest.SignIn(t, a, webtest.UnitSubject(f.admin, f.u, unit.RoleAdmin))
	a2 := webtest.NewClient(ts)
	webtest.SignIn(t, a2, webtest.UnitSubject(f.admin, f.u, unit.RoleAdmin))
	aPersonal := webtest.NewClient(ts)
	webtest.SignIn(t, aPersonal, auth.Subject{PersonID: f.admin.ID})
	doc := a.Page(t, "/unit/account/password", http.StatusOK)
	if hint := doc.Must(t, ".uc-main").TextContent(); !strings.Contains(hint, "经办密码") {
		t.Errorf("the admin's page does not say it is the unit password: %q", hint)
	}
	doc = webtest.Parsed(t, a.Post(t, "/unit/account/password", settingsPasswordForm(webtest.Password, settingsNewPassword, settingsNewPassword)), http.StatusUnprocessableEntity)
	if got := webtest.FieldError(t, doc, person.FieldCurrentPassword); got != person.MsgCurrentWrong {
		t.Errorf("personal password as the unit password: %q", got)
	}
	webtest.WantRedirect(t, "admin change", a.Post(t, "/unit/account/password", settingsPasswordForm(f.adminUnitPwd, settingsNewPassword, settingsNewPassword)),
		"/unit/account?notice=unit-password")
	if settingsLive(t, ts, a2.Session()) {
		t.Error("the admin's other session in the unit is still live")
	}
	if !settingsLive(t, ts, aPersonal.Session()) || !settingsLive(t, ts, a.Session()) {
		t.Error("the admin's personal session or this browser was signed out")
	}
	if got := a.Page(t, "/unit/account?notice=unit-password", http.StatusOK).Must(t, ".alert-success").TextContent(); !strings.Contains(got, "经办密码修改成功") {
		t.Errorf("notice %q", got)
	}
	pw := ts.UnitPasswords()
	if err := pw.Check(context.Background(), f.u.ID, f.admin.ID, settingsNewPassword); err != nil {
		t.Errorf("new unit password: %v", err)
	}
	if _, err := ts.Persons.Authenticate(context.Background(), f.admin.Mobile, webtest.Password); err != nil {
		t.Errorf("the admin's personal password changed: %v", err)
	}
	if es := webtest.UnitAuditEntries(t, ts, "unit.password.change"); len(es) != 1 || es[0].UnitID != f.u.ID || es[0].Role != "admin" {
		t.Errorf("audit: %+v", es)
	}
	webtest.WantNotice(t, ts, f.admin.Mobile, "经办密码", "修改")

	// The legal rep: the personal password, every session of the person ends.
	r := webtest.NewClient(ts)
	webtest.SignIn(t, r, webtest.UnitSubject(f.rep, f.u, unit.RoleLegalRep))
	rPersonal := webtest.NewClient(ts)
	webtest.SignIn(t, rPersonal, auth.Subject{PersonID: f.rep.ID})
	doc = webtest.Parsed(t, r.Post(t, "/unit/account/password", settingsPasswordForm(webtest.Password, "A!"+strings.ToLower(f.u.USCC), "A!"+strings.ToLower(f.u.USCC))), http.StatusUnprocessableEntity)
	if got := webtest.FieldError(t, doc, person.FieldNewPassword); !strings.Contains(got, "信用代码") {
		t.Errorf("a password with the unit's USCC in it: %q", got)
	}
	webtest.WantRedirect(t, "legal rep change", r.Post(t, "/unit/account/password", settingsPasswordForm(webtest.Password, settingsNewPassword, settingsNewPassword)),
		"/unit/account?notice=password")
	if settingsLive(t, ts, rPersonal.Session()) {
		t.Error("the legal rep's personal session is still live")
	}
	// This browser goes on acting for the unit.
	if got := r.Page(t, "/unit/", http.StatusOK).Must(t, ".uc-unit-name").TextContent(); got != f.u.Name {
		t.Errorf("after the change the browser acts for %q", got)
	}
}

// TestSettingsReauthThrottle: wrong current passwords are counted like failed logins of
// the account: captcha after 3, lock after 5 for 10 minutes, during which the right
// password answers as a wrong one; the lock ends on time.
func TestSettingsReauthThrottle(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 5, 7, 2, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	f := settingsNewFixture(t, ts, 74)
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, auth.Subject{PersonID: f.rep.ID})
	wrong := settingsPasswordForm("Wrong-Pass-123", settingsNewPassword, settingsNewPassword)
	right := settingsPasswordForm(webtest.Password, settingsNewPassword, settingsNewPassword)

	type answer struct {
		code       int
		current    string
		captcha    bool
		captchaMsg string
		location   string
	}
	post := func(form url.Values) answer {
		rec := c.Post(t, "/me/password", form)
		a := answer{code: rec.Code, location: rec.Header().Get("Location")}
		if a.location != "" {
			return a
		}
		doc := webtest.ParseHTML(t, rec.Body.String())
		a.current = webtest.FieldError(t, doc, person.FieldCurrentPassword)
		a.captcha = doc.First(".slider-captcha") != nil
		if n := doc.First("#e-captcha_token"); n != nil {
			a.captchaMsg = n.TextContent()
		}
		return a
	}
	bad := answer{code: 422, current: person.MsgCurrentWrong}
	badCaptcha := answer{code: 422, current: person.MsgCurrentWrong, captcha: true}
	want := func(what string, got, want answer) {
		t.Helper()
		if got != want {
			t.Errorf("%s: %+v, want %+v", what, got, want)
		}
	}
	if c.Page(t, "/me/password", http.StatusOK).First(".slider-captcha") != nil {
		t.Error("captcha on a fresh form")
	}
	want("wrong 1", post(wrong), bad)
	want("wrong 2", post(wrong), bad)
	want("wrong 3", post(wrong), badCaptcha)
	want("right without captcha", post(right), answer{code: 422, captcha: true, captchaMsg: web.MsgCaptcha})
	want("wrong 4", post(withToken(wrong, webtest.SolveCaptcha(t, ts, c, 1))), badCaptcha)
	want("wrong 5", post(withToken(wrong, webtest.SolveCaptcha(t, ts, c, 2))), badCaptcha)
	want("right while locked", post(withToken(right, webtest.SolveCaptcha(t, ts, c, 3))), badCaptcha)
	// The re-authentication counts on the login's counter: the personal login by ID
	// number is locked too, and says so (issue 9: it answered as a wrong password).
	l := webtest.NewClient(ts)
	got := postLogin(t, l, "/login/person", withToken(url.Values{"login": {f.rep.IDNumber}, "password": {webtest.Password}}, webtest.SolveCaptcha(t, ts, l, 4)))
	wantAnswer(t, "login while locked", got, paused)
	if _, err := ts.Persons.Authenticate(context.Background(), f.rep.IDNumber, settingsNewPassword); err == nil {
		t.Fatal("the password changed while locked")
	}
	// The re-authentication's refusals are audited for the person signed in: the
	// captcha missing, and the attempt while paused with the pause's end.
	refusals, _, err := ts.Audit.List(t.Context(), audit.Filter{Action: "reauth.refused", PersonID: f.rep.ID})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, e := range refusals {
		if e.Result != audit.Denied || e.Detail["form"] != "/me/password" {
			t.Errorf("refusal record %+v", e)
		}
		reasons[e.Detail["reason"]] = e.Detail["until"]
	}
	if _, ok := reasons["captcha_required"]; !ok || reasons["paused"] == "" || len(reasons) != 2 {
		t.Errorf("re-authentication refusals recorded with reasons %v, want captcha_required and paused with its end", reasons)
	}

	clock.Advance(10*time.Minute + time.Second)
	webtest.SignIn(t, c, auth.Subject{PersonID: f.rep.ID}) // the first session ran out meanwhile
	want("right after the lock", post(right), answer{code: http.StatusSeeOther, location: "/me?notice=password"})
}

// settingsMobileForm is a complete mobile change form.
func settingsMobileForm(current, oldCode, newMobile, newCode string) url.Values {
	return url.Values{person.FieldCurrentPassword: {current}, person.FieldOldCode: {oldCode},
		person.FieldNewMobile: {newMobile}, person.FieldNewCode: {newCode}, "action": {"submit"}}
}

// TestSettingsMobile: both codes from the outbox change the mobile; the messages of a
// refused change sit beside their fields.
func TestSettingsMobile(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 5, 7, 2, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	f := settingsNewFixture(t, ts, 75)
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, webtest.UnitSubject(f.admin, f.u, unit.RoleAdmin))
	newMobile := f.w.Mobile()
	taken := f.rep.Mobile

	doc := c.Page(t, "/unit/account/mobile", http.StatusOK)
	webtest.CheckPage(t, ts, "/unit/account/mobile", doc)
	if !strings.Contains(doc.Must(t, ".uc-main").TextContent(), f.admin.MaskedMobile()) {
		t.Error("the page does not say where the old code goes")
	}

	// Sending: the new number is checked first.
	for _, tc := range []struct{ mobile, msg string }{
		{"", "请输入新手机号码"}, {"12345", "手机号码"}, {f.admin.Mobile, "相同"},
	} {
		form := url.Values{person.FieldNewMobile: {tc.mobile}, "action": {web.ActionSendNew}}
		doc := webtest.Parsed(t, c.Post(t, "/unit/account/mobile", form), http.StatusUnprocessableEntity)
		if got := webtest.FieldError(t, doc, person.FieldNewMobile); !strings.Contains(got, tc.msg) {
			t.Errorf("send to %q: %q, want %q", tc.mobile, got, tc.msg)
		}
	}
	doc = webtest.Parsed(t, c.Post(t, "/unit/account/mobile", url.Values{"action": {web.ActionSendOld}}), http.StatusOK)
	if n := doc.First(".acct-sms-notice"); n == nil || !strings.Contains(n.TextContent(), f.admin.MaskedMobile()) {
		t.Fatal("no notice of the code sent to the old number")
	}
	oldCode := webtest.LatestCode(t, ts, f.admin.Mobile)
	doc = webtest.Parsed(t, c.Post(t, "/unit/account/mobile", url.Values{person.FieldNewMobile: {newMobile}, "action": {web.ActionSendNew}}), http.StatusOK)
	if got := doc.Must(t, "#f-"+person.FieldNewMobile).AttrOr("value"); got != newMobile {
		t.Errorf("new mobile not kept in the form: %q", got)
	}
	newCode := webtest.LatestCode(t, ts, newMobile)

	// Refusals: the wrong unit password (no code consumed), a wrong code.
	doc = webtest.Parsed(t, c.Post(t, "/unit/account/mobile", settingsMobileForm(webtest.Password, oldCode, newMobile, newCode)), http.StatusUnprocessableEntity)
	if got := webtest.FieldError(t, doc, person.FieldCurrentPassword); got != person.MsgCurrentWrong {
		t.Errorf("personal password of an admin: %q", got)
	}
	if got := doc.Must(t, "#f-"+person.FieldNewMobile).AttrOr("value"); got != newMobile {
		t.Errorf("the form lost the new mobile: %q", got)
	}
	doc = webtest.Parsed(t, c.Post(t, "/unit/account/mobile", settingsMobileForm(f.adminUnitPwd, oldCode, newMobile, "000000")), http.StatusUnprocessableEntity)
	if got := webtest.FieldError(t, doc, person.FieldNewCode); got == "" {
		t.Error("a wrong new-number code has no message")
	}
	// The old code was consumed by that attempt: ask for a new one.
	clock.Advance(61 * time.Second)
	c.Post(t, "/unit/account/mobile", url.Values{"action": {web.ActionSendOld}})
	oldCode = webtest.LatestCode(t, ts, f.admin.Mobile)

	// A taken number: said only after both codes, with the appeal link.
	c.Post(t, "/unit/account/mobile", url.Values{person.FieldNewMobile: {taken}, "action": {web.ActionSendNew}})
	doc = webtest.Parsed(t, c.Post(t, "/unit/account/mobile", settingsMobileForm(f.adminUnitPwd, oldCode, taken, webtest.LatestCode(t, ts, taken))), http.StatusUnprocessableEntity)
	if got := webtest.FieldError(t, doc, person.FieldNewMobile); got != person.MsgMobileTaken {
		t.Errorf("taken: %q", got)
	}
	if doc.First(`a[href="/appeal?kind=mobile_taken"]`) == nil {
		t.Error("no 用户申诉 link beside a taken number")
	}

	clock.Advance(61 * time.Second)
	c.Post(t, "/unit/account/mobile", url.Values{"action": {web.ActionSendOld}})
	oldCode = webtest.LatestCode(t, ts, f.admin.Mobile)
	webtest.WantRedirect(t, "change", c.Post(t, "/unit/account/mobile", settingsMobileForm(f.adminUnitPwd, oldCode, newMobile, newCode)),
		"/unit/account?notice=mobile")
	p, err := ts.Persons.Get(context.Background(), f.admin.ID)
	if err != nil || p.Mobile != newMobile {
		t.Fatalf("mobile after the change: %v", err)
	}
	if main := c.Page(t, "/unit/account?notice=mobile", http.StatusOK).Must(t, ".uc-main").TextContent(); !strings.Contains(main, p.MaskedMobile()) || !strings.Contains(main, "手机号码修改成功") {
		t.Errorf("account page after the change: %q", main)
	}
	es := webtest.UnitAuditEntries(t, ts, "person.mobile.change")
	if len(es) != 1 || es[0].UnitID != f.u.ID || es[0].Role != "admin" {
		t.Fatalf("audit: %+v", es)
	}
	// The old number is told, with the new one masked; the new number is not.
	webtest.WantNotice(t, ts, f.admin.Mobile, "手机号码", "更换为"+p.MaskedMobile(), "2026年05月07日 10:0")
	if n := webtest.SMSNotices(t, ts, newMobile); len(n) != 0 {
		t.Errorf("the new number got %q", n)
	}
}

// TestSettingsPasswordReplacedBeforeSignInAgain: the change ends this browser's
// session and signs it in again with the new password, only while that is still
// the stored one. When another writer replaces it first (a trigger stands for it:
// it rewrites the hash the change has just written, which the sign-in sees as it
// would a reset committed after the change), the browser gets no session and is
// sent to the login, which says why; without one (the tests above) it stays signed
// in.
func TestSettingsPasswordReplacedBeforeSignInAgain(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := settingsNewFixture(t, ts, 74)
	cases := []struct {
		name, path, login    string
		subject              auth.Subject
		current              string
		event, statement     string
		unitSessionsOf       int64 // the person whose sessions must all have ended
		unitPasswordReplaced bool
	}{
		{"personal password", "/me/password", "/login?tab=person&next=" + url.QueryEscape("/me/password") + "&ended=password",
			auth.Subject{PersonID: f.rep.ID}, webtest.Password,
			fmt.Sprintf("UPDATE OF password_hash ON persons WHEN NEW.id = %d AND NEW.password_hash NOT LIKE 'replaced%%'", f.rep.ID),
			fmt.Sprintf("UPDATE persons SET password_hash = 'replaced' || password_hash WHERE id = %d", f.rep.ID), f.rep.ID, false},
		{"unit password", "/unit/account/password", "/login?tab=unit&next=" + url.QueryEscape("/unit/account/password") + "&ended=password",
			webtest.UnitSubject(f.admin, f.u, unit.RoleAdmin), f.adminUnitPwd,
			fmt.Sprintf("UPDATE OF password_hash ON memberships WHEN NEW.person_id = %d AND NEW.password_hash NOT LIKE 'replaced%%'", f.admin.ID),
			fmt.Sprintf("UPDATE memberships SET password_hash = 'replaced' || password_hash WHERE person_id = %d AND unit_id = %d", f.admin.ID, f.u.ID),
			f.admin.ID, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := webtest.NewClient(ts)
			webtest.SignIn(t, cl, c.subject)
			webtest.AnotherWriter(t, ts, "replace_password", c.event, c.statement)
			rec := cl.Post(t, c.path, settingsPasswordForm(c.current, settingsNewPassword, settingsNewPassword))
			webtest.WantRedirect(t, "change raced by another writer", rec, c.login)
			if ck := webtest.SessionCookie(ts, rec); ck == nil || ck.MaxAge >= 0 {
				t.Errorf("session cookie %+v, want it cleared", ck)
			}
			var live int
			q := `SELECT COUNT(*) FROM sessions WHERE person_id = ? AND ended_at IS NULL`
			if c.unitPasswordReplaced {
				q += " AND unit_id IS NOT NULL"
			}
			if err := ts.DB.QueryRow(context.Background(), q, c.unitSessionsOf).Scan(&live); err != nil {
				t.Fatal(err)
			}
			if live != 0 {
				t.Errorf("%d live sessions of the changed password, want 0", live)
			}
			doc := cl.Page(t, c.login, http.StatusOK)
			if got := doc.Must(t, ".password-replaced").TextContent(); !strings.Contains(got, "请使用最新的密码重新登录") {
				t.Errorf("login page notice %q", got)
			}
		})
	}
	// Without ended=password the login page says nothing of it.
	if webtest.NewClient(ts).Page(t, "/login?tab=person", http.StatusOK).First(".password-replaced") != nil {
		t.Error("the login page shows the notice unasked")
	}
}
