package ident

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PasswordPolicy is the rule set for passwords people choose. The zero value
// is not usable; start from DefaultPasswordPolicy and change fields from
// configuration, then call Validate.
type PasswordPolicy struct {
	// MinLen and MaxLen bound the length in runes (characters as people
	// count them), not bytes: "密码Ab12345" is 9 characters.
	MinLen, MaxLen int
	// MinClasses is how many of the four character classes must appear:
	// digits, upper-case letters, lower-case letters, special characters.
	MinClasses int
	// RefuseCommon refuses passwords on the embedded common-password list,
	// compared case-insensitively.
	RefuseCommon bool
	// RefuseContext refuses passwords containing any context word passed to
	// Check (ID number, mobile, USCC, name pinyin…) of at least
	// MinContextLen runes, case-insensitively, and the last 6 characters of
	// an ID number or the last 8 digits of a mobile number.
	RefuseContext bool
	MinContextLen int
}

// DefaultPasswordPolicy is the SPEC §2 rule: 8–20 characters, at least three
// of the four classes, no common passwords, no ID number or mobile inside.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{
		MinLen:        8,
		MaxLen:        20,
		MinClasses:    3,
		RefuseCommon:  true,
		RefuseContext: true,
		MinContextLen: 4,
	}
}

// Bounds enforced by Validate. The floor of 8 is OWASP ASVS level 2 and
// MLPS level 3: configuration may tighten the rule, never drop below it. The
// ceiling keeps the work per login predictable (the hash sees at most
// 4×maxPasswordRunes bytes).
const (
	minPasswordRunes = 8
	maxPasswordRunes = 128
)

// Validate reports a configuration that cannot be enforced or is weaker than
// the floor. It is meant for start-up, so the message is for operators.
func (p PasswordPolicy) Validate() error {
	var errs []error
	if p.MinLen < minPasswordRunes {
		errs = append(errs, fmt.Errorf("password MinLen %d below %d", p.MinLen, minPasswordRunes))
	}
	if p.MaxLen < p.MinLen || p.MaxLen > maxPasswordRunes {
		errs = append(errs, fmt.Errorf("password MaxLen %d not in MinLen..%d", p.MaxLen, maxPasswordRunes))
	}
	if p.MinClasses < 0 || p.MinClasses > 4 {
		errs = append(errs, fmt.Errorf("password MinClasses %d not in 0..4", p.MinClasses))
	}
	// Shorter context words would refuse passwords for containing "li" or
	// "138"; longer ones would let a whole ID number's tail through.
	if p.RefuseContext && (p.MinContextLen < 3 || p.MinContextLen > 8) {
		errs = append(errs, fmt.Errorf("password MinContextLen %d not in 3..8", p.MinContextLen))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("ident: invalid password policy: %w", err)
	}
	return nil
}

// PasswordReason says which rule a password broke.
type PasswordReason string

const (
	PasswordInvalidChar PasswordReason = "invalid_char" // space, control or invalid UTF-8
	PasswordLength      PasswordReason = "length"
	PasswordClasses     PasswordReason = "classes"
	PasswordContext     PasswordReason = "context"
	PasswordCommon      PasswordReason = "common"
)

// PasswordError is a password refused by the policy. Msg is Chinese and
// names the rule, never the password.
type PasswordError struct {
	Reason PasswordReason
	Msg    string
}

func (e *PasswordError) Error() string { return e.Msg }

// Unwrap makes errors.As(err, &fieldErr) work for password errors too, so
// form handlers treat every ident error alike.
func (e *PasswordError) Unwrap() error {
	return &FieldError{Code: "password_" + string(e.Reason), Msg: e.Msg}
}

var classCount = [...]string{"零", "一", "两", "三", "四"}

// Hint is the rule in one sentence, for the help text under the field.
func (p PasswordPolicy) Hint() string {
	h := fmt.Sprintf("%d-%d位", p.MinLen, p.MaxLen)
	if p.MinClasses > 0 && p.MinClasses < len(classCount) {
		h += "，" + p.classesText()
	}
	if p.RefuseContext {
		h += "，不能包含证件号码或手机号码"
	}
	return h
}

func (p PasswordPolicy) classesText() string {
	if p.MinClasses >= 4 {
		return "须同时包含数字、大写字母、小写字母和特殊字符"
	}
	return fmt.Sprintf("须至少包含数字、大写字母、小写字母、特殊字符中的%s种", classCount[p.MinClasses])
}

// Check applies the policy to password. context holds values the password
// must not contain: the account's ID number, mobile, the unit's USCC, the
// person's name in pinyin and the like; empty and short entries are fine to
// pass. Rules are applied in this order and the first broken one is
// returned as a *PasswordError: characters, length, classes, context,
// common list.
//
// Character classes follow Unicode categories: decimal digits (Nd) are
// digits, Lu upper case, Ll lower case, and every other printable non-space
// rune is special. So Chinese characters, which have no case, count as
// special characters: to a guesser they add at least as much as a symbol.
// Spaces (also in the middle), control and format characters (zero-width
// space…) and invalid UTF-8 are refused, because people cannot see them and
// input methods and browsers do not reproduce them reliably.
func (p PasswordPolicy) Check(password string, context ...string) error {
	if !utf8.ValidString(password) {
		return &PasswordError{PasswordInvalidChar, msgPasswordChars}
	}
	var digit, upper, lower, special bool
	n := 0
	for _, r := range password {
		n++
		switch {
		case unicode.IsSpace(r) || !unicode.IsPrint(r):
			return &PasswordError{PasswordInvalidChar, msgPasswordChars}
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		default:
			special = true
		}
	}
	if n < p.MinLen || n > p.MaxLen {
		return &PasswordError{PasswordLength, fmt.Sprintf("密码长度须为%d-%d位", p.MinLen, p.MaxLen)}
	}
	if classes := count(digit, upper, lower, special); classes < p.MinClasses {
		return &PasswordError{PasswordClasses, "密码" + p.classesText()}
	}
	// Compare in one canonical form: full-width folded and lower-cased, so
	// "ＡＢ" and "ab" and "AB" are the same characters to the reader.
	folded := strings.ToLower(Fold(password))
	if p.RefuseContext && containsContext(folded, context, p.MinContextLen) {
		return &PasswordError{PasswordContext, msgPasswordContext}
	}
	if p.RefuseCommon && isCommonPassword(folded) {
		return &PasswordError{PasswordCommon, msgPasswordCommon}
	}
	return nil
}

// #nosec G101 -- user-facing messages about passwords, not credentials.
const (
	msgPasswordChars   = "密码不能包含空格、换行等不可见字符"
	msgPasswordContext = "密码不能包含证件号码、手机号码、信用代码或姓名等账户信息"
	msgPasswordCommon  = "密码过于常见，请更换"
)

func count(bs ...bool) int {
	c := 0
	for _, b := range bs {
		if b {
			c++
		}
	}
	return c
}

// containsContext reports whether the folded password contains a context
// word or a tell-tale fragment of one.
func containsContext(folded string, context []string, minLen int) bool {
	for _, w := range context {
		for _, frag := range contextFragments(w, minLen) {
			if strings.Contains(folded, frag) {
				return true
			}
		}
	}
	return false
}

// contextFragments returns what a password must not contain for one context
// value, folded like the password: the value itself and without inner
// spaces ("Zhang San" → "zhangsan") if long enough; for an ID-number shape
// (15 or 18 characters, digits with maybe a final X) its last 6; for a
// mobile its 11 digits and last 8. The tails are what people actually put in
// passwords ("Abc@011233", "Xy!12341234"), and they are too long to be
// chance.
func contextFragments(w string, minLen int) []string {
	w = strings.ToLower(strings.TrimFunc(Fold(w), IsTrimmable))
	var out []string
	add := func(s string) {
		if utf8.RuneCountInString(s) >= minLen {
			out = append(out, s)
		}
	}
	add(w)
	if squeezed := strings.ReplaceAll(w, " ", ""); squeezed != w {
		add(squeezed)
	}
	if looksLikeIDNumber(w) {
		out = append(out, w[len(w)-6:])
	}
	if m, err := NormalizeMobile(w); err == nil {
		out = append(out, m, m[3:])
	}
	return out
}

func looksLikeIDNumber(w string) bool {
	if len(w) != 15 && len(w) != 18 {
		return false
	}
	last := w[len(w)-1]
	return isDigits(w[:len(w)-1]) && (last == 'x' || (last >= '0' && last <= '9'))
}
