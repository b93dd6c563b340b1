package cases

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"hall/internal/audit"
	"hall/internal/insurance"
	"hall/internal/store"
)

// The online forms: each item applied for online has a form type here — how the
// form as typed is read (check), how a stored one is read back (decode), what the
// data must say before a case is filed (prepare, in the filing transaction), and
// the effect of its approval (carryOut, in the approving transaction). An item
// without a form type is applied for at the counter (its 开始办理 leads to the
// coming-soon page).

// Form is an online item's form as checked and stored (cases.form, JSON, sealed:
// sealed.go).
type Form interface {
	// Subject keys the one open case per unit, item and subject (the partial
	// unique index cases_open_subject, on the subject's blind index): the
	// employee's ID number, the year.
	Subject() string
	// Facts are the form's values with their labels, for the case pages of the
	// unit and the back office, masked where SPEC §2 masks.
	Facts() []Fact
	// Values are the form's fields, to fill the form that corrects a returned case.
	Values() url.Values
}

// Fact is one labelled value of a form, as the case pages show it.
type Fact struct{ Label, Value string }

// formEnv is what a form type's functions read besides the form: the clock, the
// contribution base bounds and the audit log (for an effect with its own record).
type formEnv struct {
	Now    time.Time
	Bounds insurance.Bounds
	Audit  *audit.Log
	Key    []byte // EmployeeKey's HMAC key
}

// formType is one online item's form.
type formType struct {
	// check reads the form as typed. Errors: *FormError.
	check func(v url.Values, env formEnv) (Form, error)
	// decode reads a stored form.
	decode func(data []byte) (Form, error)
	// prepare checks f against the data inside the filing (or resubmitting)
	// transaction of the unit with uscc, and returns the form to store (a
	// computed amount filled in). Errors: an *Error of this package; database
	// failures.
	prepare func(ctx context.Context, tx *store.Tx, unitID int64, uscc string, f Form, env formEnv) (Form, error)
	// carryOut makes the approved case's effect inside the approving transaction
	// and returns the form to store again, or nil when it is unchanged. Errors:
	// an *Error of this package (the approval is refused, the case stays
	// 已受理); database failures.
	carryOut func(ctx context.Context, tx *store.Tx, c Case, f Form, uscc string, env formEnv) (Form, error)
	// pending is the refusal of a second open case for the same subject.
	pending *Error
	// field is the form field a refusal about the subject is shown beside.
	field string
	// audit is the detail of the audit records of a filing.
	audit func(f Form) map[string]string
	// materials are the documents the form asks for (materials.go): the apply
	// page shows a file field per material, Apply refuses a required one missing,
	// and the case pages list what was sent, all from this one list.
	materials []FormMaterial
}

// formTypes are the online items' forms by item code.
var formTypes = map[string]formType{
	ItemEnrolment:  enrolmentType,
	ItemLeave:      leaveType,
	ItemSubsidy:    subsidyType,
	ItemUnitChange: unitChangeType,
}

// OnlineForm reports whether the hall has an application form for itemCode; the
// other items' 开始办理 still leads to the coming-soon page.
func OnlineForm(itemCode string) bool {
	_, ok := formTypes[itemCode]
	return ok
}

// SubjectField is the form field of itemCode that a refusal about the case's
// subject (ErrPending, ErrEnrolled, ErrNotEnrolled, ErrIneligible …) is shown
// beside; "" for an item without an online form.
func SubjectField(itemCode string) string { return formTypes[itemCode].field }

// CheckForm reads the form of itemCode as typed at now, as Apply does, without
// filing it. Errors: ErrNotOnline; *FormError.
func (s *Service) CheckForm(itemCode string, v url.Values) (Form, error) {
	ft, ok := formTypes[itemCode]
	if !ok {
		return nil, ErrNotOnline
	}
	return ft.check(v, s.env())
}

func (s *Service) env() formEnv {
	return formEnv{Now: s.d.Now(), Bounds: s.d.Bounds, Audit: s.d.Audit, Key: s.key}
}

// Details is the case's form as its item stores it; ok is false when the item has
// no online form or the stored form cannot be read.
func (c Case) Details() (Form, bool) {
	ft, ok := formTypes[c.ItemCode]
	if !ok {
		return nil, false
	}
	f, err := ft.decode(c.Form)
	if err != nil {
		return nil, false
	}
	return f, true
}

// decodeAs reads a stored form of type T.
func decodeAs[T Form](data []byte) (Form, error) {
	var f T
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	return f, nil
}
