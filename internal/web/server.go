// Package web is the hall's HTTP front: the router, middleware, handlers (one file per
// page or action), embedded templates and static assets.
//
// Handlers have the signature func(w, r) error. They parse the request, call one domain
// function and render; a returned error is rendered by one adapter (see errors.go), so
// handlers never write error pages themselves.
package web

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"hall/internal/services"
)

// Readiness states reported by /readyz.
const (
	stateStarting int32 = iota
	stateReady
	stateDraining
)

// Server is the hall's HTTP handler and its readiness state. The domain services are
// built by the caller (services.Build) so that tests use the same graph on a test
// database.
type Server struct {
	*services.Services
	pages   *pages
	assets  *assets
	metrics *metrics
	state   atomic.Int32
	handler http.Handler
}

// New builds the server: parses every template and fingerprints every asset, so that a
// broken template stops start-up instead of failing on first use.
func New(svc *services.Services) (*Server, error) {
	s := &Server{Services: svc}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(s.funcs()); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(prometheus.NewRegistry())
	mux := http.NewServeMux()
	s.routes(mux)
	s.handler = s.middleware(mux)
	return s, nil
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// AdminHandler serves the operations endpoints on a listener of their own
// (Config.AdminAddr): /metrics, which shows every route and its traffic and so stays
// off the public address, and the health probes for monitoring on that side.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	return mux
}

// SetReady marks the server ready for traffic (/readyz answers 200).
func (s *Server) SetReady() { s.state.Store(stateReady) }

// Drain marks the server as shutting down (/readyz answers 503) so that a load
// balancer stops sending new requests before in-flight ones are waited for.
func (s *Server) Drain() { s.state.Store(stateDraining) }

// handlerFunc is a handler that returns an error for the error adapter to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle registers h for pattern with the error adapter around it.
func (s *Server) handle(mux *http.ServeMux, pattern string, h handlerFunc) {
	mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	}))
}

// ctxKey is the type of this package's context keys.
type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the request's ID set by the middleware ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}
