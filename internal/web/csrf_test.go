package web

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hall/internal/auth"
	"hall/internal/browsertest"
)

// legacyClient is a browser that sends neither Sec-Fetch-Site nor Origin (Internet
// Explorer, or a current browser's IE compatibility mode).
func legacyClient(ts *TestServer) *Client {
	c := NewClient(ts)
	c.Legacy = true
	return c
}

// pageToken is the CSRF token of the first post form on a page, and checks that the
// layout's meta tag carries the same.
func pageToken(t *testing.T, doc *HTMLNode) string {
	t.Helper()
	tok := doc.Must(t, `form[method=post] input[name=csrf_token]`).AttrOr("value")
	if tok == "" || doc.Must(t, `meta[name=csrf-token]`).AttrOr("content") != tok {
		t.Fatalf("form token %q and meta token differ or are empty", tok)
	}
	return tok
}

func TestCSRFFallbackForBrowsersWithoutOriginHeaders(t *testing.T) {
	ts := NewTestServer(t)
	p := NewWorld(ts, 7).Person(t, "陈静")
	login := func(extra url.Values) url.Values {
		v := url.Values{"login": {p.IDNumber}, "password": {Password}}
		for k, vs := range extra {
			v[k] = vs
		}
		return v
	}

	c := legacyClient(ts)
	tok := pageToken(t, c.Page(t, "/login?tab=person&method=password", http.StatusOK))

	// Neither origin header nor token: refused, with a way forward.
	rec := c.Post(t, "/login/person", login(nil))
	WantStatus(t, "legacy POST without token", rec, http.StatusForbidden)
	if !strings.Contains(rec.Body.String(), "请刷新页面后重新提交") || c.Session() != "" {
		t.Fatalf("refused post: session %q\n%s", c.Session(), ShortBody(rec.Body.String()))
	}
	// Another browser's token is no token.
	other := legacyClient(ts)
	otherTok := pageToken(t, other.Page(t, "/login", http.StatusOK))
	if otherTok == tok {
		t.Fatal("two browsers got the same token")
	}
	WantStatus(t, "legacy POST with another browser's token", c.Post(t, "/login/person", login(url.Values{"csrf_token": {otherTok}})), http.StatusForbidden)
	WantStatus(t, "legacy POST with a garbled token", c.Post(t, "/login/person", login(url.Values{"csrf_token": {tok[:len(tok)-1]}})), http.StatusForbidden)

	// With the page's token the form works, as it does in a current browser.
	WantRedirect(t, "legacy POST with the form's token", c.Post(t, "/login/person", login(url.Values{"csrf_token": {tok}})), "/me")
	if c.Session() == "" {
		t.Fatal("no session after a login with the token")
	}

	// Script requests carry it in the header.
	if code, _ := acsKeepAlivePost(t, c, nil); code != http.StatusForbidden {
		t.Errorf("legacy keep-alive without the header answered %d, want 403", code)
	}
	if code, out := acsKeepAlivePost(t, c, http.Header{http.CanonicalHeaderKey(csrfHeader): {tok}}); code != http.StatusOK || !out.OK {
		t.Errorf("legacy keep-alive with the header answered %d %+v, want 200", code, out)
	}
	captcha := func(token string) int {
		r := httptest.NewRequest(http.MethodPost, "/captcha/verify", strings.NewReader(`{}`))
		r.Header.Set("Content-Type", "application/json")
		if token != "" {
			r.Header.Set(csrfHeader, token)
		}
		return c.Send(t, r).Code
	}
	if code := captcha(""); code != http.StatusForbidden {
		t.Errorf("legacy captcha answer without the header answered %d, want 403", code)
	}
	if code := captcha(tok); code != http.StatusOK {
		t.Errorf("legacy captcha answer with the header answered %d, want 200", code)
	}

	// A cross-site request is refused by its headers as before, token or not.
	cross := NewClient(ts)
	tok = pageToken(t, cross.Page(t, "/login", http.StatusOK))
	for _, h := range []http.Header{
		{"Origin": {"https://evil.example"}},
		{"Sec-Fetch-Site": {"cross-site"}},
	} {
		rec := cross.Do(t, http.MethodPost, "/login/person", login(url.Values{"csrf_token": {tok}}), h)
		WantStatus(t, fmt.Sprintf("cross-site POST %v", h), rec, http.StatusForbidden)
	}
	// A current browser's same-origin post needs no token.
	WantRedirect(t, "same-origin POST without token", NewClient(ts).Post(t, "/login/person", login(nil)), "/me")
	WantRedirect(t, "same-origin POST by Origin without token",
		NewClient(ts).Do(t, http.MethodPost, "/login/person", login(nil), http.Header{"Origin": {"http://example.com"}}), "/me")

	// The face-verification provider's callback is a signed server request: no token.
	r := httptest.NewRequest(http.MethodPost, "/verify/callback", strings.NewReader("{}"))
	if code := ts.Do(t, r).Code; code == http.StatusForbidden {
		t.Error("the provider callback was refused for a missing CSRF token")
	}
}

// TestCSRFSignedInForms: the token also lets a legacy browser use the forms of a
// signed-in session (sign-out here), and is refused without it.
func TestCSRFSignedInForms(t *testing.T) {
	ts := NewTestServer(t)
	p := NewWorld(ts, 8).Person(t, "王芳")
	c := legacyClient(ts)
	SignIn(t, c, auth.Subject{PersonID: p.ID})
	doc := c.Page(t, "/me", http.StatusOK)
	tok := doc.Must(t, `form[action="/logout"] input[name=csrf_token]`).AttrOr("value")
	WantStatus(t, "logout without token", c.Post(t, "/logout", url.Values{}), http.StatusForbidden)
	if c.Session() == "" {
		t.Fatal("a refused logout ended the session")
	}
	Redirected(t, c.Post(t, "/logout", url.Values{"csrf_token": {tok}}))
	if c.Session() != "" {
		t.Fatal("logout with the token kept the session")
	}
}

// checkCSRFFields checks that every post form of a rendered page carries the page's
// token (TestEveryPageRenders calls it for every page template).
func checkCSRFFields(t *testing.T, target string, doc *HTMLNode) {
	t.Helper()
	forms := doc.All("form")
	if len(forms) == 0 {
		return
	}
	tok := ""
	if m := doc.First(`meta[name=csrf-token]`); m != nil {
		tok = m.AttrOr("content")
	}
	for _, f := range forms {
		if !strings.EqualFold(f.AttrOr("method"), "post") {
			continue
		}
		fields := f.All(`input[name=csrf_token]`)
		if tok == "" || len(fields) != 1 || fields[0].AttrOr("type") != "hidden" || fields[0].AttrOr("value") != tok {
			t.Errorf("%s: post form line %d (action %q) lacks the hidden CSRF field with the page's token", target, f.Line, f.AttrOr("action"))
		}
	}
}

// TestEveryTemplateFormGetsTheCSRFField reads every template's source: each form
// names its method, and each post form is one the render layer gives the token to,
// including forms in branches that TestEveryPageRenders does not reach.
func TestEveryTemplateFormGetsTheCSRFField(t *testing.T) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		t.Fatal(err)
	}
	formStart := regexp.MustCompile(`(?i)<form[\s>]`)
	method := regexp.MustCompile(`\smethod="(get|post)"`)
	post := 0
	for _, f := range append(files, pages...) {
		b, err := fs.ReadFile(templateFS, f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		for _, loc := range formStart.FindAllStringIndex(src, -1) {
			end := strings.IndexByte(src[loc[0]:], '>')
			tag := src[loc[0] : loc[0]+end+1]
			line := strings.Count(src[:loc[0]], "\n") + 1
			m := method.FindStringSubmatch(tag)
			if m == nil {
				t.Errorf("%s:%d: form without method=\"get\" or method=\"post\": %s", f, line, tag)
				continue
			}
			out := string(addCSRFFields([]byte(tag), "TOKEN"))
			got := strings.HasSuffix(out, `<input type="hidden" name="csrf_token" value="TOKEN">`) && strings.HasPrefix(out, tag)
			if want := m[1] == "post"; got != want {
				t.Errorf("%s:%d: %s form gets the CSRF field: %v", f, line, m[1], got)
			}
			if m[1] == "post" {
				post++
			}
		}
	}
	if post < 30 {
		t.Errorf("found only %d post forms in the templates", post)
	}
}

// TestBrowserScriptPostsCarryTheCSRFHeader: csrf.js adds the header to same-origin
// script posts (the captcha answer, the keep-alive), and the page loads it without
// console errors.
func TestBrowserScriptPostsCarryTheCSRFHeader(t *testing.T) {
	ts := NewTestServer(t)
	got := make(chan string, 4)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/captcha/verify" {
			got <- r.Header.Get(csrfHeader)
		}
		ts.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	b := browsertest.New(t)
	p := b.NewPage(t)
	p.Open(hs.URL + "/login")
	want := browsertest.Eval[string](p, `document.querySelector('meta[name="csrf-token"]').content`)
	if want == "" {
		t.Fatal("no token in the page's meta tag")
	}
	status := browsertest.Eval[int](p, `fetch('/captcha/verify', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'}).then(r => r.status)`)
	if status != http.StatusOK {
		t.Errorf("script post answered %d", status)
	}
	if h := <-got; h != want {
		t.Errorf("script post sent X-CSRF-Token %q, want the page's %q", h, want)
	}
}
