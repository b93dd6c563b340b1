package account

import (
	"hall/internal/web/webtest"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"hall/internal/ident"
)

// TestLogScanNoTypedIdentifier runs the flows where a person types an ID number or a
// Mobile (registration with its SMS code, login by ID number, by mobile and by SMS
// code, unit login, a refused login, the start of password recovery, and the same
// values typed into a URL's query string) with the values written in the ways people
// write them, then scans what the hall kept: the process log, the audit details, and
// every page it answered (except the form fields that give the person back what they
// typed into their own form). No full ID number or mobile may be in any of them, in
// any spelling.
func TestLogScanNoTypedIdentifier(t *testing.T) {
	logs, withLog := capturedLog(t)
	ts := webtest.NewTestServer(t, withLog)
	w := webtest.NewWorld(ts, 1616)
	var pages []string
	keep := func(rec *httptest.ResponseRecorder) *httptest.ResponseRecorder {
		pages = append(pages, rec.Body.String())
		return rec
	}
	var typed []string // every identifier typed, normalised

	// Registration: the mobile as "+86 136 2050 5873", the ID number full-width.
	id, mobile := w.IDNumber(), w.Mobile()
	typed = append(typed, id, mobile)
	c := webtest.NewClient(ts)
	keep(c.Get(t, "/register"))
	form := w.RegisterForm("欧阳娜娜")
	form.Set("id_number", fullWidth(id))
	form.Set("mobile", "+86 "+grouped(mobile, " ", 3, 4))
	send := webtest.CloneForm(form)
	send.Set("action", actionSendCode)
	webtest.WantStatus(t, "send code", keep(c.Post(t, "/register", send)), http.StatusOK)
	form.Set("sms_code", webtest.LatestCode(t, ts, mobile))
	webtest.WantRedirect(t, "注册", keep(c.Post(t, "/register", form)), "/me?notice=registered")
	keep(c.Get(t, "/me?notice=registered"))

	// Login by ID number (lower-case x, full-width) and by mobile (hyphens, 86 in
	// front).
	for _, login := range []string{fullWidth(strings.ToLower(id)), "86" + grouped(mobile, "-", 3, 4)} {
		c := webtest.NewClient(ts)
		rec := keep(c.Post(t, "/login/person", url.Values{"login": {login}, "password": {webtest.Password}}))
		webtest.WantStatus(t, "login "+ident.MaskText(login), rec, http.StatusSeeOther)
		keep(c.Get(t, "/me"))
	}

	// Unit login by the legal rep's mobile, full-width.
	u, rep := w.UnitWithRep(t, "示范市青禾科技有限公司", "陈立新")
	typed = append(typed, rep.IDNumber, rep.Mobile)
	c = webtest.NewClient(ts)
	webtest.WantRedirect(t, "unit login", keep(c.Post(t, "/login/unit", url.Values{"account": {u.USCC}, "login": {fullWidth(rep.Mobile)},
		"password": {webtest.Password}})), "/unit/")
	keep(c.Get(t, "/unit/"))

	// Login by SMS code, the legal rep's mobile typed with spaces (the registered
	// Mobile had a code a moment ago and waits for its resend interval).
	c = webtest.NewClient(ts)
	spaced := grouped(rep.Mobile, " ", 3, 4)
	webtest.WantStatus(t, "send login code", keep(c.Post(t, "/login/sms", url.Values{"mobile": {spaced}, "action": {actionSendCode}})), http.StatusOK)
	code := webtest.LatestCode(t, ts, rep.Mobile)
	webtest.WantRedirect(t, "login by code", keep(c.Post(t, "/login/sms", url.Values{"mobile": {spaced}, "sms_code": {code}, "action": {"login"}})), "/me")

	// Refused logins: a wrong password, an unknown ID number with spaces, an unknown
	// Mobile with a country code and a wrong password for a unit.
	stranger, strangerMobile := w.IDNumber(), w.Mobile()
	typed = append(typed, stranger, strangerMobile)
	c = webtest.NewClient(ts)
	for _, f := range []url.Values{
		{"login": {id}, "password": {"Wrong-Pass-2026"}},
		{"login": {grouped(stranger, " ", 6, 8)}, "password": {webtest.Password}},
		{"login": {"+86" + strangerMobile}, "password": {webtest.Password}},
	} {
		webtest.WantStatus(t, "refused login", keep(c.Post(t, "/login/person", f)), http.StatusUnprocessableEntity)
	}
	webtest.WantStatus(t, "refused unit login", keep(c.Post(t, "/login/unit", url.Values{"account": {u.USCC}, "login": {rep.IDNumber},
		"password": {"Wrong-Pass-2026"}})), http.StatusUnprocessableEntity)

	// Recovery started for the registered person, the ID number full-width.
	c = webtest.NewClient(ts)
	keep(c.Get(t, "/recover?tab=person"))
	rec := keep(c.Post(t, "/recover", url.Values{"kind": {"person"}, "id_type": {string(ident.IDTypeResident)},
		"id_number": {fullWidth(id)}, "name": {"欧阳娜娜"}}))
	keep(c.Get(t, webtest.Redirected(t, rec)))

	// The same values typed into a URL: query strings reach the access log.
	for _, q := range []string{
		"/login?tab=person&login=" + url.QueryEscape("+86 "+grouped(mobile, " ", 3, 4)),
		"/login?tab=person&login=" + grouped(mobile, "%20", 3, 4),
		"/login?tab=person&login=" + url.QueryEscape(fullWidth(mobile)),
		"/recover?tab=person&id_number=" + url.QueryEscape(grouped(id, " ", 6, 8)),
	} {
		keep(c.Get(t, q))
	}
	// A search for a number: the catalog's "没有名称包含“…”的事项" gives the search
	// box's text back to the person who typed it, like the field itself, so only
	// the log is scanned for it.
	webtest.WantStatus(t, "search", c.Get(t, "/catalog?q="+url.QueryEscape(fullWidth(stranger))), http.StatusOK)

	wantNoTypedIdentifier(t, ts, logs, pages, typed)
}
