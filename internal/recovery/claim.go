package recovery

import (
	"errors"
	"fmt"
	"strings"
	"time"

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

// FormError is refused input: Fields maps form fields (Field* names) to a Chinese
// message shown beside the field, Top is a message for the whole form. Messages
// never contain what was typed, so the error is safe to log.
type FormError struct {
	Fields map[string]string
	Top    string
}

func (e *FormError) Error() string {
	if e.Top != "" {
		return "recovery: refused: " + e.Top
	}
	return fmt.Sprintf("recovery: %d invalid fields", len(e.Fields))
}

// add records a message for a field, keeping the first one.
func (e *FormError) add(field, msg string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = msg
	}
}

func (e *FormError) orNil() error {
	if len(e.Fields) == 0 && e.Top == "" {
		return nil
	}
	return e
}

func fieldError(field, msg string) *FormError {
	return &FormError{Fields: map[string]string{field: msg}}
}

// fieldMsg is the Chinese message of an ident error.
func fieldMsg(err error, fallback string) string {
	var fe *ident.FieldError
	if errors.As(err, &fe) {
		return fe.Msg
	}
	return fallback
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
			fe.add(FieldUSCC, msgUSCCMissing)
		} else if u, err := ident.ValidateUSCC(in.USCC); err != nil {
			fe.add(FieldUSCC, fieldMsg(err, ident.ErrUSCCFormat.Msg))
		} else {
			c.USCC = u
		}
	}
	if strings.TrimSpace(in.IDType) == "" {
		fe.add(FieldIDType, msgIDTypeMissing)
	} else if t, err := ident.ParseIDType(in.IDType); err != nil {
		fe.add(FieldIDType, fieldMsg(err, msgIDTypeMissing))
	} else if !OnlineIDType(t) {
		fe.add(FieldIDType, MsgCounter)
	} else {
		c.IDType = t
	}
	switch {
	case strings.TrimSpace(in.IDNumber) == "":
		fe.add(FieldIDNumber, msgIDNumberMissing)
	case c.IDType == "":
		// Without a usable type the number cannot be checked; the type's message
		// says what to fix first.
	default:
		n, err := ident.ValidateID(c.IDType, in.IDNumber, now)
		if err != nil {
			fe.add(FieldIDNumber, fieldMsg(err, ident.ErrIDFormat.Msg))
		}
		c.IDNumber = n
	}
	if strings.TrimSpace(in.Name) == "" {
		fe.add(FieldName, msgNameMissing)
	} else if n, ok := person.NormalizeName(in.Name); !ok {
		fe.add(FieldName, msgNameInvalid)
	} else {
		c.Name = n
	}
	if err := fe.orNil(); err != nil {
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
		fe.add(FieldPassword, MsgPasswordMissing)
	} else if err := policy.Check(password, context...); err != nil {
		var pe *ident.PasswordError
		msg := msgPasswordRefusedMisc
		if errors.As(err, &pe) {
			msg = pe.Msg
		}
		fe.add(FieldPassword, msg)
	}
	switch {
	case confirm == "":
		fe.add(FieldConfirm, MsgConfirmMissing)
	case confirm != password:
		fe.add(FieldConfirm, MsgConfirmMismatch)
	}
	return fe.orNil()
}
