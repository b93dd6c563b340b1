package ident

import "strings"

// Masking for pages and logs (SPEC §2, PIPL). Each function keeps a few
// characters at the ends and replaces every other character with '*', one
// star per rune, so the result has the input's rune length and still shows
// the shape of the value. When a value is too short for that to hide at
// least minHidden characters, everything is masked: revealing 3 of 4
// characters is not masking. Input is treated as runes; invalid UTF-8 bytes
// count as one rune each (and come out as U+FFFD if they stay visible).
// These functions never panic.

const maskRune = '*'

// MaskID masks an ID number keeping the first and the last two characters:
// "320102199001011233" → "3***************33". Passport and permit numbers
// get the same treatment.
func MaskID(s string) string { return maskRunes(s, 1, 2, 4) }

// MaskMobile masks a mobile number keeping the first three and last four
// digits: "13812341234" → "138****1234". Pass the normalised number; other
// input is masked rune by rune with the same rule.
func MaskMobile(s string) string { return maskRunes(s, 3, 4, 4) }

// MaskName masks a person's name keeping only the last character:
// "张三" → "*三", "欧阳娜娜" → "***娜". A one-character name is masked fully.
func MaskName(s string) string { return maskRunes(s, 0, 1, 1) }

// MaskUSCC masks a USCC keeping the first and last four characters:
// "91350100M000100Y43" → "9135**********0Y43". A USCC names a unit, not a
// person, but the middle is the organisation code that, with the region,
// identifies a sole proprietor.
func MaskUSCC(s string) string { return maskRunes(s, 4, 4, 4) }

// maskRunes keeps head and tail runes and stars the rest, or stars all when
// fewer than minHidden runes would be hidden.
func maskRunes(s string, head, tail, minHidden int) string {
	rs := []rune(s)
	n := len(rs)
	if n-head-tail < minHidden {
		return strings.Repeat(string(maskRune), n)
	}
	for i := head; i < n-tail; i++ {
		rs[i] = maskRune
	}
	return string(rs)
}
