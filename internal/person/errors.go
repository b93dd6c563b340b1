package person

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"hall/internal/store"
)

// ErrNotFound is returned when no person matches. It also matches
// store.ErrNotFound with errors.Is.
var ErrNotFound = fmt.Errorf("person: %w", store.ErrNotFound)

// ErrBadCredentials is the one answer to a failed login, whether the account
// does not exist, the password is wrong or the SMS code was refused, so that
// the answer does not reveal which accounts exist (SPEC L7 note, QUALITY.md).
var ErrBadCredentials = errors.New("person: bad credentials")

// Form field names, as used in FormError.Fields and as the HTML form's input
// names.
const (
	FieldIDType        = "id_type"
	FieldIDNumber      = "id_number"
	FieldName          = "name"
	FieldMobile        = "mobile"
	FieldPassword      = "password"
	FieldConfirm       = "confirm"
	FieldSMSCode       = "sms_code"
	FieldAgreed        = "agreed"
	FieldKind          = "kind"
	FieldContactMobile = "contact_mobile"
	FieldDescription   = "description"
)

// Messages for a taken ID or mobile. They point to 用户申诉 (SPEC R1, B6).
const (
	MsgIDTaken     = "该证件号码已注册。如非本人注册，请提交用户申诉。"
	MsgMobileTaken = "该手机号码已被其他用户使用。如非本人注册，请提交用户申诉。"
)

// taken says which uniqueness rules a FormError reports, for errors.Is.
type taken uint8

const (
	takenID taken = 1 << iota
	takenMobile
)

// FormError is a refused form: Fields maps each wrong field (Field* names) to a
// Chinese message to show beside it. Every problem found is reported at once.
// Messages never contain the submitted values, so the error is safe to log.
type FormError struct {
	Fields map[string]string
	taken  taken
}

// ErrIDTaken and ErrMobileTaken are sentinels for errors.Is: a *FormError
// reporting a taken ID number or mobile matches them. The errors actually
// returned are fresh *FormError values (so callers may change their Fields);
// these two are only for comparison.
var (
	ErrIDTaken     = &FormError{Fields: map[string]string{FieldIDNumber: MsgIDTaken}, taken: takenID}
	ErrMobileTaken = &FormError{Fields: map[string]string{FieldMobile: MsgMobileTaken}, taken: takenMobile}
)

func (e *FormError) Error() string {
	return "person: invalid " + strings.Join(slices.Sorted(maps.Keys(e.Fields)), ", ")
}

// Is matches ErrIDTaken and ErrMobileTaken when e reports that rule; any
// *FormError matches a target *FormError without a rule (e.g. &FormError{}).
func (e *FormError) Is(target error) bool {
	t, ok := target.(*FormError)
	return ok && e.taken&t.taken == t.taken
}

// add records a message for a field, keeping the first one.
func (e *FormError) add(field, msg string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, dup := e.Fields[field]; !dup {
		e.Fields[field] = msg
	}
}

// orNil returns e when it holds a problem, nil otherwise.
func (e *FormError) orNil() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// takenError builds the FormError for the rules that were broken.
func takenError(t taken) *FormError {
	e := &FormError{taken: t}
	if t&takenID != 0 {
		e.add(FieldIDNumber, MsgIDTaken)
	}
	if t&takenMobile != 0 {
		e.add(FieldMobile, MsgMobileTaken)
	}
	return e
}
