// Package account is the personal side of the hall: registration (R1), the legal
// representative's unit registration (R2), the upgrade of a legacy-hall unit account (R4), the logins (L1, L6 and the app's sign-in), the
// personal center, password recovery (P1), appeals, and the account settings (U9) of both
// the personal center and the unit user center.
package account

import (
	"embed"

	"hall/internal/captcha"
	"hall/internal/web"
)

// files are the audience's page templates and static files (AddAudienceFiles).
//
//go:embed templates static
var files embed.FS

// handler serves personal accounts's pages on the kit (internal/web): rendering, forms, the
// Visitor and session layer, the login gate.
type handler struct{ *web.Server }

// Mount adds personal accounts's pages and routes to s. Patterns use the standard ServeMux
// syntax ("GET /path/{id}"); every route passes the kit's body limit and CSRF check
// (web.Server.Handle).
func Mount(s *web.Server) error {
	if err := s.AddAudienceFiles(files); err != nil {
		return err
	}
	h := &handler{s}

	// Personal accounts: registration, login page (both tabs), personal center,
	// logout, appeals (R1, L1 form, L6, B6 intake); CA登录 (L3); 其他登录方式 through the
	// provincial SSO and the e-business licence (L4, L5, R5).
	s.Handle("GET /register", h.registerShow)
	s.Handle("POST /register", h.registerPost)
	s.Handle("GET /agreements/person", h.agreementShow)
	s.Handle("GET /login", h.loginShow)
	s.Handle("POST /login/unit", h.loginUnit)
	s.Handle("POST /login/person", h.loginPerson)
	s.Handle("POST /login/sms", h.loginSMS)
	s.Handle("GET /login/qr/wait", h.qrLoginWait)
	s.Handle("POST /login/qr", h.qrLoginPost)
	s.Handle("GET /login/oidc/{id}", h.loginOIDCStart)
	s.Handle("GET /login/oidc/{id}/callback", h.loginOIDCCallback)
	s.Handle("GET /login/unit-opened/{flow}", h.loginOIDCOpened)
	// CA登录 (L3): the start and the finish here, the certificate's check on the
	// CA-login listener, whose handshake asks for it (login_certificate.go).
	s.Handle("GET "+certificateStartPath, h.loginCertificateStart)
	s.Handle("GET "+certificateFinishPath, h.loginCertificateFinish)
	s.HandleCertificate("GET "+certificateCheckPath, h.certificateCheck)
	s.HandleCertificate("GET /{$}", h.certificateListenerHome)
	s.Handle("GET /me", s.RequireSignedIn(h.meShow))
	s.Handle("POST /logout", h.logout)
	s.Handle("GET /appeal", h.appealShow)
	s.Handle("POST /appeal", h.appealPost)
	s.Handle("GET /appeal/filed", h.appealFiled)

	// Slider captcha: the puzzle and the check of a drag, as JSON for
	// static/js/slider-captcha.js (asked for after a few failed logins).
	s.Handle("GET /captcha/new", h.captchaNew)
	s.Handle("POST /captcha/verify", h.captchaVerify, web.BodyLimit(captcha.MaxAnswerBytes))

	// Password recovery (P1): the five steps of one flow, and its long poll.
	s.Handle("GET /recover", h.recoveryStartShow)
	s.Handle("POST /recover", h.recoveryStartPost)
	s.Handle("GET /recover/done", h.recoveryDoneShow)
	s.Handle("GET /recover/{flow}", h.recoveryFlowShow)
	s.Handle("POST /recover/{flow}", h.recoveryPasswordPost)
	s.Handle("POST /recover/{flow}/captcha", h.recoveryCaptchaPost)
	s.Handle("POST /recover/{flow}/verified", h.recoveryVerifiedPost)
	s.Handle("POST /recover/{flow}/restart", h.recoveryRestartPost)
	s.Handle("GET /recover/{flow}/wait", h.recoveryWait)

	// Unit registration by the legal rep, verification pages and the companion app
	// (R2, A1, A2).
	s.Handle("GET /register/unit", h.unitRegistrationStartShow)
	s.Handle("POST /register/unit", h.unitRegistrationStartPost)
	s.Handle("GET /register/unit/{flow}", h.unitRegistrationFlowShow)
	s.Handle("POST /register/unit/{flow}", h.unitRegistrationAccountPost)
	s.Handle("POST /register/unit/{flow}/verified", h.unitRegistrationVerifiedPost)
	s.Handle("POST /register/unit/{flow}/restart", h.unitRegistrationRestartPost)
	s.Handle("GET /register/unit/done/{receipt}", h.unitRegistrationDoneShow)
	s.Handle("GET /agreements/unit", h.unitRegistrationAgreementShow)
	s.Handle("GET /verify/{id}/wait", h.unitRegistrationVerifyWait)
	s.Handle("POST /verify/callback", h.unitRegistrationVerifyCallback, web.BodyLimit(unitRegistrationMaxCallback), web.SignedRequests())
	s.Handle("GET /app/login", h.appLoginShow)
	s.Handle("POST /app/login", h.appLoginPost)
	s.Handle("GET /app/login/sms", h.appLoginSMSShow)
	s.Handle("POST /app/login/sms", h.appLoginSMSPost)

	// 历史单位用户升级 (R4): five steps of one ten-minute flow, its long poll and
	// the result page.
	s.Handle("GET /upgrade", h.upgradeStartShow)
	s.Handle("POST /upgrade", h.upgradeStartPost)
	s.Handle("GET /upgrade/{flow}", h.upgradeFlowShow)
	s.Handle("POST /upgrade/{flow}/confirm", h.upgradeConfirmPost)
	s.Handle("POST /upgrade/{flow}/admin", h.upgradeAdminPost)
	s.Handle("POST /upgrade/{flow}/verified", h.upgradeVerifiedPost)
	s.Handle("POST /upgrade/{flow}/restart", h.upgradeRestartPost)
	s.Handle("GET /upgrade/wait/{flow}", h.upgradeWait)
	s.Handle("GET /upgrade/done/{receipt}", h.upgradeDoneShow)

	// 账号设置 (U9) and the personal center's own changes: password and mobile, each
	// behind a re-authentication; the keep-alive of the session-timeout notice.
	s.Handle("GET /unit/account", s.UnitCenterGuard(h.settingsUnitAccount))
	s.Handle("GET /unit/account/password", s.UnitCenterGuard(h.settingsPasswordShow(true)))
	s.Handle("POST /unit/account/password", s.UnitCenterGuard(h.settingsPasswordPost(true)))
	s.Handle("GET /unit/account/mobile", s.UnitCenterGuard(h.settingsMobileShow(true)))
	s.Handle("POST /unit/account/mobile", s.UnitCenterGuard(h.settingsMobilePost(true)))
	s.Handle("GET /me/password", s.RequireSignedIn(h.settingsPasswordShow(false)))
	s.Handle("POST /me/password", s.RequireSignedIn(h.settingsPasswordPost(false)))
	s.Handle("GET /me/mobile", s.RequireSignedIn(h.settingsMobileShow(false)))
	s.Handle("POST /me/mobile", s.RequireSignedIn(h.settingsMobilePost(false)))

	// Development tools (development mode only).
	s.Handle("GET /dev/outbox", h.outboxShow)
	return nil
}
