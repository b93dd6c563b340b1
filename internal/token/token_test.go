package token

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		s := New()
		if len(s) != Len || !Valid(s) {
			t.Fatalf("New() = %q", s)
		}
		b, err := base64.RawURLEncoding.Strict().DecodeString(s)
		if err != nil || len(b) != Bytes {
			t.Fatalf("New() = %q: %d bytes, %v", s, len(b), err)
		}
		if seen[s] {
			t.Fatalf("New() repeated %q", s)
		}
		seen[s] = true
	}
	if got := base64.RawURLEncoding.EncodedLen(Bytes); got != Len {
		t.Fatalf("Len = %d, encoded length is %d", Len, got)
	}
}

func TestValid(t *testing.T) {
	cases := []struct {
		s    string
		want bool
	}{
		{New(), true},
		{strings.Repeat("A", 43), true},
		{strings.Repeat("_", 43), true},
		{strings.Repeat("-", 43), true},
		{"q5mM0aZ2-Lw7_8d9fG1hJ2kL3zX4cV5bN6mQ7wE8rT9", true}, // non-canonical last bits: still accepted
		{"", false},
		{strings.Repeat("A", 42), false},
		{strings.Repeat("A", 44), false},
		{strings.Repeat("A", 42) + "=", false},
		{strings.Repeat("A", 42) + "+", false},
		{strings.Repeat("A", 42) + "/", false},
		{strings.Repeat("A", 42) + " ", false},
		{strings.Repeat("A", 40) + "单", false}, // 43 bytes, not the alphabet
	}
	for _, c := range cases {
		if got := Valid(c.s); got != c.want {
			t.Errorf("Valid(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}

func TestHash(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, c := range cases {
		if got := Hash(c.in); got != c.want {
			t.Errorf("Hash(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	s := New()
	if h := Hash(s); len(h) != 64 || strings.Contains(h, s) || h == Hash(s+"x") {
		t.Errorf("Hash(%q) = %q", s, h)
	}
}

func TestEqual(t *testing.T) {
	h := Hash("binding")
	cases := []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{h, h, true},
		{h, Hash("binding"), true},
		{h, Hash("other"), false},
		{h, h[:63], false},
		{h, "", false},
		{"a", "b", false},
	}
	for _, c := range cases {
		if got := Equal(c.a, c.b); got != c.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func FuzzValid(f *testing.F) {
	f.Add(New())
	f.Add(strings.Repeat("A", 43))
	f.Add(strings.Repeat("_", 42) + "=")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		if !Valid(s) {
			return
		}
		if len(s) != Len || strings.ContainsAny(s, "=+/ \n\x00") {
			t.Fatalf("accepted %q", s)
		}
		// Every accepted string decodes to Bytes bytes (leniently: the last
		// character's spare bits are not checked).
		if b, err := base64.RawURLEncoding.DecodeString(s); err != nil || len(b) != Bytes {
			t.Fatalf("accepted %q: %d bytes, %v", s, len(b), err)
		}
	})
}
