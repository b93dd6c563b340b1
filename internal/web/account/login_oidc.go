package account

import (
	"errors"
	"net/http"
	"strings"

	"hall/internal/auth"
	"hall/internal/oidc"
	"hall/internal/throttle"
	"hall/internal/web"
)

// 其他登录方式 (SPEC L4, L5, R5): logins through an OpenID Connect provider — the
// provincial government service portal and the electronic business licence
// (internal/oidc, docs/oidc.md). The login page lists the providers that offer
// the tab's purpose; each is a plain link to loginOIDCStart, which redirects the
// browser to the provider (a link, not a form: the CSP's form-action 'self' would
// block a POST redirected to another origin). The provider sends the browser back
// to loginOIDCCallback, which signs it in or shows the refusal on the login page.

// providerLink is one provider's link under 其他登录方式.
type providerLink struct {
	ID, Label   string
	Development bool
}

// oidcProviders are the providers the tab offers, in configuration order.
func (s *handler) oidcProviders(tab string) []providerLink {
	if s.OIDC == nil {
		return nil
	}
	var out []providerLink
	for _, p := range s.OIDC.Providers() {
		if p.Offers(oidc.Purpose(tab)) {
			out = append(out, providerLink{ID: p.ID, Label: providerLabel(p), Development: p.Development})
		}
	}
	return out
}

// DevelopmentProvider reports whether the page offers the built-in development
// provider, which the page says is no real one.
func (d *loginData) DevelopmentProvider() bool {
	for _, p := range d.Providers {
		if p.Development {
			return true
		}
	}
	return false
}

// loginOIDCStart is GET /login/oidc/{id}?purpose=person|unit[&next=PATH]: it
// starts a login through the provider for this browser and sends it there. The
// return path, checked as the password login checks it, waits in the flow for
// the callback.
func (s *handler) loginOIDCStart(w http.ResponseWriter, r *http.Request) error {
	tab := r.URL.Query().Get("purpose")
	next := nextPath(r.URL.Query().Get("next"))
	if s.OIDC == nil || !oidc.Purpose(tab).Valid() {
		return s.NotFound(w, r)
	}
	// Each start saves a flow for an anonymous browser: counted per address.
	tk, err := s.reserveOrRefuse(w, r, oidc.ScopeStartAddr)
	if err != nil {
		return err
	}
	target, err := s.OIDC.Start(r.Context(), r.PathValue("id"), oidc.Purpose(tab), web.VisitorFrom(r.Context()).Binding, next)
	s.AnonymousDone(r, tk, err == nil)
	if err != nil {
		return s.oidcRefused(w, r, tab, next, err)
	}
	// #nosec G710 -- the provider's authorization URL from its configuration, not request input.
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// reserveOrRefuse counts a login request of an anonymous browser (a provider
// login, a CA login) per client address in scope; past the limit the answer is 429
// with the time to come back.
func (s *handler) reserveOrRefuse(w http.ResponseWriter, r *http.Request, scope throttle.Scope) (throttle.Ticket, error) {
	tk, err := s.AnonymousReserve(r, scope)
	var limited *web.AnonymousRateError
	if errors.As(err, &limited) {
		limited.SetRetryAfter(w, s.Now())
		return tk, web.StatusError(http.StatusTooManyRequests, limited.Message())
	}
	return tk, err
}

// loginOIDCCallback is GET /login/oidc/{id}/callback (oidc.CallbackPath), where the
// provider sends the browser back. A login lands on the page the visitor asked for
// before it (the return path kept with the flow), or else — a personal login — in
// the personal center, a unit login in the unit user center; a unit login that
// opened the unit's account (R5) lands on a page that says so first. A person without a personal account
// is sent to 个人用户注册 with what the provider asserted filled in.
func (s *handler) loginOIDCCallback(w http.ResponseWriter, r *http.Request) error {
	if s.OIDC == nil {
		return s.NotFound(w, r)
	}
	// Every callback writes its outcome to the audit log: counted per address.
	tk, err := s.reserveOrRefuse(w, r, oidc.ScopeCallbackAddr)
	if err != nil {
		return err
	}
	s.AnonymousDone(r, tk, true)
	binding := web.VisitorFrom(r.Context()).Binding
	l, err := s.OIDC.Callback(r.Context(), r.PathValue("id"), binding, r.URL.Query(), s.LoginAttempt(r))
	var unregistered *oidc.Unregistered
	switch {
	case errors.As(err, &unregistered):
		return s.toRegistrationFromOIDC(w, r, l.Provider, unregistered)
	case err != nil:
		return s.oidcRefused(w, r, string(l.Purpose), l.Next, err)
	}
	if err := s.StartSessionProved(w, r, l.Subject, auth.ProofOIDC); err != nil {
		return err
	}
	if l.OpenedUnit {
		return s.toUnitOpened(w, r, l)
	}
	// The path is checked again: the flow kept what the start was given.
	target := nextPath(l.Next)
	switch {
	case target != "":
	case l.Purpose == oidc.PurposeUnit:
		target = "/unit/"
	default:
		target = "/me"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// oidcRefused shows the login page's 其他登录方式 on the tab with the refusal's
// message, keeping the return path for another try. Failures that are no refusal
// (the database) go to the error page and the log.
func (s *handler) oidcRefused(w http.ResponseWriter, r *http.Request, tab, next string, err error) error {
	if oidc.Code(err) == "error" {
		return err
	}
	if tab != tabPerson {
		tab = tabUnit
	}
	d := loginView(tab, methodOther, next, web.NewForm(r))
	d.Form.Top = oidc.Message(err)
	return s.renderLogin(w, r, oidcStatus(err), d)
}

// oidcStatus is the status of a refused login through a provider.
func oidcStatus(err error) int {
	switch {
	case errors.Is(err, oidc.ErrUnknownProvider):
		return http.StatusNotFound
	case errors.Is(err, oidc.ErrProviderUnavailable), errors.Is(err, oidc.ErrRegistryUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, oidc.ErrNoRole), errors.Is(err, oidc.ErrRoleNotUsable), errors.Is(err, oidc.ErrUnitClosed),
		errors.Is(err, oidc.ErrUnitNotOpened), errors.Is(err, oidc.ErrUnknownUnit), errors.Is(err, oidc.ErrRegistryMismatch),
		errors.Is(err, oidc.ErrPersonMismatch):
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// providerLabel is the button text: the provider's name, saying 开发环境 for the
// development provider when its name does not.
func providerLabel(p oidc.ProviderInfo) string {
	if p.Development && !strings.Contains(p.DisplayName, "开发环境") {
		return p.DisplayName + "（开发环境）"
	}
	return p.DisplayName
}
