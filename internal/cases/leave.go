package cases

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"hall/internal/chinatime"
	"hall/internal/formerr"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/store"
)

// ItemLeave is 用人单位退工停保登记: approval ends the employee's open insurance
// periods with the unit.
const ItemLeave = "SB-004"

// The leave form's fields besides FieldName and FieldIDNumber (typed when the
// employee is not chosen from the list).
const (
	FieldEmployee  = "employee"
	FieldLeaveDate = "leave_date"
	FieldStopMonth = "stop_month"
	FieldReason    = "reason"
)

// Leave rules (FACTS.md: 退工停保 within 10 days of leaving). A leave date further
// ahead than LeaveAheadDays is not known yet and is refused.
const (
	LeaveWithinDays = 10
	LeaveAheadDays  = 30
)

// LeaveReason is why the employee left (停保原因), from a fixed list.
type LeaveReason string

// LeaveReasons in the order the form lists them.
var LeaveReasons = []LeaveReason{"dismissed", "expired", "resigned", "retired", "deceased", "other"}

var leaveReasonLabels = map[LeaveReason]string{
	"dismissed": "用人单位解除劳动合同", "expired": "劳动合同期满终止", "resigned": "职工本人提出解除劳动合同",
	"retired": "退休", "deceased": "死亡", "other": "其他原因",
}

// Label is the reason in Chinese.
func (r LeaveReason) Label() string { return leaveReasonLabels[r] }

// LeaveForm is 退工停保登记's form as stored.
type LeaveForm struct {
	// Employee is the chosen employee's EmployeeKey, resolved to IDNumber and
	// Name when the case is filed; never stored.
	Employee  string          `json:"-"`
	Name      string          `json:"name"`
	IDNumber  string          `json:"id_number"`
	LeaveDate string          `json:"leave_date"` // YYYY-MM-DD
	StopMonth insurance.Month `json:"stop_month"` // the last month insured
	Reason    LeaveReason     `json:"reason"`
}

// Subject is the employee's ID number: one open 退工停保 per employee.
func (f LeaveForm) Subject() string { return f.IDNumber }

// Facts are the form's values for the case pages.
func (f LeaveForm) Facts() []Fact {
	return []Fact{{"职工姓名", f.Name}, {"公民身份号码", ident.MaskID(f.IDNumber)}, {"离职日期", f.LeaveDate},
		{"停保年月", f.StopMonth.String()}, {"停保原因", f.Reason.Label()}}
}

// Values is f as the form's fields (the employee typed), for a form that corrects it.
func (f LeaveForm) Values() url.Values {
	return url.Values{FieldName: {f.Name}, FieldIDNumber: {f.IDNumber}, FieldLeaveDate: {f.LeaveDate},
		FieldStopMonth: {f.StopMonth.String()}, FieldReason: {string(f.Reason)}}
}

// EmployeeKey is the value that stands for an employee of the unit in a page or
// an address (the 退工停保 form's list, 单位信息's person filter), so that neither
// carries an ID number in clear (SPEC §2): an HMAC of the unit's USCC and the ID
// number under the service's key, 16 hex digits. Unkeyed, the value could be
// reversed by trying the few billion ID numbers a birth-year range allows.
func (s *Service) EmployeeKey(uscc, idNumber string) string {
	return employeeKey(s.key, uscc, idNumber)
}

func employeeKey(key []byte, uscc, idNumber string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("employee-key|" + uscc + "|" + idNumber))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// CheckLeave reads the form of 退工停保登记 as typed. Rules: the employee chosen
// from the list (a key of 16 hex digits) or typed as a valid resident ID and a
// name of 2 to 30 letters; a leave date at most LeaveWithinDays days ago (later
// filings are for the counter) and at most LeaveAheadDays days ahead; a stop month
// that is the leave date's month or the next; a reason from LeaveReasons.
// Errors: *FormError.
func CheckLeave(v url.Values, now time.Time) (LeaveForm, error) {
	e := &FormError{}
	var f LeaveForm
	if key := strings.TrimSpace(v.Get(FieldEmployee)); key != "" {
		if _, err := hex.DecodeString(key); err != nil || len(key) != 16 {
			e.Add(FieldEmployee, "请从列表中选择职工")
		} else {
			f.Employee = key
		}
	} else {
		f.Name = checkEmployeeName(e, v)
		if strings.TrimSpace(v.Get(FieldIDNumber)) == "" {
			e.Add(FieldIDNumber, "请从列表中选择职工，或填写职工的居民身份证号码")
		} else if id, err := ident.ParseResidentID(v.Get(FieldIDNumber), now); err != nil {
			e.Add(FieldIDNumber, formerr.FieldMsg(err, "居民身份证号码不正确，请核对"))
		} else {
			f.IDNumber = id.Number
		}
	}
	today := civilDay(now)
	var leave time.Time
	if s := strings.TrimSpace(v.Get(FieldLeaveDate)); s == "" {
		e.Add(FieldLeaveDate, "请填写离职日期")
	} else if d, err := time.Parse("2006-01-02", s); err != nil {
		e.Add(FieldLeaveDate, "离职日期的格式应为“2026-04-13”")
	} else if d.Before(today.AddDate(0, 0, -LeaveWithinDays)) {
		e.Add(FieldLeaveDate, fmt.Sprintf("离职已超过%d日，网上只能办理离职%d日内的退工停保；请携带解除或终止劳动合同证明到经办窗口办理",
			LeaveWithinDays, LeaveWithinDays))
	} else if d.After(today.AddDate(0, 0, LeaveAheadDays)) {
		e.Add(FieldLeaveDate, fmt.Sprintf("离职日期不能晚于今天起%d日，请在职工离职前后再申请", LeaveAheadDays))
	} else {
		leave, f.LeaveDate = d, d.Format("2006-01-02")
	}
	if s := strings.TrimSpace(v.Get(FieldStopMonth)); s == "" {
		e.Add(FieldStopMonth, "请选择停保年月")
	} else if m, ok := insurance.ParseMonth(s); !ok {
		e.Add(FieldStopMonth, "停保年月的格式应为“2026-04”")
	} else if lm := insurance.MonthOf(leave); !leave.IsZero() && m != lm && m != lm.Add(1) {
		e.Add(FieldStopMonth, "停保年月应为离职当月或次月")
	} else {
		f.StopMonth = m
	}
	f.Reason = LeaveReason(strings.TrimSpace(v.Get(FieldReason)))
	if f.Reason == "" {
		e.Add(FieldReason, "请选择停保原因")
	} else if f.Reason.Label() == "" {
		e.Add(FieldReason, "请从列出的原因中选择")
	}
	if err := e.OrNil(); err != nil {
		return LeaveForm{}, err
	}
	return f, nil
}

// civilDay is the hall's calendar day of t, as a UTC midnight.
func civilDay(t time.Time) time.Time {
	y, m, d := t.In(chinatime.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// maxInsuredList bounds the employees the form lists (and a key is looked for
// among); a larger unit types the ID number.
const maxInsuredList = 5000

var leaveType = formType{
	materials: []FormMaterial{{Code: "termination", Label: "解除（终止）劳动合同证明", Required: true}},
	check: func(v url.Values, env formEnv) (Form, error) {
		f, err := CheckLeave(v, env.Now)
		if err != nil {
			return nil, err
		}
		return f, nil
	},
	decode: decodeAs[LeaveForm],
	prepare: func(ctx context.Context, tx *store.Tx, _ int64, uscc string, f Form, env formEnv) (Form, error) {
		return resolveLeaver(ctx, tx, uscc, f.(LeaveForm), env.Key)
	},
	carryOut: func(ctx context.Context, tx *store.Tx, _ Case, f Form, uscc string, _ formEnv) (Form, error) {
		l := f.(LeaveForm)
		err := insurance.EndTx(ctx, tx, insurance.EndEnrolment{USCC: uscc, IDNumber: l.IDNumber, EndMonth: l.StopMonth,
			Reason: l.Reason.Label()})
		switch {
		case errors.Is(err, insurance.ErrNotEnrolled):
			return nil, ErrNotEnrolled
		case errors.Is(err, insurance.ErrEndBeforeStart):
			return nil, ErrEndBeforeStart
		}
		return nil, err
	},
	pending: &Error{ErrPending.Code, "该职工已有正在办理的退工停保登记，请勿重复申请"},
	field:   FieldIDNumber,
	audit: func(f Form) map[string]string {
		return map[string]string{"employee": ident.MaskID(f.(LeaveForm).IDNumber)}
	},
}

// resolveLeaver finds the leave form's employee among the unit's insured: the
// chosen key's ID number and name, or the typed ID number, whose name must be the
// one the insurance data has. Errors: ErrNotEnrolled; *FormError (a typed name that
// differs, a key of nobody insured); database failures.
func resolveLeaver(ctx context.Context, tx *store.Tx, uscc string, f LeaveForm, key []byte) (LeaveForm, error) {
	if f.Employee != "" {
		list, _, err := insurance.InsuredNow(ctx, tx, uscc, maxInsuredList)
		if err != nil {
			return LeaveForm{}, err
		}
		for _, i := range list {
			if hmac.Equal([]byte(employeeKey(key, uscc, i.IDNumber)), []byte(f.Employee)) {
				f.IDNumber, f.Name, f.Employee = i.IDNumber, i.Name, ""
				return f, nil
			}
		}
		e := &FormError{}
		e.Add(FieldEmployee, "所选职工目前未在本单位参保，请重新选择")
		return LeaveForm{}, e
	}
	var name string
	err := tx.QueryRow(ctx, `SELECT e.name FROM insurance_employees e WHERE e.uscc = ? AND e.id_number = ? AND EXISTS
		(SELECT 1 FROM insurance_periods o WHERE o.uscc = e.uscc AND o.id_number = e.id_number AND o.end_month = 0)`,
		uscc, f.IDNumber).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return LeaveForm{}, ErrNotEnrolled
	}
	if err != nil {
		return LeaveForm{}, fmt.Errorf("cases: leaver: %w", err)
	}
	if name != f.Name {
		e := &FormError{}
		e.Add(FieldName, "职工姓名与参保登记的姓名不一致，请核对")
		return LeaveForm{}, e
	}
	return f, nil
}

// LeaveChoice is one employee the leave form lists: the key the form sends and
// the name with the masked ID number.
type LeaveChoice struct{ Key, Label string }

// maxLeaveChoices bounds the list on the form; a unit with more types the ID number.
const maxLeaveChoices = 300

// LeaveChoices are the unit's employees insured now, for the leave form's list;
// more reports that the unit has more than the list shows. Errors: database
// failures.
func (s *Service) LeaveChoices(ctx context.Context, unitID int64) (out []LeaveChoice, more bool, err error) {
	var uscc string
	if err := s.d.DB.QueryRow(ctx, `SELECT uscc FROM units WHERE id = ?`, unitID).Scan(&uscc); err != nil {
		return nil, false, fmt.Errorf("cases: unit: %w", err)
	}
	list, more, err := insurance.InsuredNow(ctx, s.d.DB, uscc, maxLeaveChoices)
	if err != nil {
		return nil, false, err
	}
	for _, i := range list {
		out = append(out, LeaveChoice{Key: s.EmployeeKey(uscc, i.IDNumber), Label: i.Name + "（" + ident.MaskID(i.IDNumber) + "）"})
	}
	return out, more, nil
}
