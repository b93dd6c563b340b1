package web

import (
	"errors"
	"fmt"
	"net/http"

	"hall/internal/captcha"
	"hall/internal/ident"
	"hall/internal/sms"
	"hall/internal/throttle"
	"hall/internal/unitreg"
)

// Every 获取验证码 is counted per mobile and per client address (throttle scopes
// sms-send and sms-send-addr) on top of the sms package's own limits (60 s between
// codes, a daily count): after a few sends the slider captcha is asked for, after
// more the mobile or address is refused for a while. The count is taken before the
// code is sent, so concurrent requests cannot pass the limit.

// Messages of a refused send, shown beside the code field.
const (
	acsMsgSendCaptcha = "获取验证码次数较多，请先拖动滑块完成拼图验证，再点击“获取验证码”"
	acsMsgSendLocked  = "获取验证码过于频繁，请于 %s 后再试"
)

// acsSendKeys are the throttle keys of one send to mobile.
func (s *Server) acsSendKeys(r *http.Request, mobile string) []throttle.Key {
	return []throttle.Key{
		s.Throttle.AccountKey(throttle.ScopeSMSSend, mobile),
		s.Throttle.AddrKey(throttle.ScopeSMSSendAddr, clientAddr(r)),
	}
}

// acsSendGate reserves one send to mobile before anything is looked up or sent.
// When ok is false the form has its answer beside field (the captcha is needed,
// or the mobile or address is refused until a time), and st asks the page for the
// captcha; err is a database failure (fail closed: send nothing).
func (s *Server) acsSendGate(r *http.Request, f *form, field, mobile string) (tk throttle.Ticket, st acctSMS, ok bool, err error) {
	tk, msg, err := s.acsReserve(r, f.Get(captcha.FormField), s.acsSendKeys(r, mobile))
	var locked *throttle.LockedError
	switch {
	case err == nil:
		return tk, acctSMS{}, true, nil
	case errors.Is(err, throttle.ErrCaptchaRequired):
		if msg == "" {
			msg = acsMsgSendCaptcha
		}
		f.Fail(field, msg)
		return tk, acctSMS{Captcha: true}, false, nil
	case errors.As(err, &locked):
		s.Log.WarnContext(r.Context(), "sms send refused: throttle lock", "err", err, "request_id", RequestID(r.Context()))
		f.Fail(field, fmt.Sprintf(acsMsgSendLocked, locked.Until.In(shanghai).Format("15:04")))
		return tk, acctSMS{}, false, nil
	}
	return tk, acctSMS{}, false, err
}

// acsSendDone reports a reserved send: kept when a code went out (or the answer
// said so), given back when nothing was sent.
func (s *Server) acsSendDone(r *http.Request, tk throttle.Ticket, sent bool) {
	s.ticketDone(r, tk, sent, "sms send throttle outcome")
}

// acsIssue is acctIssue with the message beside field and the send counted first
// (acsSendGate). See acctIssue for what comes back.
func (s *Server) acsIssue(r *http.Request, f *form, field, purpose, mobile string, quietResend bool) (acctSMS, error) {
	tk, st, ok, err := s.acsSendGate(r, f, field, mobile)
	if !ok || err != nil {
		return st, err
	}
	return s.acsIssueReserved(r, f, tk, field, sms.Request{Purpose: purpose, Mobile: mobile}, quietResend)
}

// acsIssueReserved sends the code of req (purpose, mobile, and Withhold when it is
// not to go out) for a send acsSendGate has counted, bound to the visitor's browser,
// and reports the outcome to tk.
func (s *Server) acsIssueReserved(r *http.Request, f *form, tk throttle.Ticket, field string, req sms.Request, quietResend bool) (acctSMS, error) {
	mobile := req.Mobile
	req.Binding, req.ClientAddr = visitorFrom(r.Context()).Binding, clientAddr(r)
	iss, err := s.Codes.Issue(r.Context(), req)
	var fe *ident.FieldError
	var re *sms.RateError
	quiet := errors.As(err, &re) && quietResend && re.Reason == sms.ReasonResend
	// A quiet answer counts as a send: the login form must count a mobile with an
	// account exactly like one without, which is never texted.
	s.acsSendDone(r, tk, err == nil || quiet)
	switch {
	case err == nil:
		return s.acctCodeSent(mobile, iss.ResendAt.Sub(s.Now())), nil
	case quiet:
		return s.acctCodeSent(mobile, re.RetryAfter), nil
	case errors.As(err, &re):
		f.Fail(field, sms.UserMessage(err))
		return acctSMS{Wait: acctSeconds(re.RetryAfter)}, nil
	case errors.As(err, &fe), errors.Is(err, sms.ErrUndeliverable), errors.Is(err, sms.ErrUnavailable):
		f.Fail(field, sms.UserMessage(err))
		return acctSMS{}, nil
	}
	return acctSMS{}, err
}

// acsUregSendGate counts a 获取验证码 of unit registration's account step
// (ureg_flow.go). The code goes to the mobile typed, or, when the legal rep has a
// personal account, to its mobile, which the flow (bound to that person) stands for.
// When the send is refused it has answered: done is true and err the handler's
// result.
func (s *Server) acsUregSendGate(w http.ResponseWriter, r *http.Request, flowID string, f *form) (tk throttle.Ticket, done bool, err error) {
	mobile := f.Get(unitreg.FieldMobile)
	if mobile == "" {
		mobile = "ureg/" + flowID
	}
	tk, st, ok, err := s.acsSendGate(r, f, unitreg.FieldSMSCode, mobile)
	if err != nil || ok {
		return tk, err != nil, err
	}
	d, err := s.uregView(r, flowID, f)
	if err != nil {
		return tk, true, s.uregFlowError(w, r, flowID, err)
	}
	d.SMS.Captcha = st.Captcha
	return tk, true, s.uregRender(w, r, http.StatusUnprocessableEntity, d)
}
