package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"hall/internal/store"
)

// DemoEnrolment files, inside tx, a 人员参保登记 of unitID by applicant (a person of
// the unit acting as role) with form, at filed, and has it accepted by clerk and
// approved by reviewer (staff ids, two people) a minute and an hour later, with the
// history a real case has: demo data (package demo), for the pages that list a
// unit's finished cases and what follows them (单位快递). The enrolment's effect on
// the insurance records is not carried out. approvedHook,
// when not nil, runs inside tx at the approval as Deps.Approvals does. It returns
// the case's id.
//
// Errors: database failures.
func DemoEnrolment(ctx context.Context, tx *store.Tx, unitID, applicant int64, role string, clerk, reviewer int64, form EnrolmentForm,
	filed time.Time, approvedHook func(ctx context.Context, tx *store.Tx, caseID int64, now time.Time) error) (int64, error) {
	filed = store.Time(filed)
	data, err := json.Marshal(form)
	if err != nil {
		return 0, err
	}
	number, err := nextNumber(ctx, tx, filed)
	if err != nil {
		return 0, err
	}
	c := Case{State: StateSubmitted}
	if c.ID, err = insertCase(ctx, tx, newCase{Number: number, UnitID: unitID, ItemCode: ItemEnrolment, ApplicantID: applicant,
		ApplicantRole: role, State: StateSubmitted, Form: data, Subject: form.Subject(), Channel: ChannelOnline,
		At: filed}); err != nil {
		return 0, fmt.Errorf("cases: demo: %w", err)
	}
	if err := addEvent(ctx, tx, c.ID, StepApply, StateSubmitted, "person", applicant, "", filed); err != nil {
		return 0, err
	}
	if err := move(ctx, tx, &c, StepAccept, "staff", clerk, "", filed.Add(time.Minute), ", accepted_by = ?", clerk); err != nil {
		return 0, err
	}
	approved := filed.Add(time.Hour)
	if err := move(ctx, tx, &c, StepApprove, "staff", reviewer, "", approved, ""); err != nil {
		return 0, err
	}
	if approvedHook != nil {
		if err := approvedHook(ctx, tx, c.ID, approved); err != nil {
			return 0, err
		}
	}
	return c.ID, nil
}

// DemoCounter enters, inside tx, an item's case of unitID at the counter for the
// unit's institution institutionID, as clerk (a staff id) did at filed, with
// applicant the name told at the counter, the unit's holder (a person of the unit
// acting as role) as its applicant of record: demo data (package demo) for the
// institution user center. The case stays 已受理. It returns the case's id.
//
// Errors: database failures.
func DemoCounter(ctx context.Context, tx *store.Tx, unitID, holder int64, role string, clerk, institutionID int64, item Item,
	applicant string, filed time.Time) (int64, error) {
	filed = store.Time(filed)
	number, err := nextNumber(ctx, tx, filed)
	if err != nil {
		return 0, err
	}
	id, err := insertCase(ctx, tx, newCase{Number: number, UnitID: unitID, ItemCode: item.Code, ApplicantID: holder,
		ApplicantRole: role, State: StateAccepted, Form: []byte("{}"), PromisedDate: PromisedDate(filed, item.PromisedDays),
		AcceptedBy: clerk, Channel: ChannelCounter, EnteredBy: clerk, CounterApplicant: applicant, InstitutionID: institutionID,
		At: filed})
	if err != nil {
		return 0, fmt.Errorf("cases: demo counter: %w", err)
	}
	if err := addEvent(ctx, tx, id, StepApply, StateSubmitted, "staff", clerk, "材料现场核验齐全", filed); err != nil {
		return 0, err
	}
	return id, addEvent(ctx, tx, id, StepAccept, StateAccepted, "staff", clerk, "", filed)
}
