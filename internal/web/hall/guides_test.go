package hall

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"hall/internal/web/webtest"
)

// TestHelpGuides: /help lists every guide; each guide shows its steps and a start
// link that leads somewhere real (a page, or the login for a signed-in area); an
// unknown guide is a 404.
func TestHelpGuides(t *testing.T) {
	ts := webtest.NewTestServer(t)
	index := ts.GetHTML(t, "/help", http.StatusOK)
	var hrefs []string
	for _, a := range index.All(".guide-list a") {
		hrefs = append(hrefs, a.AttrOr("href"))
	}
	seen := map[string]bool{}
	for _, g := range guides {
		if seen[g.Key] {
			t.Errorf("two guides have the key %q", g.Key)
		}
		seen[g.Key] = true
		if !slices.Contains(hrefs, "/help/"+g.Key) {
			t.Errorf("/help does not list %s", g.Key)
		}
		t.Run(g.Key, func(t *testing.T) {
			doc := ts.GetHTML(t, "/help/"+g.Key, http.StatusOK)
			if h := doc.Must(t, "h1").TextContent(); h != g.Title {
				t.Errorf("heading %q, want %q", h, g.Title)
			}
			if n := len(doc.All(".guide-steps li")); n != len(g.Steps) || n < 2 {
				t.Errorf("%d steps shown of %d", n, len(g.Steps))
			}
			if len(g.Pages) == 0 {
				t.Error("the guide covers no page")
			}
			start := ts.Get(t, g.Start)
			switch {
			case start.Code == http.StatusOK:
			case start.Code == http.StatusSeeOther && start.Header().Get("Location") != "":
			default:
				t.Errorf("start link %s answers %d", g.Start, start.Code)
			}
		})
	}
	ts.GetHTML(t, "/help/no-such-guide", http.StatusNotFound)
}

// TestQueryGuideCounterCorrection: 查询服务's guide does not tell every returned
// case to be corrected online: a case entered at the counter is corrected at the
// counter, as 办件进度查询 itself says of such a case (Progress.AtCounter).
func TestQueryGuideCounterCorrection(t *testing.T) {
	ts := webtest.NewTestServer(t)
	doc := ts.GetHTML(t, "/help/query", http.StatusOK)
	var returned string
	for _, li := range doc.All(".guide-steps li, .guide li, li") {
		if text := li.TextContent(); strings.Contains(text, "退回补正时") {
			returned = text
		}
	}
	if !strings.Contains(returned, "网上申报的办件") || !strings.Contains(returned, "修改后重新提交") ||
		!strings.Contains(returned, "窗口录入的办件") || !strings.Contains(returned, "到经办窗口办理") {
		t.Errorf("the guide says of a returned case: %q", returned)
	}
}
