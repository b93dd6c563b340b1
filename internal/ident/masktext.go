package ident

import "regexp"

// Free text (log lines, query strings) may carry identifiers a person typed. These
// patterns find ID-number-like and mobile-like runs of digits that are not part of a
// longer number, so they can be masked before the text is logged.
var (
	idLike     = regexp.MustCompile(`(^|[^0-9A-Za-z])([0-9]{17}[0-9Xx])($|[^0-9A-Za-z])`)
	mobileLike = regexp.MustCompile(`(^|[^0-9])(1[3-9][0-9]{9})($|[^0-9])`)
)

// MaskText masks every resident-ID-like and mobile-like number in s (SPEC §2 masking)
// and leaves the rest unchanged. It is meant for logs, where a false positive costs
// nothing and a miss leaks personal data.
func MaskText(s string) string {
	if len(s) < 11 {
		return s
	}
	s = replaceAllRepeat(idLike, s, func(m string) string { return MaskID(m) })
	return replaceAllRepeat(mobileLike, s, func(m string) string { return MaskMobile(m) })
}

// replaceAllRepeat replaces group 2 of every match. Neighbouring matches share their
// separator, so the regexp runs until nothing changes (at most a few passes).
func replaceAllRepeat(re *regexp.Regexp, s string, mask func(string) string) string {
	for i := 0; i < 4; i++ {
		out := re.ReplaceAllStringFunc(s, func(m string) string {
			sub := re.FindStringSubmatch(m)
			return sub[1] + mask(sub[2]) + sub[3]
		})
		if out == s {
			break
		}
		s = out
	}
	return s
}
