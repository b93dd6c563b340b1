package web

// routes registers the kit's own routes; each audience registers its pages with its
// Mount (internal/web/site lists them).
//
// Every route's request body is limited to defaultBodyLimit (16 KB, refused with 413
// before it is read when Content-Length says more); a route that needs more says so
// where it is registered, with BodyLimit: the slider captcha's answer (its drag track, 32 KB) and the
// face-verification provider's callback (64 KB). Unsafe requests without origin
// headers need the CSRF token (csrf.go) except on SignedRequests routes, whose
// callers are servers proving themselves by signature.
func (s *Server) routes() {
	s.mux.Handle("GET /static/", s.assets)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	// /metrics is not here: it is on the operations listener only (AdminHandler).

	// 长辈模式 on and off, from the header of every page (elder.go).
	s.Handle("GET /display/elder", s.elderSwitch(true))
	s.Handle("GET /display/standard", s.elderSwitch(false))
	// The keep-alive of the session-timeout notice (session_timeout.go).
	s.Handle("POST /session/keepalive", s.keepAlive)
	s.Handle("/session/keepalive", s.keepAliveMethod)
	s.Handle("/", s.NotFound)
	// The back office's unknown pages (AdminHandler).
	s.HandleAdmin("/admin/", s.NotFound)
}
