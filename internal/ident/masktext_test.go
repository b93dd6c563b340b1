package ident

import (
	"strings"
	"testing"
)

func TestMaskText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"path=/catalog", "path=/catalog"},
		{"id=32010219900307241X", "id=3***************1X"},
		{"mobile=13812341234&x=1", "mobile=138****1234&x=1"},
		{"13812341234,13912345678", "138****1234,139****5678"},
		{"order 123456789012345678901", "order 123456789012345678901"}, // longer number: not an ID
		{"n=23812341234", "n=23812341234"},                             // not a mobile prefix
	}
	for _, c := range cases {
		if got := MaskText(c.in); got != c.want {
			t.Errorf("MaskText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzMaskText(f *testing.F) {
	f.Add("id=32010219900307241X&m=13812341234")
	f.Add("13812341234 13812341234")
	f.Fuzz(func(t *testing.T, s string) {
		out := MaskText(s)
		if len([]rune(out)) != len([]rune(s)) && strings.ToValidUTF8(s, "") == s {
			t.Fatalf("MaskText changed the length: %q -> %q", s, out)
		}
		if mobileLike.MatchString(out) {
			t.Fatalf("a mobile-like number survived: %q -> %q", s, out)
		}
	})
}
