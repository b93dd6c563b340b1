package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"time"

	"hall/internal/auth"
	"hall/internal/captcha"
	"hall/internal/person"
	"hall/internal/throttle"
	"hall/internal/unit"
)

// The throttle in front of every check of a secret and every SMS Send (throttle
// package): logins (login.go), re-authentication before a password or mobile
// change, and 获取验证码. One helper reserves the attempt and deals with the slider
// captcha, so that every form asks for it the same way.

// ReauthenticationReserve reserves one attempt on keys before a secret is checked or a code is
// sent. The captcha pass token the form carried (token, possibly "") is redeemed
// only when the keys ask for the captcha, so a token solved for another reason on
// the same page (the login's guess count, say) is not spent on a send that did not
// need it.
//
// Errors: throttle.ErrCaptchaRequired when the captcha is needed and the token was
// missing or refused (captchaMsg then says why the token was refused, "" when
// there was none); a *throttle.LockedError; otherwise failures of the database or
// of the captcha store: fail closed, check nothing.
func (s *Server) ReauthenticationReserve(r *http.Request, token string, keys []throttle.Key) (tk throttle.Ticket, captchaMsg string, err error) {
	ctx := r.Context()
	tk, err = s.Throttle.Begin(ctx, keys)
	if !errors.Is(err, throttle.ErrCaptchaRequired) || token == "" {
		return tk, "", err
	}
	rerr := s.Captcha.Redeem(ctx, token, captcha.PurposeLogin, VisitorFrom(ctx).Binding)
	switch {
	case rerr == nil:
		tk, err = s.Throttle.Begin(ctx, keys, throttle.WithCaptchaSolved())
		return tk, "", err
	case errors.Is(rerr, captcha.ErrNotFound), errors.Is(rerr, captcha.ErrExpired), errors.Is(rerr, captcha.ErrUsed):
		return tk, captcha.FormMessage(rerr), throttle.ErrCaptchaRequired
	}
	return tk, "", rerr
}

// CaptchaNeededError is what a re-authentication returns when the throttle wants the
// slider captcha first; Msg is the message for beside it ("" for the usual one).
type CaptchaNeededError struct{ Msg string }

func (e *CaptchaNeededError) Error() string { return "web: the slider captcha is needed first" }

// Reauthenticate wraps check (the current password of the account the change is for)
// in the throttle, exactly like a login of that account: keys are counted before
// the check, a lock answers as a wrong password (Person.ErrBadCredentials), and the
// outcome is reported. The result is the person.Reauth that the domain calls once
// the rest of the form is complete.
func (s *Server) Reauthenticate(r *http.Request, f *Form, keys []throttle.Key, check person.Reauth) person.Reauth {
	return func(ctx context.Context, current string) error {
		tk, msg, err := s.ReauthenticationReserve(r, f.Get(captcha.FormField), keys)
		var locked *throttle.LockedError
		switch {
		case errors.Is(err, throttle.ErrCaptchaRequired):
			reason := refusedCaptchaRefused
			if msg == "" {
				reason = refusedCaptchaRequired
			}
			s.AuditRefusal(r, "reauth.refused", reason, map[string]string{"reason": reason, "form": r.URL.Path})
			return &CaptchaNeededError{Msg: msg}
		case errors.As(err, &locked):
			s.Log.WarnContext(ctx, "re-authentication refused: throttle lock", "err", err, "request_id", RequestID(ctx))
			s.AuditRefusal(r, "reauth.refused", refusedPaused, map[string]string{"reason": refusedPaused, "form": r.URL.Path,
				"until": locked.Until.UTC().Format(time.RFC3339)})
			return person.ErrBadCredentials
		case err != nil:
			return err
		}
		err = check(ctx, current)
		s.GateOutcome(r, tk, err)
		return err
	}
}

// ReauthenticationNeedsCaptcha reports whether the keys' counts ask for the captcha now; when
// the counters cannot be read it says yes (the submission decides anyway).
func (s *Server) ReauthenticationNeedsCaptcha(r *http.Request, keys ...throttle.Key) bool {
	st, err := s.Throttle.Status(r.Context(), keys...)
	if err != nil {
		s.Log.ErrorContext(r.Context(), "throttle status", "err", err, "request_id", RequestID(r.Context()))
		return true
	}
	return st.CaptchaRequired
}

// Messages of the change pages.
// #nosec G101 -- user-facing messages about passwords, not credentials.
const (
	MsgFormTop               = "填写的信息有误，请按提示修改后重新提交。"
	MsgUnitPasswordNotUsable = "您在该单位的授权尚未确认或已失效，不能修改经办密码。请联系单位法定代表人或管理员。"
	MsgBadRequest            = "请求有误，请刷新页面后重试。"
	ActionSendOld            = "send-old"
	ActionSendNew            = "send-new"
	PathUnitAccount          = "/unit/account"
	PathPersonalCenter       = "/me"
	TitleAccount             = "账号设置"
	TitlePassword            = "修改密码"
	TitleMobile              = "修改手机号"
	HintPersonalPassword     = "请输入您个人账户的登录密码"
	HintUnitPassword         = "请输入您在本单位的经办密码（确认授权时设置的密码）"
	IntroPersonalPassword    = "修改的是您个人账户的登录密码：个人登录使用此密码；如您是单位法定代表人，登录单位也使用此密码。修改后，您在其他设备或浏览器上的登录将全部退出。"
	IntroUnitPassword        = "修改的是您在本单位的经办密码，仅用于以本单位管理员或经办人身份登录。修改后，您以本单位身份在其他设备或浏览器上的登录将全部退出；您的个人账户密码不变。"
	MsgOldMobileTo           = "验证码将发送至原手机号码 %s"
)

// AccountHolder is whose password the page is about, from the session.
type AccountHolder struct {
	// InUnit: a page of the unit user center (drawn in its shell).
	InUnit bool
	// UnitPassword: an administrator or agent in the unit center, who
	// re-authenticates with, and changes, the unit password.
	UnitPassword bool
	// Back is the account page the change returns to.
	Back string
}

func AccountHolderOf(v *Visitor, inUnit bool) AccountHolder {
	w := AccountHolder{InUnit: inUnit, Back: PathPersonalCenter}
	if inUnit {
		w.Back = PathUnitAccount
		w.UnitPassword = v.Membership != nil && v.Membership.Role != unit.RoleLegalRep
	}
	return w
}

// ReauthenticationState is the re-authentication's captcha on a change page.
type ReauthenticationState struct {
	Captcha      bool
	CaptchaError string
}

// askCaptcha shows the slider captcha that cn asks for, with its message
// (MsgCaptcha when it has none).
func (st *ReauthenticationState) askCaptcha(cn *CaptchaNeededError) {
	st.Captcha, st.CaptchaError = true, cmp.Or(cn.Msg, MsgCaptcha)
}

// ReauthenticationKeys are the throttle keys of the current password of who: the
// counter its login counts on (the membership's for a unit password, the person's
// for the account password; login_gate.go), so guesses here and at the login pages
// share one limit, and the client address.
func (s *Server) ReauthenticationKeys(r *http.Request, who AccountHolder) []throttle.Key {
	v := VisitorFrom(r.Context())
	if who.UnitPassword {
		return s.GateCredentialKeys(r, auth.Credential{MembershipID: v.Membership.ID})
	}
	return s.GateCredentialKeys(r, auth.Credential{PersonID: v.Person.ID})
}

// ReauthenticationCheck is the check of the current password of who.
func (s *Server) ReauthenticationCheck(r *http.Request, who AccountHolder) person.Reauth {
	check, _ := s.ReauthenticationVerifier(r, who)
	return check
}

// ReauthenticationVerifier is ReauthenticationCheck that also keeps, once the
// check has passed, the password it verified (*verified, zero until then): what
// is written on the strength of the proof (a session, a recorded proof) is written
// only while that password is still the stored one (auth.Verified), so a password
// changed or reset during the check proves nothing.
func (s *Server) ReauthenticationVerifier(r *http.Request, who AccountHolder) (check person.Reauth, verified *auth.Verified) {
	v := VisitorFrom(r.Context())
	personID := v.Person.ID
	verified = new(auth.Verified)
	if who.UnitPassword {
		unitID := v.Unit.ID
		pw := s.UnitPasswords()
		return func(ctx context.Context, current string) error {
			id, hash, err := pw.Verify(ctx, unitID, personID, current)
			if err == nil {
				*verified = auth.NewVerified(auth.Credential{MembershipID: id}, hash)
			}
			return err
		}, verified
	}
	return func(ctx context.Context, current string) error {
		hash, err := s.Persons.VerifyPassword(ctx, personID, current)
		if err == nil {
			*verified = auth.NewVerified(auth.Credential{PersonID: personID}, hash)
		}
		return err
	}, verified
}

// UnitPasswords builds the unit-password service on the server's services; it
// holds no state of its own.
func (s *Server) UnitPasswords() *unit.Passwords {
	return unit.NewPasswords(unit.PasswordDeps{DB: s.DB, Hasher: s.Hasher, Persons: s.Persons, Audit: s.Audit, Now: s.Now})
}
