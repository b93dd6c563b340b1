package unitreg

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Name length in runes, as people count characters (the rule of personal accounts).
const (
	minNameRunes = 2
	maxNameRunes = 30
)

// nameDots are the separators people type between the parts of a minority or
// foreign name; all become U+00B7 MIDDLE DOT, the form the ID card uses, so that the
// account created for the legal rep stores the name the way personal registration
// would.
var nameDots = strings.NewReplacer(
	"\u2022", "·", "\u2027", "·", "\u30fb", "·", "\uff65", "·", "\u22c5", "·",
	"\u0387", "·", "\uff0e", "·", ".", "·",
)

// normalizeName checks a legal representative's name and returns it in stored
// form: trimmed, full-width Latin letters folded, separators unified to "·", runs
// of spaces collapsed and spaces next to a Han character dropped. A name is 2–30
// runes of letters (and combining marks after a letter) with single "·" or single
// spaces between them. ok is false for anything else.
func normalizeName(s string) (name string, ok bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF21 && r <= 0xFF3A, r >= 0xFF41 && r <= 0xFF5A:
			return r - 0xFEE0
		case r == 0x3000 || r == '\t':
			return ' '
		}
		return r
	}, s)
	if strings.ContainsFunc(s, func(r rune) bool { return r != ' ' && unicode.IsSpace(r) }) {
		return "", false
	}
	rs := []rune(strings.Join(strings.Fields(nameDots.Replace(s)), " "))
	out := make([]rune, 0, len(rs))
	prevLetter := false
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r):
			prevLetter = true
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			if !prevLetter {
				return "", false
			}
		case r == ' ' && i > 0 && i < len(rs)-1 && (unicode.Is(unicode.Han, rs[i-1]) || unicode.Is(unicode.Han, rs[i+1])):
			continue // Chinese names have no spaces: "张 三" is 张三
		case r == '·' || r == ' ':
			if !prevLetter {
				return "", false
			}
			prevLetter = false
		default:
			return "", false
		}
		out = append(out, r)
	}
	if !prevLetter || len(out) < minNameRunes || len(out) > maxNameRunes {
		return "", false
	}
	return string(out), true
}

// isControl reports runes that have no place in a one-line text field.
func isControl(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}
