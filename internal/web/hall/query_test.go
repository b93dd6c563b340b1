package hall

import (
	"net/http"
	"strings"
	"testing"

	"hall/internal/token"
	"hall/internal/web/webtest"
)

func TestRecordIDFromLink(t *testing.T) {
	id := token.New()
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"whole link", "https://hall.example.gov.cn/verify/" + id, true},
		{"link with spaces and a query", "  https://hall.example.gov.cn/verify/" + id + "?from=qr#top ", true},
		{"another host", "http://127.0.0.1:8080/verify/" + id, true},
		{"path only", "/verify/" + id, true},
		{"trailing slash", "/verify/" + id + "/", true},
		{"code alone", id, true},
		{"empty", "", false},
		{"short code", id[:20], false},
		{"code with a bad character", id[:len(id)-1] + "*", false},
		{"another page", "https://hall.example.gov.cn/catalog/SB-001", false},
		{"verify without code", "https://hall.example.gov.cn/verify/", false},
		{"code and more path", "/verify/" + id + "/wait", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := recordIDFromLink(tc.in)
			if ok != tc.ok || ok && got != id {
				t.Errorf("recordIDFromLink(%q) = %q, %v; want %v", tc.in, got, ok, tc.ok)
			}
		})
	}
}

// FuzzRecordIDFromLink: the pasted link is outside input. What is accepted is
// always a well-formed ID, so the redirect stays on /verify/.
func FuzzRecordIDFromLink(f *testing.F) {
	f.Add("https://hall.example.gov.cn/verify/" + token.New())
	f.Add("/verify/%2e%2e/admin")
	f.Add("//evil.example/verify/x")
	f.Fuzz(func(t *testing.T, s string) {
		if id, ok := recordIDFromLink(s); ok && !token.Valid(id) {
			t.Fatalf("accepted %q from %q", id, s)
		}
	})
}

// TestQueryRecordLink: 查询服务 is in the top navigation; a pasted link of an issued
// record leads to its verify page, which says 有效; a link that is not one is refused
// beside the field, echoing what was typed.
func TestQueryRecordLink(t *testing.T) {
	ts := webtest.NewTestServer(t)
	doc := ts.GetHTML(t, "/", http.StatusOK)
	found := false
	for _, a := range doc.All("nav.main-nav a") {
		if a.TextContent() == "查询服务" && a.AttrOr("href") == "/query" {
			found = true
		}
	}
	if !found {
		t.Error("查询服务 in the top navigation does not lead to /query")
	}
	doc = ts.GetHTML(t, "/query", http.StatusOK)
	if cur := doc.Must(t, `nav.main-nav a[aria-current=page]`).TextContent(); cur != "查询服务" {
		t.Errorf("current nav entry %q", cur)
	}

	path, _ := verifyIssue(t, ts)
	rec := ts.Get(t, "/query?link="+ts.Config.BaseURL+path)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != path {
		t.Fatalf("pasted link: %d → %q, want 303 → %s", rec.Code, rec.Header().Get("Location"), path)
	}
	if got := ts.GetHTML(t, path, http.StatusOK).Must(t, "[data-verify-result]").AttrOr("data-verify-result"); got != "valid" {
		t.Errorf("verify result %q", got)
	}

	for in, msg := range map[string]string{"": "请输入权益单验证链接", "not-a-link": "无法识别该链接"} {
		doc := ts.GetHTML(t, "/query?link="+in, http.StatusOK)
		if e := doc.Must(t, "#e-link").TextContent(); !strings.Contains(e, msg) {
			t.Errorf("link %q: error %q, want %q", in, e, msg)
		}
		if v := doc.Must(t, "input#f-link").AttrOr("value"); v != in {
			t.Errorf("link %q echoed as %q", in, v)
		}
	}
}
