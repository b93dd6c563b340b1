package ident

import (
	"errors"
	"testing"
)

func TestLuhnDigit(t *testing.T) {
	// The classic worked example: 7992739871 → 3.
	if got := luhnDigit("7992739871"); got != '3' {
		t.Errorf("luhnDigit(7992739871) = %q, want '3'", got)
	}
}

func TestUnitNumber(t *testing.T) {
	if got := NewUnitNumber("320102", 1); got != "3201020000015" {
		t.Errorf("NewUnitNumber(320102, 1) = %s", got)
	}
	if got := NewUnitNumber("320583", 123456); got != "3205831234564" {
		t.Errorf("NewUnitNumber(320583, 123456) = %s", got)
	}
	for _, bad := range []struct {
		region string
		seq    int
	}{{"32010", 1}, {"990102", 1}, {"32010a", 1}, {"320102", 0}, {"320102", -1}, {"320102", MaxUnitSeq + 1}} {
		if _, err := MakeUnitNumber(bad.region, bad.seq); err == nil {
			t.Errorf("MakeUnitNumber(%q, %d) accepted", bad.region, bad.seq)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("NewUnitNumber with a bad region must panic")
			}
		}()
		NewUnitNumber("bad", 1)
	}()

	tests := []struct {
		in, want string
		err      error
	}{
		{"3201020000015", "3201020000015", nil},
		{" " + fullWidth("3201020000015") + " ", "3201020000015", nil},
		{"3205831234564", "3205831234564", nil},
		{"3201020000016", "", ErrUnitNoCheck},
		{"3201020000105", "", ErrUnitNoCheck},  // swapped neighbours
		{"3201020000000", "", ErrUnitNoFormat}, // sequence 0
		{"9901020000015", "", ErrUnitNoFormat}, // unknown province
		{"320102000001", "", ErrUnitNoFormat},
		{"32010200000150", "", ErrUnitNoFormat},
		{"320102000001A", "", ErrUnitNoFormat},
		{"", "", ErrUnitNoFormat},
	}
	for _, tt := range tests {
		got, err := ValidateUnitNumber(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) || got != "" {
				t.Errorf("ValidateUnitNumber(%q) = %q, %v; want %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ValidateUnitNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if UnitNumberRegion("3205831234564") != "320583" || UnitNumberRegion("x") != "" {
		t.Error("UnitNumberRegion")
	}
}

// TestUnitNumberSingleErrors: Luhn catches every single-digit substitution.
func TestUnitNumberSingleErrors(t *testing.T) {
	valid := NewUnitNumber("321322", 98765)
	for i := 0; i < len(valid); i++ {
		for c := byte('0'); c <= '9'; c++ {
			if c == valid[i] {
				continue
			}
			m := valid[:i] + string(c) + valid[i+1:]
			if _, err := ValidateUnitNumber(m); err == nil {
				t.Errorf("ValidateUnitNumber(%s) accepted a change at %d", m, i)
			}
		}
	}
}

func TestInstitutionNumber(t *testing.T) {
	unit := "3201020000015"
	if got := NewInstitutionNumber(unit, 1); got != "J3201020000015015" {
		t.Errorf("NewInstitutionNumber = %s", got)
	}
	if got := NewInstitutionNumber(unit, 99); got != "J3201020000015999" {
		t.Errorf("NewInstitutionNumber(99) = %s", got)
	}
	for _, bad := range []struct {
		unit string
		seq  int
	}{{"3201020000016", 1}, {unit, 0}, {unit, 100}, {"", 1}} {
		if _, err := MakeInstitutionNumber(bad.unit, bad.seq); err == nil {
			t.Errorf("MakeInstitutionNumber(%q, %d) accepted", bad.unit, bad.seq)
		}
	}
	// An outer check digit that fits a broken inner unit number: the inner
	// check must still refuse it.
	innerBad := "3201020000016" + "01"
	innerBad = "J" + innerBad + string(luhnDigit(innerBad))

	tests := []struct {
		in, want string
		err      error
	}{
		{"J3201020000015015", "J3201020000015015", nil},
		{"j3201020000015023", "J3201020000015023", nil},
		{fullWidth("J3201020000015015"), "J3201020000015015", nil},
		{"J3201020000015016", "", ErrInstNoCheck},
		{innerBad, "", ErrInstNoCheck},
		{"J3201020000015000", "", ErrInstNoFormat}, // sequence 00
		{"K3201020000015015", "", ErrInstNoFormat},
		{"3201020000015015", "", ErrInstNoFormat},
		{"J320102000001501", "", ErrInstNoFormat},
		{"J32010200000150150", "", ErrInstNoFormat},
		{"J32010200000150X5", "", ErrInstNoFormat},
	}
	for _, tt := range tests {
		got, err := ValidateInstitutionNumber(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) || got != "" {
				t.Errorf("ValidateInstitutionNumber(%q) = %q, %v; want %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ValidateInstitutionNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	inst := NewInstitutionNumber("320583123456"+"4", 42)
	if InstitutionUnitNumber(inst) != "3205831234564" || InstitutionSeq(inst) != 42 {
		t.Errorf("parts of %s: %s %d", inst, InstitutionUnitNumber(inst), InstitutionSeq(inst))
	}
	if InstitutionUnitNumber("x") != "" || InstitutionSeq("x") != 0 {
		t.Error("parts of a malformed number must be empty")
	}
}

func TestClassifyUnitAccount(t *testing.T) {
	tests := []struct {
		in   string
		kind UnitAccountKind
		want string
		err  error
	}{
		{"91350100m000100y43", UnitAccountUSCC, "91350100M000100Y43", nil},
		{"3201020000015", UnitAccountUnitNumber, "3201020000015", nil},
		{"j3201020000015015", UnitAccountInstitution, "J3201020000015015", nil},
		{"91350100M000100Y42", UnitAccountUSCC, "", ErrUSCCCheck},
		{"3201020000016", UnitAccountUnitNumber, "", ErrUnitNoCheck},
		{"J3201020000015016", UnitAccountInstitution, "", ErrInstNoCheck},
		{"320102199001011232", UnitAccountUSCC, "", ErrUSCCCheck}, // an ID number is not a unit
		{"13812341234", UnitAccountUnknown, "", ErrUnitAccount},
		{"", UnitAccountUnknown, "", ErrUnitAccount},
	}
	for _, tt := range tests {
		kind, got, err := ClassifyUnitAccount(tt.in)
		if kind != tt.kind || got != tt.want || (tt.err == nil) != (err == nil) || (tt.err != nil && !errors.Is(err, tt.err)) {
			t.Errorf("ClassifyUnitAccount(%q) = %v, %q, %v; want %v, %q, %v", tt.in, kind, got, err, tt.kind, tt.want, tt.err)
		}
	}
}
