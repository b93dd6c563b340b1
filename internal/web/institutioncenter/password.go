package institutioncenter

import (
	"context"
	"errors"
	"net/http"

	"hall/internal/auth"
	"hall/internal/institution"
	"hall/internal/person"
	"hall/internal/throttle"
	"hall/internal/web"
)

// passwordPage is the institution's 修改密码.
type passwordPage struct {
	web.ReauthenticationState
	Institution *institution.Institution
	Form        *web.Form
	Hint        string
	// Forced: the password is the one the unit gave (opening or reset), which
	// must be replaced before anything else.
	Forced bool
}

// CurrentField is 当前密码.
func (d *passwordPage) CurrentField() web.Field {
	hint := "机构账户的当前密码"
	if d.Forced {
		hint = "单位开通或重置机构账户时告知您的初始密码"
	}
	fd := d.Form.Field(person.FieldCurrentPassword, "当前密码", "password", hint)
	fd.Autocomplete = "current-password"
	return fd
}

// NewField is 新密码.
func (d *passwordPage) NewField() web.Field {
	return d.Form.Field(person.FieldNewPassword, "新密码", "password", d.Hint)
}

// ConfirmField is 确认新密码.
func (d *passwordPage) ConfirmField() web.Field {
	return d.Form.Field(person.FieldConfirm, "确认新密码", "password")
}

// keys are the counters a wrong current password adds to: the institution's
// password, as at its login, and the client address.
func (h *handler) keys(r *http.Request) []throttle.Key {
	return h.GateCredentialKeys(r, auth.Credential{InstitutionID: web.VisitorFrom(r.Context()).Institution.ID})
}

func (h *handler) passwordView(r *http.Request, f *web.Form) *passwordPage {
	v := web.VisitorFrom(r.Context())
	d := &passwordPage{Institution: v.Institution, Form: f, Hint: h.Policy.Hint(), Forced: v.Institution.MustChangePassword}
	d.Captcha = h.ReauthenticationNeedsCaptcha(r, h.keys(r)...)
	return d
}

func (h *handler) passwordShow(w http.ResponseWriter, r *http.Request) error {
	return h.Render(w, r, http.StatusOK, "institution-password", web.TitlePassword, "", h.passwordView(r, web.NewForm(nil)))
}

// passwordPost changes the institution's password. The change ends every session
// of the institution, this one included; the browser that made it has just proved
// the new password's predecessor, so it gets a new session for the same subject,
// with the new password, unless that was replaced meanwhile (web.SignInAgain).
func (h *handler) passwordPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, web.MsgBadRequest)
	}
	ctx := r.Context()
	v := web.VisitorFrom(ctx)
	f := web.NewForm(r)
	d := h.passwordView(r, f)
	i := *v.Institution
	check := func(ctx context.Context, current string) error { return h.Institutions.Check(ctx, i, current) }
	hash, err := h.Institutions.ChangePassword(ctx, institution.PasswordChange{InstitutionID: i.ID, OperatorID: i.OperatorID,
		Current: f.Values.Get(person.FieldCurrentPassword), New: f.Values.Get(person.FieldNewPassword),
		Confirm: f.Values.Get(person.FieldConfirm), Reauth: h.Reauthenticate(r, f, h.keys(r), check),
		ClientIP: web.ClientAddr(r), RequestID: web.RequestID(ctx)})
	if errors.Is(err, institution.ErrChanged) {
		// Closed, reset or given another operator meanwhile: this sign-in is over.
		_ = h.EndSession(w, r)
		return h.ToUnitLogin(w, r)
	}
	if refused, err := web.PasswordChangeRefused(f, &d.ReauthenticationState, err); refused {
		if err != nil {
			return err
		}
		return h.render(w, r, http.StatusUnprocessableEntity, d)
	}
	// Signed in again with the new password while it is still the stored one: a
	// reset by the unit since the change committed sends the browser to the login.
	err = h.StartSessionVerified(w, r, v.Session.Subject, auth.ProofInstitutionPassword,
		auth.NewVerified(auth.Credential{InstitutionID: i.ID}, hash))
	if errors.Is(err, auth.ErrCredentialChanged) {
		return h.SignInAgain(w, r, string(auth.KindUnit))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, web.InstitutionHome+"?notice=password", http.StatusSeeOther)
	return nil
}

func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, d *passwordPage) error {
	return h.Render(w, r, status, "institution-password", web.TitlePassword, "", d)
}
