package person

import (
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"hall/internal/ident"
)

// Messages of the field checks that ident does not provide.
// #nosec G101 -- user-facing messages about passwords, not credentials.
const (
	msgIDTypeMissing   = "请选择证件类型"
	msgIDNumberMissing = "请输入证件号码"
	msgNameMissing     = "请输入姓名"
	msgNameInvalid     = "请输入正确的姓名（2-30个汉字或字母，少数民族及外国人姓名可用“·”分隔）"
	msgMobileMissing   = "请输入手机号码"
	msgPasswordMissing = "请输入密码"
	msgConfirmMissing  = "请再次输入密码"
	msgConfirmMismatch = "两次输入的密码不一致"
	msgSMSCodeFormat   = "请输入6位短信验证码"
	msgSMSCodeRefused  = "验证码错误或已过期"
	msgAgreement       = "请阅读并同意《个人用户注册协议》"
)

// Name length in runes (SPEC R1: names as people count characters).
const (
	minNameRunes = 2
	maxNameRunes = 30
)

// nameDots are the separators people type between the parts of a minority or
// foreign name; all are stored as U+00B7 MIDDLE DOT, the form the ID card uses.
var nameDots = strings.NewReplacer(
	"\u2022", "·", // • bullet
	"\u2027", "·", // ‧ hyphenation point
	"\u30fb", "·", // ・ katakana middle dot (Japanese IMEs)
	"\uff65", "·", // ･ half-width katakana middle dot
	"\u22c5", "·", // ⋅ dot operator
	"\u0387", "·", // · Greek ano teleia, looks the same
	"\uff0e", "·", // ． full-width full stop
	".", "·",
)

// NormalizeName checks a person's name and returns it in its stored form:
// surrounding space trimmed, full-width Latin letters folded, separators
// unified to "·", runs of spaces collapsed, spaces next to a Han character
// dropped ("张 三" is 张三: Chinese names have no spaces). A name is 2–30 runes of letters
// (Han characters, Latin, the scripts of minority names; combining marks after
// a letter) with single "·" or single spaces between letters. Spaces are allowed
// because a passport name such as "JOHN SMITH" has them; a separator may not
// start or end the name. ok is false for an invalid name.
func NormalizeName(s string) (name string, ok bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF21 && r <= 0xFF3A, r >= 0xFF41 && r <= 0xFF5A: // full-width Latin
			return r - 0xFEE0
		case r == 0x3000 || r == '\t':
			return ' '
		}
		return r
	}, s)
	if strings.ContainsFunc(s, func(r rune) bool { return r != ' ' && unicode.IsSpace(r) }) {
		return "", false // line breaks and the like come from crafted requests, not the form
	}
	s = dropHanSpaces(strings.Join(strings.Fields(nameDots.Replace(s)), " "))
	n := 0
	prevLetter := false
	for _, r := range s {
		n++
		switch {
		case unicode.IsLetter(r):
			prevLetter = true
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			if !prevLetter {
				return "", false
			}
		case r == '·' || r == ' ':
			if !prevLetter {
				return "", false
			}
			prevLetter = false
		default:
			return "", false
		}
	}
	if !prevLetter || n < minNameRunes || n > maxNameRunes {
		return "", false
	}
	return s, true
}

// dropHanSpaces removes the single spaces that touch a Han character.
func dropHanSpaces(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	rs := []rune(s)
	out := rs[:0:0]
	for i, r := range rs {
		if r == ' ' && i > 0 && i < len(rs)-1 && (unicode.Is(unicode.Han, rs[i-1]) || unicode.Is(unicode.Han, rs[i+1])) {
			continue
		}
		out = append(out, r)
	}
	return string(out)
}

// normalizeCode checks a six-digit SMS code, accepting full-width digits and
// surrounding space as typed on a phone.
func normalizeCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	b := make([]byte, 0, 6)
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b = append(b, byte(r))
		case r >= '０' && r <= '９':
			b = append(b, byte(r-'０'+'0'))
		default:
			return "", false
		}
		if len(b) > 6 {
			return "", false
		}
	}
	return string(b), len(b) == 6
}

// checkIdentity validates an ID type and number into fe and returns the
// normalised values (empty when invalid).
func checkIdentity(fe *FormError, rawType, rawNumber string, now time.Time) (ident.IDType, string) {
	var t ident.IDType
	if strings.TrimSpace(rawType) == "" {
		fe.add(FieldIDType, msgIDTypeMissing)
	} else if pt, err := ident.ParseIDType(rawType); err != nil {
		fe.add(FieldIDType, msgIDTypeMissing)
	} else {
		t = pt
	}
	if strings.TrimSpace(rawNumber) == "" {
		fe.add(FieldIDNumber, msgIDNumberMissing)
		return t, ""
	}
	if t == "" {
		// Without a type the number cannot be checked; the type's message says
		// what to fix first.
		return t, ""
	}
	n, err := ident.ValidateID(t, rawNumber, now)
	if err != nil {
		fe.add(FieldIDNumber, fieldMsg(err))
		return t, ""
	}
	return t, n
}

// checkMobile validates a mobile number into fe under field and returns it
// normalised (empty when invalid).
func checkMobile(fe *FormError, field, raw string) string {
	if strings.TrimSpace(raw) == "" {
		fe.add(field, msgMobileMissing)
		return ""
	}
	m, err := ident.NormalizeMobile(raw)
	if err != nil {
		fe.add(field, fieldMsg(err))
		return ""
	}
	return m
}

// checkName validates a name into fe and returns it normalised.
func checkName(fe *FormError, raw string) string {
	if strings.TrimSpace(raw) == "" {
		fe.add(FieldName, msgNameMissing)
		return ""
	}
	n, ok := NormalizeName(raw)
	if !ok {
		fe.add(FieldName, msgNameInvalid)
		return ""
	}
	return n
}

// fieldMsg returns the Chinese message of an ident error.
func fieldMsg(err error) string {
	var ie *ident.FieldError
	if errors.As(err, &ie) {
		return ie.Msg
	}
	return "输入有误"
}
