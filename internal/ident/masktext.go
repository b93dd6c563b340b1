package ident

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Free text (log lines, query strings, error messages) may carry identifiers a person
// typed, spelled the way they typed them: "+86 136-2050-5873", "8613620505873",
// full-width digits from a Chinese input method, a query string where spaces became
// "+" or "%20" and full-width digits became "%EF%BC%91", a Hong Kong pass "h12345678".
// MaskText finds them on a folded view of the text: each input character, and each
// percent-escaped character, becomes one ASCII byte (digits and letters as themselves,
// letters upper-cased, any space or "%20" as ' ', "%2B" as '+', anything else that
// cannot be part of a number as 0). The patterns below run on that view; a match
// masks the original characters behind the digits and letters it covers, one '*'
// each, and leaves separators and the country code as they were.
//
// What is found (each only between boundaries: the characters before and after are
// not letters, digits or '*', so a hash, a request ID, a longer number or one masked
// already is left alone, and masking masked text changes nothing):
//   - 18 characters, 17 digits and a digit or X (居民身份证, 港澳台居民居住证, the
//     2023 外国人永久居留身份证), single spaces, hyphens or "+" allowed between them;
//   - 3 letters and 12 digits (the 2017 外国人永久居留身份证);
//   - H or M and 8 or 10 digits (港澳居民来往内地通行证);
//   - a mainland mobile, 1[3-9] and 9 digits, single separators allowed between the
//     digits, after an optional "+86", "0086" or "86" (separated or not);
//   - one or two letters and 7 to 9 digits, the common passport shape;
//   - 8 or 10 digits on their own (台湾居民来往大陆通行证), only when neither the
//     character before nor the one after is '.', so that fractions of seconds and
//     decimals are left alone;
//   - any value after a key naming an ID number (id_number=…, "legal_rep_id_number":"…"),
//     whatever its shape: passports of other countries have no shape to find.
//
// The trade-off: any other 8- or 10-digit number standing alone (a date written
// 20261204, a Unix time, a byte count of ten or more megabytes, a row ID of eight
// digits written into text such as "person:12345678") is masked too, and so is a
// number of a mobile's shape that is not one. A number right after a literal '*' is
// not found (masked text must stay as it is). In a log a false positive costs a
// little readability; a miss leaks personal data. Timestamps (RFC 3339: the digits
// are split by '-', ':', 'T' and '.'), the hall's hex request IDs and hashes (digits
// next to letters) and durations ("13.620505873ms") are not touched.
var (
	textSep = `[ +\-]`
	// textPatterns are tried in order at each boundary; group 1, when present, is
	// the part to mask (the mobile without its country code).
	textPatterns = []textPattern{
		{regexp.MustCompile(`^[0-9](?:` + textSep + `?[0-9]){16}` + textSep + `?[0-9X]`), 1, 2, false},
		{regexp.MustCompile(`^[A-Z]{3}[0-9]{12}`), 1, 2, false},
		{regexp.MustCompile(`^[HM](?:[0-9]{10}|[0-9]{8})`), 1, 2, false},
		{regexp.MustCompile(`^(?:(?:\+|00)?86` + textSep + `?)?(1` + textSep + `?[3-9](?:` + textSep + `?[0-9]){9})`), 3, 4, false},
		{regexp.MustCompile(`^[A-Z]{1,2}[0-9]{7,9}`), 1, 2, false},
		{regexp.MustCompile(`^(?:[0-9]{10}|[0-9]{8})`), 1, 2, true},
	}
	// idKey finds a key naming an ID number and the '=' or ':' (with quotes and
	// spaces) after it; the value that follows is masked whatever its shape.
	idKey = regexp.MustCompile(`(?:^|[^A-Z])ID_?(?:NUMBER|NO)"?\s*[=:]\s*"?`)
)

// textPattern is one shape of identifier: head and tail are the letters and digits
// left visible (as MaskID and MaskMobile do); decimalAware refuses a match next to
// '.' (for bare digit runs that could be part of a decimal or a time's fraction).
type textPattern struct {
	re           *regexp.Regexp
	head, tail   int
	decimalAware bool
}

// textUnit is one character of the input (or one percent escape) and the byte that
// stands for it in the folded view.
type textUnit struct {
	start, end int
	folded     byte
}

// MaskText masks every identifier a person may have typed into s (see above; SPEC §2
// masking) and leaves the rest unchanged. Text without one is returned as it is.
// It never panics, and masking masked text changes nothing.
func MaskText(s string) string {
	if len(s) < 5 {
		return s
	}
	units, view := foldText(s)
	masked := make([]bool, len(units))
	found := false
	for i := 0; i < len(view); i++ {
		if !isAlnum(view[i]) && view[i] != '+' {
			continue
		}
		if i > 0 && isValueChar(view[i-1]) {
			continue
		}
		if end := matchAt(view, i, masked); end > i {
			found = true
			i = end - 1
		}
	}
	for _, loc := range idKey.FindAllStringIndex(view, -1) {
		end := loc[1]
		// A value masked already (by a pattern, or in an earlier pass) keeps its
		// stars in the count, so that masking is idempotent. A hyphen, or a '+'
		// (a space in a query string), between characters is part of the value.
		for end < len(view) && (isValueChar(view[end]) ||
			((view[end] == '-' || view[end] == '+') && end+1 < len(view) && isValueChar(view[end+1]))) {
			end++
		}
		if maskRange(view, masked, loc[1], end, 1, 2, true) {
			found = true
		}
	}
	if !found {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, u := range units {
		if masked[i] {
			b.WriteRune(maskRune)
		} else {
			b.WriteString(s[u.start:u.end])
		}
	}
	return b.String()
}

// matchAt tries the patterns at position i of the view (a boundary) and marks what
// the first one that fits masks. It returns the end of the match, or i for none.
func matchAt(view string, i int, masked []bool) int {
	window := view[i:min(len(view), i+40)]
	for _, p := range textPatterns {
		loc := p.re.FindStringSubmatchIndex(window)
		if loc == nil {
			continue
		}
		end := i + loc[1]
		if end < len(view) && isValueChar(view[end]) {
			continue
		}
		if p.decimalAware && ((i > 0 && view[i-1] == '.') || (end < len(view) && view[end] == '.')) {
			continue
		}
		from := i
		if len(loc) > 2 && loc[2] >= 0 {
			from = i + loc[2]
		}
		maskRange(view, masked, from, end, p.head, p.tail, false)
		return end
	}
	return i
}

// maskRange marks the letters and digits of view[from:end] for masking, except the
// first head and the last tail of them; when fewer than four would be hidden, all
// are (as maskRunes). With stars, '*' counts as a character of the value. It reports
// whether it marked any.
func maskRange(view string, masked []bool, from, end, head, tail int, stars bool) bool {
	var pos []int
	alnum := 0
	for j := from; j < end; j++ {
		if isAlnum(view[j]) {
			alnum++
			pos = append(pos, j)
		} else if stars && view[j] == maskRune {
			pos = append(pos, j)
		}
	}
	if alnum == 0 {
		return false
	}
	if len(pos)-head-tail < 4 {
		head, tail = 0, 0
	}
	for _, j := range pos[head : len(pos)-tail] {
		masked[j] = true
	}
	return true
}

// foldText splits s into units and builds the folded view, one byte per unit.
func foldText(s string) ([]textUnit, string) {
	units := make([]textUnit, 0, len(s))
	view := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, end := decodeEscaped(s, i)
		if end == i {
			var size int
			r, size = utf8.DecodeRuneInString(s[i:])
			end = i + size
		}
		units = append(units, textUnit{start: i, end: end, folded: foldRune(r)})
		view = append(view, foldRune(r))
		i = end
	}
	return units, string(view)
}

// decodeEscaped decodes the percent-escaped character (one to four "%XX" forming a
// UTF-8 sequence) at s[i:]. It returns end == i when there is none.
func decodeEscaped(s string, i int) (rune, int) {
	var buf [utf8.UTFMax]byte
	n, j := 0, i
	for n < len(buf) && j+2 < len(s) && s[j] == '%' {
		b, ok := unhex2(s[j+1], s[j+2])
		if !ok {
			break
		}
		buf[n] = b
		n++
		j += 3
		if utf8.FullRune(buf[:n]) {
			r, size := utf8.DecodeRune(buf[:n])
			if size != n || r == utf8.RuneError {
				return 0, i
			}
			return r, j
		}
	}
	return 0, i
}

func unhex2(a, b byte) (byte, bool) {
	x, ok1 := unhex(a)
	y, ok2 := unhex(b)
	return x<<4 | y, ok1 && ok2
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// foldRune maps a character to its byte in the folded view: full-width forms to
// ASCII (as Fold), letters upper-cased, any white space to ' ', and everything else
// that is not ASCII to 0.
func foldRune(r rune) byte {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000 || r == 0xA0:
		r = ' '
	}
	if r >= 'a' && r <= 'z' {
		r -= 'a' - 'A'
	}
	if r >= utf8.RuneSelf || r == utf8.RuneError {
		return 0
	}
	return byte(r)
}

func isValueChar(c byte) bool { return isAlnum(c) || c == maskRune }

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
}
