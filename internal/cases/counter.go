package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"hall/internal/ident"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/token"
)

// 窗口录入办件 (B4): a unit that comes to the counter has its case entered by a
// counter clerk (窗口经办). The clerk checks the materials on the spot, so the case
// starts 已受理 — accepted by the clerk who entered it — and waits for a reviewer;
// the clerk is its accepter, so the step rules that keep a clerk from deciding a
// case they accepted (staff.DenyOwnWork on case.decide) keep them from approving
// what they entered. Its timeline shows 提交申请 and 受理 by the clerk.
//
// Counter entry takes the unit items WITHOUT an online form: an item with a form
// (人员参保登记 …) changes the unit's data on approval from that form, which the
// unit files online (Apply) with its materials; entering those at the counter
// would need the form's fields on the counter page too.

// Fields of the counter entry form, as FormError names them.
const (
	CounterFieldUSCC      = "uscc"
	CounterFieldItem      = "item"
	CounterFieldApplicant = "applicant"
	CounterFieldReason    = "reason"
	// CounterFieldInstitution is the optional 机构编号: the case is the business
	// of one of the unit's institutions (SPEC U7), which alone of the unit's
	// sign-ins then sees it besides the unit.
	CounterFieldInstitution = "institution"
)

// MaxApplicantRunes bounds the applicant's name as told at the counter.
const MaxApplicantRunes = 30

// CounterEntry is a case as the clerk types it.
type CounterEntry struct {
	USCC      string // the unit's 统一社会信用代码; the unit must be one the hall knows
	ItemCode  string // a unit item of the catalog without an online form
	Applicant string // the name of who came to the counter, as told
	Reason    string // the clerk's remark: what was handed in, why at the counter
	// Institution is the 机构编号 of the unit's open institution whose business
	// this is; "" for the unit's own.
	Institution string
	// Nonce is the entry form's one-time token (NewCounterNonce, carried by the
	// form): the case stores it, unique (migration 0036), so that the form posted
	// twice — a double click, a reload, a second tab — enters one case.
	Nonce string
}

// NewCounterNonce is a fresh one-time token for one counter entry form.
func NewCounterNonce() string { return token.New() }

// ErrCounterEntered: the entry form's nonce has entered a case already (the form
// was posted again). EnterCounter returns that case with it, and no second case.
var ErrCounterEntered = &Error{"counter_entered", "该表单已提交过，办件已录入，未重复录入"}

// msgCounterNoNonce: a post without a well-formed nonce (a form from before the
// nonce, or not the hall's): nothing is entered, the clerk fills in a fresh form.
const msgCounterNoNonce = "录入表单已失效，请核对以下信息后重新提交"

// ChannelLabel is how the unit's pages name the case's channel: 网上申报 for a case
// the unit filed online, 窗口办理 for one entered at the counter.
func (c Case) ChannelLabel() string {
	if c.Channel == ChannelCounter {
		return "窗口办理"
	}
	return "网上申报"
}

// CounterItems are the items a clerk may enter at the counter: the active unit
// items of the catalog that have no online form, in catalog order.
func (s *Service) CounterItems(ctx context.Context) ([]Item, error) {
	items, err := s.d.Catalog.UnitItems(ctx)
	if err != nil {
		return nil, err
	}
	out := items[:0]
	for _, it := range items {
		if !OnlineForm(it.Code) {
			out = append(out, it)
		}
	}
	return out, nil
}

// EnterCounter records a case entered at the counter by actor, a counter clerk
// (case.accept): the case of the unit with the USCC for the item, already 已受理
// with the clerk as its accepter, channel counter, the applicant's name as told.
// The unit's legal representative (or, without one, its administrator) stands as
// its applicant: the SMS at 办结 and 退回 goes to them. Audit: "case.counter" with
// the clerk, the role and the reason.
//
// The case stores in.Nonce in the transaction that creates it, so the same form
// posted again — even twice at once — enters one case: the second post returns
// that case with ErrCounterEntered.
//
// Errors: ErrCounterEntered with the case the nonce entered; *FormError beside
// the fields (USCC malformed or of no unit the hall
// knows, or of a closed unit or one without an account holder; item missing, not
// a unit item, or one with an online form; applicant missing or too long; reason
// missing or too long); a *staff.Denial (recorded; a reviewer, a security admin
// or an auditor may not enter cases); ErrNoKeys; sealed.ErrMalformed, sealed.ErrUnknownKey or sealed.ErrAuthentication
// when the case entered cannot be read back; database or audit failures.
func (s *Service) EnterCounter(ctx context.Context, actor staff.Actor, in CounterEntry) (Case, error) {
	fe := &FormError{}
	uscc, err := ident.ValidateUSCC(in.USCC)
	if strings.TrimSpace(in.USCC) == "" {
		fe.Add(CounterFieldUSCC, "请填写单位的统一社会信用代码")
	} else if err != nil {
		fe.Add(CounterFieldUSCC, "统一社会信用代码格式或校验位不正确，请核对营业执照")
	}
	item, err := s.counterItem(ctx, in.ItemCode)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return Case{}, err
		}
		fe.Add(CounterFieldItem, e.Msg)
	}
	applicant := strings.TrimSpace(in.Applicant)
	switch {
	case applicant == "":
		fe.Add(CounterFieldApplicant, "请填写到窗口办理人的姓名")
	case utf8.RuneCountInString(applicant) > MaxApplicantRunes || !utf8.ValidString(applicant) || strings.ContainsAny(applicant, "\r\n\t"):
		fe.Add(CounterFieldApplicant, fmt.Sprintf("办理人姓名不能超过%d个字", MaxApplicantRunes))
	}
	institutionNumber := ""
	if strings.TrimSpace(in.Institution) != "" {
		if institutionNumber, err = ident.ValidateInstitutionNumber(in.Institution); err != nil {
			fe.Add(CounterFieldInstitution, "机构编号格式或校验位不正确，请核对")
		}
	}
	reason, err := staff.CheckReason(in.Reason)
	if err != nil {
		fe.Add(CounterFieldReason, staff.Message(err))
	}
	if !token.Valid(in.Nonce) {
		fe.Top = msgCounterNoNonce
	}
	if err := fe.OrNil(); err != nil {
		return Case{}, err
	}
	now := s.dbNow()
	var id int64
	err = staff.Command(ctx, s.d.DB, s.d.Audit, actor, staff.ActionCaseAccept, "item:"+in.ItemCode, func(tx *store.Tx, fresh staff.Actor, authorize staff.Authorizer) error {
		role, err := authorize(staff.Subject{})
		if err != nil {
			return err
		}
		// A form entered before answers with its case — after the check above, so
		// that only someone who may enter cases learns which case a nonce made.
		var entered int64
		switch err := tx.QueryRow(ctx, `SELECT id FROM cases WHERE counter_nonce = ?`, in.Nonce).Scan(&entered); {
		case err == nil:
			return errCounterNonceUsed
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("cases: counter nonce: %w", err)
		}
		unitID, holder, holderRole, err := counterUnit(ctx, tx, uscc)
		if err != nil {
			return err
		}
		var institutionID any // NULL: the unit's own business
		if institutionNumber != "" {
			var id int64
			err := tx.QueryRow(ctx, `SELECT id FROM institutions WHERE number = ? AND unit_id = ? AND status = 'open'`,
				institutionNumber, unitID).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				fe := &FormError{}
				fe.Add(CounterFieldInstitution, "该机构编号不属于此单位，或机构账户已关闭")
				return fe
			}
			if err != nil {
				return fmt.Errorf("cases: counter institution: %w", err)
			}
			institutionID = id
		}
		number, err := nextNumber(ctx, tx, now)
		if err != nil {
			return err
		}
		if id, err = insertCase(ctx, tx, newCase{Number: number, UnitID: unitID, ItemCode: item.Code, ApplicantID: holder,
			ApplicantRole: holderRole, State: StateAccepted, Form: []byte("{}"), PromisedDate: PromisedDate(now, item.PromisedDays),
			AcceptedBy: fresh.StaffID, Channel: ChannelCounter, EnteredBy: fresh.StaffID, CounterApplicant: applicant,
			CounterNonce: in.Nonce, InstitutionID: institutionID, At: now}); err != nil {
			return fmt.Errorf("cases: counter: %w", err)
		}
		if err := addEvent(ctx, tx, id, StepApply, StateSubmitted, "staff", fresh.StaffID, reason, now); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, StepAccept, StateAccepted, "staff", fresh.StaffID, "", now); err != nil {
			return err
		}
		e := fresh.Entry(role, "case.counter", caseTarget(id), reason, map[string]string{"number": number,
			"item": item.Code, "state": string(StateAccepted), "channel": string(ChannelCounter)})
		if institutionNumber != "" {
			e.Detail["institution"] = institutionNumber
		}
		e.UnitID, e.PersonID = unitID, holder
		_, err = s.d.Audit.Append(ctx, tx, e)
		return err
	})
	if errors.Is(err, errCounterNonceUsed) || store.IsUniqueViolation(err) {
		// The form has entered its case: before, or (the unique nonce refusing
		// the second case) while this post was in flight.
		if c, err := s.counterEntered(ctx, in.Nonce); !errors.Is(err, ErrCaseNotFound) {
			return c, err
		}
	}
	if err != nil {
		return Case{}, err
	}
	return scanCase(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+caseColumns+caseFrom+" WHERE c.id = ?", id))
}

// errCounterNonceUsed ends EnterCounter's transaction when the form's nonce has
// entered a case already; EnterCounter answers with that case.
var errCounterNonceUsed = errors.New("cases: counter nonce used")

// counterEntered is the case the counter entry form with nonce has entered, with
// ErrCounterEntered; ErrCaseNotFound when it has entered none.
func (s *Service) counterEntered(ctx context.Context, nonce string) (Case, error) {
	c, err := scanCase(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+caseColumns+caseFrom+" WHERE c.counter_nonce = ?", nonce))
	if err != nil {
		return Case{}, err
	}
	return c, ErrCounterEntered
}

// Refusals of EnterCounter's item, shown beside the field.
var (
	errCounterNoItem   = &Error{"counter_item", "请选择办理的事项"}
	errCounterNotUnit  = &Error{"counter_item", "该事项不是单位可办理的事项，请重新选择"}
	errCounterHasForm  = &Error{"counter_item", "该事项已开通网上申报，请单位登录网上服务大厅申报；窗口录入只办理未开通网上申报的事项"}
	errCounterNoUnit   = &Error{"counter_unit", "未找到该统一社会信用代码的单位，请核对；单位须先在网上服务大厅开户"}
	errCounterClosed   = &Error{"counter_unit", "该单位已注销，不能办理"}
	errCounterNoHolder = &Error{"counter_unit", "该单位没有在册的法定代表人或管理员，请先办理单位管理员变更"}
)

// counterItem is the active unit item itemCode without an online form.
func (s *Service) counterItem(ctx context.Context, itemCode string) (Item, error) {
	if strings.TrimSpace(itemCode) == "" {
		return Item{}, errCounterNoItem
	}
	item, err := s.d.Catalog.Get(ctx, itemCode)
	if errors.Is(err, ErrNotFound) || (err == nil && (!item.Active || item.Applicant == ApplicantPerson)) {
		return Item{}, errCounterNotUnit
	}
	if err != nil {
		return Item{}, err
	}
	if OnlineForm(item.Code) {
		return Item{}, errCounterHasForm
	}
	return item, nil
}

// counterUnit is the active unit with uscc and the person who stands as the
// applicant of its counter cases: the legal rep, else the administrator.
// Errors: *FormError beside the USCC; database failures.
func counterUnit(ctx context.Context, tx *store.Tx, uscc string) (unitID, holder int64, role string, err error) {
	var status string
	err = tx.QueryRow(ctx, `SELECT id, status FROM units WHERE uscc = ?`, uscc).Scan(&unitID, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, "", uscFieldError(errCounterNoUnit)
	}
	if err != nil {
		return 0, 0, "", fmt.Errorf("cases: counter unit: %w", err)
	}
	if status != "active" {
		return 0, 0, "", uscFieldError(errCounterClosed)
	}
	err = tx.QueryRow(ctx, `SELECT person_id, role FROM memberships WHERE unit_id = ? AND status = 'active'
		AND role IN ('legal_rep', 'admin') ORDER BY CASE role WHEN 'legal_rep' THEN 0 ELSE 1 END LIMIT 1`,
		unitID).Scan(&holder, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, "", uscFieldError(errCounterNoHolder)
	}
	if err != nil {
		return 0, 0, "", fmt.Errorf("cases: counter unit: %w", err)
	}
	return unitID, holder, role, nil
}

func uscFieldError(e *Error) error {
	fe := &FormError{}
	fe.Add(CounterFieldUSCC, e.Msg)
	return fe
}
