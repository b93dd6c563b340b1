package staff

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzNormalizeLogin: an accepted login name is what the staff table's CHECK and the
// login look-up expect, and normalising it again changes nothing.
func FuzzNormalizeLogin(f *testing.F) {
	for _, s := range []string{"secadmin", " SecAdmin ", "a.b_c-1", "1abc", "ab", "ＡＢＣ", "管理员"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := NormalizeLogin(s)
		if err != nil {
			return
		}
		if len(l) < 3 || len(l) > 32 || l != strings.ToLower(l) || strings.TrimFunc(l, func(r rune) bool {
			return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		}) != "" {
			t.Fatalf("accepted %q as %q", s, l)
		}
		if again, err := NormalizeLogin(l); err != nil || again != l {
			t.Fatalf("not idempotent: %q → %q, %v", l, again, err)
		}
	})
}

// FuzzCheckReason: an accepted reason is text on one line, at most MaxReasonRunes.
func FuzzCheckReason(f *testing.F) {
	for _, s := range []string{"持营业执照办理", " a\nb ", "\x00", strings.Repeat("因", 201)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := CheckReason(s)
		if err != nil {
			return
		}
		if r == "" || !utf8.ValidString(r) || utf8.RuneCountInString(r) > MaxReasonRunes || r != strings.TrimSpace(r) {
			t.Fatalf("accepted %q as %q", s, r)
		}
		for _, c := range r {
			if unicode.IsControl(c) || unicode.Is(unicode.Cf, c) {
				t.Fatalf("accepted %q with %U", r, c)
			}
		}
	})
}
