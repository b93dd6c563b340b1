package web

import (
	"net/http"

	"hall/internal/throttle"
)

// The companion app's 短信验证码 login (SPEC A1, 手机动态码): mobile, 获取验证码 and the
// 6-digit code, beside the password login (app.go). A person who has forgotten the
// personal password needs it: 找回密码 (P1) asks for a face verification in the app,
// and the app must not ask for the password being recovered.
//
// It is the web's 手机动态码 login (acct_login.go) drawn by the app's page: the same
// code purpose (person.PurposeLogin), the same send gate (acsSendGate: per mobile and
// address, the same answer whether the mobile has an account or not) and the same
// guess gate (gateBegin with the ScopeSMSGuess keys), so that switching between the
// web and the app gains no attempts.

// appLoginSMSView is the app's SMS login for a return path inside the app.
func appLoginSMSView(next string, f *form) *acctLoginData {
	return &acctLoginData{Tab: acctTabPerson, Method: acctMethodSMS, Next: appNext(next), Form: f, App: true}
}

// appLoginSMSRender draws the app's SMS login (acctRenderLogin calls it for d.App).
func (s *Server) appLoginSMSRender(w http.ResponseWriter, r *http.Request, status int, d *acctLoginData) error {
	return s.render(w, r, status, "app-login-sms", "短信验证码登录", "app-me", d)
}

// appLoginSMSShow is GET /app/login/sms. The account is not known yet: only the
// address's count can ask for the captcha here, as on the web's form.
func (s *Server) appLoginSMSShow(w http.ResponseWriter, r *http.Request) error {
	d := appLoginSMSView(r.URL.Query().Get("next"), newForm(r))
	s.gateStatus(r, &d.gateView, s.Throttle.AddrKey(throttle.ScopeSMSGuessAddr, clientAddr(r)))
	return s.acctRenderLogin(w, r, http.StatusOK, d)
}

// appLoginSMSPost is POST /app/login/sms: 获取验证码 or 登录, then the return path in
// the app.
func (s *Server) appLoginSMSPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
	}
	f := newForm(r)
	return s.acctSMSSubmit(w, r, appLoginSMSView(f.Get("next"), f))
}
