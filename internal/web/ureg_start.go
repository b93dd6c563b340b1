package web

import (
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"hall/internal/captcha"
	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/throttle"
	"hall/internal/unitreg"
)

// Unit registration by the legal representative (法定代表人注册, SPEC R2): one page,
// "ureg", draws the four steps under one stepper. The rules live in
// internal/unitreg; these handlers parse, call it and render.

// uregSteps are the stepper's labels (seed: 填写单位信息 → 法定代表人认证 → 填写账户信息 →
// 完成注册).
var uregSteps = []string{"填写单位信息", "法定代表人认证", "填写账户信息", "完成注册"}

// uregData is what the "ureg" page shows. Step is 1–4; the fields after it belong to
// one step each.
type uregData struct {
	Step  int
	Steps []string
	Form  *form
	// Notice is a message above the form that is not an error of this submission
	// (the previous registration timed out).
	Notice string
	View   unitreg.View // steps 2 and 3

	// Step 2: the QR code of the verification link, the link itself (development
	// only: the app page can be opened directly), and the long-poll URL.
	QR      template.URL
	DevLink string
	WaitURL string

	// Step 3: the password rule and the SMS code state.
	Hint string
	SMS  uregSMS

	// Step 4.
	Receipt unitreg.Receipt

	// Step 1 after a few submissions for one unit or from one address: the slider
	// captcha (uregStartGate), with its message.
	Captcha      bool
	CaptchaError string
}

// uregSMS is what the 短信验证码 field shows after a code was sent.
type uregSMS struct {
	Notice string
	Wait   int // seconds until another code may be asked for (sms.js counts down)
	// Captcha: too many sends, the field shows the slider captcha (acsUregSendGate).
	Captcha bool
}

// StepClass is the stepper class of step i (0-based). The last step, once reached,
// is both done and current.
func (d *uregData) StepClass(i int) string {
	n := i + 1
	switch {
	case n < d.Step:
		return "done"
	case n == d.Step && n == len(uregSteps):
		return "done current"
	case n == d.Step:
		return "current"
	}
	return ""
}

// IDTypeField is the 法定代表人证件类型 select.
func (d *uregData) IDTypeField() field {
	return d.Form.Field(unitreg.FieldIDType, "法定代表人证件类型", "select", idTypeOptions()...)
}

// PasswordField is 密码 with the rule as its hint (a new password), or 个人账户密码
// (the current password) when the legal rep already has an account.
func (d *uregData) PasswordField() field {
	if d.View.HasAccount {
		fd := d.Form.Field(unitreg.FieldPassword, "个人账户密码", "password", "请输入您个人账户的登录密码")
		fd.Autocomplete = "current-password"
		return fd
	}
	fd := d.Form.Field(unitreg.FieldPassword, "密码", "password", d.Hint)
	fd.Autocomplete = "new-password"
	return fd
}

// MobileTaken reports a mobile of another person, which gets the 用户申诉 link.
func (d *uregData) MobileTaken() bool {
	return d.Form.Errors[unitreg.FieldMobile] == person.MsgMobileTaken
}

func (s *Server) uregRender(w http.ResponseWriter, r *http.Request, status int, d *uregData) error {
	d.Steps = uregSteps
	d.Hint = s.Policy.Hint()
	return s.render(w, r, status, "ureg", "法定代表人注册", "", d)
}

// uregStartShow is step 1, empty, with 居民身份证 chosen. After a timed-out
// registration it says so (?timeout=1).
func (s *Server) uregStartShow(w http.ResponseWriter, r *http.Request) error {
	f := newForm(r)
	f.Values.Set(unitreg.FieldIDType, string(ident.IDTypeResident))
	d := &uregData{Step: 1, Form: f}
	if r.URL.Query().Get("timeout") != "" {
		d.Notice = unitreg.MsgExpired
	}
	return s.uregRender(w, r, http.StatusOK, d)
}

// uregStartPost checks step 1 and starts the flow. Submissions are counted per USCC
// and per client address before anything else (uregStartGate); unitreg.Start itself
// compares nothing with the registry, so every well-formed form gets the same answer.
func (s *Server) uregStartPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := newForm(r)
	d := &uregData{Step: 1, Form: f}
	tk, done, err := s.uregStartGate(w, r, d)
	if done {
		return err
	}
	fl, err := s.UnitRegistration().Start(r.Context(), visitorFrom(r.Context()).Binding, unitreg.UnitInput{
		USCC:         f.Get(unitreg.FieldUSCC),
		Name:         f.Get(unitreg.FieldUnitName),
		IDType:       f.Get(unitreg.FieldIDType),
		IDNumber:     f.Get(unitreg.FieldIDNumber),
		LegalRepName: f.Get(unitreg.FieldLegalRepName),
		Agreed:       f.Get(unitreg.FieldAgreed) != "",
	})
	// A form refused for its fields (or a provider that is down) started nothing:
	// it does not count.
	s.anonDone(r, tk, err == nil)
	if uregFormFailed(f, err) {
		return s.uregRender(w, r, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/register/unit/"+fl.ID, http.StatusSeeOther)
	return nil
}

// Messages of a refused step 1.
const (
	uregMsgCaptcha = "提交次数较多，请先拖动滑块完成拼图验证，再点击“下一步”"
	uregMsgTooMany = "该单位或本网络的注册提交过于频繁，请于 %s 后再试"
)

// uregStartGate counts one step-1 submission per USCC as typed and per client
// address (throttle scopes unit-register, unit-register-addr; every one counts):
// after a few the slider captcha is needed, after more they are refused for a while,
// like logins. When it refuses it has answered (done is true and err is the
// handler's result).
func (s *Server) uregStartGate(w http.ResponseWriter, r *http.Request, d *uregData) (tk throttle.Ticket, done bool, err error) {
	keys := []throttle.Key{
		s.Throttle.AccountKey(throttle.ScopeUnitRegister, d.Form.Get(unitreg.FieldUSCC)),
		s.Throttle.AddrKey(throttle.ScopeUnitRegisterAddr, clientAddr(r)),
	}
	tk, msg, err := s.acsReserve(r, d.Form.Get(captcha.FormField), keys)
	var locked *throttle.LockedError
	switch {
	case err == nil:
		return tk, false, nil
	case errors.Is(err, throttle.ErrCaptchaRequired):
		d.Captcha, d.CaptchaError = true, cmp.Or(msg, uregMsgCaptcha)
		return tk, true, s.uregRender(w, r, http.StatusUnprocessableEntity, d)
	case errors.As(err, &locked):
		s.Log.WarnContext(r.Context(), "unit registration refused: throttle lock", "err", err, "request_id", RequestID(r.Context()))
		d.Form.Top = fmt.Sprintf(uregMsgTooMany, locked.Until.In(shanghai).Format("15:04"))
		return tk, true, s.uregRender(w, r, http.StatusTooManyRequests, d)
	}
	return tk, true, err
}

// uregFormFailed copies a unitreg.FormError into f and reports whether err was one.
func uregFormFailed(f *form, err error) bool { return flowFormFailed[unitreg.FormError](f, err) }

// uregPages is how the registration pages answer the flow's state errors.
var uregPages = flowPages{
	errs: flow.Errors{NotFound: unitreg.ErrNotFound, Expired: unitreg.ErrExpired,
		Completed: unitreg.ErrCompleted, Step: unitreg.ErrStep},
	path:      "/register/unit",
	notFound:  "注册信息不存在或已失效，请重新填写。",
	completed: "该单位注册已完成，请勿重复提交。请使用统一社会信用代码或单位编号登录。",
}

// uregFlowError turns the flow's state errors into answers (flowPages.flowError).
func (s *Server) uregFlowError(w http.ResponseWriter, r *http.Request, flowID string, err error) error {
	return uregPages.flowError(w, r, flowID, err)
}

// uregAgreementShow is 《法人用户注册协议》, linked from step 1.
func (s *Server) uregAgreementShow(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "ureg-agreement", "法人用户注册协议", "", nil)
}
