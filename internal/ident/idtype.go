package ident

import (
	"strings"
	"time"
)

// IDType is the kind of identity document a person registers with. The
// values are stable English codes for storage and form values; Label gives
// the Chinese name shown to people.
type IDType string

// #nosec G101 -- the code of an identity document type (a travel permit, "pass"), not a credential.
const (
	IDTypeResident         IDType = "resident"          // 居民身份证
	IDTypeHKMacaoPass      IDType = "hk_macao_pass"     // 港澳居民来往内地通行证
	IDTypeTaiwanPass       IDType = "taiwan_pass"       // 台湾居民来往大陆通行证
	IDTypeResidencePermit  IDType = "residence_permit"  // 港澳台居民居住证
	IDTypeForeignPermanent IDType = "foreign_permanent" // 外国人永久居留身份证
	IDTypeForeignPassport  IDType = "foreign_passport"  // 外国人护照
)

// idTypes is the order used in forms: the common case first.
var idTypes = []IDTypeOption{
	{IDTypeResident, "居民身份证"},
	{IDTypeHKMacaoPass, "港澳居民来往内地通行证"},
	{IDTypeTaiwanPass, "台湾居民来往大陆通行证"},
	{IDTypeResidencePermit, "港澳台居民居住证"},
	{IDTypeForeignPermanent, "外国人永久居留身份证"},
	{IDTypeForeignPassport, "外国人护照"},
}

// IDTypeOption is one entry of an ID type <select>.
type IDTypeOption struct {
	Value IDType
	Label string
}

// IDTypes returns the ID types in form order. The slice is a copy.
func IDTypes() []IDTypeOption {
	return append([]IDTypeOption(nil), idTypes...)
}

// Label returns the Chinese name of the ID type, or "" if t is not known.
func (t IDType) Label() string {
	for _, o := range idTypes {
		if o.Value == t {
			return o.Label
		}
	}
	return ""
}

// Valid reports whether t is one of the defined ID types.
func (t IDType) Valid() bool { return t.Label() != "" }

// ParseIDType accepts a form value: the code ("resident") or, for imports
// and hand-written requests, the Chinese label ("居民身份证"). It returns
// ErrIDType otherwise.
func ParseIDType(s string) (IDType, error) {
	s = strings.TrimFunc(s, IsTrimmable)
	for _, o := range idTypes {
		if s == string(o.Value) || s == o.Label {
			return o.Value, nil
		}
	}
	return "", ErrIDType
}

// Format messages per ID type; the codes are all CodeIDFormat.
var (
	errPermitFormat    = &FieldError{CodeIDFormat, "请输入正确的18位港澳台居民居住证号码"}
	errHKMacaoFormat   = &FieldError{CodeIDFormat, "请输入正确的港澳居民来往内地通行证号码（H或M开头）"}
	errTaiwanFormat    = &FieldError{CodeIDFormat, "请输入正确的台湾居民来往大陆通行证号码（8位或10位数字）"}
	errPermanentFormat = &FieldError{CodeIDFormat, "请输入正确的外国人永久居留身份证号码"}
	errPassportFormat  = &FieldError{CodeIDFormat, "请输入正确的护照号码（5-20位字母或数字）"}
)

// ValidateID checks an ID number of the given type and returns it
// normalised (full-width folded, trimmed, upper-case). now bounds birth
// dates for the types that carry one.
//
// Rules per type:
//   - 居民身份证: ParseResidentID.
//   - 港澳台居民居住证: the GB 11643 structure and check digit, with address
//     code prefix 81 (Hong Kong), 82 (Macao) or 83 (Taiwan) and a valid birth
//     date.
//   - 港澳居民来往内地通行证: H (Hong Kong) or M (Macao) and 8 digits; the
//     older 10-digit form is still accepted on old records.
//   - 台湾居民来往大陆通行证: 8 digits (card since 2015) or 10 digits (older).
//   - 外国人永久居留身份证: 18 characters, first digit 9, MOD 11-2 check (the
//     2023 card); or the 2017 card's 15 characters, 3 letters (nationality)
//     and 12 digits, which has no check character.
//   - 外国人护照: 5 to 20 letters or digits; issuing countries differ too
//     much for more.
func ValidateID(t IDType, s string, now time.Time) (string, error) {
	switch t {
	case IDTypeResident:
		id, err := ParseResidentID(s, now)
		return id.Number, err
	case IDTypeResidencePermit:
		id, err := parse11643(s, now, func(p string) bool { _, ok := permitPrefixes[p]; return ok }, errPermitFormat)
		return id.Number, err
	case IDTypeHKMacaoPass:
		n := cleanCode(s)
		if (len(n) != 9 && len(n) != 11) || (n[0] != 'H' && n[0] != 'M') || !isDigits(n[1:]) {
			return "", errHKMacaoFormat
		}
		return n, nil
	case IDTypeTaiwanPass:
		n := cleanCode(s)
		if (len(n) != 8 && len(n) != 10) || !isDigits(n) {
			return "", errTaiwanFormat
		}
		return n, nil
	case IDTypeForeignPermanent:
		return validatePermanent(s)
	case IDTypeForeignPassport:
		n := cleanCode(s)
		if len(n) < 5 || len(n) > 20 || !isUpperAlnum(n) {
			return "", errPassportFormat
		}
		return n, nil
	}
	return "", ErrIDType
}

// validatePermanent checks both generations of the foreign permanent
// resident ID card. The birth date inside the 18-digit form is not checked:
// the published rules fix only the leading 9 and the check digit.
func validatePermanent(s string) (string, error) {
	n := cleanCode(s)
	switch len(n) {
	case 18:
		if n[0] != '9' || !isDigits(n[:17]) || !(isDigits(n[17:]) || n[17] == 'X') {
			return "", errPermanentFormat
		}
		if CheckDigit(n[:17]) != n[17] {
			return "", ErrIDCheck
		}
		return n, nil
	case 15:
		for i := 0; i < 3; i++ {
			if n[i] < 'A' || n[i] > 'Z' {
				return "", errPermanentFormat
			}
		}
		if !isDigits(n[3:]) {
			return "", errPermanentFormat
		}
		return n, nil
	}
	return "", errPermanentFormat
}
