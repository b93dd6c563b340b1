package sms

import (
	"errors"
	"fmt"
	"time"

	"hall/internal/ident"
)

// Codes of the *ident.FieldError values this package returns.
const (
	CodeCodeInvalid     = "sms_code_invalid"
	CodeCodeExpired     = "sms_code_expired"
	CodeTooManyAttempts = "sms_too_many_attempts"
	CodeTooSoon         = "sms_too_soon"
	CodeDailyLimit      = "sms_daily_limit"
)

// Errors of Check and Issue that a person can act on. They are *ident.FieldError
// values, so a form shows them next to the code field like any other field error
// (errors.As(err, &fe) → fe.Msg), and errors.Is matches them by Code. Check and
// Issue return them wrapped in a value that also has FieldMessage() string (the
// message), as do *RateError values.
var (
	// ErrCodeInvalid: the code is wrong, malformed, already used, or no code was
	// issued for this (purpose, binding, mobile).
	ErrCodeInvalid = &ident.FieldError{Code: CodeCodeInvalid, Msg: "验证码错误"}
	// ErrCodeExpired: the flow's current code is older than the TTL.
	ErrCodeExpired = &ident.FieldError{Code: CodeCodeExpired, Msg: "验证码已过期，请重新获取"}
	// ErrTooManyAttempts: MaxAttempts wrong codes were entered in this flow.
	ErrTooManyAttempts = &ident.FieldError{Code: CodeTooManyAttempts, Msg: "验证码错误次数过多，请重新获取"}
	// ErrTooSoon: the resend window of the mobile is still open. Issue returns it as a
	// *RateError that carries the wait.
	ErrTooSoon = &ident.FieldError{Code: CodeTooSoon, Msg: "验证码发送过于频繁，请稍后再试"}
	// ErrDailyLimit: the mobile or the client address has had its codes for the
	// Asia/Shanghai day. Issue returns it as a *RateError.
	ErrDailyLimit = &ident.FieldError{Code: CodeDailyLimit, Msg: "今日验证码发送次数已达上限"}
)

var (
	// ErrUndeliverable is wrapped by Send errors that are a permanent refusal of the
	// message (invalid or blocked number, rejected text): sending it again will not
	// help.
	ErrUndeliverable = errors.New("sms: undeliverable")
	// ErrUnavailable is wrapped by the Gateway's transient errors (timeouts, network
	// failures, 5xx): trying again later may succeed.
	ErrUnavailable = errors.New("sms: gateway unavailable")
	// ErrInvalidRequest is wrapped by the errors Issue returns for a malformed Request
	// (empty binding or client address, bad purpose): a programming error of the
	// caller, not something the person typed.
	ErrInvalidRequest = errors.New("sms: invalid request")
	// ErrNoKeys is returned by Issue and Check when the database has no data keys
	// set (store.DB.UseKeys): a mobile's flows and send rate are found by its blind
	// index (mobileIndex), which needs them.
	ErrNoKeys = errors.New("sms: no data key set on the database")
)

// RateReason says which limit a RateError hit.
type RateReason string

const (
	ReasonResend       RateReason = "resend"        // the mobile's resend window
	ReasonMobileDaily  RateReason = "mobile_daily"  // codes per mobile per day
	ReasonAddressDaily RateReason = "address_daily" // codes per client address per day
)

// RateError is Issue's refusal because of a send limit. errors.Is matches ErrTooSoon
// for ReasonResend and ErrDailyLimit for the daily reasons; errors.As into an
// *ident.FieldError gives the message with the wait filled in.
type RateError struct {
	RetryAfter time.Duration // how long until a send would be accepted
	Reason     RateReason
}

func (e *RateError) Error() string {
	return fmt.Sprintf("sms: rate limited (%s), retry after %s", e.Reason, e.RetryAfter)
}

// Is makes a RateError match its sentinel (ErrTooSoon or ErrDailyLimit), or any
// *ident.FieldError with the same Code, as ident's errors do.
func (e *RateError) Is(target error) bool {
	fe, ok := target.(*ident.FieldError)
	return ok && fe.Code == e.fieldError().Code
}

// As fills an **ident.FieldError with the message for this refusal.
func (e *RateError) As(target any) bool {
	p, ok := target.(**ident.FieldError)
	if !ok {
		return false
	}
	*p = e.fieldError()
	return true
}

func (e *RateError) fieldError() *ident.FieldError {
	if e.Reason == ReasonResend {
		secs := int64((e.RetryAfter + time.Second - 1) / time.Second)
		secs = max(secs, 1)
		return &ident.FieldError{Code: CodeTooSoon, Msg: fmt.Sprintf("验证码发送过于频繁，请%d秒后再试", secs)}
	}
	return ErrDailyLimit
}

// fieldError is how Check and Issue return a field error: it unwraps to the
// *ident.FieldError sentinel (so errors.Is and errors.As work as for ident's own
// errors) and has FieldMessage, the method the account packages look for to show a
// message beside the code field.
type fieldError struct{ fe *ident.FieldError }

func (e fieldError) Error() string        { return e.fe.Error() }
func (e fieldError) Unwrap() error        { return e.fe }
func (e fieldError) FieldMessage() string { return e.fe.Msg }

// field wraps fe for returning.
func field(fe *ident.FieldError) error { return fieldError{fe} }

// FieldMessage returns the message to show beside the code field.
func (e *RateError) FieldMessage() string { return e.fieldError().Msg }

// Messages for errors that are not field errors.
const (
	msgUndeliverable = "短信无法发送到该手机号码，请核对后重试"
	msgSendFailed    = "短信发送失败，请稍后再试"
	msgBusy          = "系统繁忙，请稍后再试"
)

// UserMessage returns the Simplified Chinese text to show a person for an error of
// this package (or of ident, such as an invalid mobile): the field message of a
// FieldError or RateError, a sending failure message for ErrUndeliverable and
// ErrUnavailable, and a generic "busy" message for anything else (database failures),
// whose details belong in the log only. It returns "" for nil.
//
// (The helper is not called Message because Message is the type of an SMS.)
func UserMessage(err error) string {
	if err == nil {
		return ""
	}
	var re *RateError
	if errors.As(err, &re) {
		return re.fieldError().Msg
	}
	var fe *ident.FieldError
	if errors.As(err, &fe) {
		return fe.Msg
	}
	switch {
	case errors.Is(err, ErrUndeliverable):
		return msgUndeliverable
	case errors.Is(err, ErrUnavailable):
		return msgSendFailed
	}
	return msgBusy
}
