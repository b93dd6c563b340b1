package web_test

import (
	"hall/internal/web"
	"strings"
	"testing"
)

func TestLocalPath(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "/"},
		{"/me", "/me"},
		{"/unit/?x=1", "/unit/?x=1"},
		{"https://evil.example/", "/"},
		{"//evil.example", "/"},
		{"/\\evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"me", "/"},
		{"javascript:alert(1)", "/"},
		{"/catalog?q=" + strings.Repeat("a", 1013), "/catalog?q=" + strings.Repeat("a", 1013)},
		{"/catalog?q=" + strings.Repeat("a", 1014), "/"},
	}
	for _, c := range cases {
		if got := web.LocalPath(c.in); got != c.want {
			t.Errorf("localPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/me", "//x", "/\\x", "/\t/x", "https://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := web.LocalPath(s)
		if out != "/" && out != s {
			t.Fatalf("localPath(%q) = %q: must be the input or /", s, out)
		}
		if len(out) > 1 && (out[0] != '/' || out[1] == '/' || out[1] == '\\') {
			t.Fatalf("localPath(%q) = %q leaves the site", s, out)
		}
	})
}
