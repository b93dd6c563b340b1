package web

import (
	"fmt"
	"net/http"
	"time"

	"hall/internal/ident"
)

// The 获取验证码 button of the registration and SMS-login forms is a second submit
// button (name="action" value="send-code"), so it works without JavaScript: the form
// comes back with what was typed, a notice that the code was sent and the wait before
// another one can be asked for. static/js/sms.js only adds the countdown.

// acctActionSendCode is the value of the 获取验证码 button.
const acctActionSendCode = "send-code"

// Form field names shared by the SMS forms (the same names person.Field* uses).
const (
	acctFieldMobile  = "mobile"
	acctFieldSMSCode = "sms_code"
)

// acctSMS is what a form shows about its SMS code after a send: the notice under the
// code field and the seconds until the button may be used again (data-sms-wait).
type acctSMS struct {
	Notice string
	Wait   int
	// Captcha: the send was refused until the slider captcha is solved; the field
	// shows the puzzle and its button submits the whole form (acsSendGate).
	Captcha bool
}

// acctCodeSent builds the notice for a code sent to mobile (the login form words
// its own: acctMsgLoginCodeSent).
func (s *Server) acctCodeSent(mobile string, wait time.Duration) acctSMS {
	ttl := s.Codes.Config().TTL
	return acctSMS{
		Notice: fmt.Sprintf("验证码已发送至%s，%d分钟内有效", ident.MaskMobile(mobile), int(ttl/time.Minute)),
		Wait:   acctSeconds(wait),
	}
}

// acctSeconds rounds a wait up to whole seconds, never below zero.
func acctSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// acctMobile reads the mobile field, recording a message beside it when it is empty
// or malformed. ok is false then.
func acctMobile(f *form) (mobile string, ok bool) {
	raw := f.Get(acctFieldMobile)
	if raw == "" {
		f.Fail(acctFieldMobile, "请输入手机号码")
		return "", false
	}
	m, err := ident.NormalizeMobile(raw)
	if err != nil {
		f.FailErr(acctFieldMobile, err, "请输入正确的手机号码")
		return "", false
	}
	return m, true
}

// acctIssue sends a code for purpose to mobile, bound to the visitor's browser, once
// the send has been counted per mobile and per address (acsSendGate: the captcha or a
// refusal when there were too many).
// A refusal a person can act on (resend window, daily limit, too many wrong codes,
// a number the gateway refuses, a gateway that is down, too many sends) is put beside
// the code field and the returned error is nil; the caller re-renders with 422 when
// the form failed. Anything else (database failures, a programming error) is returned.
//
// quietResend answers a send inside the mobile's resend window as if the code had
// been sent (the code sent less than a minute ago is still valid): the login form
// uses it so that a second 获取验证码 inside the window answers as the first did,
// with the remaining countdown, for a mobile with an account and one without (whose
// sends are withheld but timed alike: acctSendLoginCode; SPEC §4, no account
// enumeration).
func (s *Server) acctIssue(r *http.Request, f *form, purpose, mobile string, quietResend bool) (acctSMS, error) {
	return s.acsIssue(r, f, acctFieldSMSCode, purpose, mobile, quietResend)
}
