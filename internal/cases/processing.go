package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"hall/internal/person"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/sms"
	"hall/internal/staff"
	"hall/internal/store"
)

// SMS purposes of the cases' messages.
const (
	PurposeApproved = "case-approved"
	PurposeReturned = "case-returned"
)

// Queue lists the cases in a state for the back office (B4), oldest change first
// (the order they are worked in), with the total. Errors: a *staff.Denial;
// database failures.
func (s *Service) Queue(ctx context.Context, actor staff.Actor, f CaseFilter) ([]Case, int, error) {
	if err := s.authorizeRead(ctx, actor, "cases"); err != nil {
		return nil, 0, err
	}
	return s.list(ctx, f, true)
}

// StaffCase is case id with its timeline, for the back office. Errors: a
// *staff.Denial; ErrCaseNotFound; ErrCaseUnreadable; database failures.
func (s *Service) StaffCase(ctx context.Context, actor staff.Actor, id int64) (Case, []Event, error) {
	if err := s.authorizeRead(ctx, actor, caseTarget(id)); err != nil {
		return Case{}, nil, err
	}
	c, err := s.readCase(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+caseColumns+caseFrom+" WHERE c.id = ?", id))
	if err != nil {
		return Case{}, nil, err
	}
	ev, err := s.events(ctx, id)
	return c, ev, err
}

// Accept (受理) case id: 已申请 → 已受理, by a clerk. Audit: "case.accept".
//
// Errors: ErrCaseNotFound; ErrStale (not 已申请 any more: withdrawn, or another
// clerk acted first); a *staff.Denial; staff reason errors; database or audit
// failures.
func (s *Service) Accept(ctx context.Context, actor staff.Actor, id int64, reason string) (Case, error) {
	return s.step(ctx, actor, id, StepAccept, reason, false)
}

// Refuse (不予受理) case id with the reason shown to the unit: 已申请 → 不予受理,
// by a clerk. Audit: "case.refuse". Errors: as Accept.
func (s *Service) Refuse(ctx context.Context, actor staff.Actor, id int64, reason string) (Case, error) {
	return s.step(ctx, actor, id, StepRefuse, reason, true)
}

// Return (退回补正) case id for correction with the reason — all that is missing,
// listed at once — by a reviewer who did not accept it: 已受理 → 退回补正. The
// applicant is told by SMS. Audit: "case.return".
//
// Errors: ErrCaseNotFound; ErrStale; a *staff.Denial (DenyOwnWork for the clerk
// who accepted it); staff reason errors; database or audit failures.
func (s *Service) Return(ctx context.Context, actor staff.Actor, id int64, reason string) (Case, error) {
	return s.step(ctx, actor, id, StepReturn, reason, true)
}

// Approve (审核通过，办结) case id, by a reviewer who did not accept it: 已受理 →
// 已办结, and its effect carried out in the same transaction: for 人员参保登记 the
// employee's enrolment in the unit's insurance data, for 退工停保登记 the end of the
// employee's open periods, for 稳岗返还 the granted amount recorded in the case,
// for 参保信息变更登记 the unit's address and contact (with their own
// "unit.info.change" record); then Deps.Approvals (the paper result's
// delivery). The applicant is told by SMS. Audit: "case.approve".
//
// Errors: as Return, and the item's refusal when the data changed meanwhile (the
// case stays 已受理: the reviewer returns or the unit withdraws it): ErrEnrolled
// (the employee was enrolled meanwhile), ErrNotEnrolled (the employee left the
// unit's insurance meanwhile), ErrEndBeforeStart (退工停保: the stop month is
// before a period's start), ErrIneligible or ErrGranted (稳岗返还), ErrInfoChanged
// (参保信息变更: the unit's contact changed after filing).
func (s *Service) Approve(ctx context.Context, actor staff.Actor, id int64, reason string) (Case, error) {
	return s.step(ctx, actor, id, StepApprove, reason, false)
}

// ResubmitAtCounter (窗口补正) puts a returned counter case back in the queue once
// the unit has brought what was missing to the counter: 退回补正 → 已申请, by a
// counter clerk, with what was handed in as the required reason; a clerk then
// accepts it again, and a reviewer other than that clerk decides it. A case the
// unit filed online is corrected by the unit itself (Resubmit), never here.
// Audit: "case.resubmit".
//
// Errors: ErrCaseNotFound; ErrStale (the case is not 退回补正); ErrOnlineCase (a
// case the unit filed online); a *staff.Denial (not a clerk); staff reason errors;
// database or audit failures.
func (s *Service) ResubmitAtCounter(ctx context.Context, actor staff.Actor, id int64, reason string) (Case, error) {
	return s.step(ctx, actor, id, StepResubmit, reason, true)
}

// actions: the staff action each step needs.
var stepActions = map[Step]staff.Action{
	StepAccept: staff.ActionCaseAccept, StepRefuse: staff.ActionCaseAccept,
	StepReturn: staff.ActionCaseDecide, StepApprove: staff.ActionCaseDecide,
	StepResubmit: staff.ActionCaseAccept,
}

// step runs a staff step on case id in one transaction: the actor re-read and
// authorized, the conditional move, the step's effect, the audit record. A reason
// is required for refusing and returning; for the others it is optional.
func (s *Service) step(ctx context.Context, actor staff.Actor, id int64, st Step, reason string, needReason bool) (Case, error) {
	if needReason || reason != "" {
		var err error
		if reason, err = staff.CheckReason(reason); err != nil {
			return Case{}, err
		}
	}
	action := stepActions[st]
	now := s.dbNow()
	var (
		c      Case
		mobile string
		uscc   string
	)
	err := staff.Command(ctx, s.d.DB, s.d.Audit, actor, action, caseTarget(id), func(tx *store.Tx, fresh staff.Actor, authorize staff.Authorizer) error {
		var err error
		if c, err = scanCase(tx.Keys(), tx.QueryRow(ctx, "SELECT "+caseColumns+caseFrom+" WHERE c.id = ?", id)); err != nil {
			return err
		}
		role, err := authorize(staff.Subject{StaffID: c.AcceptedBy})
		if err == nil && action == staff.ActionCaseDecide && c.Channel == ChannelCounter && c.EnteredBy == fresh.StaffID {
			// The clerk who entered a counter case is its author even when another
			// clerk accepted it again after 窗口补正: nobody decides their own work.
			err = staff.DenyOwnWork
		}
		if err != nil {
			return err
		}
		if st == StepResubmit && c.Channel != ChannelCounter {
			return ErrOnlineCase
		}
		set, args := "", []any{}
		if st == StepAccept {
			set, args = ", accepted_by = ?", []any{fresh.StaffID}
		}
		if err := move(ctx, tx, &c, st, "staff", fresh.StaffID, reason, now, set, args...); err != nil {
			return err
		}
		if st == StepAccept {
			c.AcceptedBy = fresh.StaffID
		}
		if st == StepApprove {
			if uscc, err = unitUSCC(ctx, tx, c.UnitID); err != nil {
				return err
			}
			if err := s.carryOut(ctx, tx, &c, uscc); err != nil {
				return err
			}
			if s.d.Approvals != nil {
				if err := s.d.Approvals.CaseApproved(ctx, tx, c.ID, now); err != nil {
					return err
				}
			}
		}
		if st == StepApprove || st == StepReturn {
			var sealedMobile []byte
			if err := tx.QueryRow(ctx, `SELECT mobile FROM persons WHERE id = ?`, c.ApplicantID).Scan(&sealedMobile); err != nil {
				return fmt.Errorf("cases: applicant: %w", err)
			}
			if mobile, err = person.Open(tx.Keys(), person.ColumnMobile, c.ApplicantID, sealedMobile); err != nil {
				return fmt.Errorf("cases: applicant: %w", err)
			}
		}
		e := fresh.Entry(role, "case."+string(st), caseTarget(c.ID), reason, map[string]string{"number": c.Number,
			"item": c.ItemCode, "state": string(c.State)})
		e.UnitID, e.PersonID = c.UnitID, c.ApplicantID
		_, err = s.d.Audit.Append(ctx, tx, e)
		return err
	})
	if err != nil {
		return Case{}, err
	}
	switch st {
	case StepApprove:
		if s.d.Approvals != nil {
			s.d.Approvals.AfterApproval(context.WithoutCancel(ctx), c.ID)
		}
		s.send(context.WithoutCancel(ctx), mobile, PurposeApproved, fmt.Sprintf(
			"【%s】贵单位申办的“%s”（流水号%s）已办结，请登录网上服务大厅“单位办件”查看。如有疑问请拨打%s。",
			s.d.Sign, c.ItemName, c.Number, s.hotline()))
	case StepReturn:
		if c.Channel == ChannelCounter {
			s.send(context.WithoutCancel(ctx), mobile, PurposeReturned, fmt.Sprintf(
				"【%s】贵单位在窗口申办的“%s”（流水号%s）需补正，原因：%s。请携带补正材料到经办窗口办理。",
				s.d.Sign, c.ItemName, c.Number, reason))
			break
		}
		s.send(context.WithoutCancel(ctx), mobile, PurposeReturned, fmt.Sprintf(
			"【%s】贵单位申办的“%s”（流水号%s）已退回补正，原因：%s。请登录网上服务大厅“单位办件”修改后重新提交。",
			s.d.Sign, c.ItemName, c.Number, reason))
	}
	return c, nil
}

// carryOut makes an approved case's effect inside its transaction (the item's
// form type says which) and stores the form again when the effect completes it.
func (s *Service) carryOut(ctx context.Context, tx *store.Tx, c *Case, uscc string) error {
	ft, ok := formTypes[c.ItemCode]
	if !ok && c.Channel == ChannelCounter {
		// Counter cases are of items without an online form (EnterCounter): the
		// hall holds no data their approval changes.
		return nil
	}
	if !ok {
		return fmt.Errorf("cases: case %d: no form to carry out for item %s", c.ID, c.ItemCode)
	}
	f, err := ft.decode(c.Form)
	if err != nil {
		return fmt.Errorf("cases: case %d: form: %w", c.ID, err)
	}
	done, err := ft.carryOut(ctx, tx, *c, f, uscc, s.env())
	if err != nil || done == nil {
		return err
	}
	data, err := json.Marshal(done)
	if err != nil {
		return err
	}
	keys, err := txKeys(tx)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE cases SET form = ? WHERE id = ?`, keys.Seal(casePlace(columnForm, c.ID), data), c.ID); err != nil {
		return fmt.Errorf("cases: case %d: form: %w", c.ID, err)
	}
	c.Form = data
	return nil
}

// authorizeRead checks case.list for the actor as the database has it now, and
// records a denial.
func (s *Service) authorizeRead(ctx context.Context, actor staff.Actor, tgt string) error {
	return staff.Command(ctx, s.d.DB, s.d.Audit, actor, staff.ActionCaseList, tgt, func(_ *store.Tx, _ staff.Actor, authorize staff.Authorizer) error {
		_, err := authorize(staff.Subject{})
		return err
	})
}

func (s *Service) hotline() string {
	if s.d.Hotline == "" {
		return "服务热线"
	}
	return "服务热线" + s.d.Hotline
}

// send hands one message to the gateway and records the outcome ("case.sms",
// masked mobile, no text); a lost message does not undo the step.
func (s *Service) send(ctx context.Context, mobile, purpose, text string) {
	err := s.d.SMS.Send(ctx, sms.Message{Mobile: mobile, Text: text, Purpose: purpose})
	e := audit.Entry{Action: "case.sms", Target: "mobile:" + ident.MaskMobile(mobile), Result: audit.Success,
		Detail: map[string]string{"purpose": purpose}}
	if err != nil {
		e.Result, e.Detail["error"] = audit.Failure, ident.MaskText(err.Error())
	}
	_, _ = s.d.Audit.Record(ctx, e)
}
