package web

import (
	"context"
	"net/http"
)

// The CA-login listener (SPEC L3, docs/ca-login.md) is a TLS server of its own that
// asks every browser for a client certificate, so the public listener never does.
// It serves only the routes audiences register with HandleCertificate, and the
// static assets an error page links; it has no visitor layer: it sets no session
// and no cookie, and hands its answer back to the public listener (certlogin).

// HandleCertificate registers h for pattern on the CA-login listener
// (CertificateHandler) instead of the public one, with the same error adapter,
// body limit and CSRF check as Handle.
func (s *Server) HandleCertificate(pattern string, h HandlerFunc, opts ...RouteOption) {
	s.handleOn(s.certificateMux, pattern, h, opts...)
}

// CertificateHandler serves the CA-login listener; the caller serves it over TLS
// with services.Services.CALoginTLSConfig.
func (s *Server) CertificateHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", s.assets)
	mux.Handle("/", s.certificateMux)
	h := s.outerMiddleware(s.crossOrigin(recordPattern(mux)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), certificateListenerKey, true)))
	})
}

// certificateListenerKey marks a request of the CA-login listener. Its answers
// carry no HSTS even though they come over TLS: the listener shares its host name
// with the public site, which may be plain http in development, and HSTS for the
// host would force that site to https too.
const certificateListenerKey ctxKey = 4

// onCertificateListener reports whether r came to the CA-login listener.
func onCertificateListener(r *http.Request) bool {
	on, _ := r.Context().Value(certificateListenerKey).(bool)
	return on
}
