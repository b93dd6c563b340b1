package ident

import "strings"

// NormalizeMobile checks a mainland mobile number and returns its 11 digits.
// It accepts what people type or paste: full-width digits, spaces and
// hyphens between digit groups ("138 1234 1234", "138-1234-1234"), and the
// country code as "+86", "0086" or "86" in front. The result matches
// ^1[3-9]\d{9}$. The only error is ErrMobileFormat.
func NormalizeMobile(s string) (string, error) {
	s = strings.TrimFunc(Fold(s), IsTrimmable)
	// Drop the separators first so "+86 138…" and "+86-138…" work too.
	// Grouping is not checked: any placement of spaces and hyphens is a
	// harmless way of writing the same digits.
	n := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	switch {
	case strings.HasPrefix(n, "+86"):
		n = n[3:]
	case strings.HasPrefix(n, "0086") && len(n) == 15:
		n = n[4:]
	case strings.HasPrefix(n, "86") && len(n) == 13:
		n = n[2:]
	}
	if !isMobile(n) {
		return "", ErrMobileFormat
	}
	return n, nil
}

// isMobile reports whether s is exactly ^1[3-9]\d{9}$.
func isMobile(s string) bool {
	return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && isDigits(s)
}
