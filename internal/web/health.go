package web

import (
	"context"
	"net/http"
	"time"
)

// healthz answers 200 while the process runs: a liveness probe.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n")) // the client went away; nothing left to tell it
}

// readyz answers 200 only when the server is ready and the database answers; 503 while
// starting, while draining for shutdown, and when the database is unreachable.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch s.state.Load() {
	case stateStarting:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("starting\n")) // the client went away; nothing left to tell it
		return
	case stateDraining:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("draining\n")) // the client went away; nothing left to tell it
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		s.Log.WarnContext(r.Context(), "readyz: database unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unreachable\n")) // the client went away; nothing left to tell it
		return
	}
	_, _ = w.Write([]byte("ready\n")) // the client went away; nothing left to tell it
}
