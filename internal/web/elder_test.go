package web_test

import (
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestElderSwitch: the header link turns 长辈模式 on with a cookie of a year and
// returns to the page; the next page carries the class and offers 标准模式, which
// turns it off again. A return path to another site goes home instead.
func TestElderSwitch(t *testing.T) {
	ts := webtest.NewTestServer(t)
	c := webtest.NewClient(ts)

	first := c.Get(t, "/catalog?applicant=unit")
	webtest.WantStatus(t, "the catalog", first, http.StatusOK)
	if strings.Contains(first.Body.String(), `class="elder"`) {
		t.Fatal("the standard page has the class elder")
	}
	link := elderSwitchLink(t, first.Body.String())
	if link != "/display/elder?back="+url.QueryEscape("/catalog?applicant=unit") {
		t.Fatalf("the header switch is %q", link)
	}

	rec := c.Get(t, link)
	webtest.WantRedirect(t, "switch on", rec, "/catalog?applicant=unit")
	var set *http.Cookie
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == web.ElderCookie {
			set = ck
		}
	}
	if set == nil || set.Value != "1" || set.MaxAge != 365*24*60*60 || set.SameSite != http.SameSiteLaxMode || set.Path != "/" {
		t.Fatalf("the switch sets %+v, want %s=1 for a year, SameSite=Lax, Path=/", set, web.ElderCookie)
	}

	for _, path := range []string{"/catalog?applicant=unit", "/login?tab=unit", "/app/login", "/no-such-page"} {
		rec := c.Get(t, path)
		if !strings.Contains(rec.Body.String(), `<html lang="zh-CN" class="elder">`) {
			t.Errorf("%s in 长辈模式 lacks the class elder on <html>", path)
		}
		if !strings.Contains(rec.Body.String(), ">标准模式</a>") {
			t.Errorf("%s in 长辈模式 offers no way back to 标准模式", path)
		}
	}

	back := elderSwitchLink(t, c.Get(t, "/themes").Body.String())
	if back != "/display/standard?back=%2Fthemes" {
		t.Fatalf("the switch in 长辈模式 is %q", back)
	}
	rec = c.Get(t, back)
	webtest.WantRedirect(t, "switch off", rec, "/themes")
	if ck := rec.Result().Cookies(); len(ck) != 1 || ck[0].Name != web.ElderCookie || ck[0].MaxAge >= 0 {
		t.Fatalf("turning 长辈模式 off sets %v, want the cookie removed", ck)
	}
	if body := c.Get(t, "/themes").Body.String(); strings.Contains(body, `class="elder"`) {
		t.Error("长辈模式 stays on after 标准模式")
	}

	for _, evil := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", ""} {
		rec := c.Get(t, "/display/elder?back="+url.QueryEscape(evil))
		webtest.WantRedirect(t, "back="+evil, rec, "/")
	}
}

// TestElderSwitchAfterForm: on a page that answers a form, the switch returns to
// the form's page (the Referer on this site), never to the POST-only address.
func TestElderSwitchAfterForm(t *testing.T) {
	if got := web.ElderBack(httptest.NewRequest(http.MethodGet, "/catalog?q=%E5%85%BB%E8%80%81", nil)); got != "/catalog?q=%E5%85%BB%E8%80%81" {
		t.Errorf("GET: back %q", got)
	}
	if got := web.ElderBack(httptest.NewRequest(http.MethodGet, "/login?tab=person&login=13620505873&id_number=320582199510153099", nil)); got != "/login?tab=person" {
		t.Errorf("GET with identifiers in the query: back %q, want them left out", got)
	}
	r := httptest.NewRequest(http.MethodPost, "/login/unit", nil)
	r.Header.Set("Referer", "http://example.com/login?tab=unit")
	if got := web.ElderBack(r); got != "/login?tab=unit" {
		t.Errorf("POST with a Referer of the site: back %q", got)
	}
	r.Header.Set("Referer", "https://evil.example/x")
	if got := web.ElderBack(r); got != "/" {
		t.Errorf("POST with a foreign Referer: back %q", got)
	}
}

// elderSwitchLink returns the href of the header's 长辈模式/标准模式 link.
func elderSwitchLink(t *testing.T, html string) string {
	t.Helper()
	_, rest, ok := strings.Cut(html, `<a class="elder-switch" href="`)
	if !ok {
		t.Fatal("the page has no 长辈模式 switch in its header")
	}
	href, _, _ := strings.Cut(rest, `"`)
	return strings.ReplaceAll(href, "&amp;", "&")
}
