package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"hall/internal/web/webtest"
)

// formToken is the CSRF token in the post form with action on the page at rec.
func formToken(t *testing.T, body, action string) string {
	t.Helper()
	tok := webtest.ParseHTML(t, body).Must(t, `form[action="`+action+`"] input[name=csrf_token]`).AttrOr("value")
	if tok == "" {
		t.Fatalf("the form %s carries no CSRF token", action)
	}
	return tok
}

// TestBackOfficeCSRFFallback: a browser that sends neither Sec-Fetch-Site nor Origin
// (IE mode) can use the back office with the token its pages carry — bound to the
// login page's cookie before login and to the staff session after — and a post
// without it, or with another session's, is refused and changes nothing.
func TestBackOfficeCSRFFallback(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	legacy := newStaffClient(ts)
	legacy.Legacy = true

	login := url.Values{"login": {tm.security.Staff.Login}, "password": {staffPassword}}
	withCode := func(v url.Values, tok string, at time.Time) url.Values {
		out := url.Values{"code": {tm.security.code(t, at)}}
		for k, vs := range v {
			out[k] = vs
		}
		if tok != "" {
			out.Set("csrf_token", tok)
		}
		return out
	}
	page := legacy.Get(t, "/admin/login")
	webtest.WantStatus(t, "login page", page, http.StatusOK)
	loginToken := formToken(t, page.Body.String(), "/admin/login")
	webtest.WantStatus(t, "login without the token", legacy.Post(t, "/admin/login", withCode(login, "", time.Now())),
		http.StatusForbidden)
	webtest.WantStatus(t, "login with a garbled token", legacy.Post(t, "/admin/login",
		withCode(login, loginToken[:len(loginToken)-1], time.Now())), http.StatusForbidden)
	webtest.WantRedirect(t, "login with the token", legacy.Post(t, "/admin/login", withCode(login, loginToken, time.Now())), "/admin/")

	// Signed in: the token is the session's now.
	account := "/admin/staff/" + strconv.FormatInt(tm.clerk.Staff.ID, 10)
	body := legacy.Get(t, account).Body.String()
	tok := formToken(t, body, account+"/disable")
	if tok == loginToken {
		t.Fatal("the token did not change with the session")
	}
	if formToken(t, body, "/admin/logout") != tok {
		t.Error("the layout's logout form carries another token")
	}
	// The same administrator in a current browser (the next time step: each code
	// is accepted once).
	other := newStaffClient(ts)
	webtest.WantRedirect(t, "second login", other.Post(t, "/admin/login", withCode(login, "", time.Now().Add(30*time.Second))), "/admin/")
	otherToken := formToken(t, other.Get(t, account).Body.String(), account+"/disable")

	disable := url.Values{"state_reason": {"离职"}}
	for name, v := range map[string]string{"no token": "", "another session's token": otherToken, "the login token": loginToken} {
		form := url.Values{"state_reason": disable["state_reason"]}
		if v != "" {
			form.Set("csrf_token", v)
		}
		webtest.WantStatus(t, "disable with "+name, legacy.Post(t, account+"/disable", form), http.StatusForbidden)
	}
	if st, _ := ts.Staff.Get(t.Context(), tm.clerk.Staff.ID); st.Disabled {
		t.Fatal("a refused post disabled the account")
	}
	webtest.WantRedirect(t, "disable with the token", legacy.Post(t, account+"/disable",
		url.Values{"state_reason": disable["state_reason"], "csrf_token": {tok}}), account+"?done=disabled")
	if st, _ := ts.Staff.Get(t.Context(), tm.clerk.Staff.ID); !st.Disabled {
		t.Fatal("the post with the token did not disable the account")
	}
	// A current browser needs no token: the origin headers decide.
	webtest.WantRedirect(t, "enable from a current browser", other.Post(t, account+"/enable", url.Values{"state_reason": {"返岗"}}),
		account+"?done=enabled")

	// The counter's multipart forms carry the token in the form as well.
	clerk := newStaffClient(ts)
	clerk.login(t, tm.clerk)
	clerk.Legacy = true
	form := "/admin/counter/password-reset"
	ctok := formToken(t, clerk.Get(t, form).Body.String(), form)
	webtest.WantStatus(t, "multipart without the token", clerk.postFile(t, form, url.Values{"reason": {"核验"}}, "id.png", webtest.ScanPNG(t)),
		http.StatusForbidden)
	rec := clerk.postFile(t, form, url.Values{"reason": {"核验"}, "csrf_token": {ctok}}, "id.png", webtest.ScanPNG(t))
	if rec.Code == http.StatusForbidden {
		t.Fatalf("multipart with the token refused: %s", webtest.ShortBody(rec.Body.String()))
	}

	// Logged out, the login page's cookie binds the token again.
	webtest.WantStatus(t, "logout without the token", legacy.Post(t, "/admin/logout", url.Values{}), http.StatusForbidden)
	logout := formToken(t, legacy.Get(t, "/admin/").Body.String(), "/admin/logout")
	webtest.WantRedirect(t, "logout with the token", legacy.Post(t, "/admin/logout", url.Values{"csrf_token": {logout}}), "/admin/login")
	again := formToken(t, legacy.Get(t, "/admin/login").Body.String(), "/admin/login")
	webtest.WantRedirect(t, "the reviewer's first login", legacy.Post(t, "/admin/login", url.Values{"login": {tm.reviewer.Staff.Login},
		"password": {tm.reviewer.InitialPassword}, "code": {tm.reviewer.code(t, time.Now())}, "csrf_token": {again}}), "/admin/password")
}
