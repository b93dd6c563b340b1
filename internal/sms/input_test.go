package sms

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseCode(t *testing.T) {
	cases := []struct {
		in   string
		want string // "" means refused
	}{
		{"123456", "123456"},
		{"000000", "000000"},
		{" 012345 ", "012345"},
		{"123 456", "123456"},
		{"123-456", "123456"},
		{"１２３４５６", "123456"},
		{"１２３\u3000４５６", "123456"},
		{"12３4５6", "123456"},
		{"123456\n", "123456"},
		{"\u200b123456\ufeff", "123456"},
		{"", ""},
		{"12345", ""},
		{"1234567", ""},
		{"12345a", ""},
		{"12345Ａ", ""},
		{"١٢٣٤٥٦", ""}, // Arabic-Indic digits
		{"一二三四五六", ""},
		{"+123456", ""},
		{"123.456", ""},
		{"123456\x00", ""},
		{"\xff123456", ""},
		{strings.Repeat(" ", 100) + "123456", ""},
	}
	for _, c := range cases {
		got, ok := ParseCode(c.in)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("ParseCode(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

func TestCheckPurpose(t *testing.T) {
	for _, p := range []string{"login", "register", "unit-register", "change-mobile", "r2", strings.Repeat("a", maxPurpose)} {
		if err := checkPurpose(p); err != nil {
			t.Errorf("checkPurpose(%q): %v", p, err)
		}
	}
	for _, p := range []string{"", "Login", "2fa", "-x", "a b", "登录", "a_b", strings.Repeat("a", maxPurpose+1)} {
		if err := checkPurpose(p); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("checkPurpose(%q) = %v, want ErrInvalidRequest", p, err)
		}
	}
}

func TestAddrKey(t *testing.T) {
	cases := []struct{ in, want string }{
		{"198.51.100.7", "198.51.100.7"},
		{"198.51.100.7:443", "198.51.100.7"},
		{" 198.51.100.7 ", "198.51.100.7"},
		{"::ffff:198.51.100.7", "198.51.100.7"},
		{"[::ffff:198.51.100.7]:80", "198.51.100.7"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2::1]:8080", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"unix-socket", "unix-socket"},
	}
	for _, c := range cases {
		got, err := addrKey(c.in)
		if err != nil || got != c.want {
			t.Errorf("addrKey(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "   ", strings.Repeat("x", maxAddr+1)} {
		if _, err := addrKey(bad); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("addrKey(%q) = %v, want ErrInvalidRequest", bad, err)
		}
	}
}

// FuzzParseCode checks the code parser used by Check against what a person might
// type or paste: it never panics, accepts only exactly six digits, keeps them in
// order, and is idempotent.
func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"123456", "１２３４５６", "123 456", " 0 1 2 3 4 5 ", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "\u3000６５４３２１\n", "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseCode(s)
		if !ok {
			if got != "" {
				t.Fatalf("ParseCode(%q) refused but returned %q", s, got)
			}
			return
		}
		if len(got) != CodeLen {
			t.Fatalf("ParseCode(%q) = %q: not %d characters", s, got, CodeLen)
		}
		var digits []byte
		for _, r := range s {
			switch {
			case r >= '0' && r <= '9':
				digits = append(digits, byte(r))
			case r >= '０' && r <= '９':
				digits = append(digits, byte(r-'０'+'0'))
			case r == utf8.RuneError:
				t.Fatalf("ParseCode(%q) accepted invalid UTF-8", s)
			}
		}
		if string(digits) != got {
			t.Fatalf("ParseCode(%q) = %q, but the input's digits are %q", s, got, digits)
		}
		if again, ok := ParseCode(got); !ok || again != got {
			t.Fatalf("ParseCode not idempotent: %q → %q → %q, %v", s, got, again, ok)
		}
	})
}

// FuzzAddrKey checks the client-address reduction (the address comes from the
// request): it never panics, refuses only empty or over-long input, and is
// idempotent, so a key is always counted under itself.
func FuzzAddrKey(f *testing.F) {
	for _, s := range []string{"198.51.100.7", "[2001:db8::1]:443", "::ffff:1.2.3.4", "fe80::1%eth0", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := addrKey(s)
		if err != nil {
			if strings.TrimSpace(s) != "" && len(strings.TrimSpace(s)) <= maxAddr {
				t.Fatalf("addrKey(%q) refused: %v", s, err)
			}
			return
		}
		if k2, err := addrKey(k); err != nil || k2 != k {
			t.Fatalf("addrKey not idempotent: %q → %q → %q, %v", s, k, k2, err)
		}
	})
}
