package web_test

import (
	"fmt"
	"hall/internal/web"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"hall/internal/auth"
	"hall/internal/browsertest"
	"hall/internal/web/webtest"
)

// legacyClient is a browser that sends neither Sec-Fetch-Site nor Origin (Internet
// Explorer, or a current browser's IE compatibility mode).
func legacyClient(ts *webtest.TestServer) *webtest.Client {
	c := webtest.NewClient(ts)
	c.Legacy = true
	return c
}

// pageToken is the CSRF token of the first post form on a page, and checks that the
// layout's meta tag carries the same.
func pageToken(t *testing.T, doc *webtest.HTMLNode) string {
	t.Helper()
	tok := doc.Must(t, `form[method=post] input[name=csrf_token]`).AttrOr("value")
	if tok == "" || doc.Must(t, `meta[name=csrf-token]`).AttrOr("content") != tok {
		t.Fatalf("form token %q and meta token differ or are empty", tok)
	}
	return tok
}

func TestCSRFFallbackForBrowsersWithoutOriginHeaders(t *testing.T) {
	ts := webtest.NewTestServer(t)
	p := webtest.NewWorld(ts, 7).Person(t, "陈静")
	login := func(extra url.Values) url.Values {
		v := url.Values{"login": {p.IDNumber}, "password": {webtest.Password}}
		for k, vs := range extra {
			v[k] = vs
		}
		return v
	}

	c := legacyClient(ts)
	tok := pageToken(t, c.Page(t, "/login?tab=person&method=password", http.StatusOK))

	// Neither origin header nor token: refused, with a way forward.
	rec := c.Post(t, "/login/person", login(nil))
	webtest.WantStatus(t, "legacy POST without token", rec, http.StatusForbidden)
	if !strings.Contains(rec.Body.String(), "请刷新页面后重新提交") || c.Session() != "" {
		t.Fatalf("refused post: session %q\n%s", c.Session(), webtest.ShortBody(rec.Body.String()))
	}
	// Another browser's token is no token.
	other := legacyClient(ts)
	otherTok := pageToken(t, other.Page(t, "/login", http.StatusOK))
	if otherTok == tok {
		t.Fatal("two browsers got the same token")
	}
	webtest.WantStatus(t, "legacy POST with another browser's token", c.Post(t, "/login/person", login(url.Values{"csrf_token": {otherTok}})), http.StatusForbidden)
	webtest.WantStatus(t, "legacy POST with a garbled token", c.Post(t, "/login/person", login(url.Values{"csrf_token": {tok[:len(tok)-1]}})), http.StatusForbidden)

	// With the page's token the form works, as it does in a current browser.
	webtest.WantRedirect(t, "legacy POST with the form's token", c.Post(t, "/login/person", login(url.Values{"csrf_token": {tok}})), "/me")
	if c.Session() == "" {
		t.Fatal("no session after a login with the token")
	}

	// Script requests carry it in the header.
	if code, _ := webtest.KeepAlivePost(t, c, nil); code != http.StatusForbidden {
		t.Errorf("legacy keep-alive without the header answered %d, want 403", code)
	}
	if code, out := webtest.KeepAlivePost(t, c, http.Header{http.CanonicalHeaderKey(web.CSRFHeader): {tok}}); code != http.StatusOK || !out.OK {
		t.Errorf("legacy keep-alive with the header answered %d %+v, want 200", code, out)
	}
	captcha := func(token string) int {
		r := httptest.NewRequest(http.MethodPost, "/captcha/verify", strings.NewReader(`{}`))
		r.Header.Set("Content-Type", "application/json")
		if token != "" {
			r.Header.Set(web.CSRFHeader, token)
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
	cross := webtest.NewClient(ts)
	tok = pageToken(t, cross.Page(t, "/login", http.StatusOK))
	for _, h := range []http.Header{
		{"Origin": {"https://evil.example"}},
		{"Sec-Fetch-Site": {"cross-site"}},
	} {
		rec := cross.Do(t, http.MethodPost, "/login/person", login(url.Values{"csrf_token": {tok}}), h)
		webtest.WantStatus(t, fmt.Sprintf("cross-site POST %v", h), rec, http.StatusForbidden)
	}
	// A current browser's same-origin post needs no token.
	webtest.WantRedirect(t, "same-origin POST without token", webtest.NewClient(ts).Post(t, "/login/person", login(nil)), "/me")
	webtest.WantRedirect(t, "same-origin POST by Origin without token",
		webtest.NewClient(ts).Do(t, http.MethodPost, "/login/person", login(nil), http.Header{"Origin": {"http://example.com"}}), "/me")

	// The face-verification provider's callback is a signed server request: no token.
	r := httptest.NewRequest(http.MethodPost, "/verify/callback", strings.NewReader("{}"))
	if code := ts.Do(t, r).Code; code == http.StatusForbidden {
		t.Error("the provider callback was refused for a missing CSRF token")
	}
}

// TestCSRFSignedInForms: the token also lets a legacy browser use the forms of a
// signed-in session (sign-out here), and is refused without it.
func TestCSRFSignedInForms(t *testing.T) {
	ts := webtest.NewTestServer(t)
	p := webtest.NewWorld(ts, 8).Person(t, "王芳")
	c := legacyClient(ts)
	webtest.SignIn(t, c, auth.Subject{PersonID: p.ID})
	doc := c.Page(t, "/me", http.StatusOK)
	tok := doc.Must(t, `form[action="/logout"] input[name=csrf_token]`).AttrOr("value")
	webtest.WantStatus(t, "logout without token", c.Post(t, "/logout", url.Values{}), http.StatusForbidden)
	if c.Session() == "" {
		t.Fatal("a refused logout ended the session")
	}
	webtest.Redirected(t, c.Post(t, "/logout", url.Values{"csrf_token": {tok}}))
	if c.Session() != "" {
		t.Fatal("logout with the token kept the session")
	}
}

// TestEveryTemplateFormGetsTheCSRFField reads every template's source: each form
// names its method, and each post form is one the render layer gives the token to,
// including forms in branches that TestEveryPageRenders does not reach.
func TestEveryTemplateFormGetsTheCSRFField(t *testing.T) {
	// The kit's layouts and partials and every audience's pages, from the source tree.
	tree := os.DirFS(".")
	files, err := fs.Glob(tree, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := fs.Glob(tree, "*/templates/*.html")
	if err != nil || len(pages) < 30 {
		t.Fatalf("audience templates: %d found, err %v", len(pages), err)
	}
	formStart := regexp.MustCompile(`(?i)<form[\s>]`)
	method := regexp.MustCompile(`\smethod="(get|post)"`)
	post := 0
	for _, f := range append(files, pages...) {
		b, err := fs.ReadFile(tree, f)
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
			out := string(web.AddCSRFFields([]byte(tag), "TOKEN"))
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
	ts := webtest.NewTestServer(t)
	got := make(chan string, 4)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/captcha/verify" {
			got <- r.Header.Get(web.CSRFHeader)
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
