package ident

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets for every parser of outside input. Invariants: no panic;
// a valid value normalises to something that validates to itself
// (idempotence); errors are FieldErrors; masks keep the rune length.

func FuzzParseResidentID(f *testing.F) {
	for _, s := range []string{
		"320102199001011232", "32070119900101101x", "３２０１０２１９９００１０１１２３２",
		"320102199001011233", withCheck("32010219900230123"), withCheck("32010230000101001"),
		"", "X", "320102 19900101123", "\xff\xfe", "810000199001010019",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseResidentID(s, testNow)
		if err != nil {
			assertFieldError(t, err)
			return
		}
		if len(id.Number) != 18 || CheckDigit(id.Number[:17]) != id.Number[17] || id.RegionCode != id.Number[:6] {
			t.Fatalf("accepted malformed %q → %+v", s, id)
		}
		if id.BirthDate.After(testNow) || id.BirthDate.Before(earliestBirth) {
			t.Fatalf("birth %v out of range", id.BirthDate)
		}
		again, err := ParseResidentID(id.Number, testNow)
		if err != nil || again != id {
			t.Fatalf("re-parse of %q: %+v, %v", id.Number, again, err)
		}
		if m := MaskID(id.Number); len(m) != 18 || m[0] != id.Number[0] || m[16:] != id.Number[16:] {
			t.Fatalf("MaskID(%s) = %s", id.Number, m)
		}
	})
}

func FuzzValidateID(f *testing.F) {
	for i, s := range []string{
		"320102199001011232", "830000198505120026", "H12345678", "12345678",
		withCheck("93284019900101001"), "USA320590101001", "E12345678", "",
	} {
		f.Add(uint8(i), s)
	}
	types := IDTypes()
	f.Fuzz(func(t *testing.T, k uint8, s string) {
		typ := IDType("unknown")
		if int(k) < len(types) {
			typ = types[k].Value
		}
		n, err := ValidateID(typ, s, testNow)
		if err != nil {
			assertFieldError(t, err)
			if n != "" {
				t.Fatalf("value %q returned with error", n)
			}
			return
		}
		if again, err := ValidateID(typ, n, testNow); err != nil || again != n {
			t.Fatalf("ValidateID(%s, %q) not idempotent: %q, %v", typ, n, again, err)
		}
		if n != strings.TrimSpace(n) || !isUpperAlnum(n) {
			t.Fatalf("normalised %q is not trimmed upper-case ASCII", n)
		}
	})
}

func FuzzValidateUSCC(f *testing.F) {
	for _, s := range []string{
		"91350100M000100Y43", "91350100m000100y43", "９１３５０１００Ｍ０００１００Ｙ４３",
		"91350100M000100Y42", "91350100M000100O43", "9132010200000006X2", "", "\u3000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ValidateUSCC(s)
		if err != nil {
			assertFieldError(t, err)
			return
		}
		if c, err := USCCCheckChar(n[:17]); err != nil || c != n[17] {
			t.Fatalf("accepted %q with wrong check", n)
		}
		if again, err := ValidateUSCC(n); err != nil || again != n {
			t.Fatalf("ValidateUSCC(%q) not idempotent: %q, %v", n, again, err)
		}
		if m := MaskUSCC(n); utf8.RuneCountInString(m) != 18 || m[:4] != n[:4] || m[14:] != n[14:] {
			t.Fatalf("MaskUSCC(%s) = %s", n, m)
		}
	})
}

func FuzzNormalizeMobile(f *testing.F) {
	for _, s := range []string{
		"13812341234", "+86 138-1234-1234", "008613812341234", "8613812341234",
		"１３８１２３４１２３４", "12812341234", "", "+86", "86",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeMobile(s)
		if err != nil {
			assertFieldError(t, err)
			return
		}
		if !isMobile(n) {
			t.Fatalf("NormalizeMobile(%q) = %q, not ^1[3-9]\\d{9}$", s, n)
		}
		if again, err := NormalizeMobile(n); err != nil || again != n {
			t.Fatalf("NormalizeMobile(%q) not idempotent: %q, %v", n, again, err)
		}
		if m := MaskMobile(n); m != n[:3]+"****"+n[7:] {
			t.Fatalf("MaskMobile(%s) = %s", n, m)
		}
	})
}

func FuzzClassifyUnitAccount(f *testing.F) {
	for _, s := range []string{
		"91350100M000100Y43", "3201020000015", "j3201020000015015", "3201020000016",
		"J3201020000015000", "", "J",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, n, err := ClassifyUnitAccount(s)
		if err != nil {
			assertFieldError(t, err)
			return
		}
		k2, again, err := ClassifyUnitAccount(n)
		if err != nil || again != n || k2 != kind || kind == UnitAccountUnknown {
			t.Fatalf("ClassifyUnitAccount(%q) not idempotent: %v %q %v", n, k2, again, err)
		}
	})
}

func FuzzPasswordCheck(f *testing.F) {
	for _, s := range [][2]string{
		{"Zx9#kLm2", ""}, {"密码Ab1234", ""}, {"Aa123456", ""}, {"Xy!12341234", "13812341234"},
		{"Ab!011232xy", "320102199001011232"}, {"Zx9# kLm2", ""}, {"\xff", ""}, {"", ""},
	} {
		f.Add(s[0], s[1])
	}
	p := DefaultPasswordPolicy()
	f.Fuzz(func(t *testing.T, pw, ctx string) {
		err := p.Check(pw, ctx)
		if err != nil {
			var pe *PasswordError
			if !errors.As(err, &pe) || pe.Msg == "" || pe.Reason == "" {
				t.Fatalf("Check(%q) error %#v is not a *PasswordError", pw, err)
			}
			assertFieldError(t, err)
			return
		}
		n := utf8.RuneCountInString(pw)
		if !utf8.ValidString(pw) || n < p.MinLen || n > p.MaxLen || strings.ContainsFunc(pw, IsTrimmable) {
			t.Fatalf("accepted %q (%d runes)", pw, n)
		}
		if p.Check(pw, ctx) != nil {
			t.Fatal("Check not deterministic")
		}
	})
}

func FuzzMaskID(f *testing.F)     { fuzzMask(f, MaskID) }
func FuzzMaskMobile(f *testing.F) { fuzzMask(f, MaskMobile) }
func FuzzMaskName(f *testing.F)   { fuzzMask(f, MaskName) }
func FuzzMaskUSCC(f *testing.F)   { fuzzMask(f, MaskUSCC) }

// fuzzMask checks that a mask keeps the rune length, only ever replaces a
// rune by '*', and is idempotent.
func fuzzMask(f *testing.F, mask func(string) string) {
	for _, s := range []string{
		"320102199001011233", "13812341234", "张三", "欧阳娜娜", "91350100M000100Y43",
		"", "a", "ab", "\xff\xfe\xfd", "👨‍👩‍👧", "e\u0301", "********",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := mask(s)
		in, out := []rune(s), []rune(m)
		if len(in) != len(out) || utf8.RuneCountInString(s) != utf8.RuneCountInString(m) {
			t.Fatalf("mask(%q) = %q changes the rune length", s, m)
		}
		hidden := 0
		for i := range out {
			if out[i] == maskRune {
				if in[i] != maskRune {
					hidden++
				}
				continue
			}
			if out[i] != in[i] {
				t.Fatalf("mask(%q) = %q alters rune %d", s, m, i)
			}
		}
		if len(in) > 0 && strings.Count(m, "*") == 0 {
			t.Fatalf("mask(%q) hides nothing", s)
		}
		if again := mask(m); again != m {
			t.Fatalf("mask not idempotent: %q → %q", m, again)
		}
	})
}

// assertFieldError fails unless err is or wraps a *FieldError with a code
// and a message.
func assertFieldError(t *testing.T, err error) {
	t.Helper()
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Code == "" || fe.Msg == "" {
		t.Fatalf("error %#v is not a FieldError", err)
	}
}
