package ident

import (
	"fmt"
	"strconv"
)

// Unit and institution numbers are issued by the bureau, so their format is
// ours to define. The design goals: digits only (read out over the phone,
// typed on a keypad), the region visible at a glance, a check digit that
// catches every single-digit typo and almost every swap of neighbours
// (Luhn), and a shape that cannot be confused with a USCC (18 chars) or an
// ID number at the L1 login field, which accepts all three.
//
//	单位编号 unit number:        RRRRRR SSSSSS C        13 digits
//	  RRRRRR  region code of the insuring office (GB/T 2260, known province)
//	  SSSSSS  sequence within the region, 000001–999999
//	  C       Luhn check digit over the first 12 digits
//
//	机构编号 institution number: J UUUUUUUUUUUUU NN C   "J" + 15 digits = 17 chars
//	  UUU…U   the owning unit's number, itself valid
//	  NN      institution sequence within the unit, 01–99
//	  C       Luhn check digit over the 15 digits before it
//
// A six-digit sequence is needed because one county can hold well over a
// hundred thousand employers (and the scale bar is 1,000,000 units over a
// handful of demo regions); a unit rarely opens more than a few
// institutions, so two digits are enough there.
const (
	UnitNumberLen        = 13
	InstitutionNumberLen = 17
	MaxUnitSeq           = 999999
	MaxInstitutionSeq    = 99
	institutionPrefix    = 'J'
)

// luhnDigit returns the Luhn check digit to append to digits (ASCII digits
// only, checked by the caller).
func luhnDigit(digits string) byte {
	sum := 0
	double := true // the rightmost payload digit is doubled once C is appended
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return byte('0' + (10-sum%10)%10)
}

// MakeUnitNumber builds the unit number for a region and a sequence number.
func MakeUnitNumber(region string, seq int) (string, error) {
	if !validRegion(region) {
		return "", fmt.Errorf("ident: unit number region %q is not a six-digit code of a known province", region)
	}
	if seq < 1 || seq > MaxUnitSeq {
		return "", fmt.Errorf("ident: unit number sequence %d outside 1..%d", seq, MaxUnitSeq)
	}
	body := region + fmt.Sprintf("%06d", seq)
	return body + string(luhnDigit(body)), nil
}

// NewUnitNumber is MakeUnitNumber for generators and tests, where the
// arguments are constants or already checked: it panics on invalid input.
func NewUnitNumber(region string, seq int) string {
	n, err := MakeUnitNumber(region, seq)
	if err != nil {
		panic(err)
	}
	return n
}

// ValidateUnitNumber checks a 单位编号 and returns it normalised (full-width
// folded, trimmed). Errors: ErrUnitNoFormat, ErrUnitNoCheck.
func ValidateUnitNumber(s string) (string, error) {
	n := cleanCode(s)
	if len(n) != UnitNumberLen || !isDigits(n) || !validRegion(n[:6]) || n[6:12] == "000000" {
		return "", ErrUnitNoFormat
	}
	if luhnDigit(n[:12]) != n[12] {
		return "", ErrUnitNoCheck
	}
	return n, nil
}

// UnitNumberRegion returns the region code of a valid unit number.
func UnitNumberRegion(unitNumber string) string {
	if len(unitNumber) != UnitNumberLen {
		return ""
	}
	return unitNumber[:6]
}

// MakeInstitutionNumber builds the number of a unit's seq-th institution.
func MakeInstitutionNumber(unitNumber string, seq int) (string, error) {
	u, err := ValidateUnitNumber(unitNumber)
	if err != nil {
		return "", fmt.Errorf("ident: institution owner: %w", err)
	}
	if seq < 1 || seq > MaxInstitutionSeq {
		return "", fmt.Errorf("ident: institution sequence %d outside 1..%d", seq, MaxInstitutionSeq)
	}
	body := u + fmt.Sprintf("%02d", seq)
	return string(institutionPrefix) + body + string(luhnDigit(body)), nil
}

// NewInstitutionNumber is MakeInstitutionNumber for generators and tests; it
// panics on invalid input.
func NewInstitutionNumber(unitNumber string, seq int) string {
	n, err := MakeInstitutionNumber(unitNumber, seq)
	if err != nil {
		panic(err)
	}
	return n
}

// ValidateInstitutionNumber checks a 机构编号 and returns it normalised
// (upper-case J). The embedded unit number must be valid too, so a typo in
// it is caught even where the outer check digit would miss it. Errors:
// ErrInstNoFormat, ErrInstNoCheck.
func ValidateInstitutionNumber(s string) (string, error) {
	n := cleanCode(s)
	if len(n) != InstitutionNumberLen || n[0] != institutionPrefix || !isDigits(n[1:]) || n[14:16] == "00" {
		return "", ErrInstNoFormat
	}
	if luhnDigit(n[1:16]) != n[16] {
		return "", ErrInstNoCheck
	}
	if _, err := ValidateUnitNumber(n[1:14]); err != nil {
		return "", ErrInstNoCheck
	}
	return n, nil
}

// InstitutionUnitNumber returns the owning unit's number of a valid
// institution number.
func InstitutionUnitNumber(inst string) string {
	if len(inst) != InstitutionNumberLen {
		return ""
	}
	return inst[1:14]
}

// InstitutionSeq returns the institution's sequence within its unit.
func InstitutionSeq(inst string) int {
	if len(inst) != InstitutionNumberLen {
		return 0
	}
	v, _ := strconv.Atoi(inst[14:16])
	return v
}

// UnitAccountKind says which of the three unit identifiers a login value is.
type UnitAccountKind int

const (
	UnitAccountUnknown UnitAccountKind = iota
	UnitAccountUSCC
	UnitAccountUnitNumber
	UnitAccountInstitution
)

// ClassifyUnitAccount reads the L1 login field "统一社会信用代码/单位编号/机构编号":
// the shapes do not overlap (18, 13 and J+16 characters), so the length and
// first character decide which validator applies. It returns the kind and
// the normalised value, or that validator's error; a value of none of the
// shapes gives ErrUnitAccount.
func ClassifyUnitAccount(s string) (UnitAccountKind, string, error) {
	n := cleanCode(s)
	switch {
	case len(n) == InstitutionNumberLen && n[0] == institutionPrefix:
		v, err := ValidateInstitutionNumber(n)
		return UnitAccountInstitution, v, err
	case len(n) == UnitNumberLen && isDigits(n):
		v, err := ValidateUnitNumber(n)
		return UnitAccountUnitNumber, v, err
	case len(n) == 18:
		v, err := ValidateUSCC(n)
		return UnitAccountUSCC, v, err
	}
	return UnitAccountUnknown, "", ErrUnitAccount
}
