package web

import (
	"errors"
	"net/http"

	"hall/internal/person"
	"hall/internal/throttle"
)

// A password step in front of something a session is about to do: entering a unit
// (unit_enter.go) and changing its delegation (dlg_reauth.go). The page shows one
// password field (and the slider captcha when the throttle asks); its first
// showing carries no field, a submission does. The check goes through acsReauth,
// so every guess counts like a login of the account keys name.

// acsStep is the outcome of acsPasswordStep.
type acsStep int

const (
	// acsStepProved: the password was right; the caller goes on.
	acsStepProved acsStep = iota
	// acsStepAsk: nothing submitted yet; show the page (200).
	acsStepAsk
	// acsStepAgain: the field was empty, or the captcha is needed first; the page
	// again (422) with the message set.
	acsStepAgain
	// acsStepWrong: a wrong password (or a locked account, answered alike); the
	// page again (422) with wrong beside the field.
	acsStepWrong
)

// Status is the page's status for an outcome other than acsStepProved.
func (o acsStep) Status() int {
	if o == acsStepAsk {
		return http.StatusOK
	}
	return http.StatusUnprocessableEntity
}

// acsPasswordStep runs the step for the password in field of f: need is the
// message for an empty field, wrong for a wrong password; st gets the captcha's
// state. Errors (the handler's answer): 503 when the hasher is saturated, and
// failures of the database or captcha store.
func (s *Server) acsPasswordStep(r *http.Request, f *form, st *acsReauthState, field, need, wrong string,
	keys []throttle.Key, check person.Reauth) (acsStep, error) {
	if _, submitted := f.Values[field]; !submitted {
		st.Captcha = s.acsCaptchaStatus(r, keys...)
		return acsStepAsk, nil
	}
	pw := f.Values.Get(field)
	if pw == "" {
		f.Fail(field, need)
		st.Captcha = s.acsCaptchaStatus(r, keys...)
		return acsStepAgain, nil
	}
	err := s.acsReauth(r, f, keys, check)(r.Context(), pw)
	var cn *acsCaptchaNeeded
	switch {
	case err == nil:
		return acsStepProved, nil
	case errors.As(err, &cn):
		st.Captcha, st.CaptchaError = true, cn.Msg
		if st.CaptchaError == "" {
			st.CaptchaError = acctMsgCaptcha
		}
		return acsStepAgain, nil
	case errors.Is(err, person.ErrBadCredentials):
		f.Fail(field, wrong)
		// The count may have reached the captcha with this attempt.
		st.Captcha = s.acsCaptchaStatus(r, keys...)
		return acsStepWrong, nil
	case errors.Is(err, person.ErrBusy):
		return 0, errStatus(http.StatusServiceUnavailable, acctMsgBusy)
	}
	return 0, err
}
