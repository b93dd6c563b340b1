package account

import (
	"errors"
	"fmt"
	"hall/internal/web"
	"net/http"
	"net/url"
	"time"

	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/sms"
	"hall/internal/throttle"
)

// The login page (SPEC §4): tabs 个人登录 / 单位登录 and, inside them, the methods.
// Tabs and methods are links (?tab=…&method=…), so the page needs no JavaScript.
// Each method posts to its own handler; a refused login shows the page again with
// one message that never says which part was wrong. A password login is admitted
// (web.AdmitLogin) before anything is looked up or counted: when hashing is
// saturated the page comes back at once with 429 and 系统繁忙.

// Login tabs and methods.
const (
	tabPerson   = "person"
	tabUnit     = "unit"
	methodPass  = "password"
	methodSMS   = "sms"
	methodOther = "other"
)

// loginData is what the login page shows.
type loginData struct {
	Tab    string
	Method string
	// Next is the local path to return to after login ("" for the default).
	Next string
	Form *web.Form
	SMS  sMS
	// The captcha and the pause (login_gate.go).
	web.GateView
	// GrantEnded says why a unit session just ended: the membership it acted on
	// expired or is not yet valid (visitor.go ends such a session on the next
	// request and RequireUnit sends the person here with ended=grant); GrantWithdrawn
	// that it was taken back — removed, replaced, declined (ended=withdrawn).
	GrantEnded, GrantWithdrawn bool
	// PasswordReplaced: a password change signed out this browser and could not
	// sign it in again, because the new password was changed or reset meanwhile
	// (web.SignInAgain, ended=password).
	PasswordReplaced bool
	// App: the companion app's 短信验证码 login (app_login_sms.go), which goes
	// through the same handlers and gate and is drawn by the app's page.
	App bool
	// QR is the 扫码登录 panel (qr_login.go), when Method is methodQR.
	QR *qrLoginView
	// Providers are the 其他登录方式 the tab offers (login_oidc.go).
	Providers []providerLink
	// Certificate: the hall offers CA登录 (login_certificate.go).
	Certificate bool
}

// gate is the form as the login gate sees it, with its wrong-credentials message.
func (d *loginData) gate(badMsg string) web.GateForm {
	recover := web.GateRecoverPerson
	if d.Tab == tabUnit {
		recover = web.GateRecoverUnit
	}
	return web.GateForm{Form: d.Form, View: &d.GateView, BadMsg: badMsg, RecoverURL: recover}
}

// URL is the login page with another tab and method, keeping the return path.
func (d *loginData) URL(tab, method string) string {
	v := url.Values{}
	v.Set("tab", tab)
	if method != "" && method != methodPass {
		v.Set("method", method)
	}
	if d.Next != "" {
		v.Set("next", d.Next)
	}
	return "/login?" + v.Encode()
}

// SMSField is the 短信验证码 input of the 手机动态码 Form with its 获取验证码 button.
func (d *loginData) SMSField() sMSField {
	return sMSField{Field: d.Form.Field(fieldSMSCode, "短信验证码", "text"), SMS: d.SMS}
}

// loginView reads the tab, method and return path; unknown values fall back to the
// Unit tab's password form (the hall is first of all for units, as the home page is).
func loginView(tab, method, next string, f *web.Form) *loginData {
	d := &loginData{Tab: tabUnit, Method: methodPass, Next: nextPath(next), Form: f}
	if tab == tabPerson {
		d.Tab = tabPerson
		if method == methodSMS {
			d.Method = methodSMS
		}
	}
	if method == methodOther {
		d.Method = methodOther
	}
	if method == methodQR {
		d.Method = methodQR
	}
	if method == methodCertificate && d.Tab == tabUnit {
		d.Method = methodCertificate
	}
	return d
}

// nextPath keeps a return path only when it is a path on this site (LocalPath), so a
// login link cannot send anyone to another site.
func nextPath(raw string) string {
	if raw == "" || web.LocalPath(raw) != raw {
		return ""
	}
	return raw
}

// afterLogin is where a login goes: the return path, or the default.
func afterLogin(d *loginData, def string) string {
	if d.Next != "" {
		return d.Next
	}
	return def
}

func (s *handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, d *loginData) error {
	if d.App {
		return s.appLoginSMSRender(w, r, status, d)
	}
	d.Providers = s.oidcProviders(d.Tab)
	if d.Certificate = s.certificateLoginOn(); !d.Certificate && d.Method == methodCertificate {
		d.Method = methodPass
	}
	return s.Render(w, r, status, "login", "登录", "", d)
}

// loginShow is GET /login.
func (s *handler) loginShow(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := loginView(q.Get("tab"), q.Get("method"), q.Get("next"), web.NewForm(r))
	d.GrantEnded = d.Tab == tabUnit && q.Get("ended") == web.GrantLapsed
	d.GrantWithdrawn = d.Tab == tabUnit && q.Get("ended") == web.GrantWithdrawn
	d.PasswordReplaced = q.Get("ended") == web.PasswordReplaced
	// The account is not known before a submission: only the address's count can
	// ask for the captcha here.
	scope := throttle.ScopeLoginAddr
	if d.Method == methodSMS {
		scope = throttle.ScopeSMSGuessAddr
	}
	s.GateStatus(r, &d.GateView, s.Throttle.AddrKey(scope, web.ClientAddr(r)))
	if d.Method == methodQR {
		if err := s.qrLoginShow(r, d); err != nil {
			return err
		}
	}
	return s.renderLogin(w, r, http.StatusOK, d)
}

// loginForm parses a login POST into the page data for tab and method.
func loginForm(r *http.Request, tab, method string) (*loginData, error) {
	if err := r.ParseForm(); err != nil {
		return nil, web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	return loginView(tab, method, f.Get("next"), f), nil
}

// require records "请输入…" beside each empty field.
func require(f *web.Form, fields ...[2]string) {
	for _, fl := range fields {
		if f.Get(fl[0]) == "" {
			f.Fail(fl[0], fl[1])
		}
	}
}

// loginUnit is POST /login/unit (L1): unit account, the acting person's ID number or
// Mobile, and the password.
func (s *handler) loginUnit(w http.ResponseWriter, r *http.Request) error {
	d, err := loginForm(r, tabUnit, methodPass)
	if err != nil {
		return err
	}
	f := d.Form
	require(f, [2]string{"account", "请输入统一社会信用代码、单位编号或机构编号"},
		[2]string{"login", "请输入证件号码或移动电话"}, [2]string{"password", "请输入密码"})
	if acc := f.Get("account"); acc != "" {
		// The shape is checked first: a typo answered at once tells nothing about
		// which units have accounts.
		if _, _, err := ident.ClassifyUnitAccount(acc); err != nil {
			f.FailErr("account", err, "请输入正确的统一社会信用代码、单位编号或机构编号")
		}
	}
	if !f.OK() {
		return s.renderLogin(w, r, http.StatusUnprocessableEntity, d)
	}
	release, busy, err := s.AdmitLogin(w, r, f, web.AdmissionUnit)
	defer release()
	if busy {
		return s.renderLogin(w, r, http.StatusTooManyRequests, d)
	}
	if err != nil {
		return err
	}
	ctx := r.Context()
	target, err := s.Login.ResolveUnit(ctx, f.Get("account"), f.Get("login"))
	if err != nil {
		return err
	}
	keys := s.GateUnitKeys(r, target, f.Get("account"), f.Get("login"))
	g := d.gate(web.MsgBadLogin)
	tk, refused, err := s.GateBegin(r, g, keys)
	if refused {
		return s.renderLogin(w, r, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return err
	}
	// A successful check signs the browser in itself (web.Server.SignInAttempt).
	subj, err := s.Login.CheckUnit(ctx, target, f.Values.Get("password"), s.SignInAttempt(w, r, web.UnitLoginProof))
	s.GateOutcome(r, tk, err)
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		s.GateRefuse(r, g, keys)
		return s.renderLogin(w, r, http.StatusUnprocessableEntity, d)
	case errors.Is(err, auth.ErrNotUsable):
		f.Top = web.MsgNotUsable
		if target.Institution() {
			f.Top = web.MsgInstitutionClosed
		}
		return s.renderLogin(w, r, http.StatusForbidden, d)
	case errors.Is(err, person.ErrBusy):
		return web.StatusError(http.StatusServiceUnavailable, web.MsgBusy)
	case err != nil:
		return err
	}
	next := afterLogin(d, "/unit/")
	if subj.Institution() {
		// An institution's operator has only the institution's pages; a return
		// path into the unit center would only be refused.
		next = web.InstitutionHome
	}
	// #nosec G710 -- d.Next went through nextPath (web.LocalPath).
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// loginPerson is POST /login/person (L6 by password).
func (s *handler) loginPerson(w http.ResponseWriter, r *http.Request) error {
	d, err := loginForm(r, tabPerson, methodPass)
	if err != nil {
		return err
	}
	f := d.Form
	require(f, [2]string{"login", "请输入证件号码或移动电话"}, [2]string{"password", "请输入密码"})
	if !f.OK() {
		return s.renderLogin(w, r, http.StatusUnprocessableEntity, d)
	}
	release, busy, err := s.AdmitLogin(w, r, f, web.AdmissionPerson)
	defer release()
	if busy {
		return s.renderLogin(w, r, http.StatusTooManyRequests, d)
	}
	if err != nil {
		return err
	}
	target, err := s.Login.ResolvePerson(r.Context(), f.Get("login"))
	if err != nil {
		return err
	}
	keys := s.GatePersonKeys(r, target, f.Get("login"))
	g := d.gate(web.MsgBadLogin)
	tk, refused, err := s.GateBegin(r, g, keys)
	if refused {
		return s.renderLogin(w, r, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return err
	}
	_, err = s.Login.CheckPerson(r.Context(), target, f.Values.Get("password"), s.SignInAttempt(w, r, proofOf(auth.ProofPassword)))
	s.GateOutcome(r, tk, err)
	return s.finishPersonLogin(w, r, d, g, keys, err)
}

// loginSMS is POST /login/sms (L6 by 手机动态码): 获取验证码 or 登录.
func (s *handler) loginSMS(w http.ResponseWriter, r *http.Request) error {
	d, err := loginForm(r, tabPerson, methodSMS)
	if err != nil {
		return err
	}
	return s.sMSSubmit(w, r, d)
}

// sMSSubmit is the rest of a 手机动态码 login once its form is parsed: the web's
// and the companion app's (app_login_sms.go), so both count alike.
func (s *handler) sMSSubmit(w http.ResponseWriter, r *http.Request, d *loginData) error {
	var err error
	f := d.Form
	mobile, ok := mobile(f)
	if f.Get("action") == actionSendCode {
		if ok {
			if d.SMS, err = s.sendLoginCode(r, f, mobile); err != nil {
				return err
			}
		}
		return s.renderLogin(w, r, formStatus(f), d)
	}
	code, codeOK := sms.ParseCode(f.Get(fieldSMSCode))
	if !codeOK {
		f.Fail(fieldSMSCode, "请输入6位短信验证码")
	}
	if !ok || !codeOK {
		return s.renderLogin(w, r, http.StatusUnprocessableEntity, d)
	}
	// Wrong codes are counted per mobile across flows and per address (throttle
	// package: ScopeSMSGuess), so that a new code does not reset the count.
	keys := []throttle.Key{
		s.Throttle.AccountKey(throttle.ScopeSMSGuess, mobile),
		s.Throttle.AddrKey(throttle.ScopeSMSGuessAddr, web.ClientAddr(r)),
	}
	g := d.gate(web.MsgBadSMSLogin)
	tk, refused, err := s.GateBegin(r, g, keys)
	if refused {
		return s.renderLogin(w, r, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return err
	}
	_, err = s.Login.PersonSMS(r.Context(), mobile, code, web.VisitorFrom(r.Context()).Binding, s.SignInAttempt(w, r, proofOf(auth.ProofSMS)))
	s.GateOutcome(r, tk, err)
	return s.finishPersonLogin(w, r, d, g, keys, err)
}

// sendLoginCode sends a login code only when the mobile has an account, and
// answers the same way either way, so that the button cannot be used to find out
// which mobiles are registered (SPEC §4). The send is counted before the look-up
// (settingsSendGate), and for a mobile without an account the sms package does all a
// Send does but text it (sms.Request.Withhold): the countdown, the resend window
// Other forms then meet, the daily counts and the time the answer takes are the
// same either way. The notice says the code went out if the mobile is registered,
// which is true in both cases.
func (s *handler) sendLoginCode(r *http.Request, f *web.Form, mobile string) (sMS, error) {
	tk, st, ok, err := s.settingsSendGate(r, f, fieldSMSCode, mobile)
	if !ok || err != nil {
		return st, err
	}
	_, err = s.Persons.ByMobile(r.Context(), mobile)
	unknown := errors.Is(err, person.ErrNotFound)
	if err != nil && !unknown {
		s.settingsSendDone(r, tk, false)
		return sMS{}, err
	}
	st, err = s.settingsIssueReserved(r, f, tk, fieldSMSCode,
		sms.Request{Purpose: person.PurposeLogin, Mobile: mobile, Withhold: unknown}, true)
	if st.Notice != "" {
		st.Notice = fmt.Sprintf(msgLoginCodeSent, ident.MaskMobile(mobile), int(s.Codes.Config().TTL/time.Minute))
	}
	return st, err
}

// msgLoginCodeSent is the notice of a 手机动态码 Send: true whether or not the
// Mobile has an account.
const msgLoginCodeSent = "如该手机号已注册，验证码已发送至%s，%d分钟内有效"

// proofOf is the proof of a personal login, whoever signs in.
func proofOf(p auth.Proof) func(auth.Subject) auth.Proof {
	return func(auth.Subject) auth.Proof { return p }
}

// finishPersonLogin ends a personal login, whose check started the session
// (web.Server.SignInAttempt): the return path on success, else the form again
// with one message.
func (s *handler) finishPersonLogin(w http.ResponseWriter, r *http.Request, d *loginData, g web.GateForm, keys []throttle.Key, err error) error {
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		s.GateRefuse(r, g, keys)
		return s.renderLogin(w, r, http.StatusUnprocessableEntity, d)
	case errors.Is(err, person.ErrBusy):
		return web.StatusError(http.StatusServiceUnavailable, web.MsgBusy)
	case err != nil:
		return err
	}
	// #nosec G710 -- d.Next went through nextPath (web.LocalPath).
	http.Redirect(w, r, afterLogin(d, "/me"), http.StatusSeeOther)
	return nil
}
