package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/throttle"
)

// The companion app (掌上APP, SPEC A1, A2) is a mobile web app served under /app/ by
// the same server, in its own layout (templates/app-layout.html) with the tab bar
// 首页 / 扫一扫 / 我的. Logging in to the app is a personal session like the hall's
// own (same cookie, rotated at login): the app is the person's phone.

// appPerson is the signed-in person as the app's pages show them, masked.
type appPerson struct {
	Name, IDType, IDNumber, Mobile, Level string
}

func appPersonOf(p *person.Person) *appPerson {
	if p == nil {
		return nil
	}
	return &appPerson{Name: ident.MaskName(p.Name), IDType: p.IDType.Label(), IDNumber: p.MaskedID(),
		Mobile: p.MaskedMobile(), Level: p.LevelLabel()}
}

// appData is what the app's simple pages show.
type appData struct {
	Person *appPerson // nil when not signed in
	Form   *form
	Next   string // the login form's return path
	Kind   string // app-service: "legal-rep" (我是经办人 is agt_app.go)
	// The login form's captcha and pause (login_gate.go).
	gateView
}

// gate is the app's sign-in form as the login gate sees it: the same gate, message
// and counters as the hall's 个人登录.
func (d *appData) gate() gateForm {
	return gateForm{Form: d.Form, View: &d.gateView, BadMsg: acctMsgBadLogin, RecoverURL: gateRecoverPerson}
}

func (s *Server) appRender(w http.ResponseWriter, r *http.Request, status int, page, title, tab string, d *appData) error {
	d.Person = appPersonOf(visitorFrom(r.Context()).Person)
	return s.render(w, r, status, page, title, tab, d)
}

// appNext is a return path inside the app: anything else becomes the app's home.
func appNext(p string) string {
	p = localPath(p)
	if !strings.HasPrefix(p, "/app/") {
		return "/app/"
	}
	return p
}

// appSignedIn wraps an app page that needs a signed-in person: others go to the
// app's login, which brings them back.
func (s *Server) appSignedIn(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !visitorFrom(r.Context()).SignedIn() {
			return s.appToLogin(w, r)
		}
		return h(w, r)
	}
}

// appToLogin sends the visitor to the app's login, returning to this page (a GET;
// a POST returns to its page, which is the same path in the app).
func (s *Server) appToLogin(w http.ResponseWriter, r *http.Request) error {
	next := r.URL.Path
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, "/app/login?next="+url.QueryEscape(next), http.StatusSeeOther)
	return nil
}

// appRoot redirects /app to /app/.
func (s *Server) appRoot(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/app/", http.StatusMovedPermanently)
	return nil
}

// appHome is the app's 首页.
func (s *Server) appHome(w http.ResponseWriter, r *http.Request) error {
	return s.appRender(w, r, http.StatusOK, "app-home", "首页", "app-home", &appData{})
}

// appLoginShow is the app's login: 证件号码/移动电话 + 密码, with the slider captcha
// when the client address's failures ask for it.
func (s *Server) appLoginShow(w http.ResponseWriter, r *http.Request) error {
	d := &appData{Form: newForm(r), Next: appNext(r.URL.Query().Get("next"))}
	s.gateStatus(r, &d.gateView, s.Throttle.AddrKey(throttle.ScopeLoginAddr, clientAddr(r)))
	return s.appRender(w, r, http.StatusOK, "app-login", "登录", "app-me", d)
}

// appLoginPost checks the personal password login (L6, audited by auth.Login) through
// the login gate, counted on the same account as the hall's 个人登录 (a lock earned
// there stops the app too), and starts the app's session.
func (s *Server) appLoginPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := newForm(r)
	d := &appData{Form: f, Next: appNext(f.Get("next"))}
	if f.Get("login") == "" {
		f.Fail("login", "请输入证件号码或移动电话")
	}
	if f.Values.Get("password") == "" {
		f.Fail("password", "请输入密码")
	}
	if !f.OK() {
		return s.appRender(w, r, http.StatusUnprocessableEntity, "app-login", "登录", "app-me", d)
	}
	target, err := s.Login.ResolvePerson(r.Context(), f.Get("login"))
	if err != nil {
		return err
	}
	keys := s.gatePersonKeys(r, target, f.Get("login"))
	g := d.gate()
	tk, refused, err := s.gateBegin(r, g, keys)
	if refused {
		return s.appRender(w, r, http.StatusUnprocessableEntity, "app-login", "登录", "app-me", d)
	}
	if err != nil {
		return err
	}
	p, err := s.Login.CheckPerson(r.Context(), target, f.Values.Get("password"), s.acctAttempt(r))
	s.gateOutcome(r, tk, err)
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		s.gateRefuse(r, g, keys)
		return s.appRender(w, r, http.StatusUnprocessableEntity, "app-login", "登录", "app-me", d)
	case errors.Is(err, person.ErrBusy):
		return errStatus(http.StatusServiceUnavailable, acctMsgBusy)
	case err != nil:
		return err
	}
	if err := s.startSessionProved(w, r, auth.Subject{PersonID: p.ID}, auth.ProofPassword); err != nil {
		return err
	}
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
	return nil
}

// appLogout ends the session and returns to the app's home.
func (s *Server) appLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.endSession(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/app/", http.StatusSeeOther)
	return nil
}

// appMe is 我的: the signed-in person (masked) and 企业服务. Without a session it
// shows the login entry instead of the person, as phone apps do.
func (s *Server) appMe(w http.ResponseWriter, r *http.Request) error {
	return s.appRender(w, r, http.StatusOK, "app-me", "我的", "app-me", &appData{})
}

// appLegalRep is 我的 → 企业服务 → 我是法人: how the legal rep opens the unit's
// account (R2), which starts on the hall's website and uses this app to verify.
func (s *Server) appLegalRep(w http.ResponseWriter, r *http.Request) error {
	return s.appRender(w, r, http.StatusOK, "app-service", "我是法人", "app-me", &appData{Kind: "legal-rep"})
}
