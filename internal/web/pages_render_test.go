package web_test

import (
	"hall/internal/auth"
	"hall/internal/unit"
	"hall/internal/web/webtest"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestEveryPageRenders(t *testing.T) {
	// CA login on, for the page of its refusals.
	ts := webtest.NewTestServer(t, webtest.NewCALogin(t).Option())
	w := webtest.NewWorld(ts, 1)
	rep := w.Person(t, "林晓")
	u := w.Unit(t, "示范页面测试有限公司", rep)
	clients := map[string]*webtest.Client{"person": webtest.NewClient(ts), "unit": webtest.NewClient(ts)}
	webtest.SignIn(t, clients["person"], auth.Subject{PersonID: rep.ID})
	webtest.SignIn(t, clients["unit"], webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	clients["institution"] = w.InstitutionClient(t, u, rep)
	// The back office's pages (mounted here for TestHotQueryPlans) answer on the
	// operations listener with a staff sign-in: internal/web/admin's
	// TestEveryAdminPageRenders renders each of them (webtest.AdminPageURLs); every
	// other page is rendered here.
	names := slices.DeleteFunc(ts.PageNames(), func(name string) bool {
		_, backOffice := webtest.AdminPageURLs[name]
		return backOffice
	})
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			p, ok := webtest.PageURLs[name]
			if !ok {
				t.Fatalf("page template %q has no entry in webtest.PageURLs: add a request that renders it", name)
			}
			var doc *webtest.HTMLNode
			if kind, ok := webtest.PageSignIn[name]; ok {
				doc = clients[kind].Page(t, p.Target, p.Status)
			} else {
				doc = ts.GetHTML(t, p.Target, p.Status)
			}
			webtest.CheckPage(t, ts, p.Target, doc)
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := webtest.NewTestServer(t)
	for _, target := range []string{"/", "/catalog", "/catalog/SB-001", "/catalog/NO-999", "/themes", "/query", "/help", "/nope"} {
		rec := ts.Get(t, target)
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", target, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows unsafe-inline", target)
		}
		for k, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Referrer-Policy":        "same-origin",
			"Cache-Control":          "no-store",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", target, k, got, want)
			}
		}
		if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", target, ct)
		}
	}
}

func TestStylesheet(t *testing.T) {
	ts := webtest.NewTestServer(t)
	u, err := ts.AssetURL("css/hall.css")
	if err != nil {
		t.Fatal(err)
	}
	rec := ts.Get(t, u)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("GET %s: %d %s", u, rec.Code, rec.Header().Get("Content-Type"))
	}
	css := rec.Body.String()
	// Later pages rely on these components.
	for _, sel := range []string{".field-error", "ol.stepper", ".stepper li.done", ".stepper li.current", ".tabs", "table.data",
		".button-primary", ".panel", ".alert-error", ":focus-visible", "@media (max-width"} {
		if !strings.Contains(css, sel) {
			t.Errorf("hall.css lacks %s", sel)
		}
	}
	for _, bad := range []string{"@import", "url(http", "fonts.googleapis"} {
		if strings.Contains(css, bad) {
			t.Errorf("hall.css loads something from outside: %s", bad)
		}
	}
}
