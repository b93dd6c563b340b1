package account

import (
	"errors"
	"hall/internal/web"
	"net/http"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/person"
)

// registerData is what the personal registration page (用户注册, SPEC R1) shows.
type registerData struct {
	Form *web.Form
	SMS  sMS
	// Hint is the password rule (from the configured policy, so the page and the check
	// never disagree).
	Hint string
	// TakenID and TakenMobile add the link to 用户申诉 beside the field.
	TakenID, TakenMobile bool
	// FromOIDC is what a provider asserted when its login found no account
	// (login_oidc_handoff.go); nil otherwise.
	FromOIDC *oidcRegistration
}

// IDTypeField is the 证件类型 select.
func (d *registerData) IDTypeField() web.Field {
	return d.Form.Field(person.FieldIDType, "证件类型", "select", web.IDTypeOptions()...)
}

// PasswordField is the 密码 input with the rule as its hint. It is a new password, so
// the browser may offer to generate one instead of filling in a saved one.
func (d *registerData) PasswordField() web.Field {
	fd := d.Form.Field(person.FieldPassword, "密码", "password", d.Hint)
	fd.Autocomplete = "new-password"
	return fd
}

// SMSField is the 短信验证码 input with its 获取验证码 button.
func (d *registerData) SMSField() sMSField {
	return sMSField{Field: d.Form.Field(fieldSMSCode, "短信验证码", "text"), SMS: d.SMS}
}

// sMSField is the argument of the "acct-sms-Field" partial.
type sMSField struct {
	Field web.Field
	SMS   sMS
}

func (s *handler) registerView(f *web.Form) *registerData {
	return &registerData{Form: f, Hint: s.Policy.Hint()}
}

func (s *handler) renderRegister(w http.ResponseWriter, r *http.Request, status int, d *registerData) error {
	return s.Render(w, r, status, "registration", "用户注册", "", d)
}

// registerShow is the empty registration form, with 居民身份证 chosen, or the form
// filled with what a provider asserted (?from=, login_oidc_handoff.go).
func (s *handler) registerShow(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	f.Values.Set(person.FieldIDType, string(ident.IDTypeResident))
	d := s.registerView(f)
	var err error
	if d.FromOIDC, err = s.registrationFromOIDC(r, f); err != nil {
		return err
	}
	return s.renderRegister(w, r, http.StatusOK, d)
}

// registerPost handles both buttons of the form: 获取验证码 sends a code to the
// Mobile and shows the form again; 注册 creates the account, signs the person in and
// goes to the personal center.
func (s *handler) registerPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	d := s.registerView(f)
	ctx := r.Context()

	if f.Get("action") == actionSendCode {
		if m, ok := mobile(f); ok {
			var err error
			if d.SMS, err = s.issue(r, f, person.PurposeRegister, m, false); err != nil {
				return err
			}
		}
		return s.renderRegister(w, r, formStatus(f), d)
	}

	p, err := s.Persons.Register(ctx, person.RegisterInput{
		IDType:     f.Get(person.FieldIDType),
		IDNumber:   f.Get(person.FieldIDNumber),
		Name:       f.Values.Get(person.FieldName),
		Mobile:     f.Get(person.FieldMobile),
		Password:   f.Values.Get(person.FieldPassword),
		Confirm:    f.Values.Get(person.FieldConfirm),
		SMSCode:    f.Get(person.FieldSMSCode),
		Agreed:     f.Get(person.FieldAgreed) != "",
		Binding:    web.VisitorFrom(ctx).Binding,
		ClientAddr: web.ClientAddr(r),
	})
	var fe *person.FormError
	switch {
	case errors.As(err, &fe):
		for name, msg := range fe.Fields {
			f.Fail(name, msg)
		}
		d.TakenID = errors.Is(err, person.ErrIDTaken)
		d.TakenMobile = errors.Is(err, person.ErrMobileTaken)
		f.Top = "注册信息有误，请按提示修改后重新提交。"
		return s.renderRegister(w, r, http.StatusUnprocessableEntity, d)
	case errors.Is(err, person.ErrBusy):
		return web.StatusError(http.StatusServiceUnavailable, web.MsgBusy)
	case err != nil:
		return err
	}
	if err := s.StartSessionProved(w, r, auth.Subject{PersonID: p.ID}, auth.ProofSMS); err != nil {
		return err
	}
	http.Redirect(w, r, "/me?notice="+noticeRegistered, http.StatusSeeOther)
	return nil
}

// formStatus is 422 when the form has messages, else 200.
func formStatus(f *web.Form) int {
	if f.OK() {
		return http.StatusOK
	}
	return http.StatusUnprocessableEntity
}

// agreementShow is 《个人用户注册协议》, linked from the registration form.
func (s *handler) agreementShow(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, r, http.StatusOK, "agreement", "个人用户注册协议", "", nil)
}
