package account

import (
	"errors"
	"fmt"
	"hall/internal/web"
	"net/http"

	"hall/internal/captcha"
	"hall/internal/ident"
	"hall/internal/sms"
	"hall/internal/throttle"
	"hall/internal/unitreg"
)

// Every 获取验证码 is counted per mobile and per client address (throttle scopes
// sms-Send and sms-Send-addr) on top of the sms package's own limits (60 s between
// codes, a daily count): after a few sends the slider captcha is asked for, after
// more the mobile or address is refused for a while. The count is taken before the
// code is sent, so concurrent requests cannot pass the limit.

// Messages of a refused send, shown beside the code field.
const (
	settingsMsgSendCaptcha = "获取验证码次数较多，请先拖动滑块完成拼图验证，再点击“获取验证码”"
	settingsMsgSendLocked  = "获取验证码过于频繁，请于 %s 后再试"
)

// settingsSendKeys are the throttle keys of one send to mobile.
func (s *handler) settingsSendKeys(r *http.Request, mobile string) []throttle.Key {
	return []throttle.Key{
		s.Throttle.AccountKey(throttle.ScopeSMSSend, mobile),
		s.Throttle.AddrKey(throttle.ScopeSMSSendAddr, web.ClientAddr(r)),
	}
}

// settingsSendGate reserves one send to mobile before anything is looked up or sent.
// When ok is false the form has its answer beside field (the captcha is needed,
// or the mobile or address is refused until a time), and st asks the page for the
// captcha; err is a database failure (fail closed: send nothing).
func (s *handler) settingsSendGate(r *http.Request, f *web.Form, field, mobile string) (tk throttle.Ticket, st sMS, ok bool, err error) {
	tk, msg, err := s.ReauthenticationReserve(r, f.Get(captcha.FormField), s.settingsSendKeys(r, mobile))
	var locked *throttle.LockedError
	switch {
	case err == nil:
		return tk, sMS{}, true, nil
	case errors.Is(err, throttle.ErrCaptchaRequired):
		if msg == "" {
			msg = settingsMsgSendCaptcha
		}
		f.Fail(field, msg)
		return tk, sMS{Captcha: true}, false, nil
	case errors.As(err, &locked):
		s.Log.WarnContext(r.Context(), "sms send refused: throttle lock", "err", err, "request_id", web.RequestID(r.Context()))
		f.Fail(field, fmt.Sprintf(settingsMsgSendLocked, locked.Until.In(web.Shanghai).Format("15:04")))
		return tk, sMS{}, false, nil
	}
	return tk, sMS{}, false, err
}

// settingsSendDone reports a reserved send: kept when a code went out (or the answer
// said so), given back when nothing was sent.
func (s *handler) settingsSendDone(r *http.Request, tk throttle.Ticket, sent bool) {
	s.TicketDone(r, tk, sent, "sms send throttle outcome")
}

// settingsIssue is issue with the message beside field and the send counted first
// (settingsSendGate). See issue for what comes back.
func (s *handler) settingsIssue(r *http.Request, f *web.Form, field, purpose, mobile string, quietResend bool) (sMS, error) {
	tk, st, ok, err := s.settingsSendGate(r, f, field, mobile)
	if !ok || err != nil {
		return st, err
	}
	return s.settingsIssueReserved(r, f, tk, field, sms.Request{Purpose: purpose, Mobile: mobile}, quietResend)
}

// settingsIssueReserved sends the code of req (purpose, mobile, and Withhold when it is
// not to go out) for a send settingsSendGate has counted, bound to the visitor's browser,
// and reports the outcome to tk.
func (s *handler) settingsIssueReserved(r *http.Request, f *web.Form, tk throttle.Ticket, field string, req sms.Request, quietResend bool) (sMS, error) {
	mobile := req.Mobile
	req.Binding, req.ClientAddr = web.VisitorFrom(r.Context()).Binding, web.ClientAddr(r)
	iss, err := s.Codes.Issue(r.Context(), req)
	var fe *ident.FieldError
	var re *sms.RateError
	quiet := errors.As(err, &re) && quietResend && re.Reason == sms.ReasonResend
	// A quiet answer counts as a send: the login form must count a mobile with an
	// account exactly like one without, which is never texted.
	s.settingsSendDone(r, tk, err == nil || quiet)
	switch {
	case err == nil:
		return s.codeSent(mobile, iss.ResendAt.Sub(s.Now())), nil
	case quiet:
		return s.codeSent(mobile, re.RetryAfter), nil
	case errors.As(err, &re):
		f.Fail(field, sms.UserMessage(err))
		return sMS{Wait: seconds(re.RetryAfter)}, nil
	case errors.As(err, &fe), errors.Is(err, sms.ErrUndeliverable), errors.Is(err, sms.ErrUnavailable):
		f.Fail(field, sms.UserMessage(err))
		return sMS{}, nil
	}
	return sMS{}, err
}

// settingsUregSendGate counts a 获取验证码 of unit registration's account step
// (ureg_flow.go). The code goes to the mobile typed, or, when the legal rep has a
// personal account, to its mobile, which the flow (bound to that person) stands for.
// When the send is refused it has answered: done is true and err the handler's
// result.
func (s *handler) settingsUregSendGate(w http.ResponseWriter, r *http.Request, flowID string, f *web.Form) (tk throttle.Ticket, done bool, err error) {
	mobile := f.Get(unitreg.FieldMobile)
	if mobile == "" {
		mobile = "ureg/" + flowID
	}
	tk, st, ok, err := s.settingsSendGate(r, f, unitreg.FieldSMSCode, mobile)
	if err != nil || ok {
		return tk, err != nil, err
	}
	d, err := s.unitRegistrationView(r, flowID, f)
	if err != nil {
		return tk, true, s.unitRegistrationFlowError(w, r, flowID, err)
	}
	d.SMS.Captcha = st.Captcha
	return tk, true, s.unitRegistrationRender(w, r, http.StatusUnprocessableEntity, d)
}
