package web

import (
	"context"
	"errors"
	"net/http"

	"hall/internal/captcha"
	"hall/internal/person"
	"hall/internal/throttle"
)

// The throttle in front of every check of a secret and every SMS send (throttle
// package): logins (acct_login.go), re-authentication before a password or mobile
// change, and 获取验证码. One helper reserves the attempt and deals with the slider
// captcha, so that every form asks for it the same way.

// acsReserve reserves one attempt on keys before a secret is checked or a code is
// sent. The captcha pass token the form carried (token, possibly "") is redeemed
// only when the keys ask for the captcha, so a token solved for another reason on
// the same page (the login's guess count, say) is not spent on a send that did not
// need it.
//
// Errors: throttle.ErrCaptchaRequired when the captcha is needed and the token was
// missing or refused (captchaMsg then says why the token was refused, "" when
// there was none); a *throttle.LockedError; otherwise failures of the database or
// of the captcha store: fail closed, check nothing.
func (s *Server) acsReserve(r *http.Request, token string, keys []throttle.Key) (tk throttle.Ticket, captchaMsg string, err error) {
	ctx := r.Context()
	tk, err = s.Throttle.Begin(ctx, keys)
	if !errors.Is(err, throttle.ErrCaptchaRequired) || token == "" {
		return tk, "", err
	}
	rerr := s.Captcha.Redeem(ctx, token, captcha.PurposeLogin, visitorFrom(ctx).Binding)
	switch {
	case rerr == nil:
		tk, err = s.Throttle.Begin(ctx, keys, throttle.WithCaptchaSolved())
		return tk, "", err
	case errors.Is(rerr, captcha.ErrNotFound), errors.Is(rerr, captcha.ErrExpired), errors.Is(rerr, captcha.ErrUsed):
		return tk, captcha.FormMessage(rerr), throttle.ErrCaptchaRequired
	}
	return tk, "", rerr
}

// acsCaptchaNeeded is what a re-authentication returns when the throttle wants the
// slider captcha first; Msg is the message for beside it ("" for the usual one).
type acsCaptchaNeeded struct{ Msg string }

func (e *acsCaptchaNeeded) Error() string { return "web: the slider captcha is needed first" }

// acsReauth wraps check (the current password of the account the change is for)
// in the throttle, exactly like a login of that account: keys are counted before
// the check, a lock answers as a wrong password (person.ErrBadCredentials), and the
// outcome is reported. The result is the person.Reauth that the domain calls once
// the rest of the form is complete.
func (s *Server) acsReauth(r *http.Request, f *form, keys []throttle.Key, check person.Reauth) person.Reauth {
	return func(ctx context.Context, current string) error {
		tk, msg, err := s.acsReserve(r, f.Get(captcha.FormField), keys)
		switch {
		case errors.Is(err, throttle.ErrCaptchaRequired):
			return &acsCaptchaNeeded{Msg: msg}
		case errors.Is(err, throttle.ErrLocked):
			s.Log.WarnContext(ctx, "re-authentication refused: throttle lock", "err", err, "request_id", RequestID(ctx))
			return person.ErrBadCredentials
		case err != nil:
			return err
		}
		err = check(ctx, current)
		s.gateOutcome(r, tk, err)
		return err
	}
}

// acsCaptchaStatus reports whether the keys' counts ask for the captcha now; when
// the counters cannot be read it says yes (the submission decides anyway).
func (s *Server) acsCaptchaStatus(r *http.Request, keys ...throttle.Key) bool {
	st, err := s.Throttle.Status(r.Context(), keys...)
	if err != nil {
		s.Log.ErrorContext(r.Context(), "throttle status", "err", err, "request_id", RequestID(r.Context()))
		return true
	}
	return st.CaptchaRequired
}
