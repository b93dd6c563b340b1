package webtest

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// A link walk: breadth-first, from a few start pages, a client without JavaScript
// follows every same-origin link the hall puts in its pages (<a href> and the action
// of every GET form, without its fields) and checks what each answers. It is how the
// hall shows that no page it links to is broken, a 500, or a 即将开放 page that is not
// on the list of features still to be built.

// LinkWalk is one audience's walk.
type LinkWalk struct {
	// Client sends the requests, with its session.
	Client *Client
	// Start are the paths the walk begins at.
	Start []string
	// Max bounds the number of pages fetched; the walk fails when it is reached, so
	// that a page that generates endless links (a calendar, a pager without end) is
	// noticed rather than cut short.
	Max int
	// Placeholders are the 即将开放 pages a link may still lead to: the path of the
	// page, to why it stays (the SPEC id of the feature not yet built). Any other
	// link to a placeholder page fails the walk.
	Placeholders map[string]string
	// Skip names links the walk does not follow (beyond logout, which it never
	// follows: logout is a POST, and a link to it would be a bug the walk reports).
	Skip func(path string) bool
}

// WalkedPage is a page the walk fetched: its path, its status, the page that links
// to it (the first one found) and, for a placeholder, true.
type WalkedPage struct {
	Path, From  string
	Status      int
	Placeholder bool
	// HTML: the answer is a page (not a redirect, a download, an error).
	HTML bool
}

// WalkResult is what a walk found: every page fetched, in the order fetched, and
// the placeholders linked to.
type WalkResult struct {
	Pages        []WalkedPage
	Placeholders map[string]bool
}

// placeholderMarkers are the classes a 即将开放 placeholder's section had (the
// hall's coming-soon page and the unit center's): every feature they stood for is
// built and both templates are gone, and a page that brings one back is caught.
var placeholderMarkers = []string{"section.soon-page", "section.uc-soon"}

// Run walks and fails t for every link that answers neither 200, a redirect within
// the hall, nor a deliberate refusal (403 with the hall's refusal page); for every
// 404 or 5xx (every link walked is one the hall generated); for a page without
// <title> or <main>; and for a link to a placeholder page not in Placeholders. It
// never sends anything but GET.
func (lw LinkWalk) Run(t testing.TB) WalkResult {
	t.Helper()
	res := WalkResult{Placeholders: map[string]bool{}}
	type item struct{ path, from string }
	seen := map[string]bool{}
	var queue []item
	push := func(path, from string) {
		if k := walkKey(path); !seen[k] {
			seen[k] = true
			queue = append(queue, item{path, from})
		}
	}
	for _, s := range lw.Start {
		push(s, "(start)")
	}
	for len(queue) > 0 {
		if len(res.Pages) >= lw.Max {
			t.Errorf("the walk reached its bound of %d pages with %d links left (first: %s): raise Max or find the page that makes endless links",
				lw.Max, len(queue), queue[0].path)
			break
		}
		it := queue[0]
		queue = queue[1:]
		rec := lw.Client.Get(t, it.path)
		page := WalkedPage{Path: it.path, From: it.from, Status: rec.Code}
		where := fmt.Sprintf("GET %s (linked from %s)", it.path, it.from)
		switch {
		case rec.Code == http.StatusOK:
		case rec.Code == http.StatusFound || rec.Code == http.StatusSeeOther:
			loc := rec.Header().Get("Location")
			if next, ok := sameOrigin(it.path, loc); ok {
				if !lw.skipped(next) {
					push(next, it.path+" (redirect)")
				}
			} else {
				t.Errorf("%s: redirects out of the hall to %q", where, loc)
			}
			res.Pages = append(res.Pages, page)
			continue
		case rec.Code == http.StatusForbidden:
			// A deliberate refusal: the hall's page saying why (checked below as
			// every page is), not a bare status.
		default:
			t.Errorf("%s: status %d", where, rec.Code)
			res.Pages = append(res.Pages, page)
			continue
		}
		ct := rec.Header().Get("Content-Type")
		if rec.Code == http.StatusForbidden && !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: 403 without the hall's refusal page (Content-Type %q)", where, ct)
		}
		if !strings.HasPrefix(ct, "text/html") {
			// A download (a PDF, an export): its status is what matters.
			res.Pages = append(res.Pages, page)
			continue
		}
		doc, err := ParseHTMLString(rec.Body.String())
		if err != nil {
			t.Errorf("%s: %v", where, err)
			res.Pages = append(res.Pages, page)
			continue
		}
		page.HTML = true
		if doc.First("head title") == nil || doc.First("main") == nil {
			t.Errorf("%s: the page lacks <title> or <main>", where)
		}
		for _, m := range placeholderMarkers {
			if doc.First(m) != nil {
				page.Placeholder = true
			}
		}
		if page.Placeholder {
			res.Placeholders[it.path] = true
			if _, ok := lw.Placeholders[it.path]; !ok {
				t.Errorf("%s: a 即将开放 page; build the feature, or drop the link (the known placeholders are listed in the test)", where)
			}
		}
		res.Pages = append(res.Pages, page)
		for _, target := range pageLinks(doc) {
			next, ok := sameOrigin(it.path, target)
			if !ok || lw.skipped(next) {
				continue
			}
			if isLogout(next) {
				t.Errorf("%s: links to %s with GET; signing out is a POST", where, next)
				continue
			}
			push(next, it.path)
		}
	}
	return res
}

func (lw LinkWalk) skipped(path string) bool {
	switch {
	case strings.HasPrefix(path, "/static/"):
		// The assets: CheckPage and the browser walk load them.
		return true
	case strings.HasPrefix(path, "/login/oidc/"):
		// A login through a provider starts there and leaves the hall for the
		// provider (account's login_oidc tests).
		return true
	case strings.HasPrefix(path, "/display/"):
		// The 长辈模式 switch: it sets the display cookie and sends the browser back
		// (TestBrowserKeyboardSkipAndElderSwitch); every page links it, with its own
		// back, so walking it would only walk every page again.
		return true
	}
	return lw.Skip != nil && lw.Skip(path)
}

// walkKey is what makes two links the same page for the walk: the path and the
// query without the parameters that only say where to go back to (next, back), so
// that the login page linked from each of a hundred pages is walked once.
func walkKey(path string) string {
	u, err := url.Parse(path)
	if err != nil {
		return path
	}
	q := u.Query()
	q.Del("next")
	q.Del("back")
	return u.Path + "?" + q.Encode()
}

func isLogout(path string) bool {
	p, _, _ := strings.Cut(path, "?")
	return strings.HasSuffix(p, "/logout")
}

// pageLinks are the targets of a page's links and GET forms, in document order.
func pageLinks(doc *HTMLNode) []string {
	var out []string
	doc.Walk(func(n *HTMLNode) {
		switch n.Tag {
		case "a":
			if h, ok := n.Attr("href"); ok {
				out = append(out, h)
			}
		case "form":
			if m := strings.ToLower(n.AttrOr("method")); m == "" || m == "get" {
				// The form's action alone (no fields), which is what a visitor who
				// sends it without filling anything in gets.
				out = append(out, n.AttrOr("action"))
			}
		}
	})
	return out
}

// sameOrigin resolves target against the page at base and returns its path and
// query, or false for a link out of the hall (another host, mailto:, tel:, a
// fragment within the page).
func sameOrigin(base, target string) (string, bool) {
	target = strings.TrimSpace(target)
	if target == "" || strings.HasPrefix(target, "#") {
		// An empty action is the page itself, already walked.
		return "", false
	}
	b, err := url.Parse(base)
	if err != nil {
		return "", false
	}
	u, err := url.Parse(target)
	if err != nil {
		return "", false
	}
	if u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		return "", false
	}
	r := b.ResolveReference(u)
	r.Fragment = ""
	return r.RequestURI(), true
}

// RoutePattern is the route a path stands for, for opening one page of each in a
// browser: every path segment with a digit in it (an ID, an item code, a flow) is
// {x}, but the item of an online form (/unit/items/{code}/apply), each with a form
// and scripts of its own; the query keeps only tab and method, which show other
// forms, and leaves out the rest (a filter, a page, a cursor, an order).
func RoutePattern(path string) string {
	u, err := url.Parse(path)
	if err != nil {
		return path
	}
	segs := strings.Split(u.Path, "/")
	for i, s := range segs {
		form := i+1 < len(segs) && segs[i+1] == "apply"
		if strings.ContainsAny(s, "0123456789") && !form {
			segs[i] = "{x}"
		}
	}
	q := url.Values{}
	for _, k := range []string{"tab", "method"} {
		if v, ok := u.Query()[k]; ok {
			q[k] = v
		}
	}
	return strings.Join(segs, "/") + "?" + q.Encode()
}

// Counts is a one-line summary of the pages a walk fetched, by status.
func (r WalkResult) Counts() string {
	by := map[int]int{}
	for _, p := range r.Pages {
		by[p.Status]++
	}
	codes := make([]int, 0, len(by))
	for c := range by {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	parts := make([]string, 0, len(codes))
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", by[c], c))
	}
	return fmt.Sprintf("%d pages (%s)", len(r.Pages), strings.Join(parts, ", "))
}

// TableRows counts the rows of every table of ts's (SQLite) database, so that a
// test can show that a series of GETs wrote nothing.
func TableRows(t testing.TB, ts *TestServer) map[string]int {
	t.Helper()
	rows, err := ts.DB.Query(t.Context(), `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	_ = rows.Close()
	out := map[string]int{}
	for _, n := range names {
		out[n] = RowCount(t, ts, `"`+n+`"`)
	}
	return out
}
