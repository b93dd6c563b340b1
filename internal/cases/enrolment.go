package cases

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/chinatime"
	"hall/internal/formerr"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/store"
	"hall/internal/unit"
)

// ItemEnrolment is 用人单位用工参保登记 (人员参保登记): approval enrols the employee
// in the unit's insurance data.
const ItemEnrolment = "SB-002"

var enrolmentType = formType{
	materials: []FormMaterial{{Code: "contract", Label: "劳动合同", Required: false}},
	check: func(v url.Values, env formEnv) (Form, error) {
		f, err := CheckEnrolment(v, env.Now, env.Bounds)
		if err != nil {
			return nil, err
		}
		return f, nil
	},
	decode: decodeAs[EnrolmentForm],
	prepare: func(ctx context.Context, tx *store.Tx, unitID int64, _ string, f Form, _ formEnv) (Form, error) {
		return f, notEnrolled(ctx, tx, unitID, f.(EnrolmentForm))
	},
	carryOut: func(ctx context.Context, tx *store.Tx, _ Case, f Form, uscc string, _ formEnv) (Form, error) {
		e := f.(EnrolmentForm)
		err := insurance.EnrolTx(ctx, tx, insurance.NewEnrolment{USCC: uscc, IDNumber: e.IDNumber, Name: e.Name,
			StartMonth: e.StartMonth, Types: e.Types})
		if errors.Is(err, insurance.ErrAlreadyEnrolled) {
			return nil, ErrEnrolled
		}
		return nil, err
	},
	pending: ErrPending,
	field:   FieldIDNumber,
	audit: func(f Form) map[string]string {
		return map[string]string{"employee": ident.MaskID(f.(EnrolmentForm).IDNumber)}
	},
}

// The enrolment form's fields, as FormError keys them.
const (
	FieldName       = "name"
	FieldIDNumber   = "id_number"
	FieldStartMonth = "start_month"
	FieldBase       = "base"
	FieldTypes      = "types"
)

// EnrolmentTypes are the insurance types a unit enrols an employee in online
// (机关事业单位养老保险 is for public institutions, at the counter).
var EnrolmentTypes = []insurance.Type{insurance.TypePension, insurance.TypeInjury, insurance.TypeUnemployment}

// MaxNameRunes bounds the employee's name.
const MaxNameRunes = 30

// EnrolmentForm is 人员参保登记's form as stored.
type EnrolmentForm struct {
	Name       string           `json:"name"`
	IDNumber   string           `json:"id_number"`
	StartMonth insurance.Month  `json:"start_month"`
	Base       int64            `json:"base"` // fen a month
	Types      []insurance.Type `json:"types"`
}

// TypeLabels are the form's types in Chinese, "、"-joined.
func (f EnrolmentForm) TypeLabels() string {
	names := make([]string, len(f.Types))
	for i, t := range f.Types {
		names[i] = t.Label()
	}
	return strings.Join(names, "、")
}

// MaskedIDNumber is the employee's ID number as pages show it (SPEC §2).
func (f EnrolmentForm) MaskedIDNumber() string { return ident.MaskID(f.IDNumber) }

// BaseYuan is the base in whole yuan, as typed.
func (f EnrolmentForm) BaseYuan() int64 { return f.Base / 100 }

// Values is f as the form's fields, for a form that corrects it.
func (f EnrolmentForm) Values() url.Values {
	v := url.Values{FieldName: {f.Name}, FieldIDNumber: {f.IDNumber}, FieldStartMonth: {f.StartMonth.String()},
		FieldBase: {strconv.FormatInt(f.Base/100, 10)}}
	for _, t := range f.Types {
		v.Add(FieldTypes, string(t))
	}
	return v
}

// CheckEnrolment reads the form of 人员参保登记 as typed. Rules: a name of 2 to 30
// letters; a valid resident ID; a start month that is last month, this month or
// next month (参保登记 within 30 days of hiring); a whole-yuan base within b; at
// least one of EnrolmentTypes. Errors: *FormError.
func CheckEnrolment(v url.Values, now time.Time, b insurance.Bounds) (EnrolmentForm, error) {
	e := &FormError{}
	f := EnrolmentForm{Name: checkEmployeeName(e, v)}
	if strings.TrimSpace(v.Get(FieldIDNumber)) == "" {
		e.Add(FieldIDNumber, "请填写职工的居民身份证号码")
	} else if id, err := ident.ParseResidentID(v.Get(FieldIDNumber), now); err != nil {
		e.Add(FieldIDNumber, formerr.FieldMsg(err, "居民身份证号码不正确，请核对"))
	} else {
		f.IDNumber = id.Number
	}
	this := insurance.MonthOf(now.In(chinatime.Zone))
	if s := strings.TrimSpace(v.Get(FieldStartMonth)); s == "" {
		e.Add(FieldStartMonth, "请选择参保年月")
	} else if m, ok := insurance.ParseMonth(s); !ok {
		e.Add(FieldStartMonth, "参保年月的格式应为“2026-04”")
	} else if m < this.Add(-1) || m > this.Add(1) {
		e.Add(FieldStartMonth, "参保年月只能是上月、本月或下月；更早的补缴请到经办窗口办理")
	} else {
		f.StartMonth = m
	}
	floor, ceiling := b.Floor/100, b.Ceiling/100
	if s := strings.TrimSpace(v.Get(FieldBase)); s == "" {
		e.Add(FieldBase, "请填写月缴费基数")
	} else if yuan, err := strconv.ParseInt(s, 10, 64); err != nil {
		e.Add(FieldBase, "月缴费基数请填写整数元")
	} else if yuan < floor || yuan > ceiling {
		e.Add(FieldBase, fmt.Sprintf("月缴费基数应在%d元至%d元之间", floor, ceiling))
	} else {
		f.Base = yuan * 100
	}
	for _, t := range EnrolmentTypes {
		if slices.Contains(v[FieldTypes], string(t)) {
			f.Types = append(f.Types, t)
		}
	}
	if len(f.Types) == 0 {
		e.Add(FieldTypes, "请至少选择一个参保险种")
	} else if len(f.Types) != len(v[FieldTypes]) {
		e.Add(FieldTypes, "请从列出的险种中选择")
	}
	if err := e.OrNil(); err != nil {
		return EnrolmentForm{}, err
	}
	return f, nil
}

// notEnrolled refuses an enrolment of an employee the unit pays for already in one
// of the form's types.
func notEnrolled(ctx context.Context, tx *store.Tx, unitID int64, f EnrolmentForm) error {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM insurance_periods p JOIN units u ON u.uscc = p.uscc
		WHERE u.id = ? AND p.id_number = ? AND p.end_month = 0`, unitID, f.IDNumber).Scan(&n)
	if err != nil {
		return fmt.Errorf("cases: enrolled: %w", err)
	}
	if n > 0 {
		return ErrEnrolled
	}
	return nil
}

// Subject is the employee's ID number: one open enrolment per employee.
func (f EnrolmentForm) Subject() string { return f.IDNumber }

// Facts are the form's values for the case pages.
func (f EnrolmentForm) Facts() []Fact {
	return []Fact{{"职工姓名", f.Name}, {"公民身份号码", f.MaskedIDNumber()}, {"参保年月", f.StartMonth.String()},
		{"月缴费基数", strconv.FormatInt(f.BaseYuan(), 10) + " 元"}, {"参保险种", f.TypeLabels()}}
}

// checkEmployeeName reads the employee's name typed in FieldName, with its runs of
// white space made one space, and adds the refusal of the name rule to e: 2 to
// MaxNameRunes characters, letters (Han or Latin), spaces and the middle dot.
func checkEmployeeName(e *FormError, v url.Values) string {
	name := strings.Join(strings.Fields(v.Get(FieldName)), " ")
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		e.Add(FieldName, "请填写职工姓名")
	case n < 2:
		e.Add(FieldName, "职工姓名至少2个字")
	case n > MaxNameRunes:
		e.Add(FieldName, fmt.Sprintf("职工姓名不能超过%d个字", MaxNameRunes))
	case unit.HasControl(name) || !unit.NameLike(name):
		e.Add(FieldName, "职工姓名只能包含汉字、字母、空格和间隔号“·”")
	}
	return name
}
