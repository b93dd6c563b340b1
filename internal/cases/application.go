package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/audit"
	"hall/internal/formerr"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/store"
	"hall/internal/unit"
)

// ItemEnrolment is 用人单位用工参保登记 (人员参保登记), the first item applied for online.
const ItemEnrolment = "SB-002"

// OnlineForm reports whether the hall has an application form for itemCode; the
// other items' 开始办理 still leads to the coming-soon page.
func OnlineForm(itemCode string) bool { return itemCode == ItemEnrolment }

// Actor is the unit's person acting on its cases, for authorization and the audit
// record: Role is the membership's role of the session.
type Actor struct {
	UnitID    int64
	PersonID  int64
	Role      unit.Role
	ClientIP  string
	RequestID string
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

// source names this package in FormError's text.
type source struct{}

func (source) Source() string { return "cases" }

// FormError is a refused application form: a Chinese message per field (Field*).
// Messages never repeat what was typed.
type FormError = formerr.Error[source]

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
	f := EnrolmentForm{Name: strings.Join(strings.Fields(v.Get(FieldName)), " ")}
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		e.Add(FieldName, "请填写职工姓名")
	case n < 2:
		e.Add(FieldName, "职工姓名至少2个字")
	case n > MaxNameRunes:
		e.Add(FieldName, fmt.Sprintf("职工姓名不能超过%d个字", MaxNameRunes))
	case unit.HasControl(f.Name) || !unit.NameLike(f.Name):
		e.Add(FieldName, "职工姓名只能包含汉字、字母、空格和间隔号“·”")
	}
	if strings.TrimSpace(v.Get(FieldIDNumber)) == "" {
		e.Add(FieldIDNumber, "请填写职工的居民身份证号码")
	} else if id, err := ident.ParseResidentID(v.Get(FieldIDNumber), now); err != nil {
		e.Add(FieldIDNumber, formerr.FieldMsg(err, "居民身份证号码不正确，请核对"))
	} else {
		f.IDNumber = id.Number
	}
	this := insurance.MonthOf(now.In(chinaZone))
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

// Apply files an application of the actor's unit for itemCode with the form as
// typed: the case starts 已申请 with its 申办流水号 and 承诺办结日. Only a legal
// rep, the admin, or an agent granted the item may apply (Authorizer); an agent's
// use of the grant is in the audit record ("case.apply", role agent), and a
// refusal is recorded as denied.
//
// Errors: ErrNotOnline (no such item, or no online form for it); the Authorizer's
// refusal (matching delegation.ErrNotAuthorized); *FormError; ErrPending (an open
// case of the item for the same employee); ErrEnrolled (the employee is enrolled
// with the unit already); database or audit failures.
func (s *Service) Apply(ctx context.Context, who Actor, itemCode string, form url.Values) (Case, error) {
	if !OnlineForm(itemCode) {
		return Case{}, ErrNotOnline
	}
	item, err := s.d.Catalog.Get(ctx, itemCode)
	if errors.Is(err, ErrNotFound) || (err == nil && !item.Active) {
		return Case{}, ErrNotOnline
	}
	if err != nil {
		return Case{}, err
	}
	if err := s.authorizeUnit(ctx, who, itemCode, "case.apply", "item:"+itemCode); err != nil {
		return Case{}, err
	}
	f, err := CheckEnrolment(form, s.d.Now(), s.d.Bounds)
	if err != nil {
		return Case{}, err
	}
	data, err := json.Marshal(f)
	if err != nil {
		return Case{}, err
	}
	now := s.dbNow()
	var id int64
	err = s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		if err := openCase(ctx, tx, who.UnitID, itemCode, f.IDNumber, 0); err != nil {
			return err
		}
		if err := notEnrolled(ctx, tx, who.UnitID, f); err != nil {
			return err
		}
		number, err := nextNumber(ctx, tx, now)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO cases (number, unit_id, item_code, applicant_id, applicant_role, state, form,
			subject, promised_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'submitted', ?, ?, ?, ?, ?) RETURNING id`,
			number, who.UnitID, itemCode, who.PersonID, string(who.Role), string(data), f.IDNumber,
			PromisedDate(now, item.PromisedDays), now, now).Scan(&id); err != nil {
			if store.IsUniqueViolation(err) {
				return ErrPending
			}
			return fmt.Errorf("cases: apply: %w", err)
		}
		if err := addEvent(ctx, tx, id, StepApply, StateSubmitted, "person", who.PersonID, "", now); err != nil {
			return err
		}
		return s.recordUnit(ctx, tx, who, "case.apply", id, itemCode, map[string]string{"number": number,
			"employee": ident.MaskID(f.IDNumber)})
	})
	if err != nil {
		return Case{}, err
	}
	c, _, err := s.UnitCase(ctx, who.UnitID, id)
	return c, err
}

// Withdraw (撤销) case id of the actor's unit before it is accepted. Audit:
// "case.withdraw".
//
// Errors: ErrCaseNotFound; the Authorizer's refusal; ErrStale (no longer 已申请);
// database or audit failures.
func (s *Service) Withdraw(ctx context.Context, who Actor, id int64) (Case, error) {
	c, _, err := s.UnitCase(ctx, who.UnitID, id)
	if err != nil {
		return Case{}, err
	}
	if err := s.authorizeUnit(ctx, who, c.ItemCode, "case.withdraw", caseTarget(id)); err != nil {
		return Case{}, err
	}
	now := s.dbNow()
	err = s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		if err := move(ctx, tx, &c, StepWithdraw, "person", who.PersonID, "", now, ""); err != nil {
			return err
		}
		return s.recordUnit(ctx, tx, who, "case.withdraw", id, c.ItemCode, map[string]string{"number": c.Number})
	})
	return c, err
}

// Resubmit sends case id of the actor's unit, returned for correction, again with
// the corrected form; it waits for acceptance anew. Audit: "case.resubmit".
//
// Errors: ErrCaseNotFound; the Authorizer's refusal; *FormError; ErrStale (not
// 退回补正); ErrPending (another open case for the corrected employee); ErrEnrolled;
// database or audit failures.
func (s *Service) Resubmit(ctx context.Context, who Actor, id int64, form url.Values) (Case, error) {
	c, _, err := s.UnitCase(ctx, who.UnitID, id)
	if err != nil {
		return Case{}, err
	}
	if err := s.authorizeUnit(ctx, who, c.ItemCode, "case.resubmit", caseTarget(id)); err != nil {
		return Case{}, err
	}
	if c.State != StateReturned {
		return Case{}, ErrStale
	}
	f, err := CheckEnrolment(form, s.d.Now(), s.d.Bounds)
	if err != nil {
		return Case{}, err
	}
	data, err := json.Marshal(f)
	if err != nil {
		return Case{}, err
	}
	now := s.dbNow()
	err = s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		if err := openCase(ctx, tx, who.UnitID, c.ItemCode, f.IDNumber, id); err != nil {
			return err
		}
		if err := notEnrolled(ctx, tx, who.UnitID, f); err != nil {
			return err
		}
		if err := move(ctx, tx, &c, StepResubmit, "person", who.PersonID, "", now, ", form = ?, subject = ?",
			string(data), f.IDNumber); err != nil {
			if store.IsUniqueViolation(err) {
				return ErrPending
			}
			return err
		}
		c.Form = data
		return s.recordUnit(ctx, tx, who, "case.resubmit", id, c.ItemCode, map[string]string{"number": c.Number,
			"employee": ident.MaskID(f.IDNumber)})
	})
	return c, err
}

// openCase refuses a second open case of the unit and item for subject (besides
// case except): the partial unique index is the guarantee, this the clear answer.
func openCase(ctx context.Context, tx *store.Tx, unitID int64, itemCode, subject string, except int64) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE unit_id = ? AND item_code = ? AND subject = ? AND id <> ?
		AND state IN ('submitted', 'accepted', 'returned')`, unitID, itemCode, subject, except).Scan(&n); err != nil {
		return fmt.Errorf("cases: open cases: %w", err)
	}
	if n > 0 {
		return ErrPending
	}
	return nil
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

// authorizeUnit asks the Authorizer whether the actor may handle itemCode, and
// records a refusal ("action" denied).
func (s *Service) authorizeUnit(ctx context.Context, who Actor, itemCode, action, target string) error {
	err := s.d.Authorizer.Authorize(ctx, who.UnitID, who.PersonID, who.Role, itemCode)
	if err != nil {
		_, _ = s.d.Audit.Record(context.WithoutCancel(ctx), audit.Entry{PersonID: who.PersonID, UnitID: who.UnitID,
			Role: string(who.Role), Action: action, Target: target, Result: audit.Denied, ClientIP: who.ClientIP,
			RequestID: who.RequestID, Detail: map[string]string{"item": itemCode, "error": err.Error()}})
	}
	return err
}

// recordUnit appends the audit record of a unit's step in its transaction; an
// agent's record says which grant it used.
func (s *Service) recordUnit(ctx context.Context, tx *store.Tx, who Actor, action string, id int64, itemCode string,
	detail map[string]string) error {
	detail["item"] = itemCode
	if who.Role == unit.RoleAgent {
		detail["grant"] = itemCode
	}
	_, err := s.d.Audit.Append(ctx, tx, audit.Entry{PersonID: who.PersonID, UnitID: who.UnitID, Role: string(who.Role),
		Action: action, Target: caseTarget(id), Result: audit.Success, ClientIP: who.ClientIP, RequestID: who.RequestID,
		Detail: detail})
	return err
}
