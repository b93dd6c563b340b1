package web

import (
	"net/http"
	"net/url"
	"slices"

	"hall/internal/ident"
)

// 长辈模式 (MIIT's 适老化 rules for public-service sites): larger type, stronger
// contrast, bigger controls and one column. The choice is a display preference
// kept in a cookie for a year, set by a plain link in the header of every page,
// so it works without JavaScript and before any login. The layouts put the
// class "elder" on <html> when the cookie is there (hall.css does the rest).

// elderCookie holds "1" while 长辈模式 is on.
const elderCookie = "hall_elder"

// elderCookieAge is one year, in seconds.
const elderCookieAge = 365 * 24 * 60 * 60

// elderOn reports whether the request asks for 长辈模式.
func (s *Server) elderOn(r *http.Request) bool {
	c, err := r.Cookie(s.CookieName(elderCookie))
	return err == nil && c.Value == "1"
}

// elderSwitch is GET /display/elder and GET /display/standard: it turns
// 长辈模式 on or off and sends the visitor back to the page of the switch (the
// parameter back, a local path only, else the home page). Switching the
// display is harmless, so a GET link is enough: no form, no CSRF token, and it
// works on every page, error pages included.
func (s *Server) elderSwitch(on bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if on {
			s.SetCookie(w, elderCookie, "1", elderCookieAge)
		} else {
			s.SetCookie(w, elderCookie, "", -1)
		}
		// #nosec G710 -- web.LocalPath keeps the target on this site.
		http.Redirect(w, r, LocalPath(r.URL.Query().Get("back")), http.StatusSeeOther)
		return nil
	}
}

// elderSwitchURL is the href of the header's switch on the page at here (the
// request URI): the opposite mode, returning to here.
func elderSwitchURL(elder bool, here string) string {
	mode := "elder"
	if elder {
		mode = "standard"
	}
	return "/display/" + mode + "?back=" + url.QueryEscape(LocalPath(here))
}

// elderBack is the page that the switch returns to: the page itself, or, for a
// Page that answers a form (a POST, which a link cannot repeat), the page of
// the form as the Referer names it when it is on this site.
func elderBack(r *http.Request) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return elderReturn(r.URL)
	}
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host {
		return "/"
	}
	return elderReturn(ref)
}

// elderIdentifierParams are query parameters that name a person or an account; the
// switch never carries them back.
var elderIdentifierParams = map[string]bool{"login": true, "id_number": true, "mobile": true, "account": true}

// elderReturn is u's path and query without the parameters that carry an
// identifier (elderIdentifierParams, or any value in which ident.MaskText finds an
// ID number or mobile), so the header of every page never repeats a person's
// identifiers that a link prefilled; the parameters that choose a view stay.
func elderReturn(u *url.URL) string {
	q := u.Query()
	for k, vs := range q {
		if elderIdentifierParams[k] || slices.ContainsFunc(vs, func(v string) bool { return ident.MaskText(v) != v }) {
			q.Del(k)
		}
	}
	if len(q) == 0 {
		return u.EscapedPath()
	}
	return u.EscapedPath() + "?" + q.Encode()
}
