package web

import (
	"errors"
	"net/http"

	"hall/internal/person"
	"hall/internal/throttle"
)

// A password step in front of something a session is about to do: entering a unit
// (unitcenter/unit_enter.go) and changing its delegation
// (unitdelegation/delegation_reauthentication.go). The page shows one
// password field (and the slider captcha when the throttle asks); its first
// showing carries no field, a submission does. The check goes through Reauthenticate,
// so every guess counts like a login of the account keys name.

// ReauthenticationResult is the outcome of ReauthenticationStep.
type ReauthenticationResult int

const (
	// ReauthenticationProved: the password was right; the caller goes on.
	ReauthenticationProved ReauthenticationResult = iota
	// ReauthenticationAsk: nothing submitted yet; show the page (200).
	ReauthenticationAsk
	// ReauthenticationAgain: the field was empty, or the captcha is needed first; the page
	// again (422) with the message set.
	ReauthenticationAgain
	// ReauthenticationWrong: a wrong password (or a locked account, answered alike); the
	// Page again (422) with wrong beside the field.
	ReauthenticationWrong
)

// Status is the page's status for an outcome other than ReauthenticationProved.
func (o ReauthenticationResult) Status() int {
	if o == ReauthenticationAsk {
		return http.StatusOK
	}
	return http.StatusUnprocessableEntity
}

// ReauthenticationStep runs the step for the password in field of f: need is the
// message for an empty field, wrong for a wrong password; st gets the captcha's
// state. Errors (the handler's answer): 503 when the hasher is saturated, and
// failures of the database or captcha store.
func (s *Server) ReauthenticationStep(r *http.Request, f *Form, st *ReauthenticationState, field, need, wrong string,
	keys []throttle.Key, check person.Reauth) (ReauthenticationResult, error) {
	if _, submitted := f.Values[field]; !submitted {
		st.Captcha = s.ReauthenticationNeedsCaptcha(r, keys...)
		return ReauthenticationAsk, nil
	}
	pw := f.Values.Get(field)
	if pw == "" {
		f.Fail(field, need)
		st.Captcha = s.ReauthenticationNeedsCaptcha(r, keys...)
		return ReauthenticationAgain, nil
	}
	err := s.Reauthenticate(r, f, keys, check)(r.Context(), pw)
	var cn *CaptchaNeededError
	switch {
	case err == nil:
		return ReauthenticationProved, nil
	case errors.As(err, &cn):
		st.askCaptcha(cn)
		return ReauthenticationAgain, nil
	case errors.Is(err, person.ErrBadCredentials):
		f.Fail(field, wrong)
		// The count may have reached the captcha with this attempt.
		st.Captcha = s.ReauthenticationNeedsCaptcha(r, keys...)
		return ReauthenticationWrong, nil
	case errors.Is(err, person.ErrBusy):
		return 0, StatusError(http.StatusServiceUnavailable, MsgBusy)
	}
	return 0, err
}
