package webtest

import "testing"

func TestHTMLDoc(t *testing.T) {
	doc := ParseHTML(t, `<!doctype html><html><head><title>a &amp; b</title></head>
<body><ul id="l" class="x y"><li><a href="/a?x=1&amp;y=2">一</a></li><li class="y"><a href="/b">二</a><br></li></ul>
<p>t<input name=q value="v"/></p><script src="/s.js"></script></body></html>`)
	if got := doc.Texts("ul#l > li.y a"); len(got) != 1 || got[0] != "二" {
		t.Errorf("child/class: %v", got)
	}
	if got := doc.Must(t, "a[href^='/a']").AttrOr("href"); got != "/a?x=1&y=2" {
		t.Errorf("href = %q", got)
	}
	if n := len(doc.All("ul li, p input[name=q]")); n != 3 {
		t.Errorf("group: %d", n)
	}
	if doc.First("body > a") != nil {
		t.Error("child combinator matched a grandchild")
	}
	if got := doc.Must(t, "title").TextContent(); got != "a & b" {
		t.Errorf("title = %q", got)
	}
	for _, bad := range []string{"<div><p></div>", "<div>", "<a href='x>y</a>", `<p class="a" class="b"></p>`} {
		if _, err := ParseHTMLString(bad); err == nil {
			t.Errorf("parse accepted %q", bad)
		}
	}
}
