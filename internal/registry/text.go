package registry

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldWidth maps full-width ASCII variants (U+FF01–U+FF5E: letters, digits, （）) to
// ASCII and the ideographic space U+3000 to a space: Chinese input methods produce
// them and people cannot see the difference.
func foldWidth(s string) string {
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

// isTrimmable reports white space and the invisible characters that come along
// when text is copied from a web page or a spreadsheet (the BOM among them).
func isTrimmable(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff'
}

// cleanCode prepares a code-like value (USCC, ID number, region): full-width folded,
// trimmed, ASCII letters upper-cased.
func cleanCode(s string) string {
	s = strings.TrimFunc(foldWidth(s), isTrimmable)
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - ('a' - 'A')
		}
		return r
	}, s)
}

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
		case isTrimmable(r):
			return -1
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return r
	}, foldWidth(s))
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
