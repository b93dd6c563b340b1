package account

import (
	"fmt"
	"hall/internal/web"
	"net/http"
	"time"

	"hall/internal/ident"
)

// The 获取验证码 button of the registration and SMS-login forms is a second submit
// button (name="action" value="Send-code"), so it works without JavaScript: the form
// comes back with what was typed, a notice that the code was sent and the wait before
// another one can be asked for. static/js/sms-code.js only adds the countdown.

// actionSendCode is the value of the 获取验证码 button.
const actionSendCode = "send-code"

// Form field names shared by the SMS forms (the same names person.Field* uses).
const (
	fieldMobile  = "mobile"
	fieldSMSCode = "sms_code"
)

// sMS is what a form shows about its SMS code after a send: the notice under the
// code field and the seconds until the button may be used again (data-sms-wait).
type sMS struct {
	Notice string
	Wait   int
	// Captcha: the send was refused until the slider captcha is solved; the field
	// shows the puzzle and its button submits the whole form (settingsSendGate).
	Captcha bool
}

// codeSent builds the notice for a code sent to mobile (the login form words
// its own: msgLoginCodeSent).
func (s *handler) codeSent(mobile string, wait time.Duration) sMS {
	ttl := s.Codes.Config().TTL
	return sMS{
		Notice: fmt.Sprintf("验证码已发送至%s，%d分钟内有效", ident.MaskMobile(mobile), int(ttl/time.Minute)),
		Wait:   seconds(wait),
	}
}

// seconds rounds a wait up to whole seconds, never below zero.
func seconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

// mobile reads the mobile field, recording a message beside it when it is empty
// or malformed. ok is false then.
func mobile(f *web.Form) (mobile string, ok bool) {
	raw := f.Get(fieldMobile)
	if raw == "" {
		f.Fail(fieldMobile, "请输入手机号码")
		return "", false
	}
	m, err := ident.NormalizeMobile(raw)
	if err != nil {
		f.FailErr(fieldMobile, err, "请输入正确的手机号码")
		return "", false
	}
	return m, true
}

// issue sends a code for purpose to mobile, bound to the visitor's browser, once
// the send has been counted per mobile and per address (settingsSendGate: the captcha or a
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
// sends are withheld but timed alike: sendLoginCode; SPEC §4, no account
// enumeration).
func (s *handler) issue(r *http.Request, f *web.Form, purpose, mobile string, quietResend bool) (sMS, error) {
	return s.settingsIssue(r, f, fieldSMSCode, purpose, mobile, quietResend)
}
