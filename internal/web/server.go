// Package web is the hall's HTTP front: the router, middleware, handlers (one file per
// Page or action), embedded templates and static assets.
//
// Handlers have the signature func(w, r) error. They parse the request, call one domain
// function and render; a returned error is rendered by one adapter (see errors.go), so
// handlers never write error pages themselves.
package web

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"hall/internal/person"
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
	mux     *http.ServeMux // the routes, before the middleware
	handler http.Handler
	// adminMux holds the back office's routes (HandleAdmin), served by AdminHandler
	// only: the public listener never routes to them.
	adminMux *http.ServeMux
	// guides maps a page's template name to its operating guide (guides.go).
	guides map[string]GuideLink
	// certificateMux holds the CA-login listener's routes (HandleCertificate),
	// served by CertificateHandler only.
	certificateMux *http.ServeMux
	// refusals bounds the audit records of the login gate's refusals
	// (login_refusal_audit.go).
	refusals refusalAggregator
	// backOfficeBinding is what the back office's CSRF tokens are bound to
	// (SetBackOfficeBinding, csrf.go).
	backOfficeBinding func(*http.Request) string
}

// Mount registers an audience's pages and routes on the server; internal/web/site
// lists the hall's audiences.
type Mount func(*Server) error

// New builds the server with the kit's own routes and then each audience's: parses
// every template and fingerprints every asset, so that a broken template stops
// start-up instead of failing on first use.
func New(svc *services.Services, mounts ...Mount) (*Server, error) {
	s := &Server{Services: svc, mux: http.NewServeMux(), adminMux: http.NewServeMux(),
		certificateMux: http.NewServeMux()}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = parsePages(s.funcs()); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(prometheus.NewRegistry())
	s.metrics.watchHasher(func() *person.Hasher { return s.Hasher })
	if svc.QRLogin != nil {
		s.metrics.watchQRWaits(func() int { return s.QRLogin.Waiting() })
	}
	s.routes()
	for _, mount := range mounts {
		if err := mount(s); err != nil {
			return nil, err
		}
	}
	s.handler = s.middleware(s.mux)
	return s, nil
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// AdminHandler serves the operations listener (Config.AdminAddr): /metrics, which
// shows every route and its traffic and so stays off the public address, the health
// probes for monitoring on that side, and the back office under /admin/ (the routes
// audiences register with HandleAdmin, behind adminMiddleware) with the static
// assets its pages link.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /static/", s.assets)
	mux.Handle("/admin/", s.adminMiddleware(s.adminMux))
	mux.Handle("GET /{$}", http.RedirectHandler("/admin/", http.StatusSeeOther))
	return mux
}

// HandleAdmin registers h for pattern on the back office (AdminHandler) instead of
// the public listener, with the same error adapter, body limit and CSRF check as
// Handle. Its patterns are under /admin/.
func (s *Server) HandleAdmin(pattern string, h HandlerFunc, opts ...RouteOption) {
	s.handleOn(s.adminMux, pattern, h, opts...)
}

// SetReady marks the server ready for traffic (/readyz answers 200).
func (s *Server) SetReady() { s.state.Store(stateReady) }

// Drain marks the server as shutting down (/readyz answers 503) so that a load
// balancer stops sending new requests before in-flight ones are waited for.
func (s *Server) Drain() { s.state.Store(stateDraining) }

// HandlerFunc is a handler that returns an error for the error adapter to render.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handle registers h for pattern with the error adapter around it. Every request
// first passes admit: the route's body limit (defaultBodyLimit unless an option gives
// its own) and, for an unsafe request from a browser that sends no origin headers,
// the CSRF token (unless the route takes signed server requests).
func (s *Server) Handle(pattern string, h HandlerFunc, opts ...RouteOption) {
	s.handleOn(s.mux, pattern, h, opts...)
}

func (s *Server) handleOn(mux *http.ServeMux, pattern string, h HandlerFunc, opts ...RouteOption) {
	rt := route{bodyLimit: defaultBodyLimit}
	for _, o := range opts {
		o(&rt)
	}
	mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.oversize && r.ContentLength > rt.bodyLimit {
			r = r.WithContext(context.WithValue(r.Context(), oversizeKey, true))
		}
		err := s.admit(w, r, rt)
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			s.renderError(w, r, err)
		}
	}))
}

// defaultBodyLimit bounds every request body unless its route declares another limit
// in routes.go. The hall's forms are a few hundred bytes; the longest, an appeal with
// its 500-character description, stays under 5 KB URL-encoded.
const defaultBodyLimit = 16 << 10

// route is how handle serves one route; routeOptions set it.
type route struct {
	bodyLimit int64
	// signed: the route's callers are servers that sign their requests, not
	// browsers, so it needs no CSRF token.
	signed bool
	// oversize: the handler answers a body declared over the limit itself.
	oversize bool
}

// RouteOption changes how handle serves one route.
type RouteOption func(*route)

// BodyLimit gives a route its own body limit in bytes instead of defaultBodyLimit.
func BodyLimit(n int64) RouteOption { return func(rt *route) { rt.bodyLimit = n } }

// OversizeToHandler lets the route's handler answer a multipart body whose declared
// length is over the route's limit, in place of the 413 page: the handler runs (after
// the CSRF check) with Oversize(r) true and the body still behind
// http.MaxBytesReader, so it reads at most the limit and can give the form back with
// its message beside the file fields and what was typed before the limit.
func OversizeToHandler() RouteOption { return func(rt *route) { rt.oversize = true } }

// Oversize reports whether r's declared body length is over its route's limit
// (only ever true on a route with OversizeToHandler).
func Oversize(r *http.Request) bool {
	over, _ := r.Context().Value(oversizeKey).(bool)
	return over
}

// SignedRequests marks a server-to-server route that authenticates its caller by a
// signature of its own (no browser, no cookie, no CSRF token).
func SignedRequests() RouteOption { return func(rt *route) { rt.signed = true } }

// errTooLarge is the answer to a body over the route's limit.
var errTooLarge = StatusError(http.StatusRequestEntityTooLarge, "提交的内容过长，请检查填写的内容后重试。")

// admit applies the route's limits and the CSRF fallback (csrf.go) before the handler
// runs. A declared Content-Length over the limit is refused before a byte is read;
// any other body is read through http.MaxBytesReader, and a URL-encoded form is parsed
// here, so that an oversized chunked body is refused the same way (413) and never
// reaches a handler, whose own ParseForm then finds the form parsed.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, rt route) error {
	if r.ContentLength > rt.bodyLimit && !Oversize(r) {
		return errTooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, rt.bodyLimit)
	if isForm(r) {
		if err := r.ParseForm(); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return errTooLarge
			}
			return StatusError(http.StatusBadRequest, "请求有误，请刷新页面后重试。")
		}
	}
	if rt.signed {
		return nil
	}
	return s.checkCSRF(r)
}

// isMultipart reports whether r carries a multipart form body (an upload).
func isMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// isForm reports whether r carries a URL-encoded form body.
func isForm(r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return false
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}

// ctxKey is the type of this package's context keys.
type ctxKey int

const requestIDKey ctxKey = iota

// oversizeKey marks a request whose declared body is over its route's limit, on a
// route with OversizeToHandler.
const oversizeKey ctxKey = 5

// RequestID returns the request's ID set by the middleware ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}
