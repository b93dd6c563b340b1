package ident

import (
	"time"

	"hall/internal/chinatime"
)

// Sex as encoded in the ID number, with the GB/T 2261.1 code values (so it
// can be stored as is).
type Sex uint8

const (
	SexUnknown Sex = 0
	SexMale    Sex = 1
	SexFemale  Sex = 2
)

// Label is the Chinese display name.
func (s Sex) Label() string {
	switch s {
	case SexMale:
		return "男"
	case SexFemale:
		return "女"
	}
	return "未知"
}

// ResidentID is a parsed 18-character citizen ID number (公民身份号码).
type ResidentID struct {
	Number     string    // normalised: 17 digits and a check char 0-9 or X
	RegionCode string    // first six digits, the address code at issue
	BirthDate  time.Time // civil date, at 00:00 UTC; compare dates, not instants
	Sex        Sex       // from the parity of the 17th digit: odd is male
}

// earliestBirth is the lower bound for birth dates. GB 11643 numbers were
// introduced in 1999 but carry birth dates of living people; anything before
// 1900 is a typo.
var earliestBirth = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// ISO 7064 MOD 11-2 as used by GB 11643: weight i is 2^(17-i) mod 11, and the
// check char for a remainder r is checkChars[r].
var (
	mod112Weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	mod112Chars   = "10X98765432"
)

// CheckDigit returns the GB 11643 (ISO 7064 MOD 11-2) check character '0'-'9'
// or 'X' for the first 17 digits of an ID number. It returns 0 when first17
// is not exactly 17 ASCII digits, so a generator bug cannot yield a number
// that looks valid.
func CheckDigit(first17 string) byte {
	if len(first17) != 17 || !isDigits(first17) {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * mod112Weights[i]
	}
	return mod112Chars[sum%11]
}

// ParseResidentID validates a 居民身份证 number and returns its parts. now is
// the current time; a birth date after today (in China) is refused, as is one
// before 1900. Lower-case x and full-width input are accepted and normalised.
//
// Errors are ErrIDFormat, ErrIDCheck, ErrIDRegion or ErrIDBirth, checked in
// that order: a single mistyped digit usually breaks the check digit, and
// "校验位错误" then tells the person to look again at the whole number.
func ParseResidentID(s string, now time.Time) (ResidentID, error) {
	return parse11643(s, now, func(p string) bool { _, ok := provinces[p]; return ok }, ErrIDFormat)
}

// parse11643 is the shared GB 11643 structure check. provinceOK decides which
// first two digits the ID type allows; formatErr is the message for the type.
func parse11643(s string, now time.Time, provinceOK func(string) bool, formatErr *FieldError) (ResidentID, error) {
	n := cleanCode(s)
	if len(n) != 18 || !isDigits(n[:17]) || !(isDigits(n[17:]) || n[17] == 'X') {
		return ResidentID{}, formatErr
	}
	if CheckDigit(n[:17]) != n[17] {
		return ResidentID{}, ErrIDCheck
	}
	if !provinceOK(n[:2]) {
		return ResidentID{}, ErrIDRegion
	}
	birth, ok := parseBirth(n[6:14], now)
	if !ok {
		return ResidentID{}, ErrIDBirth
	}
	sex := SexFemale
	if (n[16]-'0')%2 == 1 {
		sex = SexMale
	}
	return ResidentID{Number: n, RegionCode: n[:6], BirthDate: birth, Sex: sex}, nil
}

// parseBirth reads YYYYMMDD (already known to be digits) as a real calendar
// date between 1900-01-01 and today in China.
func parseBirth(ymd string, now time.Time) (time.Time, bool) {
	y := atoi(ymd[:4])
	m := atoi(ymd[4:6])
	d := atoi(ymd[6:8])
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	// time.Date normalises 19900230 to 1990-03-02; a round trip catches it.
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	ty, tm, td := now.In(chinatime.Zone).Date()
	today := time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)
	if t.Before(earliestBirth) || t.After(today) {
		return time.Time{}, false
	}
	return t, true
}

// atoi parses a short run of ASCII digits the caller has already checked.
func atoi(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}
