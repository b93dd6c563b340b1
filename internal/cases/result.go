package cases

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"hall/internal/chinatime"
	"hall/internal/staff"
)

// ErrNoResult: the case has not reached 办结, so it has no result notice (also for
// a refused or withdrawn case). Pages answer it as not found.
var ErrNoResult = &Error{"no_result", "该办件尚未办结，没有结果文书"}

// resultTitles are the result notices' titles of the online items; any other item
// has the generic resultTitle.
var resultTitles = map[string]string{
	ItemEnrolment:  "参保登记结果通知书",
	ItemLeave:      "停保结果通知书",
	ItemSubsidy:    "稳岗返还核准通知书",
	ItemUnitChange: "变更结果通知书",
}

const resultTitle = "办件结果通知书"

// ResultTitle is the title of the result notice of an approved case of itemCode.
func ResultTitle(itemCode string) string {
	if t, ok := resultTitles[itemCode]; ok {
		return t
	}
	return resultTitle
}

// Result is the result notice (结果文书) of an approved case: what it says, read
// from the case as stored, so that it reads the same whenever it is produced. The
// web layer has it laid out, sealed and signed (rights.Service.NoticePDF); it is
// not stored.
type Result struct {
	Title string
	Case  Case
	// UnitName, USCC and ItemName are the unit's name and 统一社会信用代码 and the
	// item's name as they were at 办结 (kept on the case when it was approved), not
	// as they are now: a notice of a past decision names what was decided.
	UnitName string
	USCC     string
	ItemName string
	Decided  time.Time // 办结日期
	Facts    []Fact    // the form's labelled facts, masked as the case pages mask them
}

// Rows are the notice's labelled values in order: the unit, the case, the item,
// the decision and the case's facts.
func (r Result) Rows() []Fact {
	rows := []Fact{
		{"单位名称", r.UnitName},
		{"统一社会信用代码", r.USCC},
		{"申办流水号", r.Case.Number},
		{"办理事项", r.ItemName},
		{"办理结果", "已办结（准予办理）"},
		{"办结日期", r.Decided.In(chinatime.Zone).Format("2006年1月2日")},
	}
	return append(rows, r.Facts...)
}

// FileName is the download's file name: the title is for the page, the name
// ASCII so that every browser keeps it.
func (r Result) FileName() string { return "result-" + r.Case.Number + ".pdf" }

// UnitResult is the result notice of case caseID of the actor's unit, authorized
// by the case's item as its materials are and audited "case.result.read".
//
// The item is authorized before the state is looked at, as for the case's
// materials: a person not granted the item is refused (403) whatever the case's
// state, so the answer does not tell them whether it has reached 办结.
//
// Errors: ErrCaseNotFound (also another unit's case); a refusal of the Authorizer
// (recorded); ErrNoResult before 办结; database or audit failures.
func (s *Service) UnitResult(ctx context.Context, who Actor, caseID int64) (Result, error) {
	c, _, err := s.UnitCase(ctx, who.UnitID, caseID)
	if err != nil {
		return Result{}, err
	}
	if err := s.authorizeUnit(ctx, who, c.ItemCode, "case.result.read", caseTarget(caseID)); err != nil {
		return Result{}, err
	}
	if c.State != StateApproved {
		return Result{}, ErrNoResult
	}
	res, err := s.result(ctx, c)
	if err != nil {
		return Result{}, err
	}
	detail := map[string]string{"number": c.Number, "title": res.Title}
	if _, err := s.d.Audit.Record(ctx, s.unitEntry(who, "case.result.read", caseID, c.ItemCode, detail)); err != nil {
		return Result{}, err
	}
	return res, nil
}

// StaffResult is the result notice of case caseID for staff who may process
// cases (staff.ActionCaseList), audited "case.result.read".
//
// Errors: a *staff.Denial (not recorded here: the back office's route guard
// checks case.list first and records its refusal); ErrCaseNotFound; ErrNoResult
// before 办结; database or audit failures.
func (s *Service) StaffResult(ctx context.Context, actor staff.Actor, caseID int64) (Result, error) {
	c, _, err := s.StaffCase(ctx, actor, caseID)
	if err != nil {
		return Result{}, err
	}
	if c.State != StateApproved {
		return Result{}, ErrNoResult
	}
	res, err := s.result(ctx, c)
	if err != nil {
		return Result{}, err
	}
	role, err := staff.Authorize(actor, staff.ActionCaseList, staff.Subject{})
	if err != nil {
		return Result{}, err
	}
	if _, err := s.d.Audit.Record(ctx, actor.Entry(role, "case.result.read", caseTarget(caseID), "",
		map[string]string{"number": c.Number, "title": res.Title, "unit": strconv.FormatInt(c.UnitID, 10)})); err != nil {
		return Result{}, err
	}
	return res, nil
}

// result reads what the notice of approved case c says besides the case: the
// names kept at 办结 and the form's facts.
func (s *Service) result(ctx context.Context, c Case) (Result, error) {
	res := Result{Title: ResultTitle(c.ItemCode), Case: c, Decided: c.FinishedAt}
	if err := s.d.DB.QueryRow(ctx, "SELECT decided_unit_name, decided_uscc, decided_item_name FROM cases WHERE id = ?",
		c.ID).Scan(&res.UnitName, &res.USCC, &res.ItemName); err != nil {
		return Result{}, fmt.Errorf("cases: result names: %w", err)
	}
	if f, ok := c.Details(); ok {
		res.Facts = f.Facts()
	}
	return res, nil
}

// ResultTitle is the title of the case's result notice, for the case pages; the
// notice exists only once the case is approved.
func (c Case) ResultTitle() string { return ResultTitle(c.ItemCode) }
