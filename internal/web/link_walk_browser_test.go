package web_test

import (
	"strings"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/web/webtest"
)

// TestBrowserLinkWalk opens in headless Chromium one page of every route that
// TestLinkWalk's walk reaches in each area (webtest.RoutePattern: one catalog item
// stands for all), signed in through the login forms as a person would: each
// answers what it answered the walk, and no page logs a console error, throws, or
// fails to load a stylesheet, script or image (browsertest fails the page on each);
// the package's TestMain also checks each page with axe-core.
func TestBrowserLinkWalk(t *testing.T) {
	ts := webtest.NewTestServer(t)
	d := webtest.NewDemoHall(t, ts, 1404)
	base := ts.URL(t)
	b := browsertest.New(t)
	began := time.Now()
	total := 0
	// The public pages are the same to every area but for the header: each is
	// opened once, by the first area that reaches it.
	public := map[string]bool{}
	// The unit center is the same to its legal rep and its administrator but for
	// the role in the header and 经办人管理's admin rows: the administrator opens only
	// what the legal rep did not.
	byArea := map[string]map[string]bool{}
	byArea["admin"] = map[string]bool{}
	byArea["legal-rep"] = byArea["admin"]
	for _, a := range linkWalkAreas(d) {
		t.Run(a.name, func(t *testing.T) {
			res := walkArea(t, ts, a)
			// A page has longer than a flow's step to load: the walk opens pages
			// back to back on a machine other tests share, and a slow one is not
			// what it looks for.
			opts := []browsertest.Option{browsertest.Timeout(30 * time.Second)}
			if a.phone {
				opts = append(opts, browsertest.Mobile())
			}
			p := b.NewPage(t, opts...)
			if a.browser != nil {
				a.browser(t, p, base)
			}
			seen := byArea[a.name]
			if seen == nil {
				seen = map[string]bool{}
			}
			n := 0
			for _, wp := range res.Pages {
				pattern := webtest.RoutePattern(wp.Path)
				opened := seen
				if !signedInPath(wp.Path) {
					opened = public
				}
				if !wp.HTML || opened[pattern] {
					continue
				}
				opened[pattern] = true
				before := len(p.ConsoleErrors())
				p.Open(base + wp.Path)
				n++
				if p.Status() != wp.Status {
					t.Errorf("%s answers %d in the browser, %d to the walk", wp.Path, p.Status(), wp.Status)
				}
				if errs := p.ConsoleErrors(); len(errs) > before {
					t.Errorf("%s (linked from %s): %q", wp.Path, wp.From, errs[before:])
				}
			}
			t.Logf("%s: %d pages in the browser, of %d walked", a.name, n, len(res.Pages))
			total += n
		})
	}
	t.Logf("%d pages in %s", total, time.Since(began).Round(time.Second))
}

// signedInPath reports whether path is a page of a signed-in area (the personal
// center, the unit center, the app's 我的), which each area sees its own way.
func signedInPath(path string) bool {
	for _, prefix := range []string{"/me", "/unit/", "/app/"} {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	return false
}
