package account

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/oidc"
	"hall/internal/person"
	"hall/internal/unit"
	"hall/internal/web"
)

// What a login through a provider hands to the page after it: the identity the
// provider asserted, for 个人用户注册 (R1) when the person has no account, and the
// unit whose account the login opened (R5). Each is kept in a flow bound to the
// browser, so the URL carries only the flow's opaque ID — never an ID number — and
// the ID is worth nothing in another browser.

// Flow kinds of the hand-offs.
const (
	flowOIDCRegister = "oidc-register"
	flowOIDCOpened   = "oidc-opened"
	stepShow         = "show"
)

// oidcHandoffTTL bounds how long the hand-off can be shown again (a reload).
const oidcHandoffTTL = 30 * time.Minute

// oidcRegistration is what 个人用户注册 is filled with.
type oidcRegistration struct {
	Provider string       `json:"provider"`
	Message  string       `json:"message"`
	IDType   ident.IDType `json:"id_type"`
	IDNumber string       `json:"id_number"`
	Name     string       `json:"name"`
	Mobile   string       `json:"mobile,omitempty"`
}

// Masked is the asserted person as the page shows it.
func (o oidcRegistration) Masked() string {
	return ident.MaskName(o.Name) + "（" + ident.MaskID(o.IDNumber) + "）"
}

// toRegistrationFromOIDC sends a person without an account to 个人用户注册 with
// what the provider asserted.
func (s *handler) toRegistrationFromOIDC(w http.ResponseWriter, r *http.Request, p oidc.ProviderInfo, u *oidc.Unregistered) error {
	a := u.Asserted
	d := oidcRegistration{Provider: providerLabel(p), Message: u.Message(), IDType: a.IDType,
		IDNumber: a.IDNumber, Name: a.Name, Mobile: a.Mobile}
	f, err := s.Flows.Create(r.Context(), flowOIDCRegister, web.VisitorFrom(r.Context()).Binding, stepShow, d, oidcHandoffTTL)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/register?from="+url.QueryEscape(f.ID), http.StatusSeeOther)
	return nil
}

// registrationFromOIDC fills the registration form from the hand-off named by the
// query's from, if this browser has it; nil when there is none (a stale link shows
// the empty form).
func (s *handler) registrationFromOIDC(r *http.Request, f *web.Form) (*oidcRegistration, error) {
	id := r.URL.Query().Get("from")
	if id == "" {
		return nil, nil
	}
	fl, err := s.Flows.Get(r.Context(), id, flowOIDCRegister, web.VisitorFrom(r.Context()).Binding)
	if errors.Is(err, flow.ErrNotFound) || errors.Is(err, flow.ErrExpired) || errors.Is(err, flow.ErrCompleted) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var d oidcRegistration
	if err := fl.Decode(&d); err != nil {
		return nil, err
	}
	if d.IDType != "" {
		f.Values.Set(person.FieldIDType, string(d.IDType))
	}
	f.Values.Set(person.FieldIDNumber, d.IDNumber)
	f.Values.Set(person.FieldName, d.Name)
	f.Values.Set(person.FieldMobile, d.Mobile)
	return &d, nil
}

// oidcOpened is the hand-off of a login that opened the unit's account.
type oidcOpened struct {
	UnitID int64 `json:"unit_id"`
}

// toUnitOpened shows, after the session has started, that the login opened the
// unit's account (R5).
func (s *handler) toUnitOpened(w http.ResponseWriter, r *http.Request, l oidc.Login) error {
	f, err := s.Flows.Create(r.Context(), flowOIDCOpened, web.VisitorFrom(r.Context()).Binding, stepShow,
		oidcOpened{UnitID: l.Unit.ID}, oidcHandoffTTL)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/login/unit-opened/"+f.ID, http.StatusSeeOther)
	return nil
}

// unitOpenedData is what the page 单位账户已开通 shows.
type unitOpenedData struct {
	Unit unit.Unit
}

// loginOIDCOpened is GET /login/unit-opened/{flow}: the unit's account was opened
// by this browser's login, which is now in the unit.
func (s *handler) loginOIDCOpened(w http.ResponseWriter, r *http.Request) error {
	v := web.VisitorFrom(r.Context())
	fl, err := s.Flows.Get(r.Context(), r.PathValue("flow"), flowOIDCOpened, v.Binding)
	if errors.Is(err, flow.ErrNotFound) || errors.Is(err, flow.ErrExpired) || errors.Is(err, flow.ErrCompleted) {
		return s.NotFound(w, r)
	}
	if err != nil {
		return err
	}
	var d oidcOpened
	if err := fl.Decode(&d); err != nil {
		return err
	}
	if v.Unit == nil || v.Unit.ID != d.UnitID {
		return s.ToUnitLogin(w, r)
	}
	return s.Render(w, r, http.StatusOK, "oidc-unit-opened", "单位账户已开通", "", unitOpenedData{Unit: *v.Unit})
}
