package account

import (
	"errors"
	"fmt"
	"hall/internal/web"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"hall/internal/flow"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/throttle"
	"hall/internal/upgrade"
	"hall/internal/verify"
)

// 历史单位用户升级 (SPEC R4): one page, "upgrade", draws the five steps under one
// stepper. The rules live in internal/upgrade; these handlers parse, call it and
// render. Step 1 checks a password, so it is a login: admitted like the unit login
// and counted on the same per-account throttle (upgradeKeys).

// upgradeSteps are the stepper's labels.
var upgradeSteps = []string{"验证原账户", "确认单位信息", "设置管理员", "管理员实人认证", "完成升级"}

// Messages of the upgrade pages.
// #nosec G101 -- user-facing messages about passwords, not credentials.
const (
	upgradeMsgBad      = "原单位编号或密码错误"
	upgradeMsgPending  = "管理员尚未完成认证，请使用掌上APP扫描二维码完成认证后再继续。"
	upgradeMsgVerify   = "认证未通过或认证结果已失效，请重新认证。"
	upgradeMsgDoneGone = "升级结果页面已失效。升级已完成的单位请直接登录。"
)

// upgradeData is what the "upgrade" page shows. Step is 1–5.
type upgradeData struct {
	Step int
	Form *web.Form
	// Notice is a message above the form that is not an error of this submission
	// (the previous upgrade timed out).
	Notice string
	View   upgrade.View // steps 2–4
	// Step 1's captcha and pause (the login gate).
	web.GateView
	// Step 4: the QR code, the development link and the long poll.
	QR      template.URL
	DevLink string
	WaitURL string
	// Step 3: the password rule.
	Hint string
	// Step 5.
	Receipt upgrade.Receipt
	// Left is the time left of the ten minutes, in whole seconds (steps 2–4).
	Left int
}

// Verify is what the verify step ("verify-step") says and where it posts.
func (d *upgradeData) Verify() web.VerifyStep {
	return web.VerifyStep{Who: "管理员", FormID: "upg-verified", Continue: "完成升级", FlowPath: "/upgrade/" + d.View.FlowID,
		Hint: "管理员实人认证：请管理员本人登录掌上APP扫码并完成认证。二维码有效期至 " + web.LocalTime(d.View.Session.ExpiresAt) + "。"}
}

// Stepper is the page's step indicator.
func (d *upgradeData) Stepper() web.Stepper {
	return web.Stepper{Label: "升级步骤", Names: upgradeSteps, Current: d.Step}
}

// IDTypeField is the 证件类型 select of step 3.
func (d *upgradeData) IDTypeField() web.Field {
	return d.Form.Field(upgrade.FieldAdminIDType, "证件类型", "select", web.IDTypeOptions()...)
}

// PasswordField is 管理员密码 with the rule as its hint.
func (d *upgradeData) PasswordField() web.Field {
	fd := d.Form.Field(upgrade.FieldPassword, "管理员密码", "password", d.Hint)
	fd.Autocomplete = "new-password"
	return fd
}

// Deadline is the end of the ten minutes in Beijing time.
func (d *upgradeData) Deadline() string { return d.View.ExpiresAt.In(web.Shanghai).Format("15:04:05") }

// LeftText is Left as 分:秒, for the page without JavaScript.
func (d *upgradeData) LeftText() string { return fmt.Sprintf("%02d分%02d秒", d.Left/60, d.Left%60) }

func (s *handler) upgradeRender(w http.ResponseWriter, r *http.Request, status int, d *upgradeData) error {
	d.Hint = s.Policy.Hint()
	if !d.View.ExpiresAt.IsZero() {
		d.Left = max(0, int(d.View.ExpiresAt.Sub(s.Now())/time.Second))
	}
	return s.Render(w, r, status, "upgrade", "历史单位用户升级", "", d)
}

// upgradeStartShow is GET /upgrade: step 1. After a timed-out upgrade it says so.
func (s *handler) upgradeStartShow(w http.ResponseWriter, r *http.Request) error {
	d := &upgradeData{Step: 1, Form: web.NewForm(r)}
	if r.URL.Query().Get("timeout") != "" {
		d.Notice = upgrade.MsgExpired
	}
	s.GateStatus(r, &d.GateView, s.Throttle.AddrKey(throttle.ScopeLoginAddr, web.ClientAddr(r)))
	return s.upgradeRender(w, r, http.StatusOK, d)
}

// upgradeKeys are step 1's throttle counters: the client address and the legacy
// account as typed, under the login scope — AccountKey folds case, white space,
// hyphens and full-width characters, so every spelling of one 单位编号 shares one
// counter, and an unknown number is counted exactly like a known one.
func (s *handler) upgradeKeys(r *http.Request, number string) []throttle.Key {
	return []throttle.Key{
		s.Throttle.AddrKey(throttle.ScopeLoginAddr, web.ClientAddr(r)),
		s.Throttle.AccountKey(throttle.ScopeLoginAccount, "legacy/"+number),
	}
}

// upgradeStartPost is POST /upgrade: the old 单位编号 and password.
func (s *handler) upgradeStartPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	d := &upgradeData{Step: 1, Form: f}
	require(f, [2]string{upgrade.FieldNumber, upgrade.MsgNumberMissing}, [2]string{upgrade.FieldOldPassword, upgrade.MsgPasswordMissing})
	if !f.OK() {
		return s.upgradeRender(w, r, http.StatusUnprocessableEntity, d)
	}
	release, busy, err := s.AdmitLogin(w, r, f, web.AdmissionLegacy)
	defer release()
	if busy {
		return s.upgradeRender(w, r, http.StatusTooManyRequests, d)
	}
	if err != nil {
		return err
	}
	keys := s.upgradeKeys(r, f.Get(upgrade.FieldNumber))
	g := web.GateForm{Form: f, View: &d.GateView, BadMsg: upgradeMsgBad, RecoverURL: web.GateRecoverUnit}
	tk, refused, err := s.GateBegin(r, g, keys)
	if refused {
		return s.upgradeRender(w, r, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return err
	}
	fl, err := s.Upgrade().Start(r.Context(), web.VisitorFrom(r.Context()).Binding, f.Get(upgrade.FieldNumber),
		f.Values.Get(upgrade.FieldOldPassword))
	outcome := err
	switch {
	case errors.Is(err, upgrade.ErrBadCredentials):
		outcome = person.ErrBadCredentials
	case errors.As(err, new(*upgrade.FormError)):
		outcome = nil // the password was right; the refusal is about the unit
	}
	s.GateOutcome(r, tk, outcome)
	switch {
	case errors.Is(err, upgrade.ErrBadCredentials):
		s.GateRefuse(r, g, keys)
		return s.upgradeRender(w, r, http.StatusUnprocessableEntity, d)
	case upgradeFormFailed(f, err):
		return s.upgradeRender(w, r, http.StatusUnprocessableEntity, d)
	case errors.Is(err, person.ErrBusy):
		return web.StatusError(http.StatusServiceUnavailable, web.MsgBusy)
	case err != nil:
		return err
	}
	// #nosec G710 -- the hall's own constant path and a flow id the hall made.
	http.Redirect(w, r, "/upgrade/"+fl.ID, http.StatusSeeOther)
	return nil
}

// upgradeStepOf maps a flow step to the stepper's number.
func upgradeStepOf(step string) int {
	switch step {
	case upgrade.StepConfirm:
		return 2
	case upgrade.StepAdmin:
		return 3
	}
	return 4
}

// upgradeView loads the upgrade's current step into a page.
func (s *handler) upgradeView(r *http.Request, flowID string, f *web.Form) (*upgradeData, error) {
	v, err := s.Upgrade().Get(r.Context(), flowID, web.VisitorFrom(r.Context()).Binding)
	if err != nil {
		return nil, err
	}
	d := &upgradeData{Step: upgradeStepOf(v.Step), Form: f, View: v}
	if v.Step == upgrade.StepAdmin && f.Values.Get(upgrade.FieldAdminIDType) == "" {
		f.Values.Set(upgrade.FieldAdminIDType, string(ident.IDTypeResident))
	}
	if v.Step == upgrade.StepVerify && v.Verification == verify.PagePending {
		if d.QR, d.DevLink, err = s.VerifyQR(v.Session.ID); err != nil {
			return nil, err
		}
	}
	if v.Step == upgrade.StepVerify && (v.Verification == verify.PagePending || v.Verification == verify.PagePassed) {
		d.WaitURL = "/upgrade/wait/" + url.PathEscape(v.FlowID) + "?session=" + url.QueryEscape(v.Session.ID)
	}
	return d, nil
}

// upgradePages is how the upgrade pages answer the flow's state errors.
var upgradePages = web.FlowPages{
	Errors: flow.Errors{NotFound: upgrade.ErrNotFound, Expired: upgrade.ErrExpired,
		Completed: upgrade.ErrCompleted, Step: upgrade.ErrStep},
	Path:      "/upgrade",
	NotFound:  "升级信息不存在或已失效，请重新验证原账户。",
	Completed: "该单位已完成升级，请勿重复提交。请使用统一社会信用代码或单位编号登录。",
}

// upgradeFormFailed copies an upgrade.FormError into f and reports whether err was one.
func upgradeFormFailed(f *web.Form, err error) bool {
	return web.FlowFormFailed[upgrade.FormError](f, err)
}

// upgradeFlowShow is GET /upgrade/{flow}: the step the upgrade is at.
func (s *handler) upgradeFlowShow(w http.ResponseWriter, r *http.Request) error {
	return s.upgradeStepShow(w, r, r.PathValue("flow"), web.NewForm(r), http.StatusOK)
}

// upgradeStepShow draws the upgrade's current step with f (a refused form's
// messages) and status.
func (s *handler) upgradeStepShow(w http.ResponseWriter, r *http.Request, flowID string, f *web.Form, status int) error {
	d, err := s.upgradeView(r, flowID, f)
	if err != nil {
		return upgradePages.FlowError(w, r, flowID, err)
	}
	return s.upgradeRender(w, r, status, d)
}

// upgradeConfirmPost is POST /upgrade/{flow}/confirm: 确认单位信息.
func (s *handler) upgradeConfirmPost(w http.ResponseWriter, r *http.Request) error {
	flowID := r.PathValue("flow")
	if err := s.Upgrade().Confirm(r.Context(), flowID, web.VisitorFrom(r.Context()).Binding); err != nil {
		return upgradePages.FlowError(w, r, flowID, err)
	}
	// #nosec G710 -- the hall's own constant path and a flow id the hall made.
	http.Redirect(w, r, "/upgrade/"+flowID, http.StatusSeeOther)
	return nil
}

// upgradeAdminPost is POST /upgrade/{flow}/admin: 设置管理员.
func (s *handler) upgradeAdminPost(w http.ResponseWriter, r *http.Request) error {
	flowID := r.PathValue("flow")
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	err := s.Upgrade().Nominate(r.Context(), flowID, web.VisitorFrom(r.Context()).Binding, upgrade.AdminInput{
		Name:     f.Get(upgrade.FieldAdminName),
		IDType:   f.Get(upgrade.FieldAdminIDType),
		IDNumber: f.Get(upgrade.FieldAdminIDNumber),
		Mobile:   f.Get(upgrade.FieldAdminMobile),
		Password: f.Values.Get(upgrade.FieldPassword),
		Confirm:  f.Values.Get(upgrade.FieldConfirm),
	})
	if upgradeFormFailed(f, err) {
		return s.upgradeStepShow(w, r, flowID, f, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return upgradePages.FlowError(w, r, flowID, err)
	}
	// #nosec G710 -- the hall's own constant path and a flow id the hall made.
	http.Redirect(w, r, "/upgrade/"+flowID, http.StatusSeeOther)
	return nil
}

// upgradeVerifiedPost is POST /upgrade/{flow}/verified, sent by verify-wait.js when
// the long poll says passed, or by the 我已完成认证 button: it finishes the upgrade.
func (s *handler) upgradeVerifiedPost(w http.ResponseWriter, r *http.Request) error {
	flowID := r.PathValue("flow")
	res, err := s.Upgrade().Verified(r.Context(), flowID, web.VisitorFrom(r.Context()).Binding, web.ClientAddr(r))
	var msg string
	switch {
	case err == nil:
		if res.NoticeErr != nil {
			s.Log.WarnContext(r.Context(), "upgrade: administrator notice not sent", "err", res.NoticeErr,
				"request_id", web.RequestID(r.Context()))
		}
		if res.Receipt == "" {
			return s.upgradeRender(w, r, http.StatusOK, &upgradeData{Step: 5, Form: web.NewForm(r), Receipt: upgrade.Receipt{
				UnitName: res.Unit.Name, USCC: res.Unit.USCC, UnitNumber: res.Unit.UnitNumber,
				Admin: ident.MaskName(res.Admin.Name), AdminMobile: res.Admin.MaskedMobile()}})
		}
		http.Redirect(w, r, "/upgrade/done/"+res.Receipt, http.StatusSeeOther)
		return nil
	case errors.Is(err, upgrade.ErrPending):
		msg = upgradeMsgPending
	case errors.Is(err, upgrade.ErrVerification):
		msg = upgradeMsgVerify
	case errors.As(err, new(*upgrade.FormError)):
		var fe *upgrade.FormError
		errors.As(err, &fe)
		msg = fe.Top
	default:
		return upgradePages.FlowError(w, r, flowID, err)
	}
	d, verr := s.upgradeView(r, flowID, web.NewForm(r))
	if verr != nil {
		return upgradePages.FlowError(w, r, flowID, verr)
	}
	d.Form.Top = msg
	if !errors.Is(err, upgrade.ErrPending) && (d.View.Verification == verify.PagePassed || d.View.Verification == verify.PagePending) {
		// The result cannot finish the flow: no script may submit it again.
		d.WaitURL = ""
		d.View.Verification = verify.PageUsed
	}
	return s.upgradeRender(w, r, http.StatusUnprocessableEntity, d)
}

// upgradeRestartPost is POST /upgrade/{flow}/restart: a new QR code.
func (s *handler) upgradeRestartPost(w http.ResponseWriter, r *http.Request) error {
	return upgradePages.VerifyRestart(w, r, s.Upgrade().RestartVerification, upgradeFormFailed, s.upgradeStepShow)
}

// upgradeWait is GET /upgrade/wait/{flow}?session=…, the long poll of verify-wait.js
// (web.FlowPages.VerifyWait).
func (s *handler) upgradeWait(w http.ResponseWriter, r *http.Request) error {
	return upgradePages.VerifyWait(w, r, s.Log, s.Upgrade().Wait, r.PathValue("flow"), r.URL.Query().Get("session"))
}

// upgradeDoneShow is GET /upgrade/done/{receipt}: 完成升级 with the unit number.
func (s *handler) upgradeDoneShow(w http.ResponseWriter, r *http.Request) error {
	rc, err := s.Upgrade().Receipt(r.Context(), r.PathValue("receipt"), web.VisitorFrom(r.Context()).Binding)
	switch {
	case errors.Is(err, upgrade.ErrNotFound), errors.Is(err, upgrade.ErrExpired):
		return web.StatusError(http.StatusNotFound, upgradeMsgDoneGone)
	case err != nil:
		return err
	}
	return s.upgradeRender(w, r, http.StatusOK, &upgradeData{Step: 5, Form: web.NewForm(r), Receipt: rc})
}
