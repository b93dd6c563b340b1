package account

import (
	"errors"
	"net/http"
	"net/url"

	"hall/internal/auth"
	"hall/internal/certlogin"
	"hall/internal/web"
)

// CA登录 (SPEC L3, docs/ca-login.md) on three routes across two listeners:
//
//   - GET /login/certificate (public listener, the 证书登录 button): starts a CA
//     login bound to this browser and sends it to the CA-login listener;
//   - GET /check (CA-login listener, which asked for the certificate during the
//     TLS handshake): certlogin checks it and the browser is sent back with the
//     hand-off;
//   - GET /login/certificate/finish (public listener): the hand-off is used once
//     and the session is set (method ca), or the refusal is shown.
//
// Every step is a link or a redirect, not a form: the CSP's form-action 'self'
// would block a POST redirected to the other origin.

// methodCertificate is the CA登录 method of the unit tab.
const methodCertificate = "ca"

// Paths of the CA login.
const (
	certificateStartPath  = "/login/certificate"
	certificateFinishPath = "/login/certificate/finish"
	certificateCheckPath  = "/check"
)

// certificateLoginPage is the login page's CA登录 tab, where a refusal offers to
// start again.
const certificateLoginPage = "/login?tab=unit&method=" + methodCertificate

// certificateLoginOn reports whether the hall offers CA login.
func (s *handler) certificateLoginOn() bool { return s.CALoginURL() != "" }

// loginCertificateStart is GET /login/certificate[?next=PATH]: the login page's
// return path rides in the start flow, not through the other listener.
func (s *handler) loginCertificateStart(w http.ResponseWriter, r *http.Request) error {
	if !s.certificateLoginOn() {
		return s.NotFound(w, r)
	}
	// Each start saves a flow for an anonymous browser: counted per address.
	tk, err := s.reserveOrRefuse(w, r, certlogin.ScopeStartAddr)
	if err != nil {
		return err
	}
	start, err := s.CertLogin.Start(r.Context(), web.VisitorFrom(r.Context()).Binding, nextPath(r.URL.Query().Get("next")))
	s.AnonymousDone(r, tk, err == nil)
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.CALoginURL()+certificateCheckPath+"?start="+url.QueryEscape(start), http.StatusSeeOther)
	return nil
}

// certificateCheck is GET /check on the CA-login listener: the certificate of
// this TLS connection is checked and the browser goes back to the public listener
// with the hand-off, whatever the outcome, so that the page in Chinese comes from
// there. Opened without a start (typed in, bookmarked), it sends the browser to
// the login page's CA登录 tab.
func (s *handler) certificateCheck(w http.ResponseWriter, r *http.Request) error {
	if s.CertLogin == nil {
		return s.NotFound(w, r)
	}
	// Each check saves a hand-off, and a refused one writes the audit log.
	tk, err := s.reserveOrRefuse(w, r, certlogin.ScopeCheckAddr)
	if err != nil {
		return err
	}
	start := r.URL.Query().Get("start")
	handoff, err := s.CertLogin.Check(r.Context(), start, r.TLS, s.LoginAttempt(r))
	s.AnonymousDone(r, tk, err == nil)
	switch {
	case errors.Is(err, certlogin.ErrNoStart):
		http.Redirect(w, r, s.Config.BaseURL+certificateLoginPage, http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	v := url.Values{"start": {start}, "handoff": {handoff}}
	http.Redirect(w, r, s.Config.BaseURL+certificateFinishPath+"?"+v.Encode(), http.StatusSeeOther)
	return nil
}

// certificateListenerHome is GET / on the CA-login listener: the login starts on
// the public listener's login page.
func (s *handler) certificateListenerHome(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, s.Config.BaseURL+certificateLoginPage, http.StatusSeeOther)
	return nil
}

// loginCertificateFinish is GET /login/certificate/finish: the session in the unit
// the certificate names, or the refusal's page.
func (s *handler) loginCertificateFinish(w http.ResponseWriter, r *http.Request) error {
	if !s.certificateLoginOn() {
		return s.NotFound(w, r)
	}
	q := r.URL.Query()
	l, err := s.CertLogin.Finish(r.Context(), q.Get("start"), q.Get("handoff"),
		web.VisitorFrom(r.Context()).Binding, s.LoginAttempt(r))
	var refused *certlogin.Refusal
	switch {
	case errors.As(err, &refused):
		return s.certificateRefused(w, r, refused)
	case err != nil:
		return err
	}
	if err := s.StartSessionProved(w, r, l.Subject, auth.ProofCA); err != nil {
		return err
	}
	// The path is checked again: the flow kept what the start was given.
	target := nextPath(l.Next)
	if target == "" {
		target = "/unit/"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// certificateRefusedData is what the refusal page shows.
type certificateRefusedData struct {
	Code, Message string
	// Retry is the login page's CA登录 tab.
	Retry string
}

// certificateRefused shows why the certificate did not log in.
func (s *handler) certificateRefused(w http.ResponseWriter, r *http.Request, e *certlogin.Refusal) error {
	return s.Render(w, r, certificateRefusedStatus(e.Code), "certificate-login-refused", certificateRefusedTitle(e.Code), "",
		certificateRefusedData{Code: e.Code, Message: e.Msg, Retry: certificateLoginPage})
}

// certificateRefusedTitle is the refusal page's heading.
func certificateRefusedTitle(code string) string {
	switch code {
	case certlogin.CodeNoCertificate:
		return "未收到数字证书"
	case certlogin.CodeExpired:
		return "数字证书已过期"
	case certlogin.CodeNotYetValid:
		return "数字证书尚未生效"
	case certlogin.CodeRevoked:
		return "数字证书已被吊销"
	case certlogin.CodeUntrusted:
		return "数字证书不受信任"
	case certlogin.CodeKeyUsage:
		return "该证书不能用于登录"
	case certlogin.CodeSubject:
		return "证书信息有误"
	case certlogin.CodeUnavailable:
		return "暂时无法验证数字证书"
	case certlogin.CodeUnknownUnit:
		return "证书中的单位尚未注册"
	case certlogin.CodeStale:
		return "证书登录已失效"
	}
	return "不能以该单位身份登录"
}

// certificateRefusedStatus is the refusal page's status.
func certificateRefusedStatus(code string) int {
	switch code {
	case certlogin.CodeNoCertificate:
		return http.StatusUnauthorized
	case certlogin.CodeUnavailable:
		return http.StatusServiceUnavailable
	case certlogin.CodeStale:
		return http.StatusConflict
	}
	return http.StatusForbidden
}
