package app

import (
	"hall/internal/web"
	"net/http"
	"net/url"

	"hall/internal/ident"
	"hall/internal/person"
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
	Form   *web.Form
	Next   string // the login form's return path
	Kind   string // app-service: "legal-rep" (我是经办人 is agt_app.go)
	// The login form's captcha and pause (login_gate.go).
	web.GateView
}

func (s *handler) appRender(w http.ResponseWriter, r *http.Request, status int, page, title, tab string, d *appData) error {
	d.Person = appPersonOf(web.VisitorFrom(r.Context()).Person)
	return s.Render(w, r, status, page, title, tab, d)
}

// appSignedIn wraps an app page that needs a signed-in person: others go to the
// app's login, which brings them back.
func (s *handler) appSignedIn(h web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !web.VisitorFrom(r.Context()).SignedIn() {
			return s.appToLogin(w, r)
		}
		return h(w, r)
	}
}

// appToLogin sends the visitor to the app's login, returning to this page (a GET;
// a POST returns to its page, which is the same path in the app).
func (s *handler) appToLogin(w http.ResponseWriter, r *http.Request) error {
	next := r.URL.Path
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, "/app/login?next="+url.QueryEscape(next), http.StatusSeeOther)
	return nil
}

// appRoot redirects /app to /app/.
func (s *handler) appRoot(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/app/", http.StatusMovedPermanently)
	return nil
}

// appHome is the app's 首页.
func (s *handler) appHome(w http.ResponseWriter, r *http.Request) error {
	return s.appRender(w, r, http.StatusOK, "app-home", "首页", "app-home", &appData{})
}

// appLogout ends the session and returns to the app's home.
func (s *handler) appLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.EndSession(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/app/", http.StatusSeeOther)
	return nil
}

// appMe is 我的: the signed-in person (masked) and 企业服务. Without a session it
// shows the login entry instead of the person, as phone apps do.
func (s *handler) appMe(w http.ResponseWriter, r *http.Request) error {
	return s.appRender(w, r, http.StatusOK, "app-me", "我的", "app-me", &appData{})
}

// appLegalRep is 我的 → 企业服务 → 我是法人: how the legal rep opens the unit's
// account (R2), which starts on the hall's website and uses this app to verify.
func (s *handler) appLegalRep(w http.ResponseWriter, r *http.Request) error {
	return s.appRender(w, r, http.StatusOK, "app-service", "我是法人", "app-me", &appData{Kind: "legal-rep"})
}
