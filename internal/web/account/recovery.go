package account

import (
	"errors"
	"hall/internal/web"
	"html/template"
	"net/http"
	"net/url"

	"hall/internal/captcha"
	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/recovery"
)

// Password recovery (找回密码, SPEC P1): one page, "recovery", draws the five
// steps under one stepper, with the tabs 单位用户 / 个人用户 on the first. The rules
// live in internal/recovery; these handlers parse, call it and render.

// recoverySteps are the stepper's labels (seed: 填写账号信息 → 拖动滑块完成拼图 → 人脸识别 →
// 设置新密码 → 完成修改).
var recoverySteps = []string{"填写账号信息", "拖动滑块完成拼图", "人脸识别验证", "设置新密码", "完成修改"}

// recoveryData is what the "recovery" page shows. Step is 1–5.
type recoveryData struct {
	Step int
	// Tab is the account kind of step 1 and of 完成修改: "Unit" or "Person".
	Tab  string
	Form *web.Form
	// Notice is a message above the form that is not an error of this submission.
	Notice string
	View   recovery.View // steps 2–4

	// Step 3: the QR code of the verification link, the link itself (development
	// only), and the long-poll URL; NoAccount is the message when the face step
	// passed but there is no such account.
	QR        template.URL
	DevLink   string
	WaitURL   string
	NoAccount string

	// Step 4: the password rule; Stale offers a new verification when the passed
	// one can no longer be used.
	Hint  string
	Stale bool
}

// Stepper is the page's step indicator.
func (d *recoveryData) Stepper() web.Stepper {
	return web.Stepper{Label: "找回密码步骤", Names: recoverySteps, Current: d.Step}
}

// IDTypeField is the 证件类型 select. Every type is offered, so that a person with a
// type that is not served online learns where to go (the message beside it).
func (d *recoveryData) IDTypeField() web.Field {
	return d.Form.Field(recovery.FieldIDType, "证件类型", "select", web.IDTypeOptions()...)
}

// RoleLabel names the role whose password step 4 sets.
func (d *recoveryData) RoleLabel() string {
	if d.View.Role == "" {
		return ""
	}
	return d.View.Role.Label()
}

// recoveryTab reads a tab parameter: anything but "Person" is the unit tab, the hall being
// first of all for units.
func recoveryTab(s string) string {
	if s == string(recovery.KindPerson) {
		return string(recovery.KindPerson)
	}
	return string(recovery.KindUnit)
}

func (s *handler) recoveryRender(w http.ResponseWriter, r *http.Request, status int, d *recoveryData) error {
	d.Hint = s.Policy.Hint()
	return s.Render(w, r, status, "recovery", "找回密码", "", d)
}

// recoveryStartShow is GET /recover: 填写账号信息, empty, 居民身份证 chosen. After a
// timed-out recovery it says so (?timeout=1).
func (s *handler) recoveryStartShow(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	f.Values.Set(recovery.FieldIDType, string(ident.IDTypeResident))
	d := &recoveryData{Step: 1, Tab: recoveryTab(r.URL.Query().Get("tab")), Form: f}
	if r.URL.Query().Get("timeout") != "" {
		d.Notice = recovery.MsgExpired
	}
	return s.recoveryRender(w, r, http.StatusOK, d)
}

// recoveryStartPost is POST /recover: the account form; a flow at the captcha step.
func (s *handler) recoveryStartPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	tab := recoveryTab(f.Get(recovery.FieldKind))
	fl, err := s.Recovery().Start(r.Context(), web.VisitorFrom(r.Context()).Binding, web.ClientAddr(r), recovery.Input{
		Kind:     tab,
		USCC:     f.Get(recovery.FieldUSCC),
		IDType:   f.Get(recovery.FieldIDType),
		IDNumber: f.Get(recovery.FieldIDNumber),
		Name:     f.Get(recovery.FieldName),
	})
	d := &recoveryData{Step: 1, Tab: tab, Form: f}
	switch {
	case recoveryFormFailed(f, err):
		return s.recoveryRender(w, r, http.StatusUnprocessableEntity, d)
	case errors.Is(err, recovery.ErrTooMany):
		var tooMany *recovery.TooManyError
		if errors.As(err, &tooMany) {
			web.SetRetryAfter(w, tooMany.Until, s.Now())
		}
		f.Top = recovery.MsgTooMany
		return s.recoveryRender(w, r, http.StatusTooManyRequests, d)
	case err != nil:
		return err
	}
	// #nosec G710 -- the hall's own constant path and a flow id the hall made.
	http.Redirect(w, r, "/recover/"+fl.ID, http.StatusSeeOther)
	return nil
}

// recoveryView loads the flow's current step into a page.
func (s *handler) recoveryView(r *http.Request, flowID string, f *web.Form) (*recoveryData, error) {
	v, err := s.Recovery().Get(r.Context(), flowID, web.VisitorFrom(r.Context()).Binding)
	if err != nil {
		return nil, err
	}
	d := &recoveryData{Form: f, View: v, Tab: string(v.Kind)}
	switch v.Step {
	case recovery.StepCaptcha:
		d.Step = 2
	case recovery.StepVerify:
		d.Step = 3
		if v.Verification == recovery.VerifyPending {
			if d.QR, d.DevLink, err = s.VerifyQR(v.Session.ID); err != nil {
				return nil, err
			}
		}
		if v.Verification == recovery.VerifyPending || v.Verification == recovery.VerifyPassed {
			d.WaitURL = "/recover/" + url.PathEscape(v.FlowID) + "/wait?session=" + url.QueryEscape(v.Session.ID)
		}
	case recovery.StepNoAccount:
		d.Step, d.NoAccount = 3, v.NoAccount
	default:
		d.Step = 4
	}
	return d, nil
}

// recoveryFlowShow is GET /recover/{flow}: the step the recovery is at.
func (s *handler) recoveryFlowShow(w http.ResponseWriter, r *http.Request) error {
	return s.recoveryStepShow(w, r, r.PathValue("flow"), web.NewForm(r), http.StatusOK)
}

// recoveryStepShow draws the recovery's current step with f (a refused form's
// messages) and status.
func (s *handler) recoveryStepShow(w http.ResponseWriter, r *http.Request, flowID string, f *web.Form, status int) error {
	d, err := s.recoveryView(r, flowID, f)
	if err != nil {
		return s.recoveryFlowError(w, r, flowID, err)
	}
	return s.recoveryRender(w, r, status, d)
}

// recoveryCaptchaPost is POST /recover/{flow}/captcha: 下一步 after the slider, with the
// widget's pass token.
func (s *handler) recoveryCaptchaPost(w http.ResponseWriter, r *http.Request) error {
	flowID := r.PathValue("flow")
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	err := s.Recovery().PassCaptcha(r.Context(), flowID, web.VisitorFrom(r.Context()).Binding, f.Get(captcha.FormField))
	if recoveryFormFailed(f, err) {
		status := http.StatusUnprocessableEntity
		if f.Errors[recovery.FieldCaptcha] == "" {
			status = http.StatusServiceUnavailable // the verification provider
		} else {
			f.Top = ""
		}
		return s.recoveryStepShow(w, r, flowID, f, status)
	}
	if err != nil {
		return s.recoveryFlowError(w, r, flowID, err)
	}
	// #nosec G710 -- the hall's own constant path and a flow id the hall made.
	http.Redirect(w, r, "/recover/"+flowID, http.StatusSeeOther)
	return nil
}

// recoveryVerifiedPost is POST /recover/{flow}/verified, sent by verify-wait.js when the
// long poll says passed, or by the 我已完成认证 button without JavaScript.
func (s *handler) recoveryVerifiedPost(w http.ResponseWriter, r *http.Request) error {
	flowID := r.PathValue("flow")
	err := s.Recovery().Verified(r.Context(), flowID, web.VisitorFrom(r.Context()).Binding)
	var msg string
	switch {
	case err == nil:
		// #nosec G710 -- the hall's own constant path and a flow id the hall made.
		http.Redirect(w, r, "/recover/"+flowID, http.StatusSeeOther)
		return nil
	case errors.Is(err, recovery.ErrPending):
		msg = "尚未完成人脸识别，请使用掌上APP扫描二维码完成认证后再继续。"
	case errors.Is(err, recovery.ErrVerification):
		msg = "人脸识别未通过或认证结果已失效，请重新认证。"
	default:
		return s.recoveryFlowError(w, r, flowID, err)
	}
	d, verr := s.recoveryView(r, flowID, web.NewForm(r))
	if verr != nil {
		return s.recoveryFlowError(w, r, flowID, verr)
	}
	d.Form.Top = msg
	if errors.Is(err, recovery.ErrVerification) && d.View.Verification != recovery.VerifyFailed && d.View.Verification != recovery.VerifyExpired {
		// The result cannot move the flow on: no script may submit it again.
		d.WaitURL, d.QR, d.View.Verification = "", "", recovery.VerifyUsed
	}
	return s.recoveryRender(w, r, http.StatusUnprocessableEntity, d)
}

// recoveryRestartPost is POST /recover/{flow}/restart: a new QR code.
func (s *handler) recoveryRestartPost(w http.ResponseWriter, r *http.Request) error {
	return recoveryPages.VerifyRestart(w, r, s.Recovery().RestartVerification, recoveryFormFailed, s.recoveryStepShow)
}

// recoveryPasswordPost is POST /recover/{flow}: 设置新密码.
func (s *handler) recoveryPasswordPost(w http.ResponseWriter, r *http.Request) error {
	flowID := r.PathValue("flow")
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	res, err := s.Recovery().Finish(r.Context(), flowID, web.VisitorFrom(r.Context()).Binding, recovery.NewPassword{
		Password:   f.Values.Get(recovery.FieldPassword),
		Confirm:    f.Values.Get(recovery.FieldConfirm),
		ClientAddr: web.ClientAddr(r),
		RequestID:  web.RequestID(r.Context()),
	})
	stale := errors.Is(err, recovery.ErrVerification)
	if stale {
		f.Top = "人脸识别结果已超过有效时间，请重新进行人脸识别后再设置新密码。"
	}
	if recoveryFormFailed(f, err) || stale {
		d, verr := s.recoveryView(r, flowID, f)
		if verr != nil {
			return s.recoveryFlowError(w, r, flowID, verr)
		}
		d.Stale = stale
		return s.recoveryRender(w, r, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return s.recoveryFlowError(w, r, flowID, err)
	}
	s.NotifyPasswordReset(r, res)
	http.Redirect(w, r, "/recover/done?tab="+string(res.Kind), http.StatusSeeOther)
	return nil
}

// recoveryDoneShow is GET /recover/done: 完成修改, with the way to log in.
func (s *handler) recoveryDoneShow(w http.ResponseWriter, r *http.Request) error {
	return s.recoveryRender(w, r, http.StatusOK, &recoveryData{Step: 5, Tab: recoveryTab(r.URL.Query().Get("tab")), Form: web.NewForm(r)})
}

// recoveryWait is GET /recover/{flow}/wait?session=…, the long poll of verify-wait.js
// (web.FlowPages.VerifyWait).
func (s *handler) recoveryWait(w http.ResponseWriter, r *http.Request) error {
	return recoveryPages.VerifyWait(w, r, s.Log, s.Recovery().Wait, r.PathValue("flow"), r.URL.Query().Get("session"))
}

// recoveryFormFailed copies a recovery.FormError into f and reports whether err was one.
func recoveryFormFailed(f *web.Form, err error) bool {
	return web.FlowFormFailed[recovery.FormError](f, err)
}

// recoveryPages is how the recovery pages answer the flow's state errors.
var recoveryPages = web.FlowPages{
	Errors: flow.Errors{NotFound: recovery.ErrNotFound, Expired: recovery.ErrExpired,
		Completed: recovery.ErrCompleted, Step: recovery.ErrStep},
	Path:      "/recover",
	NotFound:  "找回密码信息不存在或已失效，请重新填写账号信息。",
	Completed: "密码已修改完成，请勿重复提交。请使用新密码登录。",
}

// recoveryFlowError turns the flow's state errors into answers (FlowPages.FlowError), and
// an account that changed meanwhile into a plain page.
func (s *handler) recoveryFlowError(w http.ResponseWriter, r *http.Request, flowID string, err error) error {
	if errors.Is(err, recovery.ErrNoAccount) {
		return web.StatusError(http.StatusConflict, "该账户的状态已发生变化，无法修改密码。请重新找回密码，或到人社经办窗口办理。")
	}
	return recoveryPages.FlowError(w, r, flowID, err)
}
