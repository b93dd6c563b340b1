package recovery

import (
	"errors"
	"strings"
	"time"

	"hall/internal/formerr"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/verify"
)

// Form field names, as used in FormError.Fields and as the HTML forms' input names.
const (
	FieldKind     = "kind"
	FieldUSCC     = "uscc"
	FieldIDType   = "id_type"
	FieldIDNumber = "id_number"
	FieldName     = "name"
	FieldCaptcha  = "captcha_token"
	FieldPassword = "new_password"
	FieldConfirm  = "confirm"
)

// Messages of the account form's field checks that ident does not provide.
const (
	msgKind            = "请选择单位用户或个人用户"
	msgUSCCMissing     = "请输入统一社会信用代码"
	msgIDTypeMissing   = "请选择证件类型"
	msgIDNumberMissing = "请输入证件号码"
	msgNameMissing     = "请输入姓名"
	msgNameInvalid     = "请输入正确的姓名"
)

// source names this package in FormError's text.
type source struct{}

func (source) Source() string { return "recovery" }

// FormError is refused input: Fields maps form fields (Field* names) to a Chinese
// message shown beside the field, Top is a message for the whole form. Messages
// never contain what was typed, so the error is safe to log.
type FormError = formerr.Error[source]

func fieldError(field, msg string) *FormError {
	return &FormError{Fields: map[string]string{field: msg}}
}

// Input is 填写账号信息 as submitted. USCC counts for KindUnit only.
type Input struct {
	Kind     string // "unit" or "person"
	USCC     string
	IDType   string // an ident.IDType code or label
	IDNumber string
	Name     string
}

// Claim is an Input that passed the field checks, normalised: who the person says
// they are, and for which account.
type Claim struct {
	Kind     Kind         `json:"kind"`
	USCC     string       `json:"uscc,omitempty"` // KindUnit only
	IDType   ident.IDType `json:"id_type"`
	IDNumber string       `json:"id_number"`
	Name     string       `json:"name"`
}

// Person is the identity claimed, as the face verification expects it.
func (c Claim) Person() verify.Person {
	return verify.Person{IDType: c.IDType, IDNumber: c.IDNumber, Name: c.Name}
}

// OnlineIDType reports whether recovery for an ID type may be done online: 外国人护照
// and 港澳台居民居住证 are checked at the counter (P3).
func OnlineIDType(t ident.IDType) bool {
	return t.Valid() && t != ident.IDTypeForeignPassport && t != ident.IDTypeResidencePermit
}

// Check validates every field of the account form and reports all problems at once
// as a *FormError. now bounds birth dates in ID numbers. It looks nothing up: the
// answer is the same for accounts that exist and accounts that do not.
func Check(in Input, now time.Time) (Claim, error) {
	fe := &FormError{}
	var c Claim
	switch Kind(strings.TrimSpace(in.Kind)) {
	case KindUnit:
		c.Kind = KindUnit
	case KindPerson:
		c.Kind = KindPerson
	default:
		fe.Top = msgKind
	}
	if c.Kind == KindUnit {
		if strings.TrimSpace(in.USCC) == "" {
			fe.Add(FieldUSCC, msgUSCCMissing)
		} else if u, err := ident.ValidateUSCC(in.USCC); err != nil {
			fe.Add(FieldUSCC, formerr.FieldMsg(err, ident.ErrUSCCFormat.Msg))
		} else {
			c.USCC = u
		}
	}
	if strings.TrimSpace(in.IDType) == "" {
		fe.Add(FieldIDType, msgIDTypeMissing)
	} else if t, err := ident.ParseIDType(in.IDType); err != nil {
		fe.Add(FieldIDType, formerr.FieldMsg(err, msgIDTypeMissing))
	} else if !OnlineIDType(t) {
		fe.Add(FieldIDType, MsgCounter)
	} else {
		c.IDType = t
	}
	switch {
	case strings.TrimSpace(in.IDNumber) == "":
		fe.Add(FieldIDNumber, msgIDNumberMissing)
	case c.IDType == "":
		// Without a usable type the number cannot be checked; the type's message
		// says what to fix first.
	default:
		n, err := ident.ValidateID(c.IDType, in.IDNumber, now)
		if err != nil {
			fe.Add(FieldIDNumber, formerr.FieldMsg(err, ident.ErrIDFormat.Msg))
		}
		c.IDNumber = n
	}
	if strings.TrimSpace(in.Name) == "" {
		fe.Add(FieldName, msgNameMissing)
	} else if n, ok := person.NormalizeName(in.Name); !ok {
		fe.Add(FieldName, msgNameInvalid)
	} else {
		c.Name = n
	}
	if err := fe.OrNil(); err != nil {
		return Claim{}, err
	}
	return c, nil
}

// CheckPassword applies the password policy to a new password (with the account's
// context words: ID number, mobile, USCC) and checks the confirmation. Every problem
// is reported at once as a *FormError on FieldPassword and FieldConfirm.
func CheckPassword(policy ident.PasswordPolicy, password, confirm string, context ...string) error {
	fe := &FormError{}
	if password == "" {
		fe.Add(FieldPassword, MsgPasswordMissing)
	} else if err := policy.Check(password, context...); err != nil {
		var pe *ident.PasswordError
		msg := msgPasswordRefusedMisc
		if errors.As(err, &pe) {
			msg = pe.Msg
		}
		fe.Add(FieldPassword, msg)
	}
	switch {
	case confirm == "":
		fe.Add(FieldConfirm, MsgConfirmMissing)
	case confirm != password:
		fe.Add(FieldConfirm, MsgConfirmMismatch)
	}
	return fe.OrNil()
}
