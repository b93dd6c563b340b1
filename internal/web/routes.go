package web

import (
	"net/http"

	"hall/internal/captcha"
)

// routes registers every route. Keep this list flat and readable: it is the map of the
// hall. Patterns use the standard ServeMux syntax ("GET /path/{id}").
//
// Every route's request body is limited to defaultBodyLimit (16 KB, refused with 413
// before it is read when Content-Length says more); a route that needs more says so
// here with bodyLimit: the slider captcha's answer (its drag track, 32 KB) and the
// face-verification provider's callback (64 KB). Unsafe requests without origin
// headers need the CSRF token (csrf.go) except on signedRequests routes, whose
// callers are servers proving themselves by signature.
func (s *Server) routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", s.assets)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	// /metrics is not here: it is on the operations listener only (AdminHandler).

	s.handle(mux, "GET /{$}", s.homeShow)
	s.handle(mux, "GET /catalog", s.catalogList)
	s.handle(mux, "GET /catalog/{code}", s.catalogItem)
	s.handle(mux, "GET /themes", s.themesShow)
	s.handle(mux, "GET /soon/{what}", s.soonShow)
	// 长辈模式 on and off, from the header of every page (elder.go).
	s.handle(mux, "GET /display/elder", s.elderSwitch(true))
	s.handle(mux, "GET /display/standard", s.elderSwitch(false))

	// Personal accounts: registration, login page (both tabs), personal center,
	// logout, appeals (R1, L1 form, L6, B6 intake).
	s.handle(mux, "GET /register", s.acctRegisterShow)
	s.handle(mux, "POST /register", s.acctRegisterPost)
	s.handle(mux, "GET /agreements/person", s.acctAgreementShow)
	s.handle(mux, "GET /login", s.acctLoginShow)
	s.handle(mux, "POST /login/unit", s.acctLoginUnit)
	s.handle(mux, "POST /login/person", s.acctLoginPerson)
	s.handle(mux, "POST /login/sms", s.acctLoginSMS)
	s.handle(mux, "GET /me", s.signedIn(s.acctMeShow))
	s.handle(mux, "POST /logout", s.acctLogout)
	s.handle(mux, "GET /appeal", s.acctAppealShow)
	s.handle(mux, "POST /appeal", s.acctAppealPost)
	s.handle(mux, "GET /appeal/filed", s.acctAppealFiled)

	// Slider captcha: the puzzle and the check of a drag, as JSON for
	// static/js/slider-captcha.js (asked for after a few failed logins).
	s.handle(mux, "GET /captcha/new", s.captchaNew)
	s.handle(mux, "POST /captcha/verify", s.captchaVerify, bodyLimit(captcha.MaxAnswerBytes))

	// Password recovery (P1): the five steps of one flow, and its long poll.
	s.handle(mux, "GET /recover", s.recStartShow)
	s.handle(mux, "POST /recover", s.recStartPost)
	s.handle(mux, "GET /recover/done", s.recDoneShow)
	s.handle(mux, "GET /recover/{flow}", s.recFlowShow)
	s.handle(mux, "POST /recover/{flow}", s.recPasswordPost)
	s.handle(mux, "POST /recover/{flow}/captcha", s.recCaptchaPost)
	s.handle(mux, "POST /recover/{flow}/verified", s.recVerifiedPost)
	s.handle(mux, "POST /recover/{flow}/restart", s.recRestartPost)
	s.handle(mux, "GET /recover/{flow}/wait", s.recWait)
	// 我的 → 企业服务 → 重置单位密码 in the companion app (P2).
	s.handle(mux, "GET /app/me/reset", s.appSignedIn(s.recAppList))
	s.handle(mux, "POST /app/me/reset", s.appSignedIn(s.recAppStart))
	s.handle(mux, "GET /app/me/reset/done", s.recAppDone)
	s.handle(mux, "GET /app/me/reset/{flow}", s.appSignedIn(s.recAppShow))
	s.handle(mux, "POST /app/me/reset/{flow}", s.appSignedIn(s.recAppPost))
	s.handle(mux, "POST /app/me/reset/{flow}/restart", s.appSignedIn(s.recAppRestart))

	// Unit registration by the legal rep, verification pages and the companion app
	// (R2, A1, A2).
	s.handle(mux, "GET /register/unit", s.uregStartShow)
	s.handle(mux, "POST /register/unit", s.uregStartPost)
	s.handle(mux, "GET /register/unit/{flow}", s.uregFlowShow)
	s.handle(mux, "POST /register/unit/{flow}", s.uregAccountPost)
	s.handle(mux, "POST /register/unit/{flow}/verified", s.uregVerifiedPost)
	s.handle(mux, "POST /register/unit/{flow}/restart", s.uregRestartPost)
	s.handle(mux, "GET /register/unit/done/{receipt}", s.uregDoneShow)
	s.handle(mux, "GET /agreements/unit", s.uregAgreementShow)
	s.handle(mux, "GET /verify/{id}/wait", s.uregVerifyWait)
	s.handle(mux, "POST /verify/callback", s.uregVerifyCallback, bodyLimit(uregMaxCallback), signedRequests())
	s.handle(mux, "GET /app", s.appRoot)
	s.handle(mux, "GET /app/{$}", s.appHome)
	s.handle(mux, "GET /app/login", s.appLoginShow)
	s.handle(mux, "POST /app/login", s.appLoginPost)
	s.handle(mux, "GET /app/login/sms", s.appLoginSMSShow)
	s.handle(mux, "POST /app/login/sms", s.appLoginSMSPost)
	s.handle(mux, "POST /app/logout", s.appLogout)
	s.handle(mux, "GET /app/scan", s.appScanShow)
	s.handle(mux, "POST /app/scan", s.appScanPost)
	s.handle(mux, "GET /app/v/{id}", s.appVerifyShow)
	s.handle(mux, "POST /app/v/{id}", s.appVerifyPost)
	s.handle(mux, "GET /app/me", s.appMe)
	s.handle(mux, "GET /app/me/legal-rep", s.appLegalRep)
	s.handle(mux, "GET /app/me/agent", s.appSignedIn(s.agtAppList))
	s.handle(mux, "GET /app/me/agent/{inv}", s.appSignedIn(s.agtAppShow))
	s.handle(mux, "POST /app/me/agent/{inv}", s.appSignedIn(s.agtAppConfirm))
	s.handle(mux, "POST /app/me/agent/{inv}/verify", s.appSignedIn(s.agtAppVerify))
	s.handle(mux, "GET /app/me/agent/{inv}/decline", s.appSignedIn(s.agtAppDeclineShow))
	s.handle(mux, "POST /app/me/agent/{inv}/decline", s.appSignedIn(s.agtAppDecline))

	// The unit user center and acting for a unit (L7, U1, §6 shell).
	s.handle(mux, "GET /unit/{$}", s.ucGuard(s.ucHome))
	s.handle(mux, "GET /unit/{section}", s.ucSectionShow)
	s.handle(mux, "GET /unit/choose", s.signedIn(s.ucChoose))
	s.handle(mux, "POST /unit/switch", s.signedIn(s.ucSwitch))
	s.handle(mux, "POST /unit/leave", s.signedIn(s.ucLeave))

	// 经办人管理 (U6): the administrator and the agents of the session's unit, for its
	// legal rep and administrator (dlgGuard), every change behind a recent
	// re-authentication (dlgFresh); more specific than /unit/{section}.
	s.handle(mux, "GET /unit/agents", s.dlgGuard(s.dlgShow))
	s.handle(mux, "GET /unit/agents/admin/new", s.dlgGuard(s.dlgAdminNewShow))
	s.handle(mux, "POST /unit/agents/admin/new", s.dlgGuard(s.dlgFresh(s.dlgAdminNewPost)))
	s.handle(mux, "GET /unit/agents/admin/{id}/replace", s.dlgGuard(s.dlgAdminReplaceShow))
	s.handle(mux, "POST /unit/agents/admin/{id}/replace", s.dlgGuard(s.dlgFresh(s.dlgAdminReplacePost)))
	s.handle(mux, "GET /unit/agents/admin/{id}/remove", s.dlgGuard(s.dlgAdminRemoveShow))
	s.handle(mux, "POST /unit/agents/admin/{id}/remove", s.dlgGuard(s.dlgFresh(s.dlgAdminRemovePost)))
	s.handle(mux, "GET /unit/agents/new", s.dlgGuard(s.dlgAgentNewShow))
	s.handle(mux, "POST /unit/agents/new", s.dlgGuard(s.dlgFresh(s.dlgAgentNewPost)))
	s.handle(mux, "GET /unit/agents/{id}/edit", s.dlgGuard(s.dlgAgentEditShow))
	s.handle(mux, "POST /unit/agents/{id}/edit", s.dlgGuard(s.dlgFresh(s.dlgAgentEditPost)))
	s.handle(mux, "GET /unit/agents/{id}/remove", s.dlgGuard(s.dlgAgentRemoveShow))
	s.handle(mux, "POST /unit/agents/{id}/remove", s.dlgGuard(s.dlgFresh(s.dlgAgentRemovePost)))

	// The unit's business: every route here passes agtBusiness, the one authorization
	// check of role, scope, validity and the session's unit (U6).
	s.handle(mux, "GET /unit/items", s.agtBusiness(s.agtItemsList))
	s.handle(mux, "GET /unit/items/{code}", s.agtBusiness(s.agtItemShow))

	// 账号设置 (U9) and the personal center's own changes: password and mobile, each
	// behind a re-authentication; the keep-alive of the session-timeout notice.
	s.handle(mux, "GET /unit/account", s.ucGuard(s.acsUnitAccount))
	s.handle(mux, "GET /unit/account/password", s.ucGuard(s.acsPasswordShow(true)))
	s.handle(mux, "POST /unit/account/password", s.ucGuard(s.acsPasswordPost(true)))
	s.handle(mux, "GET /unit/account/mobile", s.ucGuard(s.acsMobileShow(true)))
	s.handle(mux, "POST /unit/account/mobile", s.ucGuard(s.acsMobilePost(true)))
	s.handle(mux, "GET /me/password", s.signedIn(s.acsPasswordShow(false)))
	s.handle(mux, "POST /me/password", s.signedIn(s.acsPasswordPost(false)))
	s.handle(mux, "GET /me/mobile", s.signedIn(s.acsMobileShow(false)))
	s.handle(mux, "POST /me/mobile", s.signedIn(s.acsMobilePost(false)))
	s.handle(mux, "POST /session/keepalive", s.acsKeepAlive)
	s.handle(mux, "/session/keepalive", s.acsKeepAliveMethod)

	// Development tools (development mode only).
	s.handle(mux, "GET /dev/outbox", s.acctOutboxShow)
	s.handle(mux, "/", s.notFound)
}
