package registry

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"hall/internal/ident"
)

// cleanCode prepares a code-like value (USCC, ID number, region): full-width folded,
// trimmed, ASCII letters upper-cased.
func cleanCode(s string) string {
	s = strings.TrimFunc(ident.Fold(s), ident.IsTrimmable)
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - ('a' - 'A')
		}
		return r
	}, s)
}

// TextProblem is textProblem, for the other CSV importers (internal/insurance),
// which read the same encodings through DecodeCSV.
func TextProblem(s string, maxRunes int) string { return textProblem(s, maxRunes) }

// textProblem says what is wrong with a text value, or "" if nothing is.
// Stored text must be valid UTF-8 without control characters (PostgreSQL cannot
// store NUL, and neither can be shown) and must not contain U+FFFD, which is what a
// wrongly guessed encoding turns into.
func textProblem(s string, maxRunes int) string {
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		return "含有无法识别的字符，请检查文件编码（UTF-8或GB18030）"
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "含有不可见的控制字符"
		}
	}
	if utf8.RuneCountInString(s) > maxRunes {
		return "内容过长"
	}
	return ""
}

// unitNameKey is what unit names are compared by: full-width folded (so （） equals
// ()), without any white space, ASCII letters lower-cased. A registry writes
// "江苏某某（南京）有限公司" while people type "江苏某某(南京)有限公司"; both name the
// same unit.
func unitNameKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case ident.IsTrimmable(r):
			return -1
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return r
	}, ident.Fold(s))
}

// personNameKey is what legal representatives' names are compared by: like
// unitNameKey, and every kind of middle dot in transliterated names
// ("阿卜杜·热合曼", typed as "阿卜杜•热合曼", "阿卜杜・热合曼" or "阿卜杜.热合曼") becomes one.
func personNameKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '·', '•', '・', '‧', '∙', '.', '｡', '。':
			return '·'
		}
		return r
	}, unitNameKey(s))
}
