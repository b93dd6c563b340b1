package ident

import (
	"strings"
	"unicode"
)

// Fold maps full-width ASCII variants (U+FF01–U+FF5E: letters, digits, （）) to
// ASCII and the ideographic space U+3000 to a space. Chinese input methods in full-width
// mode produce these, and the person cannot see the difference, so refusing
// them would only confuse. golang.org/x/text/width would also do, but this is
// the whole of what the formats here need. A string without such runes is returned
// as it is (invalid UTF-8 included).
func Fold(s string) string {
	if !hasWide(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		}
		return r
	}, s)
}

func hasWide(s string) bool {
	for _, r := range s {
		if (r >= 0xFF01 && r <= 0xFF5E) || r == 0x3000 {
			return true
		}
	}
	return false
}

// IsTrimmable reports white space and the invisible characters that come
// along when text is copied from a web page or a spreadsheet (the BOM among them).
func IsTrimmable(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff'
}

// cleanCode prepares a code-like form value: full-width folded, surrounding
// space trimmed, ASCII letters upper-cased. Inner spaces are kept so that the
// format check refuses them rather than silently gluing parts together.
func cleanCode(s string) string {
	s = strings.TrimFunc(Fold(s), IsTrimmable)
	return asciiUpper(s)
}

// asciiUpper upper-cases ASCII letters only: every format here is ASCII, and
// leaving other runes alone keeps the function idempotent and length-stable.
func asciiUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
