package web_test

import (
	"hall/internal/web"
	"hall/internal/web/webtest"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// countingBody is a request body that counts what the server reads of it.
type countingBody struct {
	r    io.Reader
	read int
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	return n, err
}

func (b *countingBody) Close() error { return nil }

// bigForm is a URL-encoded form of about size bytes.
func bigForm(size int) string {
	return "name=" + strings.Repeat("a", size-5)
}

var bodyLimitRoutes = []string{
	"/login/person", "/login/unit", "/register", "/appeal", "/recover", "/register/unit",
	"/captcha/verify", "/session/keepalive", "/verify/callback", "/unit/agents/new", "/no-such-page",
}

// TestOversizedBodyRefusedBeforeReading: a 1 MB Post with its length declared is
// answered 413 with the Chinese page, on every kind of route (anonymous forms, JSON,
// the provider callback, signed-in routes, unknown paths), before a byte is read.
func TestOversizedBodyRefusedBeforeReading(t *testing.T) {
	ts := webtest.NewTestServer(t)
	for _, path := range bodyLimitRoutes {
		body := &countingBody{r: strings.NewReader(bigForm(1 << 20))}
		r := httptest.NewRequest(http.MethodPost, path, nil)
		r.Body, r.ContentLength = body, 1<<20
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		rec := ts.Do(t, r)
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s: status %d, want 413", path, rec.Code)
			continue
		}
		if body.read != 0 {
			t.Errorf("POST %s: %d bytes of the body were read", path, body.read)
		}
		if !strings.Contains(rec.Body.String(), "提交的内容过长") {
			t.Errorf("POST %s: no Chinese message:\n%s", path, webtest.ShortBody(rec.Body.String()))
		}
	}
}

// TestOversizedChunkedBodyRefused: without a declared length the body is read only up
// to the limit and refused the same way.
func TestOversizedChunkedBodyRefused(t *testing.T) {
	ts := webtest.NewTestServer(t)
	for _, path := range []string{"/login/person", "/register", "/appeal"} {
		body := &countingBody{r: strings.NewReader(bigForm(1 << 20))}
		r := httptest.NewRequest(http.MethodPost, path, nil)
		r.Body, r.ContentLength = body, -1
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		rec := ts.Do(t, r)
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("POST %s: status %d, want 413", path, rec.Code)
		}
		if body.read > 2*web.DefaultBodyLimit {
			t.Errorf("POST %s: read %d bytes past the %d limit", path, body.read, web.DefaultBodyLimit)
		}
	}
}

// TestFormUnderLimitIsServed: a form just under the default limit still reaches its
// handler (it is refused for its content, not its size).
func TestFormUnderLimitIsServed(t *testing.T) {
	ts := webtest.NewTestServer(t)
	c := webtest.NewClient(ts)
	form := url.Values{"login": {"320102199003072413"}, "password": {"x"}, "pad": {strings.Repeat("a", web.DefaultBodyLimit-200)}}
	if rec := c.Post(t, "/login/person", form); rec.Code == http.StatusRequestEntityTooLarge || rec.Code >= 500 {
		t.Fatalf("status %d", rec.Code)
	}
}

// TestLongValuesAreNotEchoed: a refused form does not show a 300-character value again.
func TestLongValuesAreNotEchoed(t *testing.T) {
	ts := webtest.NewTestServer(t)
	long := strings.Repeat("王", 300)
	cases := []struct {
		path string
		form url.Values
	}{
		{"/register", url.Values{"id_type": {"resident"}, "id_number": {long}, "name": {long}, "mobile": {"13800000000"}, "password": {"x"}, "confirm": {"x"}}},
		{"/register/unit", url.Values{"uscc": {long}, "unit_name": {long}, "id_number": {long}, "legal_rep_name": {long}}},
		{"/login/unit", url.Values{"account": {long}, "login": {long}, "password": {"x"}}},
	}
	for _, tc := range cases {
		rec := webtest.NewClient(ts).Post(t, tc.path, tc.form)
		if rec.Code >= 500 || rec.Code == http.StatusRequestEntityTooLarge {
			t.Fatalf("POST %s: status %d", tc.path, rec.Code)
		}
		if body := rec.Body.String(); strings.Contains(body, strings.Repeat("王", 257)) {
			t.Errorf("POST %s echoes the 300-character value", tc.path)
		}
	}
	// Nor does the login page echo an oversized return path.
	longNext := "/catalog?q=" + strings.Repeat("a", 5000)
	if body := webtest.NewClient(ts).Get(t, "/login?tab=person&next="+url.QueryEscape(longNext)).Body.String(); strings.Contains(body, strings.Repeat("a", 1000)) {
		t.Error("the login page echoes a 5000-byte return path")
	}
	// A value a person could type is shown again.
	f := web.NewForm(httptest.NewRequest(http.MethodGet, "/", nil))
	f.Values.Set("name", strings.Repeat("王", web.MaxEchoRunes))
	f.Values.Set("description", strings.Repeat("王", 500))
	f.Values.Set("long", strings.Repeat("王", web.MaxEchoRunes+1))
	if v := f.Field("name", "姓名", "text").Value; utf8.RuneCountInString(v) != web.MaxEchoRunes {
		t.Errorf("a %d-character name is not echoed", web.MaxEchoRunes)
	}
	if v := f.Field("description", "申诉说明", "textarea").Value; utf8.RuneCountInString(v) != 500 {
		t.Error("a 500-character description is not echoed")
	}
	if v := f.Field("long", "x", "text").Value; v != "" {
		t.Errorf("a %d-character value is echoed", web.MaxEchoRunes+1)
	}
}
