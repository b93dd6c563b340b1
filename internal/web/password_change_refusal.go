package web

import (
	"errors"
	"net/http"

	"hall/internal/person"
)

// PasswordChangeRefused puts the refusal of a password change (修改密码, whoever's
// password it is) on its page: the slider captcha when the re-authentication asks
// for it first, a wrong current password beside 当前密码, the policy's refusals
// beside their fields with MsgFormTop above the form. refused is false when err is
// nil (the password was changed). When refused, a nil out means "render the form
// again with 422"; otherwise out is the handler's answer (503 when the hasher is
// saturated, or err itself). Refusals a page has of its own are for it to answer
// first.
func PasswordChangeRefused(f *Form, st *ReauthenticationState, err error) (refused bool, out error) {
	if err == nil {
		return false, nil
	}
	var fe *person.FormError
	var cn *CaptchaNeededError
	switch {
	case errors.As(err, &cn):
		st.askCaptcha(cn)
	case errors.Is(err, person.ErrBadCredentials):
		f.Fail(person.FieldCurrentPassword, person.MsgCurrentWrong)
	case errors.As(err, &fe):
		for name, msg := range fe.Fields {
			f.Fail(name, msg)
		}
		f.Top = MsgFormTop
	case errors.Is(err, person.ErrBusy):
		return true, StatusError(http.StatusServiceUnavailable, MsgBusy)
	default:
		return true, err
	}
	return true, nil
}
