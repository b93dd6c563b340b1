package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"regexp"
)

// CSRF fallback. Modern browsers send Sec-Fetch-Site or Origin with every unsafe
// request, and http.CrossOriginProtection (middleware.go) refuses cross-site ones by
// those headers. A browser that sends neither — Internet Explorer and the IE
// compatibility mode of office browsers — passes that check whoever made it post, so
// for exactly those requests the hall wants proof that the page it posts from came
// from the hall: a token derived from the visitor's browser binding, which every
// Post form carries as a hidden field (put in by render) and script requests carry in
// the X-CSRF-Token header (static/js/csrf.js reads it from the layout's meta tag).
//
// The token is an HMAC keyed by the binding, which is random and HttpOnly: another
// site can neither read the binding nor a page showing the token, and the page never
// shows the binding itself (to which codes and flows are bound). No server key is
// needed, so every hall process accepts every other's tokens.

// CSRFField is the form field and csrfHeader the request header that carry the token.
const (
	CSRFField  = "csrf_token"
	csrfHeader = "X-CSRF-Token"
)

// The back office (AdminHandler) has no hall visitor: its token is derived from the
// staff session's token instead (or, before login, from the login page's own random
// cookie), which package admin hands over with SetBackOfficeBinding. Another label
// keys it, so that a token of one listener never passes on the other.
const (
	csrfLabel           = "hall csrf v1"
	backOfficeCSRFLabel = "hall back office csrf v1"
)

// csrfToken is the token of the browser with the given binding ("" without one).
func csrfToken(binding string) string { return csrfTokenFor(binding, csrfLabel) }

func csrfTokenFor(binding, label string) string {
	if binding == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(binding))
	m.Write([]byte(label)) //nolint:errcheck // a hash never fails to write
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// SetBackOfficeBinding names what the back office's CSRF tokens are bound to: binding
// returns a secret the request's browser holds in an HttpOnly cookie ("" for none).
// Without it (no back office mounted) a back-office post without origin headers is
// refused.
func (s *Server) SetBackOfficeBinding(binding func(*http.Request) string) {
	s.backOfficeBinding = binding
}

// requestCSRFToken is the CSRF token of the browser making r: the visitor's on the
// public listeners, the staff session's on the back office.
func (s *Server) requestCSRFToken(r *http.Request) string {
	if backOffice, _ := r.Context().Value(backOfficeKey).(bool); backOffice {
		if s.backOfficeBinding == nil {
			return ""
		}
		return csrfTokenFor(s.backOfficeBinding(r), backOfficeCSRFLabel)
	}
	return csrfToken(VisitorFrom(r.Context()).Binding)
}

// maxCSRFFormMemory is how much of a multipart form checkCSRF holds in memory when it
// has to parse one for the token; the rest goes to temporary files (the route's
// body limit still bounds the whole).
const maxCSRFFormMemory = 1 << 20

var errCSRF = StatusError(http.StatusForbidden, "页面已过期或请求来源无法确认，请刷新页面后重新提交。")

// checkCSRF refuses an unsafe request that has neither Sec-Fetch-Site nor Origin (so
// CrossOriginProtection could not judge it) unless it carries the visitor's token. A
// Form must have been parsed already (admit does it).
func (s *Server) checkCSRF(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	if r.Header.Get("Sec-Fetch-Site") != "" || r.Header.Get("Origin") != "" {
		return nil
	}
	want := s.requestCSRFToken(r)
	got := r.Header.Get(csrfHeader)
	if backOffice, _ := r.Context().Value(backOfficeKey).(bool); got == "" && backOffice && isMultipart(r) {
		// The back office's counter forms carry scans as multipart: only for such a
		// post from a browser without origin headers is the form parsed here for its
		// token (the handler's own ParseMultipartForm then finds it parsed).
		// #nosec G120 -- admit has put the body behind http.MaxBytesReader with the route's limit.
		if err := r.ParseMultipartForm(maxCSRFFormMemory); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return errTooLarge
			}
			return errCSRF
		}
	}
	if got == "" && r.PostForm != nil {
		got = r.PostForm.Get(CSRFField)
	}
	if want == "" || !hmac.Equal([]byte(got), []byte(want)) {
		return errCSRF
	}
	return nil
}

// formTag matches the opening tag of a form where it starts; postMethod tells a post
// form. The page is the output of html/template, which escapes "<" and ">" in text and
// attribute values, so every match is a tag written in a template.
var (
	formTag    = regexp.MustCompile(`^(?i)<form(?:\s[^>]*)?>`)
	postMethod = regexp.MustCompile(`(?i)\smethod\s*=\s*["']?post["'\s>]`)
)

// addCSRFFields puts the token as a hidden field at the start of every post form of a
// rendered page, so every form of every template carries it without each template
// having to remember. It finds each "<form" (in any case) with a plain byte scan and
// runs formTag only there: a case-insensitive search of the whole page with the
// pattern took about a twentieth of a signed-in page's server CPU.
func addCSRFFields(page []byte, token string) []byte {
	if token == "" {
		return page
	}
	var out []byte
	copied := 0 // page[:copied] is in out
	for i := 0; ; {
		j := bytes.IndexByte(page[i:], '<')
		if j < 0 {
			break
		}
		start := i + j
		i = start + 1
		if !formWordAt(page, start+1) {
			continue
		}
		loc := formTag.FindIndex(page[start:])
		if loc == nil {
			continue
		}
		end := start + loc[1]
		i = end
		if !postMethod.Match(page[start:end]) {
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(page)+256)
		}
		out = append(out, page[copied:end]...)
		out = append(out, `<input type="hidden" name="`+CSRFField+`" value="`...)
		out = append(out, token...)
		out = append(out, `">`...)
		copied = end
	}
	if out == nil {
		return page
	}
	return append(out, page[copied:]...)
}

// formWordAt reports whether page holds "form" in any ASCII case at i: the letters of
// "form" have no other case forms in Unicode, so this is what (?i) in formTag accepts.
func formWordAt(page []byte, i int) bool {
	if len(page)-i < 4 {
		return false
	}
	return page[i]|0x20 == 'f' && page[i+1]|0x20 == 'o' && page[i+2]|0x20 == 'r' && page[i+3]|0x20 == 'm'
}
