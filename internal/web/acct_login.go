package web

import (
	"errors"
	"fmt"
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
// one message that never says which part was wrong.

// Login tabs and methods.
const (
	acctTabPerson   = "person"
	acctTabUnit     = "unit"
	acctMethodPass  = "password"
	acctMethodSMS   = "sms"
	acctMethodOther = "other"
)

// acctLoginData is what the login page shows.
type acctLoginData struct {
	Tab    string
	Method string
	// Next is the local path to return to after login ("" for the default).
	Next string
	Form *form
	SMS  acctSMS
	// The captcha and the pause (login_gate.go).
	gateView
	// GrantEnded says why a unit session just ended: the membership it acted on
	// expired or is not yet valid (visitor.go ends such a session on the next
	// request and inUnit sends the person here with ended=grant); GrantWithdrawn
	// that it was taken back — removed, replaced, declined (ended=withdrawn).
	GrantEnded, GrantWithdrawn bool
	// App: the companion app's 短信验证码 login (app_login_sms.go), which goes
	// through the same handlers and gate and is drawn by the app's page.
	App bool
}

// gate is the form as the login gate sees it, with its wrong-credentials message.
func (d *acctLoginData) gate(badMsg string) gateForm {
	recover := gateRecoverPerson
	if d.Tab == acctTabUnit {
		recover = gateRecoverUnit
	}
	return gateForm{Form: d.Form, View: &d.gateView, BadMsg: badMsg, RecoverURL: recover}
}

// URL is the login page with another tab and method, keeping the return path.
func (d *acctLoginData) URL(tab, method string) string {
	v := url.Values{}
	v.Set("tab", tab)
	if method != "" && method != acctMethodPass {
		v.Set("method", method)
	}
	if d.Next != "" {
		v.Set("next", d.Next)
	}
	return "/login?" + v.Encode()
}

// SMSField is the 短信验证码 input of the 手机动态码 form with its 获取验证码 button.
func (d *acctLoginData) SMSField() acctSMSField {
	return acctSMSField{Field: d.Form.Field(acctFieldSMSCode, "短信验证码", "text"), SMS: d.SMS}
}

// acctLoginView reads the tab, method and return path; unknown values fall back to the
// unit tab's password form (the hall is first of all for units, as the home page is).
func acctLoginView(tab, method, next string, f *form) *acctLoginData {
	d := &acctLoginData{Tab: acctTabUnit, Method: acctMethodPass, Next: acctNext(next), Form: f}
	if tab == acctTabPerson {
		d.Tab = acctTabPerson
		if method == acctMethodSMS {
			d.Method = acctMethodSMS
		}
	} else if method == acctMethodOther {
		d.Method = acctMethodOther
	}
	return d
}

// acctNext keeps a return path only when it is a path on this site (localPath), so a
// login link cannot send anyone to another site.
func acctNext(raw string) string {
	if raw == "" || localPath(raw) != raw {
		return ""
	}
	return raw
}

// acctAfterLogin is where a login goes: the return path, or the default.
func acctAfterLogin(d *acctLoginData, def string) string {
	if d.Next != "" {
		return d.Next
	}
	return def
}

func (s *Server) acctRenderLogin(w http.ResponseWriter, r *http.Request, status int, d *acctLoginData) error {
	if d.App {
		return s.appLoginSMSRender(w, r, status, d)
	}
	return s.render(w, r, status, "acct-login", "登录", "", d)
}

// acctLoginShow is GET /login.
func (s *Server) acctLoginShow(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := acctLoginView(q.Get("tab"), q.Get("method"), q.Get("next"), newForm(r))
	d.GrantEnded = d.Tab == acctTabUnit && q.Get("ended") == grantLapsed
	d.GrantWithdrawn = d.Tab == acctTabUnit && q.Get("ended") == grantWithdrawn
	// The account is not known before a submission: only the address's count can
	// ask for the captcha here.
	scope := throttle.ScopeLoginAddr
	if d.Method == acctMethodSMS {
		scope = throttle.ScopeSMSGuessAddr
	}
	s.gateStatus(r, &d.gateView, s.Throttle.AddrKey(scope, clientAddr(r)))
	return s.acctRenderLogin(w, r, http.StatusOK, d)
}

// acctLoginForm parses a login POST into the page data for tab and method.
func acctLoginForm(r *http.Request, tab, method string) (*acctLoginData, error) {
	if err := r.ParseForm(); err != nil {
		return nil, errStatus(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := newForm(r)
	return acctLoginView(tab, method, f.Get("next"), f), nil
}

// acctRequire records "请输入…" beside each empty field.
func acctRequire(f *form, fields ...[2]string) {
	for _, fl := range fields {
		if f.Get(fl[0]) == "" {
			f.Fail(fl[0], fl[1])
		}
	}
}

// acctLoginUnit is POST /login/unit (L1): unit account, the acting person's ID number or
// mobile, and the password.
func (s *Server) acctLoginUnit(w http.ResponseWriter, r *http.Request) error {
	d, err := acctLoginForm(r, acctTabUnit, acctMethodPass)
	if err != nil {
		return err
	}
	f := d.Form
	acctRequire(f, [2]string{"account", "请输入统一社会信用代码、单位编号或机构编号"},
		[2]string{"login", "请输入证件号码或移动电话"}, [2]string{"password", "请输入密码"})
	if acc := f.Get("account"); acc != "" {
		// The shape is checked first: a typo answered at once tells nothing about
		// which units have accounts.
		if _, _, err := ident.ClassifyUnitAccount(acc); err != nil {
			f.FailErr("account", err, "请输入正确的统一社会信用代码、单位编号或机构编号")
		}
	}
	if !f.OK() {
		return s.acctRenderLogin(w, r, http.StatusUnprocessableEntity, d)
	}
	ctx := r.Context()
	target, err := s.Login.ResolveUnit(ctx, f.Get("account"), f.Get("login"))
	if err != nil {
		return err
	}
	keys := s.gateUnitKeys(r, target, f.Get("account"), f.Get("login"))
	g := d.gate(acctMsgBadLogin)
	tk, refused, err := s.gateBegin(r, g, keys)
	if refused {
		return s.acctRenderLogin(w, r, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return err
	}
	subj, err := s.Login.CheckUnit(ctx, target, f.Values.Get("password"), s.acctAttempt(r))
	s.gateOutcome(r, tk, err)
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		s.gateRefuse(r, g, keys)
		return s.acctRenderLogin(w, r, http.StatusUnprocessableEntity, d)
	case errors.Is(err, auth.ErrNotUsable):
		f.Top = acctMsgNotUsable
		return s.acctRenderLogin(w, r, http.StatusForbidden, d)
	case errors.Is(err, person.ErrBusy):
		return errStatus(http.StatusServiceUnavailable, acctMsgBusy)
	case err != nil:
		return err
	}
	if err := s.startSessionProved(w, r, subj, ueLoginProof(subj)); err != nil {
		return err
	}
	http.Redirect(w, r, acctAfterLogin(d, "/unit/"), http.StatusSeeOther)
	return nil
}

// acctLoginPerson is POST /login/person (L6 by password).
func (s *Server) acctLoginPerson(w http.ResponseWriter, r *http.Request) error {
	d, err := acctLoginForm(r, acctTabPerson, acctMethodPass)
	if err != nil {
		return err
	}
	f := d.Form
	acctRequire(f, [2]string{"login", "请输入证件号码或移动电话"}, [2]string{"password", "请输入密码"})
	if !f.OK() {
		return s.acctRenderLogin(w, r, http.StatusUnprocessableEntity, d)
	}
	target, err := s.Login.ResolvePerson(r.Context(), f.Get("login"))
	if err != nil {
		return err
	}
	keys := s.gatePersonKeys(r, target, f.Get("login"))
	g := d.gate(acctMsgBadLogin)
	tk, refused, err := s.gateBegin(r, g, keys)
	if refused {
		return s.acctRenderLogin(w, r, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return err
	}
	p, err := s.Login.CheckPerson(r.Context(), target, f.Values.Get("password"), s.acctAttempt(r))
	s.gateOutcome(r, tk, err)
	return s.acctFinishPersonLogin(w, r, d, g, keys, p, err)
}

// acctLoginSMS is POST /login/sms (L6 by 手机动态码): 获取验证码 or 登录.
func (s *Server) acctLoginSMS(w http.ResponseWriter, r *http.Request) error {
	d, err := acctLoginForm(r, acctTabPerson, acctMethodSMS)
	if err != nil {
		return err
	}
	return s.acctSMSSubmit(w, r, d)
}

// acctSMSSubmit is the rest of a 手机动态码 login once its form is parsed: the web's
// and the companion app's (app_login_sms.go), so both count alike.
func (s *Server) acctSMSSubmit(w http.ResponseWriter, r *http.Request, d *acctLoginData) error {
	var err error
	f := d.Form
	mobile, ok := acctMobile(f)
	if f.Get("action") == acctActionSendCode {
		if ok {
			if d.SMS, err = s.acctSendLoginCode(r, f, mobile); err != nil {
				return err
			}
		}
		return s.acctRenderLogin(w, r, acctFormStatus(f), d)
	}
	code, codeOK := sms.ParseCode(f.Get(acctFieldSMSCode))
	if !codeOK {
		f.Fail(acctFieldSMSCode, "请输入6位短信验证码")
	}
	if !ok || !codeOK {
		return s.acctRenderLogin(w, r, http.StatusUnprocessableEntity, d)
	}
	// Wrong codes are counted per mobile across flows and per address (throttle
	// package: ScopeSMSGuess), so that a new code does not reset the count.
	keys := []throttle.Key{
		s.Throttle.AccountKey(throttle.ScopeSMSGuess, mobile),
		s.Throttle.AddrKey(throttle.ScopeSMSGuessAddr, clientAddr(r)),
	}
	g := d.gate(acctMsgBadSMSLogin)
	tk, refused, err := s.gateBegin(r, g, keys)
	if refused {
		return s.acctRenderLogin(w, r, http.StatusUnprocessableEntity, d)
	}
	if err != nil {
		return err
	}
	p, err := s.Login.PersonSMS(r.Context(), mobile, code, visitorFrom(r.Context()).Binding, s.acctAttempt(r))
	s.gateOutcome(r, tk, err)
	return s.acctFinishPersonLogin(w, r, d, g, keys, p, err)
}

// acctSendLoginCode sends a login code only when the mobile has an account, and
// answers the same way either way, so that the button cannot be used to find out
// which mobiles are registered (SPEC §4). The send is counted before the look-up
// (acsSendGate), and for a mobile without an account the sms package does all a
// send does but text it (sms.Request.Withhold): the countdown, the resend window
// other forms then meet, the daily counts and the time the answer takes are the
// same either way. The notice says the code went out if the mobile is registered,
// which is true in both cases.
func (s *Server) acctSendLoginCode(r *http.Request, f *form, mobile string) (acctSMS, error) {
	tk, st, ok, err := s.acsSendGate(r, f, acctFieldSMSCode, mobile)
	if !ok || err != nil {
		return st, err
	}
	_, err = s.Persons.ByMobile(r.Context(), mobile)
	unknown := errors.Is(err, person.ErrNotFound)
	if err != nil && !unknown {
		s.acsSendDone(r, tk, false)
		return acctSMS{}, err
	}
	st, err = s.acsIssueReserved(r, f, tk, acctFieldSMSCode,
		sms.Request{Purpose: person.PurposeLogin, Mobile: mobile, Withhold: unknown}, true)
	if st.Notice != "" {
		st.Notice = fmt.Sprintf(acctMsgLoginCodeSent, ident.MaskMobile(mobile), int(s.Codes.Config().TTL/time.Minute))
	}
	return st, err
}

// acctMsgLoginCodeSent is the notice of a 手机动态码 send: true whether or not the
// mobile has an account.
const acctMsgLoginCodeSent = "如该手机号已注册，验证码已发送至%s，%d分钟内有效"

// acctFinishPersonLogin ends a personal login: a session on success, else the form
// again with one message.
func (s *Server) acctFinishPersonLogin(w http.ResponseWriter, r *http.Request, d *acctLoginData, g gateForm, keys []throttle.Key, p person.Person, err error) error {
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		s.gateRefuse(r, g, keys)
		return s.acctRenderLogin(w, r, http.StatusUnprocessableEntity, d)
	case errors.Is(err, person.ErrBusy):
		return errStatus(http.StatusServiceUnavailable, acctMsgBusy)
	case err != nil:
		return err
	}
	proof := auth.ProofPassword
	if d.Method == acctMethodSMS {
		proof = auth.ProofSMS
	}
	if err := s.startSessionProved(w, r, auth.Subject{PersonID: p.ID}, proof); err != nil {
		return err
	}
	http.Redirect(w, r, acctAfterLogin(d, "/me"), http.StatusSeeOther)
	return nil
}
