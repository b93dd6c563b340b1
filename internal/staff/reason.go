package staff

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxReasonRunes bounds the reason a staff member types for a write.
const MaxReasonRunes = 200

// CheckReason returns the reason a staff member typed for a write, trimmed, with
// control characters (line breaks included) turned into spaces: every back-office
// write is audited with it. Errors: ErrReasonRequired for none, ErrReasonTooLong.
func CheckReason(reason string) (string, error) {
	reason = strings.ToValidUTF8(reason, "")
	reason = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, reason)
	reason = strings.Join(strings.Fields(reason), " ")
	switch {
	case reason == "":
		return "", ErrReasonRequired
	case utf8.RuneCountInString(reason) > MaxReasonRunes:
		return "", ErrReasonTooLong
	}
	return reason, nil
}
