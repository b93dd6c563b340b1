package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"hall/internal/forwarded"
	"hall/internal/ident"
)

// contentSecurityPolicy allows only the hall's own scripts, styles and images: no inline
// script, no framing. Images may be data: URLs because QR codes and captcha pieces are
// drawn by the server and inlined.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// middleware wraps the router, outermost first: request ID, client address, access log
// and metrics, panic recovery, security headers, cross-origin protection, the visitor
// (browser binding and session), the forced password change (withPasswordChange),
// the origin verification sessions record (withVerifyOrigin).
func (s *Server) middleware(next http.Handler) http.Handler {
	return s.outerMiddleware(s.crossOrigin(s.withVisitor(s.withPasswordChange(s.withVerifyOrigin(recordPattern(next))))))
}

// adminMiddleware is middleware without the hall's visitor layer: the back office
// has its own staff session (internal/web/admin), and a hall visitor's cookies mean
// nothing there.
func (s *Server) adminMiddleware(next http.Handler) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), backOfficeKey, true)))
	})
	return s.outerMiddleware(s.crossOrigin(recordPattern(inner)))
}

// backOfficeKey marks a request of the back office (adminMiddleware), whose error
// pages use its own layout (renderError).
const backOfficeKey ctxKey = 3

// crossOrigin refuses cross-site unsafe requests (http.CrossOriginProtection).
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, StatusError(http.StatusForbidden, "请求来源无效，请刷新页面后重试。"))
	}))
	return cop.Handler(next)
}

// outerMiddleware is the layers of every listener's pages, innermost first: security
// headers, panic recovery, access log and metrics, client address, request ID.
func (s *Server) outerMiddleware(h http.Handler) http.Handler {
	h = s.securityHeaders(h)
	h = s.recoverPanics(h)
	h = s.logAndMeasure(h)
	h = s.withClientAddr(h)
	return s.withRequestID(h)
}

// clientAddrKey holds the client address withClientAddr found (see ClientAddr).
const clientAddrKey ctxKey = 2

// withClientAddr finds the client's address once per request: the peer, or behind a
// configured trusted proxy the address that proxy reports (package forwarded).
func (s *Server) withClientAddr(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := forwarded.ClientAddr(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), s.Config.TrustedProxies)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientAddrKey, a)))
	})
}

func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// statusWriter remembers the status and size written, for the access log and metrics.
type statusWriter struct {
	http.ResponseWriter
	status   int
	bytes    int
	detached bool // the handler took the connection (Detach) and answers later
}

func (sw *statusWriter) WriteHeader(code int) {
	if sw.status == 0 {
		sw.status = code
	}
	// Every 429 tells the client when to come back (RFC 6585): a refusal that knows
	// when its lock ends sets Retry-After itself (SetRetryAfter);
	// any other gets a minute, the shortest window of the hall's limits.
	if code == http.StatusTooManyRequests && sw.Header().Get("Retry-After") == "" {
		sw.Header().Set("Retry-After", defaultRetryAfter)
	}
	sw.ResponseWriter.WriteHeader(code)
}

// defaultRetryAfter is the Retry-After of a 429 whose refusal does not say when its
// lock ends, in seconds.
const defaultRetryAfter = "60"

func (sw *statusWriter) Write(p []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	n, err := sw.ResponseWriter.Write(p)
	sw.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (flush, deadlines).
func (sw *statusWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }

// patternKey holds a *string where recordPattern leaves the matched route pattern:
// middleware that copies the request (WithContext) never sees the mux set it.
const patternKey ctxKey = 1

// recordPattern wraps the router: after routing, it hands the matched pattern (the
// metrics label) back to logAndMeasure.
func recordPattern(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if p, ok := r.Context().Value(patternKey).(*string); ok {
			*p = r.Pattern
		}
	})
}

func (s *Server) logAndMeasure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		route := ""
		later := &laterAnswer{}
		ctx := context.WithValue(context.WithValue(r.Context(), patternKey, &route), laterAnswerKey, later)
		next.ServeHTTP(sw, r.WithContext(ctx))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		if route == "" {
			// Static files and health probes are routed before the visitor layer
			// too, but a refused cross-origin request or a panic never reaches it.
			route = "unmatched"
		}
		if quietRoute(route) {
			// Health probes and static files are measured, not logged.
			s.metrics.observe(route, sw.status, time.Since(start))
			return
		}
		line := accessLine{route: route, requestID: RequestID(r.Context()), method: r.Method,
			path: ident.MaskText(r.URL.Path), query: ident.MaskText(r.URL.RawQuery),
			remote: ClientAddr(r), peer: r.RemoteAddr, start: start}
		if sw.detached {
			// The handler took the connection (Detach) and answers later: the line
			// is written then, with the answer's status and the whole wait.
			later.handOver(func(status, bytes int) { s.record(line, status, bytes, true) })
			return
		}
		s.record(line, sw.status, sw.bytes, false)
	})
}

// accessLine is what the access log says of a request, taken from it when its
// handler returns: a detached request's line is written at its answer, and keeps
// these strings rather than the request.
type accessLine struct {
	route, requestID, method, path, query, remote, peer string
	start                                               time.Time
}

// quietRoute reports the routes that are measured but not logged: health probes
// and static files, the most frequent requests and the least telling.
func quietRoute(route string) bool {
	return route == "GET /healthz" || route == "GET /readyz" || route == "GET /static/"
}

// record measures the answer and writes its access-log line.
func (s *Server) record(l accessLine, status, bytes int, detached bool) {
	d := time.Since(l.start)
	s.metrics.observe(l.route, status, d)
	detachedAttr := slog.Attr{}
	if detached {
		detachedAttr = slog.Bool("detached", true)
	}
	// The query string can carry identifiers typed by users: path and query are
	// masked (accessLine).
	s.Log.LogAttrs(context.Background(), slog.LevelInfo, "http",
		slog.String("request_id", l.requestID),
		slog.String("method", l.method),
		slog.String("path", l.path),
		slog.String("query", l.query),
		slog.Int("status", status),
		slog.Int("bytes", bytes),
		slog.Duration("duration", d),
		slog.String("remote", l.remote),
		slog.String("peer", l.peer),
		detachedAttr,
	)
}

// laterAnswerKey holds the *laterAnswer through which a detached request's answer
// reaches the access log.
const laterAnswerKey ctxKey = 6

// laterAnswer joins a detached request's two ends, which come in either order: the
// handler's return (handOver, with the log's line) and the answer (answered,
// possibly before the handler returns, when the wait is refused at once).
type laterAnswer struct {
	mu            sync.Mutex
	log           func(status, bytes int)
	done          bool
	status, bytes int
}

func (l *laterAnswer) handOver(log func(status, bytes int)) {
	l.mu.Lock()
	done, status, bytes := l.done, l.status, l.bytes
	if !done {
		l.log = log
	}
	l.mu.Unlock()
	if done {
		log(status, bytes)
	}
}

func (l *laterAnswer) answered(status, bytes int) {
	l.mu.Lock()
	log := l.log
	if log == nil {
		l.done, l.status, l.bytes = true, status, bytes
	}
	l.mu.Unlock()
	if log != nil {
		log(status, bytes)
	}
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.ErrorContext(r.Context(), "panic", "request_id", RequestID(r.Context()),
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.renderError(w, r, StatusError(http.StatusInternalServerError,
					"系统繁忙，请稍后再试。如问题持续，请拨打服务热线并提供请求编号 "+RequestID(r.Context())+"。"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	tls := len(s.Config.BaseURL) > 8 && s.Config.BaseURL[:8] == "https://"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
		// Dynamic pages may show personal data: never store them. Static assets set
		// their own caching.
		h.Set("Cache-Control", "no-store")
		if tls || (r.TLS != nil && !onCertificateListener(r)) {
			h.Set("Strict-Transport-Security", "max-age="+strconv.Itoa(365*24*3600)+"; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}
