package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"hall/internal/auth"
	"hall/internal/captcha"
	"hall/internal/person"
	"hall/internal/throttle"
)

// The one gate in front of every check of a login secret (throttle package, SPEC
// L1–L6, QUALITY.md "Failed logins"): the hall's 个人登录 and 单位登录, the app's
// sign-in, and any other form that checks a password or code of an account. Every
// Form goes through the same four steps, so the same account is counted the same
// way whichever form the guesses come from:
//
//	keys := s.GatePersonKeys(r, target, login)    // or GateUnitKeys, GateCredentialKeys
//	tk, refused, err := s.GateBegin(r, g, keys)   // reserve: captcha or pause answered in g
//	… check the secret …                          // only when not refused and err == nil
//	s.GateOutcome(r, tk, err)                     // report what the check found
//	s.GateRefuse(r, g, keys)                      // a wrong secret: the message, or the pause it started
//
// Counting is per account, not per spelling of the login (issue 9): the login is
// resolved first (auth.ResolvePerson, ResolveUnit: one indexed read, for known and
// unknown logins alike), and the counter is the credential that will be checked —
// the person for a personal password, in the hall and the app alike, and for the
// legal rep's 单位登录, which checks that same password; the membership for an admin's
// or agent's unit password (经办密码), which is a secret of its own that the person's
// Other logins do not reveal. A login that names no account is counted under its
// own normalised string, so it reaches the captcha and the pause at the same count
// and gets the same answers. The price of counting per account: someone who knows
// both an ID number and a mobile can learn whether they name one account, by
// spending that account's failures on one and watching the captcha come early on
// the other; they learn nothing from one identifier alone.
//
// While an account's attempts are paused (the throttle's lock), the form says so,
// until when in Beijing time and for how many minutes, and points to 找回密码 — the
// same words for an unknown login that reached the same count, so the pause tells
// nothing about which accounts exist. The client address never pauses anyone
// (throttle.ModeEscalate): past its limit it asks for the captcha.

// Kinds of record a login counter is keyed by (throttle.RecordKey).
const (
	gateKindPerson     = "person"
	gateKindMembership = "membership"
	// gateKindInstitution: an institution's password (机构编号 at the unit login).
	gateKindInstitution = "institution"
)

// Messages of the gate.
const (
	gateMsgCaptcha = "请先拖动滑块完成拼图验证"
	// gateMsgPaused is the pause: the time (Beijing time) and the minutes left.
	gateMsgPaused = "登录尝试已暂停：连续多次验证未通过，为保护账户安全，请于北京时间 %s 后再试（约 %d 分钟）。"
)

// GateView is the part of a login form's page data that the gate fills; page data
// embeds it, and the page shows the captcha (template "captcha") and the pause
// (template "gate-pause", in place of "Form-top").
type GateView struct {
	// Captcha shows the slider captcha in the form (and includes its script);
	// CaptchaError is the message beside it.
	Captcha      bool
	CaptchaError string
	// Pause is set while the account's sign-in attempts are paused.
	Pause *gatePause
}

// gatePause is the pause as the page shows it.
type gatePause struct {
	Until      string // when attempts may go on, in Asia/Shanghai ("15:04", or with the date when not today)
	Minutes    int    // minutes left, rounded up
	RecoverURL string // 找回密码 for this kind of account
}

// Message is the pause in words, without the 找回密码 link (template "gate-pause"
// adds it).
func (p *gatePause) Message() string { return fmt.Sprintf(gateMsgPaused, p.Until, p.Minutes) }

// GateForm is a login form as the gate sees it.
type GateForm struct {
	Form *Form
	View *GateView
	// BadMsg is the form's wrong-credentials message ("账号或密码错误").
	BadMsg string
	// RecoverURL is where 找回密码 starts for this kind of account.
	RecoverURL string
}

// Where 找回密码 starts for a personal and a unit account.
const (
	GateRecoverPerson = "/recover?tab=person"
	GateRecoverUnit   = "/recover?tab=unit"
)

// GatePersonKeys are the counters of a personal password login (L6, the app's
// sign-in): the person's account password for each account the login names (one,
// nearly always), the login as typed when it names none, and the client address.
func (s *Server) GatePersonKeys(r *http.Request, t auth.PersonTarget, login string) []throttle.Key {
	keys := s.GateCredentialKeys(r, t.Credentials()...)
	if len(keys) == 1 {
		keys = append(keys, s.Throttle.AccountKey(throttle.ScopeLoginAccount, login))
	}
	return keys
}

// GateUnitKeys are the counters of a unit password login (L1): the credential that
// will be checked (the legal rep's account password, or the admin's or agent's unit
// password), or "Unit account/login" as typed when there is none, and the client
// address.
func (s *Server) GateUnitKeys(r *http.Request, t auth.UnitTarget, account, login string) []throttle.Key {
	if c, ok := t.Credential(); ok {
		return s.GateCredentialKeys(r, c)
	}
	return []throttle.Key{
		s.Throttle.AddrKey(throttle.ScopeLoginAddr, ClientAddr(r)),
		s.Throttle.AccountKey(throttle.ScopeLoginAccount, account+"/"+login),
	}
}

// GateCredentialKeys are the counters of known credentials and the client address:
// for forms that check the secret of an account already known (re-authentication,
// entering a unit from a personal session) and for the logins above.
func (s *Server) GateCredentialKeys(r *http.Request, creds ...auth.Credential) []throttle.Key {
	keys := []throttle.Key{s.Throttle.AddrKey(throttle.ScopeLoginAddr, ClientAddr(r))}
	for _, c := range creds {
		switch {
		case c.InstitutionID != 0:
			keys = append(keys, s.Throttle.RecordKey(throttle.ScopeLoginAccount, gateKindInstitution, c.InstitutionID))
		case c.MembershipID != 0:
			keys = append(keys, s.Throttle.RecordKey(throttle.ScopeLoginAccount, gateKindMembership, c.MembershipID))
		default:
			keys = append(keys, s.Throttle.RecordKey(throttle.ScopeLoginAccount, gateKindPerson, c.PersonID))
		}
	}
	return keys
}

// GateBegin reserves one attempt on keys before the secret is checked, redeeming the
// Form's captcha token when the keys ask for it (ReauthenticationReserve). refused is true when
// the attempt may not go on; the view then says why (the captcha, or the pause) and
// the caller shows the form again, with 422; the refusal is audited
// (login_refusal_audit.go). err is a failure of the database or the
// captcha store: fail closed, check nothing.
func (s *Server) GateBegin(r *http.Request, g GateForm, keys []throttle.Key) (tk throttle.Ticket, refused bool, err error) {
	ctx := r.Context()
	tk, msg, err := s.ReauthenticationReserve(r, g.Form.Get(captcha.FormField), keys)
	var locked *throttle.LockedError
	switch {
	case err == nil:
		return tk, false, nil
	case errors.Is(err, throttle.ErrCaptchaRequired):
		g.View.Captcha = true
		g.View.CaptchaError = msg
		reason := refusedCaptchaRefused
		if msg == "" {
			g.View.CaptchaError = gateMsgCaptcha
			reason = refusedCaptchaRequired
		}
		s.auditGateRefusal(r, g, reason, time.Time{})
		return tk, true, nil
	case errors.As(err, &locked):
		s.Log.InfoContext(ctx, "login paused: throttle lock", "err", err, "request_id", RequestID(ctx))
		s.auditGateRefusal(r, g, refusedPaused, locked.Until)
		s.gatePaused(g, locked.Until)
		return tk, true, nil
	}
	return tk, false, err
}

// GateOutcome reports the credential check to the throttle: Succeeded when the secret
// was right (also for a role that is not usable), Failed when it was wrong, Cancel
// when it was not checked (hashing saturated, database failure).
func (s *Server) GateOutcome(r *http.Request, tk throttle.Ticket, err error) {
	ctx := context.WithoutCancel(r.Context())
	var rerr error
	switch {
	case err == nil, errors.Is(err, auth.ErrNotUsable):
		rerr = tk.Succeeded(ctx)
	case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, person.ErrBadCredentials):
		rerr = tk.Failed(ctx)
	default:
		rerr = tk.Cancel(ctx)
	}
	if rerr != nil {
		s.Log.ErrorContext(ctx, "login throttle outcome", "err", rerr, "request_id", RequestID(ctx))
	}
}

// GateRefuse answers a wrong secret: the form's wrong-credentials message, or the
// pause when this failure started it, and the captcha when the counts now ask for
// it; a pause it started is audited ("login.lock"). The caller shows the form again
// with 422.
func (s *Server) GateRefuse(r *http.Request, g GateForm, keys []throttle.Key) {
	g.Form.Top = g.BadMsg
	g.View.CaptchaError = ""
	if st := s.GateStatus(r, g.View, keys...); st.Locked() {
		s.auditGateLock(r, g, st.LockedUntil)
		s.gatePaused(g, st.LockedUntil)
	}
}

// GateStatus shows the captcha when the keys' counts ask for it, and returns their
// state. When the counters cannot be read the captcha is shown: the submission
// decides anyway.
func (s *Server) GateStatus(r *http.Request, v *GateView, keys ...throttle.Key) throttle.State {
	st, err := s.Throttle.Status(r.Context(), keys...)
	if err != nil {
		s.Log.ErrorContext(r.Context(), "login throttle status", "err", err, "request_id", RequestID(r.Context()))
		v.Captcha = true
		return throttle.State{}
	}
	v.Captcha = v.Captcha || st.CaptchaRequired
	return st
}

// gatePaused puts the pause until the given time on the form, in place of any other
// message: no captcha (it would not help before the end), no word on the password.
func (s *Server) gatePaused(g GateForm, until time.Time) {
	left := until.Sub(s.Now())
	minutes := int((left + time.Minute - 1) / time.Minute)
	if minutes < 1 {
		minutes = 1
	}
	local, today := until.In(Shanghai), s.Now().In(Shanghai)
	at := local.Format("15:04")
	if local.YearDay() != today.YearDay() || local.Year() != today.Year() {
		at = local.Format("1月2日 15:04")
	}
	g.Form.Top = ""
	g.View.Captcha, g.View.CaptchaError = false, ""
	g.View.Pause = &gatePause{Until: at, Minutes: minutes, RecoverURL: g.RecoverURL}
}

// LoginAttempt describes the request's client for the audit of a login.
func (s *Server) LoginAttempt(r *http.Request) auth.Attempt {
	return auth.Attempt{ClientAddr: ClientAddr(r), RequestID: RequestID(r.Context())}
}

// SignInAttempt is LoginAttempt for a login of auth.Login that signs the browser
// in itself when it succeeds (auth.Attempt.Start): with the proof proof names for
// the subject, and only while the password it verified is still the stored one.
func (s *Server) SignInAttempt(w http.ResponseWriter, r *http.Request, proof func(auth.Subject) auth.Proof) auth.Attempt {
	at := s.LoginAttempt(r)
	at.Start = func(_ context.Context, subj auth.Subject, v auth.Verified) error {
		return s.startSession(w, r, subj, proof(subj), v)
	}
	return at
}

// MsgBusy is the answer when password hashing is saturated (Person.ErrBusy).
const MsgBusy = "系统繁忙，请稍后再试"

// Messages of the login forms.
const (
	MsgBadLogin    = "账号或密码错误"
	MsgBadSMSLogin = "移动电话或短信验证码错误"
	MsgNotUsable   = "您在该单位的授权尚未确认或已失效，请联系单位法定代表人或管理员"
	// MsgInstitutionClosed answers the right password of an institution account
	// that was closed (or whose unit was).
	MsgInstitutionClosed = "该机构账户已关闭，不能登录；如有疑问请联系开通该账户的单位"
	MsgCaptcha           = gateMsgCaptcha
)
