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

	// Unit registration by the legal rep, verification pages and the companion app
	// (R2, A1, A2).

	// The unit user center and acting for a unit (L7, U1, §6 shell).

	// Development tools (development mode only).
	s.handle(mux, "/", s.notFound)
}
