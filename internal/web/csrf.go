package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
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

// csrfToken is the token of the browser with the given binding ("" without one).
func csrfToken(binding string) string {
	if binding == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(binding))
	m.Write([]byte("hall csrf v1")) //nolint:errcheck // a hash never fails to write
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

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
	want := csrfToken(VisitorFrom(r.Context()).Binding)
	got := r.Header.Get(csrfHeader)
	if got == "" && r.PostForm != nil {
		got = r.PostForm.Get(CSRFField)
	}
	if want == "" || !hmac.Equal([]byte(got), []byte(want)) {
		return errCSRF
	}
	return nil
}

// formTag matches the opening tag of a form; postMethod tells a post form. The page
// is the output of html/template, which escapes "<" and ">" in text and attribute
// values, so every match is a tag written in a template.
var (
	formTag    = regexp.MustCompile(`(?i)<form(?:\s[^>]*)?>`)
	postMethod = regexp.MustCompile(`(?i)\smethod\s*=\s*["']?post["'\s>]`)
)

// addCSRFFields puts the token as a hidden field at the start of every post form of a
// rendered page, so every form of every template carries it without each template
// having to remember.
func addCSRFFields(page []byte, token string) []byte {
	if token == "" {
		return page
	}
	field := []byte(`<input type="hidden" name="` + CSRFField + `" value="` + token + `">`)
	return formTag.ReplaceAllFunc(page, func(tag []byte) []byte {
		if !postMethod.Match(tag) {
			return tag
		}
		return append(bytes.Clone(tag), field...)
	})
}
