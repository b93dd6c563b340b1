package web

import "net/http"

// What the kit's own tests (package web_test, which mount the whole hall through
// internal/web/site) look at inside it.

const (
	DefaultBodyLimit = defaultBodyLimit
	MaxEchoRunes     = maxEchoRunes
	GateMsgCaptcha   = gateMsgCaptcha
	CSRFHeader       = csrfHeader
	ElderCookie      = elderCookie
)

var (
	AddCSRFFields = addCSRFFields
	ElderBack     = elderBack
)

// Middleware wraps next in the server's middleware.
func (s *Server) Middleware(next http.Handler) http.Handler { return s.middleware(next) }

// SetStarting puts the server back in its starting state (/readyz answers 503).
func (s *Server) SetStarting() { s.state.Store(stateStarting) }

// AssetURL is the fingerprinted address of a static file.
func (s *Server) AssetURL(name string) (string, error) { return s.assets.url(name) }

// PageNames lists the names of every parsed page template.
func (s *Server) PageNames() []string { return s.pages.Names() }

// GuidedPages are the page names LinkGuide linked, with their guides.
func (s *Server) GuidedPages() map[string]GuideLink { return s.guides }
