package web

import (
	"errors"
	"net/http"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/person"
)

// acctRegisterData is what the personal registration page (用户注册, SPEC R1) shows.
type acctRegisterData struct {
	Form *form
	SMS  acctSMS
	// Hint is the password rule (from the configured policy, so the page and the check
	// never disagree).
	Hint string
	// TakenID and TakenMobile add the link to 用户申诉 beside the field.
	TakenID, TakenMobile bool
}

// IDTypeField is the 证件类型 select.
func (d *acctRegisterData) IDTypeField() field {
	return d.Form.Field(person.FieldIDType, "证件类型", "select", idTypeOptions()...)
}

// PasswordField is the 密码 input with the rule as its hint. It is a new password, so
// the browser may offer to generate one instead of filling in a saved one.
func (d *acctRegisterData) PasswordField() field {
	fd := d.Form.Field(person.FieldPassword, "密码", "password", d.Hint)
	fd.Autocomplete = "new-password"
	return fd
}

// SMSField is the 短信验证码 input with its 获取验证码 button.
func (d *acctRegisterData) SMSField() acctSMSField {
	return acctSMSField{Field: d.Form.Field(acctFieldSMSCode, "短信验证码", "text"), SMS: d.SMS}
}

// acctSMSField is the argument of the "acct-sms-field" partial.
type acctSMSField struct {
	Field field
	SMS   acctSMS
}

func (s *Server) acctRegisterView(f *form) *acctRegisterData {
	return &acctRegisterData{Form: f, Hint: s.Policy.Hint()}
}

func (s *Server) acctRenderRegister(w http.ResponseWriter, r *http.Request, status int, d *acctRegisterData) error {
	return s.render(w, r, status, "acct-register", "用户注册", "", d)
}

// acctRegisterShow is the empty registration form, with 居民身份证 chosen.
func (s *Server) acctRegisterShow(w http.ResponseWriter, r *http.Request) error {
	f := newForm(r)
	f.Values.Set(person.FieldIDType, string(ident.IDTypeResident))
	return s.acctRenderRegister(w, r, http.StatusOK, s.acctRegisterView(f))
}

// acctRegisterPost handles both buttons of the form: 获取验证码 sends a code to the
// mobile and shows the form again; 注册 creates the account, signs the person in and
// goes to the personal center.
func (s *Server) acctRegisterPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := newForm(r)
	d := s.acctRegisterView(f)
	ctx := r.Context()

	if f.Get("action") == acctActionSendCode {
		if m, ok := acctMobile(f); ok {
			var err error
			if d.SMS, err = s.acctIssue(r, f, person.PurposeRegister, m, false); err != nil {
				return err
			}
		}
		return s.acctRenderRegister(w, r, acctFormStatus(f), d)
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
		Binding:    visitorFrom(ctx).Binding,
		ClientAddr: clientAddr(r),
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
		return s.acctRenderRegister(w, r, http.StatusUnprocessableEntity, d)
	case errors.Is(err, person.ErrBusy):
		return errStatus(http.StatusServiceUnavailable, acctMsgBusy)
	case err != nil:
		return err
	}
	if err := s.startSessionProved(w, r, auth.Subject{PersonID: p.ID}, auth.ProofSMS); err != nil {
		return err
	}
	http.Redirect(w, r, "/me?notice="+acctNoticeRegistered, http.StatusSeeOther)
	return nil
}

// acctFormStatus is 422 when the form has messages, else 200.
func acctFormStatus(f *form) int {
	if f.OK() {
		return http.StatusOK
	}
	return http.StatusUnprocessableEntity
}

// acctAgreementShow is 《个人用户注册协议》, linked from the registration form.
func (s *Server) acctAgreementShow(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "acct-agreement", "个人用户注册协议", "", nil)
}
