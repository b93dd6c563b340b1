package ident

import (
	"errors"
	"strings"
)

// usccChars is the GB 32100-2015 code set: digits and upper-case letters
// without I, O, S, V and Z (too easily read as 1, 0, 5, U and 2). A
// character's value is its index.
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^i mod 31 for positions 1–17.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgWeights are the GB 11714 weights for the eight body characters of an
// organisation code (USCC positions 9–16).
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

func usccValue(c byte) int { return strings.IndexByte(usccChars, c) }

// USCCCheckChar returns the GB 32100 check character (position 18) for the
// first 17 characters of a USCC. The characters must already be upper case;
// an error means one is outside the code set or the length is not 17.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, errors.New("ident: USCC body must be 17 characters")
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := usccValue(first17[i])
		if v < 0 {
			return 0, errors.New("ident: USCC body has a character outside the GB 32100 code set")
		}
		sum += v * usccWeights[i]
	}
	return usccChars[(31-sum%31)%31], nil
}

// OrgCodeCheckChar returns the GB 11714 check character for the eight body
// characters of an organisation code (USCC positions 9–16): '0'-'9' or 'X'.
// Letters count A=10 … Z=35 here, unlike the USCC's own code set.
func OrgCodeCheckChar(body8 string) (byte, error) {
	if len(body8) != 8 || !isUpperAlnum(body8) {
		return 0, errors.New("ident: organisation code body must be 8 digits or upper-case letters")
	}
	sum := 0
	for i := 0; i < 8; i++ {
		c := body8[i]
		v := int(c - '0')
		if c >= 'A' {
			v = int(c-'A') + 10
		}
		sum += v * orgWeights[i]
	}
	switch r := 11 - sum%11; r {
	case 10:
		return 'X', nil
	case 11:
		return '0', nil
	default:
		return byte('0' + r), nil
	}
}

// ValidateUSCC checks a 统一社会信用代码 and returns it normalised (full-width
// folded, trimmed, upper case). It checks the length, the code set, that
// positions 3–8 (the registering region) are digits, the GB 32100 check
// character and the GB 11714 check character of the embedded organisation
// code (position 17).
//
// Errors: ErrUSCCFormat, ErrUSCCCheck, ErrUSCCOrgCheck. The USCC check is
// tested first because it covers all 17 characters: a typo anywhere shows as
// the same "校验位错误".
func ValidateUSCC(s string) (string, error) {
	n := cleanCode(s)
	if len(n) != 18 {
		return "", ErrUSCCFormat
	}
	for i := 0; i < 18; i++ {
		if usccValue(n[i]) < 0 {
			return "", ErrUSCCFormat
		}
	}
	if !isDigits(n[2:8]) {
		return "", ErrUSCCFormat
	}
	if c, _ := USCCCheckChar(n[:17]); c != n[17] {
		return "", ErrUSCCCheck
	}
	if c, _ := OrgCodeCheckChar(n[8:16]); c != n[16] {
		return "", ErrUSCCOrgCheck
	}
	return n, nil
}

// USCCRegion returns the six-digit region code (positions 3–8) of a USCC
// that ValidateUSCC accepted.
func USCCRegion(uscc string) string {
	if len(uscc) != 18 {
		return ""
	}
	return uscc[2:8]
}
