package ident

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestRandomPassword: every password passes the policy it was made for, with its
// context words, has one character of each class, and two are never alike.
func TestRandomPassword(t *testing.T) {
	strict := DefaultPasswordPolicy()
	strict.MinLen, strict.MinClasses = 16, 4
	cases := []struct {
		name    string
		policy  PasswordPolicy
		context []string
		wantLen int
	}{
		{"default policy", DefaultPasswordPolicy(), nil, 12},
		{"with context", DefaultPasswordPolicy(), []string{"110101199003078515", "13812345678"}, 12},
		{"longer minimum", strict, nil, 16},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seen := map[string]bool{}
			for range 200 {
				pw := RandomPassword(c.policy, c.context...)
				if err := c.policy.Check(pw, c.context...); err != nil {
					t.Fatalf("%q refused by its policy: %v", pw, err)
				}
				if utf8.RuneCountInString(pw) != c.wantLen {
					t.Fatalf("%q has %d characters, want %d", pw, utf8.RuneCountInString(pw), c.wantLen)
				}
				for _, class := range []string{randomUpper, randomLower, randomDigits, randomSpecial} {
					if !strings.ContainsAny(pw, class) {
						t.Fatalf("%q lacks a character of %q", pw, class)
					}
				}
				if strings.ContainsAny(pw, "0Oo1lI") {
					t.Fatalf("%q has a character that reads like another", pw)
				}
				if seen[pw] {
					t.Fatalf("%q drawn twice", pw)
				}
				seen[pw] = true
			}
		})
	}
}
