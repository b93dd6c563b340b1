package oidc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/unit"
)

// Asserted is what a provider asserted about the person (and unit) logging in,
// normalised the way the hall stores it. Show it only masked.
type Asserted struct {
	Subject  string // the provider's sub
	IDType   ident.IDType
	IDNumber string
	Name     string
	Mobile   string // "" when not asserted or not a mainland mobile
	USCC     string // "" when not asserted
	UnitName string
	// Role is the licence holder's role as the provider states it; "" when not
	// asserted or not one the configuration maps.
	Role unit.Role
}

// LogValue keeps personal data masked in logs (SPEC §2).
func (a Asserted) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id_number", ident.MaskID(a.IDNumber)),
		slog.String("name", ident.MaskName(a.Name)),
		slog.String("mobile", ident.MaskMobile(a.Mobile)),
		slog.String("uscc", ident.MaskUSCC(a.USCC)),
		slog.String("role", string(a.Role)),
	)
}

// String is masked like LogValue, so that printing by accident leaks nothing.
func (a Asserted) String() string {
	return fmt.Sprintf("{%s %s %s %s %s}", ident.MaskID(a.IDNumber), ident.MaskName(a.Name),
		ident.MaskMobile(a.Mobile), ident.MaskUSCC(a.USCC), a.Role)
}

// maxClaims bounds the claims document read: ID tokens are small; a provider
// sending megabytes is broken or hostile.
const maxClaims = 64 << 10

// maxUnitName bounds the asserted unit name, in runes.
const maxUnitName = 100

// idTypeCodes are the document-type codes government systems use besides the hall's
// own codes and Chinese labels (ident.ParseIDType): GA/T 517 style numeric codes.
var idTypeCodes = map[string]ident.IDType{
	"1": ident.IDTypeResident, "01": ident.IDTypeResident, "111": ident.IDTypeResident,
	"516": ident.IDTypeHKMacaoPass, "511": ident.IDTypeTaiwanPass,
	"553": ident.IDTypeForeignPermanent, "414": ident.IDTypeForeignPassport,
}

// Assert reads the claims document (the ID token's payload, merged with user info)
// through the configured claim names. now is for the ID number's birth-date check.
//
// It requires the ID number (with a valid check digit) and the name; for
// PurposeUnit the USCC (with its check character); when ClaimNames.Verified is set,
// that claim true. A mobile that is not a mainland mobile is dropped, not refused:
// the hall does not need it to log anyone in.
//
// Errors: an *Error matching ErrClaims whose message names what is missing.
func Assert(doc []byte, names ClaimNames, roles map[string]unit.Role, purpose Purpose, now time.Time) (Asserted, error) {
	if len(doc) > maxClaims {
		return Asserted{}, refuse(ErrClaims, "认证平台返回的身份信息过大，无法登录")
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber() // an 18-digit ID number sent as a JSON number must not lose digits
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return Asserted{}, refuse(ErrClaims, "认证平台返回的身份信息格式无效，无法登录")
	}
	get := func(name string) string {
		if name == "" {
			return ""
		}
		switch v := claims[name].(type) {
		case string:
			return strings.TrimSpace(v)
		case json.Number:
			return v.String()
		}
		return ""
	}
	var a Asserted
	a.Subject = get("sub")
	if names.Verified != "" {
		switch v := claims[names.Verified].(type) {
		case bool:
			if !v {
				return Asserted{}, refuse(ErrClaims, "您在认证平台的账户尚未完成实名认证，请完成实名认证后再登录")
			}
		case string:
			if v != "true" && v != "1" {
				return Asserted{}, refuse(ErrClaims, "您在认证平台的账户尚未完成实名认证，请完成实名认证后再登录")
			}
		case json.Number:
			if v.String() != "1" {
				return Asserted{}, refuse(ErrClaims, "您在认证平台的账户尚未完成实名认证，请完成实名认证后再登录")
			}
		default:
			return Asserted{}, refuse(ErrClaims, "您在认证平台的账户尚未完成实名认证，请完成实名认证后再登录")
		}
	}

	a.IDType = ident.IDTypeResident
	if raw := get(names.IDType); raw != "" {
		t, ok := idTypeCodes[raw]
		if !ok {
			var err error
			if t, err = ident.ParseIDType(raw); err != nil {
				return Asserted{}, refuse(ErrClaims, "认证平台提供的证件类型无法识别，无法登录")
			}
		}
		a.IDType = t
	}
	raw := get(names.IDNumber)
	if raw == "" {
		return Asserted{}, refuse(ErrClaims, "认证平台未提供证件号码，无法登录")
	}
	id, err := ident.ValidateID(a.IDType, raw, now)
	if err != nil {
		return Asserted{}, refuse(ErrClaims, "认证平台提供的证件号码无效，无法登录")
	}
	a.IDNumber = id
	name, ok := person.NormalizeName(get(names.Name))
	if !ok {
		return Asserted{}, refuse(ErrClaims, "认证平台未提供有效的姓名，无法登录")
	}
	a.Name = name
	if m, err := ident.NormalizeMobile(get(names.Mobile)); err == nil {
		a.Mobile = m
	}

	if raw := get(names.USCC); raw != "" {
		u, err := ident.ValidateUSCC(raw)
		if err != nil {
			return Asserted{}, refuse(ErrClaims, "认证平台提供的统一社会信用代码无效，无法登录")
		}
		a.USCC = u
	}
	if purpose == PurposeUnit && a.USCC == "" {
		return Asserted{}, refuse(ErrClaims, "认证平台未提供单位的统一社会信用代码，无法登录单位")
	}
	if n := get(names.UnitName); n != "" && utf8.ValidString(n) && utf8.RuneCountInString(n) <= maxUnitName &&
		!strings.ContainsFunc(n, isControl) {
		a.UnitName = n
	}
	a.Role = roles[get(names.Role)]
	return a, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7F }
