package account

import (
	"errors"
	"hall/internal/auth"
	"hall/internal/person"
	"hall/internal/throttle"
	"hall/internal/web"
	"net/http"
)

// The companion app's sign-in: 证件号码/移动电话 + 密码 (L6) and 短信验证码. They are
// logins like the hall's own (login.go), through the same login gate and counters,
// drawn by the app's pages.

// appLoginData is the app's password login form.
type appLoginData struct {
	Form *web.Form
	Next string // the return path inside the app
	// The form's captcha and pause (login_gate.go).
	web.GateView
}

// gate is the app's sign-in form as the login gate sees it: the same gate, message
// and counters as the hall's 个人登录.
func (d *appLoginData) gate() web.GateForm {
	return web.GateForm{Form: d.Form, View: &d.GateView, BadMsg: web.MsgBadLogin, RecoverURL: web.GateRecoverPerson}
}

// appLoginShow is the app's login: 证件号码/移动电话 + 密码, with the slider captcha
// when the client address's failures ask for it.
func (s *handler) appLoginShow(w http.ResponseWriter, r *http.Request) error {
	d := &appLoginData{Form: web.NewForm(r), Next: web.AppReturnPath(r.URL.Query().Get("next"))}
	s.GateStatus(r, &d.GateView, s.Throttle.AddrKey(throttle.ScopeLoginAddr, web.ClientAddr(r)))
	return s.Render(w, r, http.StatusOK, "app-login", "登录", "app-me", d)
}

// appLoginPost checks the personal password login (L6, audited by auth.Login) through
// the login gate, counted on the same account as the hall's 个人登录 (a lock earned
// there stops the app too), and starts the app's session.
func (s *handler) appLoginPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	d := &appLoginData{Form: f, Next: web.AppReturnPath(f.Get("next"))}
	if f.Get("login") == "" {
		f.Fail("login", "请输入证件号码或移动电话")
	}
	if f.Values.Get("password") == "" {
		f.Fail("password", "请输入密码")
	}
	if !f.OK() {
		return s.Render(w, r, http.StatusUnprocessableEntity, "app-login", "登录", "app-me", d)
	}
	release, busy, err := s.AdmitLogin(w, r, f, web.AdmissionApp)
	defer release()
	if busy {
		return s.Render(w, r, http.StatusTooManyRequests, "app-login", "登录", "app-me", d)
	}
	if err != nil {
		return err
	}
	target, err := s.Login.ResolvePerson(r.Context(), f.Get("login"))
	if err != nil {
		return err
	}
	keys := s.GatePersonKeys(r, target, f.Get("login"))
	g := d.gate()
	tk, refused, err := s.GateBegin(r, g, keys)
	if refused {
		return s.Render(w, r, http.StatusUnprocessableEntity, "app-login", "登录", "app-me", d)
	}
	if err != nil {
		return err
	}
	// A successful check signs the app in itself (web.Server.SignInAttempt).
	_, err = s.Login.CheckPerson(r.Context(), target, f.Values.Get("password"), s.SignInAttempt(w, r, proofOf(auth.ProofPassword)))
	s.GateOutcome(r, tk, err)
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		s.GateRefuse(r, g, keys)
		return s.Render(w, r, http.StatusUnprocessableEntity, "app-login", "登录", "app-me", d)
	case errors.Is(err, person.ErrBusy):
		return web.StatusError(http.StatusServiceUnavailable, web.MsgBusy)
	case err != nil:
		return err
	}
	// #nosec G710 -- d.Next went through web.AppReturnPath.
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
	return nil
}

// The companion app's 短信验证码 login (SPEC A1, 手机动态码): mobile, 获取验证码 and the
// 6-digit code, beside the password login (app.go). A person who has forgotten the
// personal password needs it: 找回密码 (P1) asks for a face verification in the app,
// and the app must not ask for the password being recovered.
//
// It is the web's 手机动态码 login (login.go) drawn by the app's page: the same
// code purpose (Person.PurposeLogin), the same send gate (settingsSendGate: per mobile and
// address, the same answer whether the mobile has an account or not) and the same
// guess gate (GateBegin with the ScopeSMSGuess keys), so that switching between the
// web and the app gains no attempts.

// appLoginSMSView is the app's SMS login for a return path inside the app.
func appLoginSMSView(next string, f *web.Form) *loginData {
	return &loginData{Tab: tabPerson, Method: methodSMS, Next: web.AppReturnPath(next), Form: f, App: true}
}

// appLoginSMSRender draws the app's SMS login (renderLogin calls it for d.App).
func (s *handler) appLoginSMSRender(w http.ResponseWriter, r *http.Request, status int, d *loginData) error {
	return s.Render(w, r, status, "app-login-sms", "短信验证码登录", "app-me", d)
}

// appLoginSMSShow is GET /app/login/sms. The account is not known yet: only the
// address's count can ask for the captcha here, as on the web's form.
func (s *handler) appLoginSMSShow(w http.ResponseWriter, r *http.Request) error {
	d := appLoginSMSView(r.URL.Query().Get("next"), web.NewForm(r))
	s.GateStatus(r, &d.GateView, s.Throttle.AddrKey(throttle.ScopeSMSGuessAddr, web.ClientAddr(r)))
	return s.renderLogin(w, r, http.StatusOK, d)
}

// appLoginSMSPost is POST /app/login/sms: 获取验证码 or 登录, then the return path in
// the app.
func (s *handler) appLoginSMSPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return web.StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := web.NewForm(r)
	return s.sMSSubmit(w, r, appLoginSMSView(f.Get("next"), f))
}
