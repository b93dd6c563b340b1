package admin

import (
	"context"
	"errors"
	"net/http"

	"hall/internal/staff"
	"hall/internal/token"
	"hall/internal/web"
)

// sessionCookie holds the staff session's token: a cookie of its own, never the
// hall's session, so a unit user's session means nothing here.
const sessionCookie = "hall_staff"

// staffRequest is the signed-in staff member making a request: the account as the
// session read it now, and the session's ID (the token's hash, kept across a
// password change).
type staffRequest struct {
	actor     staff.Actor
	sessionID string
}

// staffHandler is a page for signed-in staff.
type staffHandler func(w http.ResponseWriter, r *http.Request, sr staffRequest) error

// signedIn runs next for a live staff session and sends anyone else to the login
// page. A staff member who must change the initial password gets the password page
// whatever they ask for, until it is done.
func (h *handler) signedIn(next staffHandler) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		sess, err := h.Staff.Lookup(r.Context(), h.token(r))
		if errors.Is(err, staff.ErrNoSession) {
			h.setSessionCookie(w, r, "", -1)
			http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
			return nil
		}
		if err != nil {
			return err
		}
		actor := sess.Actor
		actor.ClientIP, actor.RequestID = web.ClientAddr(r), web.RequestID(r.Context())
		if actor.MustChangePassword && r.URL.Path != "/admin/password" {
			http.Redirect(w, r, "/admin/password", http.StatusSeeOther)
			return nil
		}
		return next(w, r, staffRequest{actor: actor, sessionID: sess.ID})
	}
}

// permitted runs next for a signed-in staff member whose role may do action, and
// answers 403 with the domain's sentence to any other before reading the request:
// the route's action is declared where the route is (admin.go), the role × route
// matrix test holds every route to it, and the command asks staff.Authorize again
// with its subject (nobody approves their own work).
func (h *handler) permitted(action staff.Action, next staffHandler) web.HandlerFunc {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
		if err := roleAllows(sr.actor, action); err != nil {
			if r.Method != http.MethodGet {
				// A command beyond one's role is what an auditor looks for (三员分立):
				// it is recorded as the domain records its own refusals. A page
				// view refused is not.
				_ = staff.RecordDenial(context.WithoutCancel(r.Context()), h.Audit, sr.actor, action, r.URL.Path, err)
			}
			return refused(err)
		}
		return next(w, r, sr)
	})
}

// token is the staff session token the request carries ("" for none).
func (h *handler) token(r *http.Request) string {
	c, err := r.Cookie(h.cookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

// CSRF fallback. A current browser says where every post comes from (Sec-Fetch-Site,
// Origin) and the kit refuses cross-site ones by that; a browser that sends neither —
// the IE mode of office browsers — must show a token instead (web/csrf.go). On the
// back office the token is derived from the staff session's token, which the page
// never shows and another site cannot read (HttpOnly, SameSite=Strict); before login,
// from loginCookie, a random value the login page sets for its own form.

// loginCookie binds the login form's CSRF token while there is no session yet.
const loginCookie = "hall_staff_login"

// loginCookieName is loginCookie's name on this connection (see cookieName).
func (h *handler) loginCookieName(r *http.Request) string {
	if h.BackOfficeSecure(r) {
		return "__Host-" + loginCookie
	}
	return loginCookie
}

// csrfBinding is what the request's CSRF token is derived from: the staff session's
// token, else the login page's cookie, else "" (no token: a post without origin
// headers is refused).
func (h *handler) csrfBinding(r *http.Request) string {
	for _, name := range []string{h.cookieName(r), h.loginCookieName(r)} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// ensureLoginBinding gives a browser without a session or login cookie the login
// cookie, and adds it to r too, so that the login page rendered for r carries the
// token its post will be checked against.
func (h *handler) ensureLoginBinding(w http.ResponseWriter, r *http.Request) {
	if h.csrfBinding(r) != "" {
		return
	}
	// #nosec G124 -- HttpOnly and SameSite=Strict always; Secure whenever the back office is served over https, as the session cookie.
	c := &http.Cookie{Name: h.loginCookieName(r), Value: token.New(), Path: "/", HttpOnly: true, Secure: h.BackOfficeSecure(r),
		SameSite: http.SameSiteStrictMode}
	http.SetCookie(w, c)
	// #nosec G124 -- a cookie added to the request being served (what the browser will send), not one set on a response.
	r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
}

// cookieName is the session cookie's name on this connection: __Host- prefixed when
// the back office is served over https (web.Server.BackOfficeSecure). The
// operations listener is often plain HTTP on an internal address even when the
// hall's public base URL is https, and a browser drops a Secure cookie set over
// plain HTTP, so the back office judges by its own URL (admin-base-url), not by the
// public one.
func (h *handler) cookieName(r *http.Request) string {
	if h.BackOfficeSecure(r) {
		return "__Host-" + sessionCookie
	}
	return sessionCookie
}

// setSessionCookie sets (maxAge 0: until the browser closes) or clears (maxAge < 0)
// the staff session cookie: HttpOnly, SameSite=Strict (no page of another site
// leads into the back office signed in), Secure over https.
func (h *handler) setSessionCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	// #nosec G124 -- HttpOnly and SameSite=Strict always; Secure whenever the back office is served over https (a plain-HTTP back office could not get a Secure cookie back).
	http.SetCookie(w, &http.Cookie{Name: h.cookieName(r), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.BackOfficeSecure(r), SameSite: http.SameSiteStrictMode})
}

// refused turns a role or separation-of-duties denial into 403 with the domain's
// Chinese sentence. Any other error goes on as it is (a record whose sealed values
// do not open is answered by the web layer: see web.Server's renderError).
func refused(err error) error {
	if errors.Is(err, staff.ErrForbidden) {
		return web.StatusError(http.StatusForbidden, staff.Message(err))
	}
	return err
}

// allow answers 403 unless actor may do action, before a page shows a form (or a
// link to it) that the command would refuse anyway. The form's subject is not known
// yet: for staff.create and staff.roles, whose subject is the roles to give, any
// permitted set stands for it (a clerk's); the roles chosen are checked when the
// form is sent.
func allow(actor staff.Actor, action staff.Action) error {
	return refused(roleAllows(actor, action))
}

// roleAllows is allow's check, its error the domain's *staff.Denial.
func roleAllows(actor staff.Actor, action staff.Action) error {
	subject := staff.Subject{}
	if action == staff.ActionStaffCreate || action == staff.ActionStaffRoles {
		subject.Roles = staff.RolesOf(staff.RoleClerk)
	}
	_, err := staff.Authorize(actor, action, subject)
	return err
}
