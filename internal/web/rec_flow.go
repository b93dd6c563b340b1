package web

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"hall/internal/captcha"
	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/qr"
	"hall/internal/recovery"
	"hall/internal/verify"
)

// Password recovery (找回密码, SPEC P1): one page, "rec-recover", draws the five
// steps under one stepper, with the tabs 单位用户 / 个人用户 on the first. The rules
// live in internal/recovery; these handlers parse, call it and render.

// recSteps are the stepper's labels (seed: 填写账号信息 → 拖动滑块完成拼图 → 人脸识别 →
// 设置新密码 → 完成修改).
var recSteps = []string{"填写账号信息", "拖动滑块完成拼图", "人脸识别验证", "设置新密码", "完成修改"}

// recQRPixels is the side of the verification QR code image, as on unit registration.
const recQRPixels = 264

// recWaitMax is how long one long poll of the face step may wait (see uregWaitMax).
const recWaitMax = 25 * time.Second

// recData is what the "rec-recover" page shows. Step is 1–5.
type recData struct {
	Step  int
	Steps []string
	// Tab is the account kind of step 1 and of 完成修改: "unit" or "person".
	Tab  string
	Form *form
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

// StepClass is the stepper class of step i (0-based).
func (d *recData) StepClass(i int) string {
	n := i + 1
	switch {
	case n < d.Step:
		return "done"
	case n == d.Step && n == len(recSteps):
		return "done current"
	case n == d.Step:
		return "current"
	}
	return ""
}

// IDTypeField is the 证件类型 select. Every type is offered, so that a person with a
// type that is not served online learns where to go (the message beside it).
func (d *recData) IDTypeField() field {
	return d.Form.Field(recovery.FieldIDType, "证件类型", "select", idTypeOptions()...)
}

// RoleLabel names the role whose password step 4 sets.
func (d *recData) RoleLabel() string {
	if d.View.Role == "" {
		return ""
	}
	return d.View.Role.Label()
}

// recTab reads a tab parameter: anything but "person" is the unit tab, the hall being
// first of all for units.
func recTab(s string) string {
	if s == string(recovery.KindPerson) {
		return string(recovery.KindPerson)
	}
	return string(recovery.KindUnit)
}

func (s *Server) recRender(w http.ResponseWriter, r *http.Request, status int, d *recData) error {
	d.Steps = recSteps
	d.Hint = s.Policy.Hint()
	return s.render(w, r, status, "rec-recover", "找回密码", "", d)
}

// recStartShow is GET /recover: 填写账号信息, empty, 居民身份证 chosen. After a
// timed-out recovery it says so (?timeout=1).
func (s *Server) recStartShow(w http.ResponseWriter, r *http.Request) error {
	f := newForm(r)
	f.Values.Set(recovery.FieldIDType, string(ident.IDTypeResident))
	d := &recData{Step: 1, Tab: recTab(r.URL.Query().Get("tab")), Form: f}
	if r.URL.Query().Get("timeout") != "" {
		d.Notice = recovery.MsgExpired
	}
	return s.recRender(w, r, http.StatusOK, d)
}

// recStartPost is POST /recover: the account form; a flow at the captcha step.
func (s *Server) recStartPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := newForm(r)
	tab := recTab(f.Get(recovery.FieldKind))
	fl, err := s.Recovery().Start(r.Context(), visitorFrom(r.Context()).Binding, clientAddr(r), recovery.Input{
		Kind:     tab,
		USCC:     f.Get(recovery.FieldUSCC),
		IDType:   f.Get(recovery.FieldIDType),
		IDNumber: f.Get(recovery.FieldIDNumber),
		Name:     f.Get(recovery.FieldName),
	})
	d := &recData{Step: 1, Tab: tab, Form: f}
	switch {
	case recFormFailed(f, err):
		return s.recRender(w, r, http.StatusUnprocessableEntity, d)
	case errors.Is(err, recovery.ErrTooMany):
		f.Top = recovery.MsgTooMany
		return s.recRender(w, r, http.StatusTooManyRequests, d)
	case err != nil:
		return err
	}
	http.Redirect(w, r, "/recover/"+fl.ID, http.StatusSeeOther)
	return nil
}

// recView loads the flow's current step into a page.
func (s *Server) recView(r *http.Request, flowID string, f *form) (*recData, error) {
	v, err := s.Recovery().Get(r.Context(), flowID, visitorFrom(r.Context()).Binding)
	if err != nil {
		return nil, err
	}
	d := &recData{Form: f, View: v, Tab: string(v.Kind)}
	switch v.Step {
	case recovery.StepCaptcha:
		d.Step = 2
	case recovery.StepVerify:
		d.Step = 3
		if v.Verification == recovery.VerifyPending {
			link := verify.Link(s.Config.BaseURL, v.Session.ID)
			if d.QR, err = qr.DataURL(link, recQRPixels); err != nil {
				return nil, err
			}
			if s.DevVerify != nil {
				d.DevLink = link
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

// recFlowShow is GET /recover/{flow}: the step the recovery is at.
func (s *Server) recFlowShow(w http.ResponseWriter, r *http.Request) error {
	flowID := r.PathValue("flow")
	d, err := s.recView(r, flowID, newForm(r))
	if err != nil {
		return s.recFlowError(w, r, flowID, err)
	}
	return s.recRender(w, r, http.StatusOK, d)
}

// recCaptchaPost is POST /recover/{flow}/captcha: 下一步 after the slider, with the
// widget's pass token.
func (s *Server) recCaptchaPost(w http.ResponseWriter, r *http.Request) error {
	flowID := r.PathValue("flow")
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := newForm(r)
	err := s.Recovery().PassCaptcha(r.Context(), flowID, visitorFrom(r.Context()).Binding, f.Get(captcha.FormField))
	if recFormFailed(f, err) {
		d, verr := s.recView(r, flowID, f)
		if verr != nil {
			return s.recFlowError(w, r, flowID, verr)
		}
		status := http.StatusUnprocessableEntity
		if f.Errors[recovery.FieldCaptcha] == "" {
			status = http.StatusServiceUnavailable // the verification provider
		} else {
			f.Top = ""
		}
		return s.recRender(w, r, status, d)
	}
	if err != nil {
		return s.recFlowError(w, r, flowID, err)
	}
	http.Redirect(w, r, "/recover/"+flowID, http.StatusSeeOther)
	return nil
}

// recVerifiedPost is POST /recover/{flow}/verified, sent by verify-wait.js when the
// long poll says passed, or by the 我已完成认证 button without JavaScript.
func (s *Server) recVerifiedPost(w http.ResponseWriter, r *http.Request) error {
	flowID := r.PathValue("flow")
	err := s.Recovery().Verified(r.Context(), flowID, visitorFrom(r.Context()).Binding)
	var msg string
	switch {
	case err == nil:
		http.Redirect(w, r, "/recover/"+flowID, http.StatusSeeOther)
		return nil
	case errors.Is(err, recovery.ErrPending):
		msg = "尚未完成人脸识别，请使用掌上APP扫描二维码完成认证后再继续。"
	case errors.Is(err, recovery.ErrVerification):
		msg = "人脸识别未通过或认证结果已失效，请重新认证。"
	default:
		return s.recFlowError(w, r, flowID, err)
	}
	d, verr := s.recView(r, flowID, newForm(r))
	if verr != nil {
		return s.recFlowError(w, r, flowID, verr)
	}
	d.Form.Top = msg
	if errors.Is(err, recovery.ErrVerification) && d.View.Verification != recovery.VerifyFailed && d.View.Verification != recovery.VerifyExpired {
		// The result cannot move the flow on: no script may submit it again.
		d.WaitURL, d.QR, d.View.Verification = "", "", recovery.VerifyUsed
	}
	return s.recRender(w, r, http.StatusUnprocessableEntity, d)
}

// recRestartPost is POST /recover/{flow}/restart: a new QR code.
func (s *Server) recRestartPost(w http.ResponseWriter, r *http.Request) error {
	flowID := r.PathValue("flow")
	err := s.Recovery().RestartVerification(r.Context(), flowID, visitorFrom(r.Context()).Binding)
	f := newForm(r)
	if recFormFailed(f, err) {
		d, verr := s.recView(r, flowID, f)
		if verr != nil {
			return s.recFlowError(w, r, flowID, verr)
		}
		return s.recRender(w, r, http.StatusServiceUnavailable, d)
	}
	if err != nil {
		return s.recFlowError(w, r, flowID, err)
	}
	http.Redirect(w, r, "/recover/"+flowID, http.StatusSeeOther)
	return nil
}

// recPasswordPost is POST /recover/{flow}: 设置新密码.
func (s *Server) recPasswordPost(w http.ResponseWriter, r *http.Request) error {
	flowID := r.PathValue("flow")
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := newForm(r)
	res, err := s.Recovery().Finish(r.Context(), flowID, visitorFrom(r.Context()).Binding, recovery.NewPassword{
		Password:   f.Values.Get(recovery.FieldPassword),
		Confirm:    f.Values.Get(recovery.FieldConfirm),
		ClientAddr: clientAddr(r),
		RequestID:  RequestID(r.Context()),
	})
	stale := errors.Is(err, recovery.ErrVerification)
	if stale {
		f.Top = "人脸识别结果已超过有效时间，请重新进行人脸识别后再设置新密码。"
	}
	if recFormFailed(f, err) || stale {
		d, verr := s.recView(r, flowID, f)
		if verr != nil {
			return s.recFlowError(w, r, flowID, verr)
		}
		d.Stale = stale
		return s.recRender(w, r, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return s.recFlowError(w, r, flowID, err)
	}
	s.recNotify(r, res)
	http.Redirect(w, r, "/recover/done?tab="+string(res.Kind), http.StatusSeeOther)
	return nil
}

// recDoneShow is GET /recover/done: 完成修改, with the way to log in.
func (s *Server) recDoneShow(w http.ResponseWriter, r *http.Request) error {
	return s.recRender(w, r, http.StatusOK, &recData{Step: 5, Tab: recTab(r.URL.Query().Get("tab")), Form: newForm(r)})
}

// recWaitAnswer is the JSON of GET /recover/{flow}/wait, shaped as the unit
// registration's, so verify-wait.js serves both.
type recWaitAnswer struct {
	Status string `json:"status"`
}

// recWait is GET /recover/{flow}/wait?session=…, the long poll of verify-wait.js. The
// browser must own the flow and the session must be the flow's current one; anyone
// else gets 404.
func (s *Server) recWait(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), recWaitMax+5*time.Second)
	defer cancel()
	st, err := s.Recovery().Wait(ctx, r.PathValue("flow"), visitorFrom(ctx).Binding, r.URL.Query().Get("session"), recWaitMax)
	status, answer := http.StatusOK, string(st)
	switch {
	case err == nil:
	case errors.Is(err, recovery.ErrNotFound):
		status, answer = http.StatusNotFound, "unknown"
	case errors.Is(err, recovery.ErrExpired):
		answer = string(verify.Expired)
	case errors.Is(err, recovery.ErrCompleted):
		answer = "done"
	case r.Context().Err() != nil:
		return nil // the page went away
	default:
		s.Log.ErrorContext(r.Context(), "recovery wait", "err", err, "request_id", RequestID(r.Context()))
		status, answer = http.StatusInternalServerError, "error"
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(recWaitAnswer{Status: answer})
}

// recFormFailed copies a recovery.FormError into f and reports whether err was one.
func recFormFailed(f *form, err error) bool { return flowFormFailed[recovery.FormError](f, err) }

// recPages is how the recovery pages answer the flow's state errors.
var recPages = flowPages{
	errs: flow.Errors{NotFound: recovery.ErrNotFound, Expired: recovery.ErrExpired,
		Completed: recovery.ErrCompleted, Step: recovery.ErrStep},
	path:      "/recover",
	notFound:  "找回密码信息不存在或已失效，请重新填写账号信息。",
	completed: "密码已修改完成，请勿重复提交。请使用新密码登录。",
}

// recFlowError turns the flow's state errors into answers (flowPages.flowError), and
// an account that changed meanwhile into a plain page.
func (s *Server) recFlowError(w http.ResponseWriter, r *http.Request, flowID string, err error) error {
	if errors.Is(err, recovery.ErrNoAccount) {
		return errStatus(http.StatusConflict, "该账户的状态已发生变化，无法修改密码。请重新找回密码，或到人社经办窗口办理。")
	}
	return recPages.flowError(w, r, flowID, err)
}
