package web_test

import (
	"net/http"
	"slices"
	"testing"

	"hall/internal/auth"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestEveryGuideLinksARealPage: each page an operating guide names (LinkGuide) is a
// page of the hall, renders its 操作指南 link to that guide, and the guide answers.
// A renamed template or a guide naming a page that does not exist fails here.
func TestEveryGuideLinksARealPage(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 1)
	rep := w.Person(t, "林晓")
	u := w.Unit(t, "示范指南测试有限公司", rep)
	clients := map[string]*webtest.Client{"person": webtest.NewClient(ts), "unit": webtest.NewClient(ts)}
	webtest.SignIn(t, clients["person"], auth.Subject{PersonID: rep.ID})
	webtest.SignIn(t, clients["unit"], webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	clients["institution"] = w.InstitutionClient(t, u, rep)

	names := ts.PageNames()
	guided := ts.GuidedPages()
	if len(guided) == 0 {
		t.Fatal("no page links an operating guide")
	}
	for name, g := range guided {
		t.Run(name, func(t *testing.T) {
			if !slices.Contains(names, name) {
				t.Fatalf("guide %s names page %q, which no audience registers", g.Href, name)
			}
			p := webtest.PageURLs[name]
			if p.Status != http.StatusOK {
				// The request of PageURLs shows the error page in place of this one;
				// the name check above is what can be said without its flow.
				return
			}
			var doc *webtest.HTMLNode
			if kind, ok := webtest.PageSignIn[name]; ok {
				doc = clients[kind].Page(t, p.Target, p.Status)
			} else {
				doc = ts.GetHTML(t, p.Target, p.Status)
			}
			link := doc.Must(t, ".page-guide a")
			if link.AttrOr("href") != g.Href || link.TextContent() != "操作指南："+g.Title {
				t.Errorf("%s shows %q → %s, want 操作指南：%s → %s", p.Target, link.TextContent(), link.AttrOr("href"), g.Title, g.Href)
			}
			ts.GetHTML(t, g.Href, http.StatusOK)
		})
	}
}

// TestLinkGuideTwice: a page linked to the same guide twice is fine; a page linked
// to two guides is a mistake in the mounts and stops the start.
func TestLinkGuideTwice(t *testing.T) {
	var s web.Server
	s.LinkGuide("/help/login", "登录", "login", "login-sms")
	s.LinkGuide("/help/login", "登录", "login")
	defer func() {
		if recover() == nil {
			t.Error("a second guide for page login was accepted")
		}
	}()
	s.LinkGuide("/help/recover", "找回密码", "recover", "login")
}
