package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/forwarded"
	"hall/internal/ident"
	"hall/internal/institution"
	"hall/internal/person"
	"hall/internal/token"
	"hall/internal/unit"
)

// Visitor is who is on the other end of a request: always a browser binding (an
// anonymous random ID in a cookie, to which codes, flows and QR tickets are bound),
// and when signed in, the session with its person and, for a unit session, the unit
// and the membership the person acts under.
type Visitor struct {
	Binding    string
	Token      string
	Session    *auth.Session
	Person     *person.Person
	Unit       *unit.Unit
	Membership *unit.Membership
	// Institution is the institution account an institution session acts for
	// (机构编号 at the unit login). Such a session sets
	// neither Person nor Unit: it holds no personal or unit role, so every page
	// behind RequireSignedIn or RequireUnit refuses it, and only the institution's
	// own pages (RequireInstitution) serve it. Institution.OperatorID and
	// OperatorName are its operator's.
	Institution *institution.Institution
	// EndedSession is the unit session this request carried when loadSession ended it
	// because its membership was no longer usable, so that a business route can say
	// why (businessBusiness); nil otherwise.
	EndedSession *EndedUnitSession
	// grantEnded says why the unit session this request carried ended with its
	// membership, whether on this request or earlier (a removal ends the agent's
	// sessions at once): GrantWithdrawn or GrantLapsed, for the unit login page's
	// notice (?ended=); "" when no unit session ended that way.
	grantEnded string
	// timeout is the session-timeout notice's data, set with the session
	// (acs_session.go); nil when signed out.
	timeout *sessionTimeout
}

// SignedIn reports whether the visitor has a live session.
func (v *Visitor) SignedIn() bool { return v != nil && v.Person != nil }

// RoleLabel is the acting role for the header (法定代表人 / 管理员 / 经办人).
func (v *Visitor) RoleLabel() string {
	if v == nil || v.Membership == nil {
		return ""
	}
	return v.Membership.Role.Label()
}

// MaskedName is the signed-in person's masked name for the page header (SPEC §2:
// "*三" where the full name is not needed), or "".
func (v *Visitor) MaskedName() string {
	if !v.SignedIn() {
		return ""
	}
	return ident.MaskName(v.Person.Name)
}

const visitorKey ctxKey = 100

func VisitorFrom(ctx context.Context) *Visitor {
	v, _ := ctx.Value(visitorKey).(*Visitor)
	if v == nil {
		return &Visitor{}
	}
	return v
}

// cookie names: the __Host- prefix (Secure, path=/, no Domain) when served over TLS.
func (s *Server) CookieName(base string) string {
	if s.secure() {
		return "__Host-" + base
	}
	return base
}

func (s *Server) secure() bool { return strings.HasPrefix(s.Config.BaseURL, "https://") }

// BackOfficeSecure reports whether the back office's cookies on r are Secure and
// __Host- prefixed: when staff open it over https — Config.AdminBaseURL, a
// TLS-terminating proxy in front of the plain-HTTP operations listener, the public
// site's rule with the back office's own URL — or r itself came over TLS. A plain
// http:// back office gets neither: a browser drops a Secure cookie set over plain
// HTTP, and refuses a __Host- one without Secure.
func (s *Server) BackOfficeSecure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.Config.AdminBaseURL, "https://")
}

func (s *Server) SetCookie(w http.ResponseWriter, name, value string, maxAge int) {
	// #nosec G124 -- HttpOnly and SameSite=Lax always; Secure whenever the base URL is https (a plain-HTTP development hall could not get a Secure cookie back).
	http.SetCookie(w, &http.Cookie{
		Name: s.CookieName(name), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure(), SameSite: http.SameSiteLaxMode,
	})
}

// withVisitor loads the visitor: it issues a binding cookie on first contact and, when
// a session cookie is present, resolves it. A Session that has ended is cleared. For a
// Unit session the membership is re-read on every request, so a revoked or expired
// role stops working at once (QUALITY.md: authorization on every request).
func (s *Server) withVisitor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		v := &Visitor{}
		if c, err := r.Cookie(s.CookieName("hall_b")); err == nil && len(c.Value) >= 22 && len(c.Value) <= 64 {
			v.Binding = c.Value
		} else {
			v.Binding = token.New()
			s.SetCookie(w, "hall_b", v.Binding, 0)
		}
		if c, err := r.Cookie(s.CookieName("hall_session")); err == nil && c.Value != "" {
			if err := s.loadSession(r.Context(), v, c.Value); err != nil {
				if !errors.Is(err, auth.ErrNoSession) && !errors.Is(err, errMembershipGone) {
					s.renderError(w, r, err)
					return
				}
				s.SetCookie(w, "hall_session", "", -1)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), visitorKey, v)))
	})
}

var errMembershipGone = errors.New("web: the session's membership is no longer usable")

// Why a unit session ended with its membership (Visitor.grantEnded), as the unit
// login page's ?ended= value.
const (
	// GrantWithdrawn: the role was taken back — the agent or administrator removed
	// or replaced, the invitation declined, the role changed (delegation's
	// ReasonRevoked), or the membership is gone.
	GrantWithdrawn = "withdrawn"
	// GrantLapsed: the validity period ended, has not begun, or the role was never
	// confirmed.
	GrantLapsed = "grant"
)

// endedGrant explains a session cookie that no longer names a live session: when it
// was a unit session whose membership is not usable now, why (grantEnded); "" for
// anything else — a logout, an idle or absolute timeout of a role still held, or a
// token the database does not know. It never fails the request: a database error
// just leaves the notice out.
func (s *Server) endedGrant(ctx context.Context, token string) string {
	sess, err := s.Sessions.LookupEnded(ctx, token)
	if err != nil || sess.Subject.UnitID == 0 || sess.Subject.Institution() {
		// An institution session holds no membership whose end could be told.
		return ""
	}
	m, err := s.Units.Membership(ctx, sess.Subject.UnitID, sess.Subject.PersonID)
	role := unit.Role(sess.Subject.Role)
	if err == nil && m.Usable(s.Now()) && m.Role == role {
		return ""
	}
	return s.grantEndedWhy(ctx, m, err, role)
}

// grantEndedWhy names why membership m (read with error err) no longer serves a
// Session in role: GrantWithdrawn or GrantLapsed; "" when it could not be read.
func (s *Server) grantEndedWhy(ctx context.Context, m unit.Membership, err error, role unit.Role) string {
	switch {
	case errors.Is(err, unit.ErrNotFound):
		return GrantWithdrawn
	case err != nil:
		return ""
	}
	var d *delegation.Denial
	if errors.As(s.Delegation.AuthorizeMembership(ctx, m, m.UnitID, role, ""), &d) && d.Reason == delegation.ReasonRevoked {
		return GrantWithdrawn
	}
	return GrantLapsed
}

func (s *Server) loadSession(ctx context.Context, v *Visitor, token string) error {
	sess, err := s.Sessions.Lookup(ctx, token)
	if errors.Is(err, auth.ErrNoSession) {
		v.grantEnded = s.endedGrant(ctx, token)
		return err
	}
	if err != nil {
		return err
	}
	if sess.Subject.Institution() {
		return s.loadInstitutionSession(ctx, v, token, sess)
	}
	p, err := s.Persons.Get(ctx, sess.Subject.PersonID)
	if err != nil {
		if errors.Is(err, person.ErrNotFound) {
			return auth.ErrNoSession
		}
		return err
	}
	if sess.Subject.UnitID != 0 {
		m, err := s.Units.Membership(ctx, sess.Subject.UnitID, sess.Subject.PersonID)
		if errors.Is(err, unit.ErrNotFound) || (err == nil && (!m.Usable(s.Now()) || string(m.Role) != string(sess.Subject.Role))) {
			_ = s.Sessions.End(ctx, token)
			if err == nil {
				v.EndedSession = &EndedUnitSession{Membership: m, Role: unit.Role(sess.Subject.Role)}
			}
			v.grantEnded = s.grantEndedWhy(ctx, m, err, unit.Role(sess.Subject.Role))
			return errMembershipGone
		}
		if err != nil {
			return err
		}
		u, err := s.Units.Get(ctx, sess.Subject.UnitID)
		if err != nil {
			return err
		}
		v.Unit, v.Membership = &u, &m
	}
	v.Token, v.Session, v.Person = token, &sess, &p
	v.timeout = s.sessionTimeoutFor(sess)
	return nil
}

// loadInstitutionSession loads an institution session: its institution, re-read on
// every request like a unit session's membership (one query, which also reads the
// unit's status and the operator's name), must still be open, of an open unit, with
// the session's person as its operator; otherwise the session ends now.
func (s *Server) loadInstitutionSession(ctx context.Context, v *Visitor, token string, sess auth.Session) error {
	i, err := s.Institutions.Get(ctx, sess.Subject.InstitutionID)
	if errors.Is(err, institution.ErrNotFound) || (err == nil && (!i.Open() || i.OperatorID != sess.Subject.PersonID ||
		i.UnitID != sess.Subject.UnitID)) {
		_ = s.Sessions.End(ctx, token)
		return errMembershipGone
	}
	if err != nil {
		return err
	}
	if !i.UnitOpen {
		_ = s.Sessions.End(ctx, token)
		return errMembershipGone
	}
	v.Token, v.Session, v.Institution = token, &sess, &i
	v.timeout = s.sessionTimeoutFor(sess)
	return nil
}

// StartSessionProved signs the visitor in as subj, replacing any session it had (the
// token is rotated at login and unit switch), and sets the cookie. proof is the
// credential the sign-in has just proved (auth.Proof): entering a unit and changing
// its delegation ask for a recent one later (unitcenter/unit_enter.go,
// unitdelegation/delegation_reauthentication.go).
//
// It is for proofs that rest on no stored password — a QR confirmation, a
// certificate, an OIDC provider, an SMS code at registration — and checks none. A
// sign-in that rests on a password goes through StartSessionVerified (or
// SignInAttempt), so that a password changed or reset since it was verified signs
// nobody in.
func (s *Server) StartSessionProved(w http.ResponseWriter, r *http.Request, subj auth.Subject, proof auth.Proof) error {
	return s.startSession(w, r, subj, proof, auth.Verified{})
}

// StartSessionVerified is StartSessionProved for a sign-in that rests on the
// password verified: one a form has just checked, or has just stored (a password
// change signs its browser in again with the new one). The session is created only
// while it is still the stored password. Errors: auth.ErrCredentialChanged when it
// is not (nothing changes: answer with SignInAgain or as a wrong password); otherwise
// those of auth.Sessions.Create and Rotate.
func (s *Server) StartSessionVerified(w http.ResponseWriter, r *http.Request, subj auth.Subject, proof auth.Proof, verified auth.Verified) error {
	return s.startSession(w, r, subj, proof, verified)
}

// PasswordReplaced is the login page's ?ended= value after a password change whose
// browser could not be signed in again with the new password: another change, a
// reset or a recovery replaced it first.
const PasswordReplaced = "password"

// SignInAgain answers a password change whose new password was replaced before its
// browser could be signed in again with it (StartSessionVerified refused with
// auth.ErrCredentialChanged): the change ended this browser's session with the
// others, so the cookie goes and the login page of tab (its kind of session) says
// why, and comes back to r's page afterwards.
func (s *Server) SignInAgain(w http.ResponseWriter, r *http.Request, tab string) error {
	s.SetCookie(w, "hall_session", "", -1)
	// #nosec G710 -- the login page of this site, with the current path as a query parameter.
	http.Redirect(w, r, loginURL(r, tab)+"&ended="+PasswordReplaced, http.StatusSeeOther)
	return nil
}

// startSession is StartSessionProved for a login that verified the password
// verified (zero: none), which must still be the stored one
// (auth.ErrCredentialChanged otherwise, and nothing changes).
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, subj auth.Subject, proof auth.Proof, verified auth.Verified) error {
	v := VisitorFrom(r.Context())
	meta := auth.Meta{ClientAddr: ClientAddr(r), UserAgent: r.UserAgent(), Proof: proof, Verified: verified}
	var token string
	var err error
	if v.Token != "" {
		token, _, err = s.Sessions.Rotate(r.Context(), v.Token, subj, meta, auth.RotateLogin)
		if errors.Is(err, auth.ErrNoSession) {
			token, _, err = s.Sessions.Create(r.Context(), subj, meta)
		}
	} else {
		token, _, err = s.Sessions.Create(r.Context(), subj, meta)
	}
	if err != nil {
		return err
	}
	// A browser-Session cookie (no Max-Age): it ends when the browser closes, while
	// the server ends the session after SessionIdle or SessionAbsolute anyway.
	s.SetCookie(w, "hall_session", token, 0)
	return nil
}

// EndSession logs the visitor out.
func (s *Server) EndSession(w http.ResponseWriter, r *http.Request) error {
	v := VisitorFrom(r.Context())
	s.SetCookie(w, "hall_session", "", -1)
	if v.Token == "" {
		return nil
	}
	return s.Sessions.End(r.Context(), v.Token)
}

// ClientAddr is the client's IP address, the one key for per-address limits and the
// address recorded in audit and sessions: what withClientAddr found for this request
// (X-Forwarded-For only from a trusted proxy, see package forwarded), or the peer's
// host outside the middleware.
func ClientAddr(r *http.Request) string {
	if a, ok := r.Context().Value(clientAddrKey).(string); ok {
		return a
	}
	return forwarded.ClientAddr(r.RemoteAddr, nil, nil)
}

// RequireSignedIn wraps a handler that needs a signed-in person (any session kind). Others
// are sent to the login page, which brings them back afterwards.
func (s *Server) RequireSignedIn(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !VisitorFrom(r.Context()).SignedIn() {
			return s.ToLogin(w, r, "person")
		}
		return h(w, r)
	}
}

// RequireUnit wraps a handler of the unit user center: it needs a unit session whose
// membership is usable now (withVisitor has already re-read it for this request).
func (s *Server) RequireUnit(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := VisitorFrom(r.Context())
		if v.Institution != nil {
			return StatusError(http.StatusForbidden, MsgInstitutionOnly)
		}
		if !v.SignedIn() || v.Unit == nil || v.Membership == nil {
			return s.ToUnitLogin(w, r)
		}
		return h(w, r)
	}
}

// InstitutionHome is the institution user center's first page, where an
// institution login lands.
const InstitutionHome = "/institution/"

// MsgInstitutionOnly refuses an institution session a page of the unit or of a
// person: the institution's operator signed in with the institution's password,
// which opens only the institution's own business.
const MsgInstitutionOnly = "机构账户只能查看和办理本机构的业务，请从“机构用户中心”进入。"

// RequireInstitution wraps a page of the institution user center: it needs an
// institution session (loadInstitutionSession has re-read the institution for
// this request); anyone else is sent to the unit login, where the 机构编号 is
// typed.
func (s *Server) RequireInstitution(h HandlerFunc) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if VisitorFrom(r.Context()).Institution == nil {
			return s.ToUnitLogin(w, r)
		}
		return h(w, r)
	}
}

// ToLogin redirects to the login page's tab ("Person" or "Unit") with a local return
// Path. A non-GET request is not replayed after login: it returns to the page instead.
func (s *Server) ToLogin(w http.ResponseWriter, r *http.Request, tab string) error {
	// #nosec G710 -- the login page of this site, with the current path as a query parameter.
	http.Redirect(w, r, loginURL(r, tab), http.StatusSeeOther)
	return nil
}

// ToUnitLogin redirects to the unit login with a local return path. When the unit
// Session ended because its grant stopped being usable (Visitor.grantEnded), the
// Page says so — withdrawn or lapsed — instead of a silent sign-out.
func (s *Server) ToUnitLogin(w http.ResponseWriter, r *http.Request) error {
	target := loginURL(r, "unit")
	if v := VisitorFrom(r.Context()); v != nil && v.grantEnded != "" {
		target += "&ended=" + v.grantEnded
	}
	// #nosec G710 -- the login page of this site, with the current path as a query parameter.
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// loginURL is the login page's tab with r's page as the return path.
func loginURL(r *http.Request, tab string) string {
	next := r.URL.Path
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	return "/login?tab=" + tab + "&next=" + url.QueryEscape(next)
}

// maxLocalPath bounds a return path: the hall's longest pages with their queries are
// a few hundred bytes.
const maxLocalPath = 1024

// LocalPath returns p when it is a path on this site, else "/" — so a login's "next"
// parameter cannot send anyone to another site. Control characters and backslashes
// are refused too: browsers drop tabs and line breaks from a Location and read "\" as
// "/", so "/\t/evil.example" would otherwise leave the site. A Path longer than
// maxLocalPath is no page of the hall, and the login page would echo it twice.
func LocalPath(p string) string {
	if p == "" || len(p) > maxLocalPath || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") ||
		strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	return p
}

// EndedUnitSession is a unit session the visitor layer ended on this request because
// its membership was no longer usable (expired, not started, revoked, role changed):
// the business routes say why instead of only showing the login page.
type EndedUnitSession struct {
	Membership unit.Membership
	Role       unit.Role // the role the session was created for
}
