package account

import (
	"errors"
	"fmt"
	"hall/internal/web"
	"net/http"
	"net/url"
	"time"

	"hall/internal/unitreg"
)

// unitRegistrationStepOf maps a flow step to the stepper's number.
func unitRegistrationStepOf(step string) int {
	if step == unitreg.StepAccount {
		return 3
	}
	return 2
}

// unitRegistrationView loads the registration's current step into a page.
func (s *handler) unitRegistrationView(r *http.Request, flowID string, f *web.Form) (*unitRegistrationData, error) {
	v, err := s.UnitRegistration().Get(r.Context(), flowID, web.VisitorFrom(r.Context()).Binding)
	if err != nil {
		return nil, err
	}
	d := &unitRegistrationData{Step: unitRegistrationStepOf(v.Step), Form: f, View: v}
	if v.Step == unitreg.StepVerify && v.Verification == unitreg.VerifyPending {
		if d.QR, d.DevLink, err = s.VerifyQR(v.Session.ID); err != nil {
			return nil, err
		}
	}
	if v.Step == unitreg.StepVerify && (v.Verification == unitreg.VerifyPending || v.Verification == unitreg.VerifyPassed) {
		d.WaitURL = "/verify/" + url.PathEscape(v.Session.ID) + "/wait?flow=" + url.QueryEscape(v.FlowID)
	}
	return d, nil
}

// unitRegistrationStepShow draws the registration's current step with f (a refused
// form's messages) and status.
func (s *handler) unitRegistrationStepShow(w http.ResponseWriter, r *http.Request, flowID string, f *web.Form, status int) error {
	d, err := s.unitRegistrationView(r, flowID, f)
	if err != nil {
		return s.unitRegistrationFlowError(w, r, flowID, err)
	}
	return s.unitRegistrationRender(w, r, status, d)
}

// unitRegistrationFlowShow is GET /register/unit/{flow}: the step the registration is at.
func (s *handler) unitRegistrationFlowShow(w http.ResponseWriter, r *http.Request) error {
	return s.unitRegistrationStepShow(w, r, r.PathValue("flow"), web.NewForm(r), http.StatusOK)
}

// unitRegistrationVerifiedPost is POST /register/unit/{flow}/verified, sent by verify-wait.js when
// the long poll says passed, or by the 我已完成认证 button without JavaScript.
func (s *handler) unitRegistrationVerifiedPost(w http.ResponseWriter, r *http.Request) error {
	flowID := r.PathValue("flow")
	err := s.UnitRegistration().Verified(r.Context(), flowID, web.VisitorFrom(r.Context()).Binding)
	var msg string
	switch {
	case err == nil:
		// #nosec G710 -- the hall's own constant path and a flow id the hall made.
		http.Redirect(w, r, "/register/unit/"+flowID, http.StatusSeeOther)
		return nil
	case errors.Is(err, unitreg.ErrPending):
		msg = "尚未完成认证，请使用掌上APP扫描二维码完成认证后再继续。"
	case errors.Is(err, unitreg.ErrVerification):
		msg = "认证未通过或认证结果已失效，请重新认证。"
	case errors.As(err, new(*unitreg.FormError)):
		return s.unitRegistrationCompareFailed(w, r, flowID, err)
	default:
		return s.unitRegistrationFlowError(w, r, flowID, err)
	}
	d, verr := s.unitRegistrationView(r, flowID, web.NewForm(r))
	if verr != nil {
		return s.unitRegistrationFlowError(w, r, flowID, verr)
	}
	d.Form.Top = msg
	if errors.Is(err, unitreg.ErrVerification) && (d.View.Verification == unitreg.VerifyPassed || d.View.Verification == unitreg.VerifyPending) {
		// The result cannot move the flow on: no script may submit it again.
		d.WaitURL = ""
		d.View.Verification = unitreg.VerifyUsed
	}
	return s.unitRegistrationRender(w, r, http.StatusUnprocessableEntity, d)
}

// unitRegistrationCompareFailed answers a registration whose verified legal rep's claim the
// registry refused (unitreg.Verified): step 1 again with what was typed and the
// message beside the field concerned, so the legal rep corrects it and starts anew.
// A registry that cannot answer keeps the verify step, whose 继续 button tries again.
func (s *handler) unitRegistrationCompareFailed(w http.ResponseWriter, r *http.Request, flowID string, err error) error {
	v, verr := s.UnitRegistration().Get(r.Context(), flowID, web.VisitorFrom(r.Context()).Binding)
	if verr != nil {
		return s.unitRegistrationFlowError(w, r, flowID, verr)
	}
	f := web.NewForm(r)
	var fe *unitreg.FormError
	if errors.As(err, &fe) && fe.Top == unitreg.MsgRegistryUnavailable && len(fe.Fields) == 0 {
		d, verr := s.unitRegistrationView(r, flowID, f)
		if verr != nil {
			return s.unitRegistrationFlowError(w, r, flowID, verr)
		}
		d.Form.Top, d.WaitURL = fe.Top, ""
		return s.unitRegistrationRender(w, r, http.StatusServiceUnavailable, d)
	}
	f.Values.Set(unitreg.FieldUSCC, v.USCC)
	f.Values.Set(unitreg.FieldUnitName, v.UnitName)
	f.Values.Set(unitreg.FieldIDType, string(v.LegalRep.IDType))
	unitRegistrationFormFailed(f, err)
	return s.unitRegistrationRender(w, r, http.StatusUnprocessableEntity, &unitRegistrationData{Step: 1, Form: f})
}

// unitRegistrationRestartPost is POST /register/unit/{flow}/restart: a new QR code.
func (s *handler) unitRegistrationRestartPost(w http.ResponseWriter, r *http.Request) error {
	return unitRegistrationPages.VerifyRestart(w, r, s.UnitRegistration().RestartVerification, unitRegistrationFormFailed, s.unitRegistrationStepShow)
}

// unitRegistrationAccountPost is POST /register/unit/{flow}: the account step's two buttons,
// 获取验证码 (action=send-code) and 完成注册.
func (s *handler) unitRegistrationAccountPost(w http.ResponseWriter, r *http.Request) error {
	flowID := r.PathValue("flow")
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	ctx := r.Context()
	binding := web.VisitorFrom(ctx).Binding
	reg := s.UnitRegistration()

	if f.Get("action") == unitRegistrationActionSendCode {
		// Every send is counted per mobile and address first (acs_sms.go).
		tk, done, err := s.settingsUregSendGate(w, r, flowID, f)
		if done {
			return err
		}
		sent, err := reg.SendCode(ctx, flowID, binding, f.Get(unitreg.FieldMobile), web.ClientAddr(r))
		s.settingsSendDone(r, tk, err == nil)
		failed := unitRegistrationFormFailed(f, err)
		if err != nil && !failed {
			return s.unitRegistrationFlowError(w, r, flowID, err)
		}
		d, err := s.unitRegistrationView(r, flowID, f)
		if err != nil {
			return s.unitRegistrationFlowError(w, r, flowID, err)
		}
		if failed {
			f.Top = "" // the message is beside the field it concerns
			return s.unitRegistrationRender(w, r, http.StatusUnprocessableEntity, d)
		}
		d.SMS = unitRegistrationSMS{
			Notice: fmt.Sprintf("验证码已发送至%s，%d分钟内有效", sent.To, int(sent.ExpiresAt.Sub(s.Now()).Round(time.Minute)/time.Minute)),
			Wait:   max(0, int((sent.ResendAt.Sub(s.Now())+time.Second-1)/time.Second)),
		}
		return s.unitRegistrationRender(w, r, http.StatusOK, d)
	}

	res, err := reg.Finish(ctx, flowID, binding, unitreg.AccountInput{
		Mobile:     f.Get(unitreg.FieldMobile),
		SMSCode:    f.Get(unitreg.FieldSMSCode),
		Password:   f.Values.Get(unitreg.FieldPassword),
		Confirm:    f.Values.Get(unitreg.FieldConfirm),
		ClientAddr: web.ClientAddr(r),
	})
	if unitRegistrationFormFailed(f, err) {
		return s.unitRegistrationStepShow(w, r, flowID, f, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return s.unitRegistrationFlowError(w, r, flowID, err)
	}
	if res.Receipt == "" {
		// The unit is registered but its receipt could not be saved: show it now
		// rather than an error.
		return s.unitRegistrationRender(w, r, http.StatusOK, &unitRegistrationData{Step: 4, Form: f, Receipt: unitreg.Receipt{
			UnitName: res.Unit.Name, USCC: res.Unit.USCC, UnitNumber: res.Unit.UnitNumber, NewAccount: res.NewAccount}})
	}
	http.Redirect(w, r, "/register/unit/done/"+res.Receipt, http.StatusSeeOther)
	return nil
}

// unitRegistrationActionSendCode is the value of the 获取验证码 button.
const unitRegistrationActionSendCode = "send-code"

// unitRegistrationDoneShow is GET /register/unit/done/{receipt}: 完成注册 with the unit number.
func (s *handler) unitRegistrationDoneShow(w http.ResponseWriter, r *http.Request) error {
	rc, err := s.UnitRegistration().Receipt(r.Context(), r.PathValue("receipt"), web.VisitorFrom(r.Context()).Binding)
	switch {
	case errors.Is(err, unitreg.ErrNotFound), errors.Is(err, unitreg.ErrExpired):
		return web.StatusError(http.StatusNotFound, "注册结果页面已失效。注册已完成的单位请直接登录。")
	case err != nil:
		return err
	}
	return s.unitRegistrationRender(w, r, http.StatusOK, &unitRegistrationData{Step: 4, Form: web.NewForm(r), Receipt: rc})
}
