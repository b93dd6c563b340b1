package web

import (
	"hall/internal/verify"
	"net/http"
)

// withVerifyOrigin puts the browser's origin (verify.OriginOf: a device description
// from the User-Agent, the masked client address) into each request's context, where
// verify.Service.Start finds it whichever flow starts a session.
func (s *Server) withVerifyOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := verify.OriginOf(r.UserAgent(), ClientAddr(r))
		next.ServeHTTP(w, r.WithContext(verify.WithOrigin(r.Context(), o)))
	})
}
