package web

import "net/http"

// routes registers every route. Keep this list flat and readable: it is the map of the
// hall. Patterns use the standard ServeMux syntax ("GET /path/{id}").
func (s *Server) routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", s.assets)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metrics.handler())

	s.handle(mux, "GET /{$}", s.homeShow)
	s.handle(mux, "GET /catalog", s.catalogList)
	s.handle(mux, "GET /catalog/{code}", s.catalogItem)
	s.handle(mux, "GET /themes", s.themesShow)
	s.handle(mux, "GET /soon/{what}", s.soonShow)

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
	s.handle(mux, "POST /captcha/verify", s.captchaVerify)

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
	s.handle(mux, "POST /verify/callback", s.uregVerifyCallback)
	s.handle(mux, "GET /app", s.appRoot)
	s.handle(mux, "GET /app/{$}", s.appHome)
	s.handle(mux, "GET /app/login", s.appLoginShow)
	s.handle(mux, "POST /app/login", s.appLoginPost)
	s.handle(mux, "POST /app/logout", s.appLogout)
	s.handle(mux, "GET /app/scan", s.appScanShow)
	s.handle(mux, "POST /app/scan", s.appScanPost)
	s.handle(mux, "GET /app/v/{id}", s.appVerifyShow)
	s.handle(mux, "POST /app/v/{id}", s.appVerifyPost)
	s.handle(mux, "GET /app/me", s.appMe)
	s.handle(mux, "GET /app/me/legal-rep", s.appLegalRep)
	s.handle(mux, "GET /app/me/agent", s.appSignedIn(s.appAgent))

	// The unit user center and acting for a unit (L7, U1, §6 shell).
	s.handle(mux, "GET /unit/{$}", s.ucGuard(s.ucHome))
	s.handle(mux, "GET /unit/{section}", s.ucSectionShow)
	s.handle(mux, "GET /unit/choose", s.signedIn(s.ucChoose))
	s.handle(mux, "POST /unit/switch", s.signedIn(s.ucSwitch))
	s.handle(mux, "POST /unit/leave", s.signedIn(s.ucLeave))

	// Development tools (development mode only).
	s.handle(mux, "GET /dev/outbox", s.acctOutboxShow)
	s.handle(mux, "/", s.notFound)
}
