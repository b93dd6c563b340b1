package account

import (
	"cmp"
	"errors"
	"fmt"
	"hall/internal/web"
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
// "unit-registration", draws the four steps under one stepper. The rules live in
// internal/unitreg; these handlers parse, call it and render.

// unitRegistrationSteps are the stepper's labels (seed: 填写单位信息 → 法定代表人认证 → 填写账户信息 →
// 完成注册).
var unitRegistrationSteps = []string{"填写单位信息", "法定代表人认证", "填写账户信息", "完成注册"}

// unitRegistrationData is what the "unit-registration" page shows. Step is 1–4; the fields after it belong to
// one step each.
type unitRegistrationData struct {
	Step int
	Form *web.Form
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
	SMS  unitRegistrationSMS

	// Step 4.
	Receipt unitreg.Receipt

	// Step 1 after a few submissions for one unit or from one address: the slider
	// captcha (unitRegistrationStartGate), with its message.
	Captcha      bool
	CaptchaError string
}

// unitRegistrationSMS is what the 短信验证码 Field shows after a code was sent.
type unitRegistrationSMS struct {
	Notice string
	Wait   int // seconds until another code may be asked for (sms.js counts down)
	// Captcha: too many sends, the field shows the slider captcha (settingsUregSendGate).
	Captcha bool
}

// Verify is what the verify step ("verify-step") says and where it posts.
func (d *unitRegistrationData) Verify() web.VerifyStep {
	return web.VerifyStep{Who: "法定代表人", FormID: "ureg-verified", Continue: "继续填写账户信息", FlowPath: "/register/unit/" + d.View.FlowID,
		Hint: "二维码有效期至 " + web.LocalTime(d.View.Session.ExpiresAt) + "，仅限法定代表人本人使用。"}
}

// Stepper is the page's step indicator.
func (d *unitRegistrationData) Stepper() web.Stepper {
	return web.Stepper{Label: "注册步骤", Names: unitRegistrationSteps, Current: d.Step}
}

// IDTypeField is the 法定代表人证件类型 select.
func (d *unitRegistrationData) IDTypeField() web.Field {
	return d.Form.Field(unitreg.FieldIDType, "法定代表人证件类型", "select", web.IDTypeOptions()...)
}

// PasswordField is 密码 with the rule as its hint (a new password), or 个人账户密码
// (the current password) when the legal rep already has an account.
func (d *unitRegistrationData) PasswordField() web.Field {
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
func (d *unitRegistrationData) MobileTaken() bool {
	return d.Form.Errors[unitreg.FieldMobile] == person.MsgMobileTaken
}

func (s *handler) unitRegistrationRender(w http.ResponseWriter, r *http.Request, status int, d *unitRegistrationData) error {
	d.Hint = s.Policy.Hint()
	return s.Render(w, r, status, "unit-registration", "法定代表人注册", "", d)
}

// unitRegistrationStartShow is step 1, empty, with 居民身份证 chosen. After a timed-out
// registration it says so (?timeout=1).
func (s *handler) unitRegistrationStartShow(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	f.Values.Set(unitreg.FieldIDType, string(ident.IDTypeResident))
	d := &unitRegistrationData{Step: 1, Form: f}
	if r.URL.Query().Get("timeout") != "" {
		d.Notice = unitreg.MsgExpired
	}
	return s.unitRegistrationRender(w, r, http.StatusOK, d)
}

// unitRegistrationStartPost checks step 1 and starts the flow. Submissions are counted per USCC
// and per client address before anything else (unitRegistrationStartGate); unitreg.Start itself
// compares nothing with the registry, so every well-formed form gets the same answer.
func (s *handler) unitRegistrationStartPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	d := &unitRegistrationData{Step: 1, Form: f}
	tk, done, err := s.unitRegistrationStartGate(w, r, d)
	if done {
		return err
	}
	fl, err := s.UnitRegistration().Start(r.Context(), web.VisitorFrom(r.Context()).Binding, unitreg.UnitInput{
		USCC:         f.Get(unitreg.FieldUSCC),
		Name:         f.Get(unitreg.FieldUnitName),
		IDType:       f.Get(unitreg.FieldIDType),
		IDNumber:     f.Get(unitreg.FieldIDNumber),
		LegalRepName: f.Get(unitreg.FieldLegalRepName),
		Agreed:       f.Get(unitreg.FieldAgreed) != "",
	})
	// A Form refused for its fields (or a provider that is down) started nothing:
	// it does not count.
	s.AnonymousDone(r, tk, err == nil)
	if unitRegistrationFormFailed(f, err) {
		return s.unitRegistrationRender(w, r, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/register/unit/"+fl.ID, http.StatusSeeOther)
	return nil
}

// Messages of a refused step 1.
const (
	unitRegistrationMsgCaptcha = "提交次数较多，请先拖动滑块完成拼图验证，再点击“下一步”"
	unitRegistrationMsgTooMany = "该单位或本网络的注册提交过于频繁，请于 %s 后再试"
)

// unitRegistrationStartGate counts one step-1 submission per USCC as typed and per client
// address (throttle scopes unit-register, unit-register-addr; every one counts):
// after a few the slider captcha is needed, after more they are refused for a while,
// like logins. When it refuses it has answered (done is true and err is the
// handler's result).
func (s *handler) unitRegistrationStartGate(w http.ResponseWriter, r *http.Request, d *unitRegistrationData) (tk throttle.Ticket, done bool, err error) {
	keys := []throttle.Key{
		s.Throttle.AccountKey(throttle.ScopeUnitRegister, d.Form.Get(unitreg.FieldUSCC)),
		s.Throttle.AddrKey(throttle.ScopeUnitRegisterAddr, web.ClientAddr(r)),
	}
	tk, msg, err := s.ReauthenticationReserve(r, d.Form.Get(captcha.FormField), keys)
	var locked *throttle.LockedError
	switch {
	case err == nil:
		return tk, false, nil
	case errors.Is(err, throttle.ErrCaptchaRequired):
		d.Captcha, d.CaptchaError = true, cmp.Or(msg, unitRegistrationMsgCaptcha)
		return tk, true, s.unitRegistrationRender(w, r, http.StatusUnprocessableEntity, d)
	case errors.As(err, &locked):
		s.Log.WarnContext(r.Context(), "unit registration refused: throttle lock", "err", err, "request_id", web.RequestID(r.Context()))
		d.Form.Top = fmt.Sprintf(unitRegistrationMsgTooMany, locked.Until.In(web.Shanghai).Format("15:04"))
		web.SetRetryAfter(w, locked.Until, s.Now())
		return tk, true, s.unitRegistrationRender(w, r, http.StatusTooManyRequests, d)
	}
	return tk, true, err
}

// unitRegistrationFormFailed copies a unitreg.FormError into f and reports whether err was one.
func unitRegistrationFormFailed(f *web.Form, err error) bool {
	return web.FlowFormFailed[unitreg.FormError](f, err)
}

// unitRegistrationPages is how the registration pages answer the flow's state errors.
var unitRegistrationPages = web.FlowPages{
	Errors: flow.Errors{NotFound: unitreg.ErrNotFound, Expired: unitreg.ErrExpired,
		Completed: unitreg.ErrCompleted, Step: unitreg.ErrStep},
	Path:      "/register/unit",
	NotFound:  "注册信息不存在或已失效，请重新填写。",
	Completed: "该单位注册已完成，请勿重复提交。请使用统一社会信用代码或单位编号登录。",
}

// unitRegistrationFlowError turns the flow's state errors into answers (FlowPages.FlowError).
func (s *handler) unitRegistrationFlowError(w http.ResponseWriter, r *http.Request, flowID string, err error) error {
	return unitRegistrationPages.FlowError(w, r, flowID, err)
}

// unitRegistrationAgreementShow is 《法人用户注册协议》, linked from step 1.
func (s *handler) unitRegistrationAgreementShow(w http.ResponseWriter, r *http.Request) error {
	return s.Render(w, r, http.StatusOK, "unit-agreement", "法人用户注册协议", "", nil)
}
