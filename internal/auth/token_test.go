package auth

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok, hash, err := newToken()
		if err != nil {
			t.Fatal(err)
		}
		if !wellFormed(tok) || len(hash) != 64 || hash != hashToken(tok) || strings.Contains(hash, tok) {
			t.Fatalf("token %q hash %q", tok, hash)
		}
		if seen[tok] {
			t.Fatalf("token %q repeated", tok)
		}
		seen[tok] = true
	}
}

func FuzzWellFormed(f *testing.F) {
	tok, _, _ := newToken()
	f.Add(tok)
	f.Add(strings.Repeat("A", 43))
	f.Add(strings.Repeat("_", 42) + "=")
	f.Fuzz(func(t *testing.T, s string) {
		if !wellFormed(s) {
			return
		}
		if len(s) != 43 || strings.ContainsAny(s, "=+/ \n") {
			t.Fatalf("accepted %q", s)
		}
	})
}

func FuzzCleanText(f *testing.F) {
	f.Add("Mozilla/5.0 (X11; Linux x86_64)", 256)
	f.Add("浏览器\x00\xff", 4)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1024 {
			return
		}
		got := cleanText(s, max)
		if len(got) > max || !utf8.ValidString(got) || strings.ContainsRune(got, 0) {
			t.Fatalf("cleanText(%q, %d) = %q", s, max, got)
		}
	})
}
