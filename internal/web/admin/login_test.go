package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/staff"
	"hall/internal/web/webtest"
)

// The public listener knows no back-office route: every /admin path answers 404
// there, whatever the method, and the staff session cookie means nothing.
func TestPublicListenerAnswers404UnderAdmin(t *testing.T) {
	ts := webtest.NewTestServer(t)
	for _, target := range []string{"/admin/", "/admin/login", "/admin/counter/", "/admin/counter/1", "/admin/scans/x"} {
		webtest.WantStatus(t, "GET "+target, ts.Get(t, target), http.StatusNotFound)
	}
	c := webtest.NewClient(ts)
	webtest.WantStatus(t, "POST /admin/login", c.Post(t, "/admin/login", url.Values{"login": {"x"}}), http.StatusNotFound)
	// And the operations listener serves it.
	webtest.WantStatus(t, "admin GET /admin/login", newStaffClient(ts).Get(t, "/admin/login"), http.StatusOK)
}

// Unknown login, wrong password and wrong code get the same sentence; five
// failures lock the account with a message saying until when.
func TestLoginRefusals(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	c := newStaffClient(ts)
	now := time.Now()
	cases := []struct {
		name                  string
		login, password, code string
	}{
		{"unknown login", "no.such.person", tm.clerk.InitialPassword, tm.clerk.code(t, now)},
		{"wrong password", tm.clerk.Staff.Login, "Wrong-Password-1", tm.clerk.code(t, now)},
		{"wrong TOTP code", tm.clerk.Staff.Login, tm.clerk.InitialPassword, wrongCode(tm.clerk.code(t, now))},
		{"no TOTP code", tm.clerk.Staff.Login, tm.clerk.InitialPassword, ""},
	}
	for _, tc := range cases {
		rec := c.Post(t, "/admin/login", url.Values{"login": {tc.login}, "password": {tc.password}, "code": {tc.code}})
		webtest.WantStatus(t, tc.name, rec, http.StatusOK)
		doc := webtest.ParseHTML(t, rec.Body.String())
		if got := doc.Must(t, ".alert-error").TextContent(); got != staff.ErrBadCredentials.Msg {
			t.Errorf("%s: message %q, want %q", tc.name, got, staff.ErrBadCredentials.Msg)
		}
		if len(c.Cookies) != 0 {
			t.Errorf("%s: a cookie was set: %v", tc.name, c.Cookies)
		}
	}
	// Three failures so far on the clerk's account; two more lock it.
	for range 2 {
		c.Post(t, "/admin/login", url.Values{"login": {tm.clerk.Staff.Login}, "password": {"Wrong-Password-1"}, "code": {"000000"}})
	}
	rec := c.Post(t, "/admin/login", url.Values{"login": {tm.clerk.Staff.Login}, "password": {tm.clerk.InitialPassword},
		"code": {tm.clerk.code(t, now)}})
	if body := rec.Body.String(); !strings.Contains(body, "登录失败次数过多，已暂停登录") {
		t.Errorf("locked account: no lockout message\n%s", webtest.ShortBody(body))
	}
	webtest.WantRedirect(t, "home while locked out", c.Get(t, "/admin/"), "/admin/login")
	// The refusal while paused is audited, with the pause's end and without the
	// password or code typed; a second one within the minute is not.
	c.Post(t, "/admin/login", url.Values{"login": {tm.clerk.Staff.Login}, "password": {tm.clerk.InitialPassword},
		"code": {tm.clerk.code(t, now)}})
	es, _, err := ts.Audit.List(t.Context(), audit.Filter{Action: "staff.login.refused"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Result != audit.Denied || es[0].Detail["reason"] != "paused" || es[0].Detail["until"] == "" ||
		es[0].Detail["form"] != "/admin/login" {
		t.Fatalf("refusals while paused recorded as %+v, want one denied record with its end", es)
	}
	for k, v := range es[0].Detail {
		if strings.Contains(v, tm.clerk.InitialPassword) || k == "password" || k == "code" {
			t.Errorf("the record shows what was typed: %s = %q", k, v)
		}
	}
}

// wrongCode is a six-digit code other than code.
func wrongCode(code string) string {
	if code == "123456" {
		return "654321"
	}
	return "123456"
}

// A first login leads to the password page and nowhere else until the initial
// password is changed; then the home page lists what the role may do; logout ends
// the session.
func TestFirstLoginPasswordChangeAndLogout(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	c := newStaffClient(ts)
	webtest.WantRedirect(t, "home signed out", c.Get(t, "/admin/"), "/admin/login")

	rec := c.Post(t, "/admin/login", url.Values{"login": {tm.clerk.Staff.Login}, "password": {tm.clerk.InitialPassword},
		"code": {tm.clerk.code(t, time.Now())}})
	webtest.WantRedirect(t, "first login", rec, "/admin/password")
	webtest.WantRedirect(t, "home before the change", c.Get(t, "/admin/"), "/admin/password")
	webtest.WantRedirect(t, "counter before the change", c.Get(t, "/admin/counter/password-reset"), "/admin/password")

	rec = c.Post(t, "/admin/password", url.Values{"password": {tm.clerk.InitialPassword}, "new_password": {staffPassword},
		"confirm": {"Staff-Fixture-2027"}})
	webtest.WantStatus(t, "mismatched confirmation", rec, http.StatusOK)
	if doc := webtest.ParseHTML(t, rec.Body.String()); doc.Must(t, "#e-confirm").TextContent() != staff.ErrPasswordMismatch.Msg {
		t.Errorf("mismatch: no message beside the confirmation")
	}
	rec = c.Post(t, "/admin/password", url.Values{"password": {"Wrong-Password-1"}, "new_password": {staffPassword},
		"confirm": {staffPassword}})
	if doc := webtest.ParseHTML(t, rec.Body.String()); doc.Must(t, "#e-password").TextContent() != "当前密码错误" {
		t.Errorf("wrong current password: no message beside it")
	}
	rec = c.Post(t, "/admin/password", url.Values{"password": {tm.clerk.InitialPassword}, "new_password": {staffPassword},
		"confirm": {staffPassword}})
	webtest.WantRedirect(t, "password change", rec, "/admin/")

	rec = c.Get(t, "/admin/")
	webtest.WantStatus(t, "home", rec, http.StatusOK)
	doc := webtest.ParseHTML(t, rec.Body.String())
	links := doc.Texts(".admin-menu a")
	if strings.Join(links, ",") != "单位窗口注册,窗口重置密码,管理员变更,窗口业务,办件处理,用户申诉,职业技能等级认定,公示公告管理,登记信息同步" {
		t.Errorf("clerk's menu %q", links)
	}

	webtest.WantRedirect(t, "logout", c.Post(t, "/admin/logout", url.Values{}), "/admin/login")
	webtest.WantRedirect(t, "home after logout", c.Get(t, "/admin/"), "/admin/login")
}

// A session of the hall (a unit user's, or any other cookie) is no staff session.
func TestHallSessionIsNoStaffSession(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 7)
	u, rep := w.UnitWithRep(t, "示范机械有限公司", "赵建国")
	hall := webtest.NewClient(ts)
	webtest.SignIn(t, hall, auth.Subject{PersonID: rep.ID, UnitID: u.ID, Role: auth.RoleLegalRep})
	c := newStaffClient(ts)
	c.Cookies[ts.CookieName("hall_session")] = &http.Cookie{Name: ts.CookieName("hall_session"), Value: hall.Session()}
	c.Cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: hall.Session()}
	webtest.WantRedirect(t, "hall session in the back office", c.Get(t, "/admin/"), "/admin/login")
}

// The staff cookie is HttpOnly and SameSite=Strict; Secure with the __Host- prefix
// when the operations listener itself speaks TLS, plain otherwise (whatever the
// public base URL), so that the browser keeps it.
func TestSessionCookieAttributes(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	for _, tc := range []struct {
		base, name string
		secure     bool
	}{{"http://10.0.0.5:8081", "hall_staff", false}, {"https://backoffice.example", "__Host-hall_staff", true}} {
		c := newStaffClient(ts)
		m := tm.clerk
		if tc.secure {
			m = tm.reviewer
		}
		rec := c.Post(t, tc.base+"/admin/login", url.Values{"login": {m.Staff.Login}, "password": {m.InitialPassword},
			"code": {m.code(t, time.Now())}})
		webtest.WantStatus(t, tc.base, rec, http.StatusSeeOther)
		cookies := rec.Result().Cookies()
		if len(cookies) != 1 || cookies[0].Name != tc.name || cookies[0].Secure != tc.secure || !cookies[0].HttpOnly ||
			cookies[0].SameSite != http.SameSiteStrictMode || cookies[0].MaxAge != 0 {
			t.Errorf("%s: cookies %+v", tc.base, cookies)
		}
	}
}

// TestStaffLoginPasswordChangedDuringCheck: a back-office login starts its session
// only while the password it verified is still the stored one. A reset that lands
// after the check and before the session (a trigger on the spending of the code's
// time step, the check's last write after the password was verified, stands for it)
// is answered as a failed login, and the browser is not signed in.
func TestStaffLoginPasswordChangedDuringCheck(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	webtest.AnotherWriter(t, ts, "replace_staff_password", "UPDATE OF totp_last_step ON staff",
		fmt.Sprintf("UPDATE staff SET password_hash = 'replaced' || password_hash WHERE id = %d", tm.security.Staff.ID))
	c := newStaffClient(ts)
	var lastSeq int64
	if err := ts.DB.QueryRow(context.Background(), `SELECT COALESCE(MAX(seq), 0) FROM audit_log`).Scan(&lastSeq); err != nil {
		t.Fatal(err)
	}
	rec := c.Post(t, "/admin/login", url.Values{"login": {tm.security.Staff.Login}, "password": {staffPassword},
		"code": {tm.security.code(t, time.Now())}})
	webtest.WantStatus(t, "login raced by a reset", rec, http.StatusOK)
	if got := webtest.ParseHTML(t, rec.Body.String()).TextContent(); !strings.Contains(got, staff.ErrBadCredentials.Msg) {
		t.Errorf("the login page does not say %q", staff.ErrBadCredentials.Msg)
	}
	var live int
	if err := ts.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM staff_sessions WHERE staff_id = ? AND ended_at IS NULL`,
		tm.security.Staff.ID).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if live != 0 {
		t.Errorf("%d live sessions after the refused login, want 0", live)
	}
	webtest.WantRedirect(t, "the back office after the refused login", c.Get(t, "/admin/"), "/admin/login")
	// The attempt is audited once, as a failure with the request's ID: no
	// success record says it signed in (nor counts as the account's last login).
	rows, err := ts.DB.Query(context.Background(), `SELECT result, detail, request_id FROM audit_log
		WHERE action = 'staff.login' AND staff_id = ? AND seq > ? ORDER BY seq`, tm.security.Staff.ID, lastSeq)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var records []string
	for rows.Next() {
		var result, detail, requestID string
		if err := rows.Scan(&result, &detail, &requestID); err != nil {
			t.Fatal(err)
		}
		records = append(records, result+" "+detail)
		if result != string(audit.Failure) || !strings.Contains(detail, "credential_changed") {
			t.Errorf("the attempt's staff.login record is %s %s, want a failure for the changed credential", result, detail)
		}
		if want := rec.Header().Get("X-Request-Id"); want == "" || requestID != want {
			t.Errorf("the failure record's request ID is %q, want the request's %q", requestID, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(records) != 1 {
		t.Errorf("%d staff.login records for the attempt (%q), want exactly one failure", len(records), records)
	}
}
