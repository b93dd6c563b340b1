package webtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// errorsOf is a testing.TB that keeps the errors of a walk instead of failing.
type errorsOf struct {
	testing.TB
	errs []string
}

func (e *errorsOf) Errorf(format string, args ...any) {
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

// TestLinkWalkFindings: a walk of a small made-up site reports each fault it looks
// for, and no page that is fine.
func TestLinkWalkFindings(t *testing.T) {
	page := func(body string) string {
		return `<!doctype html><html><head><title>t</title></head><body><main>` + body + `</main></body></html>`
	}
	pages := map[string]string{
		"/": page(`<a href="/ok">ok</a> <a href="gone">gone</a> <a href="/boom#x">boom</a> <a href="/soon/x">soon</a>
			<a href="/soon/listed">listed</a> <a href="/bare">bare</a> <a href="/logout">out</a> <a href="https://example.org/">out</a>
			<a href="mailto:a@example.org">mail</a> <a href="/moved">moved</a> <a href="/refused">refused</a>
			<form method="get" action="/search"><input name="q"></form> <form method="post" action="/change"></form>`),
		"/ok":          page(`<a href="/?">home</a> <a href="/ok?next=%2Fa">again</a>`),
		"/soon/x":      page(`<section class="panel soon-page"><h1>x · 即将开放</h1></section>`),
		"/soon/listed": page(`<section class="panel soon-page"><h1>y · 即将开放</h1></section>`),
		"/bare":        `<p>no layout</p>`,
		"/search":      page(`results`),
		"/after":       page(`after the redirect`),
	}
	fetched := map[string]int{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched[r.Method+" "+r.URL.Path]++
		switch r.URL.Path {
		case "/boom":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "/moved":
			http.Redirect(w, r, "/after", http.StatusSeeOther)
		case "/refused":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(page("无权访问")))
		default:
			body, ok := pages[r.URL.Path]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(body))
		}
	})
	rec := &errorsOf{TB: t}
	c := &Client{Handler: h, Cookies: map[string]*http.Cookie{}, Remote: "192.0.2.1:1"}
	res := LinkWalk{Client: c, Start: []string{"/"}, Max: 50, Placeholders: map[string]string{"/soon/listed": "a feature to come"}}.Run(rec)
	for _, want := range []string{"GET /gone (linked from /): status 404", "GET /boom (linked from /): status 500",
		"GET /soon/x (linked from /): a 即将开放 page", "GET /bare (linked from /): the page lacks <title> or <main>",
		"GET / (linked from (start)): links to /logout with GET"} {
		if !slices.ContainsFunc(rec.errs, func(e string) bool { return strings.Contains(e, want) }) {
			t.Errorf("the walk does not report %q; it reports %q", want, rec.errs)
		}
	}
	if len(rec.errs) != 5 {
		t.Errorf("the walk reports %d faults, want 5: %q", len(rec.errs), rec.errs)
	}
	for _, p := range []string{"GET /ok", "GET /after", "GET /refused", "GET /search", "GET /soon/listed"} {
		if fetched[p] != 1 {
			t.Errorf("%s fetched %d times, want once", p, fetched[p])
		}
	}
	for p := range fetched {
		if !strings.HasPrefix(p, "GET ") || p == "GET /logout" {
			t.Errorf("the walk sent %s", p)
		}
	}
	if !res.Placeholders["/soon/listed"] || !res.Placeholders["/soon/x"] {
		t.Errorf("placeholders found: %v", res.Placeholders)
	}
}

func TestRoutePattern(t *testing.T) {
	for in, want := range map[string]string{
		"/catalog/SB-001":                       "/catalog/{x}?",
		"/unit/cases/12?next=%2F":               "/unit/cases/{x}?",
		"/login?tab=unit&method=qr&next=%2Fme":  "/login?method=qr&tab=unit",
		"/unit/info?tab=payments&after=abc&x=1": "/unit/info?tab=payments",
		"/unit/items/SB-002/apply":              "/unit/items/SB-002/apply?",
		"/unit/items/SB-002":                    "/unit/items/{x}?",
	} {
		if got := RoutePattern(in); got != want {
			t.Errorf("RoutePattern(%q) = %q, want %q", in, got, want)
		}
	}
}
