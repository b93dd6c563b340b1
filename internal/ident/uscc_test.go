package ident

import (
	"errors"
	"strings"
	"testing"
)

func TestUSCCCheckChar(t *testing.T) {
	// 91350100M000100Y43 is the example printed in GB 32100-2015 materials.
	cases := map[string]byte{
		"91350100M000100Y4": '3',
		"91320102123456788": '9',
		"91320583MA1XYW124": 'U',
		"12320102ABCDEFGH5": '0',
		"92320583000000035": 'G',
		"9132010200000006X": '2',
	}
	for body, want := range cases {
		got, err := USCCCheckChar(body)
		if err != nil || got != want {
			t.Errorf("USCCCheckChar(%s) = %q, %v; want %q", body, got, err, want)
		}
	}
	for _, bad := range []string{"", "91350100M000100Y", "91350100M000100Y43", "91350100m000100Y4", "91350100I000100Y4", "9135010０M000100Y4"} {
		if _, err := USCCCheckChar(bad); err == nil {
			t.Errorf("USCCCheckChar(%q) accepted", bad)
		}
	}
}

func TestOrgCodeCheckChar(t *testing.T) {
	cases := map[string]byte{
		"M000100Y": '4',
		"12345678": '8',
		"00000006": 'X', // 11 - 10 → X
		"00000000": '0', // 11 - 0 → 0
		"MA1XYW12": '4',
	}
	for body, want := range cases {
		got, err := OrgCodeCheckChar(body)
		if err != nil || got != want {
			t.Errorf("OrgCodeCheckChar(%s) = %q, %v; want %q", body, got, err, want)
		}
	}
	for _, bad := range []string{"", "1234567", "123456789", "1234567a", "1234-678"} {
		if _, err := OrgCodeCheckChar(bad); err == nil {
			t.Errorf("OrgCodeCheckChar(%q) accepted", bad)
		}
	}
}

func TestValidateUSCC(t *testing.T) {
	// Position 17 differs from the org code check in "orgBad"; its USCC
	// check char is recomputed so only the inner check fails.
	orgBad := "91320102123456787"
	c, _ := USCCCheckChar(orgBad)
	orgBad += string(c)

	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"91350100M000100Y43", "91350100M000100Y43", nil},
		{"91350100m000100y43", "91350100M000100Y43", nil},
		{" 91350100M000100Y43\u3000", "91350100M000100Y43", nil},
		{"９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43", nil},
		{"\ufeff91320583MA1XYW124U", "91320583MA1XYW124U", nil},
		{"12320102ABCDEFGH50", "12320102ABCDEFGH50", nil},
		{"9132010200000006X2", "9132010200000006X2", nil},
		{"913201020000000002", "913201020000000002", nil},

		{"", "", ErrUSCCFormat},
		{"91350100M000100Y4", "", ErrUSCCFormat},
		{"91350100M000100Y433", "", ErrUSCCFormat},
		{"91350100M000100Y4I", "", ErrUSCCFormat}, // I not in the code set
		{"91350100M000100O43", "", ErrUSCCFormat}, // O
		{"91350100M00010SY43", "", ErrUSCCFormat}, // S
		{"91350100V000100Y43", "", ErrUSCCFormat}, // V
		{"9135010ZM000100Y43", "", ErrUSCCFormat}, // Z
		{"91350100M000 00Y43", "", ErrUSCCFormat},
		{"91350100M000-00Y43", "", ErrUSCCFormat},
		{"91A50100M000100Y43", "", ErrUSCCFormat}, // region must be digits
		{"91350100M000100Y42", "", ErrUSCCCheck},
		{"91350101M000100Y43", "", ErrUSCCCheck},
		{"91351000M000100Y43", "", ErrUSCCCheck}, // swapped digits
		{orgBad, "", ErrUSCCOrgCheck},
	}
	for _, tt := range tests {
		got, err := ValidateUSCC(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) || got != "" {
				t.Errorf("ValidateUSCC(%q) = %q, %v; want %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ValidateUSCC(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if USCCRegion(got) != got[2:8] {
			t.Errorf("USCCRegion(%s) = %s", got, USCCRegion(got))
		}
	}
	if USCCRegion("short") != "" {
		t.Error("USCCRegion of a short value must be empty")
	}
}

// TestUSCCSingleErrors checks that every single-character substitution of a
// valid USCC is refused: GB 32100's MOD 31 guarantees it.
func TestUSCCSingleErrors(t *testing.T) {
	const valid = "91350100M000100Y43"
	for i := 0; i < len(valid); i++ {
		for _, c := range []byte(usccChars) {
			if c == valid[i] {
				continue
			}
			mutated := valid[:i] + string(c) + valid[i+1:]
			if _, err := ValidateUSCC(mutated); err == nil {
				t.Errorf("ValidateUSCC(%s) accepted a one-character change at %d", mutated, i)
			}
		}
	}
	if strings.ContainsAny(usccChars, "IOSVZ") || len(usccChars) != 31 {
		t.Error("code set must be the 31 characters without I, O, S, V, Z")
	}
}
