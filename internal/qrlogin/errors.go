package qrlogin

import (
	"errors"
	"fmt"
	"time"

	"hall/internal/chinatime"
	"hall/internal/delegation"
)

// Error is a refusal a page shows: Code is stable, for programs and logs; Msg is the
// Chinese sentence. The package's sentinels are *Error values; compare with
// errors.Is.
type Error struct {
	Code string
	Msg  string
}

func (e *Error) Error() string { return "qrlogin: " + e.Code }

// Sentinel errors. Each method says which it returns and when.
var (
	// ErrNotFound: no such ticket, or (for the browser's side) one bound to another
	// browser; the cases are indistinguishable on purpose.
	ErrNotFound = &Error{"not_found", "二维码无效，请在电脑上刷新二维码后重新扫描"}
	// ErrExpired: the ticket was not scanned and confirmed in time, or its
	// confirmation was not used in time.
	ErrExpired = &Error{"expired", "二维码已过期，请在电脑上点击“刷新”后重新扫描"}
	// ErrOtherPerson: another person scanned the ticket first; only they may
	// confirm or cancel it.
	ErrOtherPerson = &Error{"other_person", "该二维码已被他人扫描，请在电脑上刷新二维码后重新扫描"}
	// ErrNotScanned: Confirm or Cancel on a ticket nobody has scanned.
	ErrNotScanned = &Error{"not_scanned", "请先使用掌上APP扫描电脑上的二维码"}
	// ErrDecided: the person already confirmed or cancelled this ticket (or it was
	// used to sign in).
	ErrDecided = &Error{"decided", "您已处理过该二维码，如需登录请在电脑上刷新二维码后重新扫描"}
	// ErrUnitChoice: a unit ticket confirmed without a unit, or a personal ticket
	// with one.
	ErrUnitChoice = &Error{"unit_choice", "请选择要登录的单位"}
	// ErrNotUsable: the person may not act for the chosen unit now (no role,
	// pending, outside its validity, revoked). The error wraps the
	// *delegation.Denial, whose message Message returns.
	ErrNotUsable = &Error{"not_usable", "您在该单位的授权当前不可用，不能以该单位身份登录"}
	// ErrPending: Consume before the person confirmed.
	ErrPending = &Error{"pending", "尚未在手机上确认登录"}
	// ErrCancelled: Consume of a ticket the person cancelled.
	ErrCancelled = &Error{"cancelled", "已在手机上取消登录，请刷新二维码后重新扫描"}
	// ErrUsed: Consume of a ticket already used to sign in.
	ErrUsed = &Error{"used", "该二维码已使用，请刷新二维码后重新扫描"}
	// ErrTooManyWaiters: the process already holds Config.MaxWaiters waiting
	// pages; answer 503 and let the page try again a little later.
	ErrTooManyWaiters = &Error{"too_many_waiters", "当前等待扫码的页面过多，请稍后刷新页面重试"}
	// ErrRateLimited is matched by every *RateError.
	ErrRateLimited = &Error{"rate_limited", "二维码刷新过于频繁，请稍后再试"}
	// ErrInvalid: a bad argument (a programming error).
	ErrInvalid = errors.New("qrlogin: invalid argument")
)

// RateError is Create's refusal when the client address has created too many
// tickets: it may create more from Until.
type RateError struct{ Until time.Time }

func (e *RateError) Error() string {
	return "qrlogin: rate limited until " + e.Until.UTC().Format(time.RFC3339)
}

// Is makes errors.Is(e, ErrRateLimited) true.
func (e *RateError) Is(target error) bool { return target == ErrRateLimited }

// Message returns the Chinese sentence for err: a *delegation.Denial's reason
// (ErrNotUsable), a *RateError with its time, an *Error's Msg, or a generic
// sentence for anything else (a database failure, whose details belong in the
// log).
func Message(err error) string {
	var d *delegation.Denial
	if errors.As(err, &d) {
		return d.Msg
	}
	var r *RateError
	if errors.As(err, &r) {
		return fmt.Sprintf("二维码刷新过于频繁，请于 %s 后再试", r.Until.In(chinatime.Zone).Format("15:04"))
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return "系统繁忙，请稍后再试"
}
