package registry

import (
	"hall/internal/ident"
)

// Claim is what a person entered about a unit (SPEC R2 step 填写单位信息), as typed.
type Claim struct {
	USCC             string
	Name             string
	LegalRepIDType   ident.IDType
	LegalRepIDNumber string
	LegalRepName     string
}

// Codes of Match's errors. Each names the form field (or group of fields) that does
// not match, so a handler can put the message next to it.
const (
	CodeUSCCMismatch     = "registry_uscc"      // the 统一社会信用代码 field
	CodeNameMismatch     = "registry_name"      // the 单位全称 field
	CodeLegalRepMismatch = "registry_legal_rep" // the 法定代表人 fields (type, number, name)
	CodeStatusAbnormal   = "registry_status"    // the unit as a whole
)

// Match's errors. They are *ident.FieldError values, so errors.Is works on the code
// and errors.As gives the message to show.
var (
	ErrUSCCMismatch     = &ident.FieldError{Code: CodeUSCCMismatch, Msg: "统一社会信用代码与登记信息不一致"}
	ErrNameMismatch     = &ident.FieldError{Code: CodeNameMismatch, Msg: "单位名称与登记信息不一致"}
	ErrLegalRepMismatch = &ident.FieldError{Code: CodeLegalRepMismatch, Msg: "法定代表人信息与登记信息不一致"}
	ErrStatusAbnormal   = &ident.FieldError{Code: CodeStatusAbnormal, Msg: "该单位登记状态异常，请到窗口办理"}
)

// Match compares what a person entered with the registry entry e and returns nil
// when they agree. It is pure: no clock, no database.
//
// Checks, in order, returning the first failure:
//   - the USCC (normalised: full-width folded, trimmed, upper-case) → ErrUSCCMismatch;
//   - the unit's status: anything but 存续 → ErrStatusAbnormal, since such a unit cannot
//     register online whatever it typed (its status is public information);
//   - the unit name, compared with full-width and half-width brackets （）() treated
//     alike, white space ignored and ASCII letters case-folded → ErrNameMismatch;
//   - the legal representative's ID type, ID number (normalised like the USCC) and
//     name (white space ignored, middle dots unified) → ErrLegalRepMismatch.
//
// The legal representative's three fields share one error on purpose: saying which
// of them is wrong would let someone confirm a guessed name or ID number against the
// registry. No message contains registered data.
func Match(e Entry, in Claim) error {
	if u := cleanCode(in.USCC); u == "" || u != cleanCode(e.USCC) {
		return ErrUSCCMismatch
	}
	if e.Status != StatusActive {
		return ErrStatusAbnormal
	}
	if k := unitNameKey(in.Name); k == "" || k != unitNameKey(e.Name) {
		return ErrNameMismatch
	}
	id, name := cleanCode(in.LegalRepIDNumber), personNameKey(in.LegalRepName)
	if in.LegalRepIDType != e.LegalRepIDType || id == "" || id != cleanCode(e.LegalRepIDNumber) ||
		name == "" || name != personNameKey(e.LegalRepName) {
		return ErrLegalRepMismatch
	}
	return nil
}
