package skills

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/ident"
	"hall/internal/staff"
	"hall/internal/store"
)

// PlanDraft is what a clerk types to open a plan.
type PlanDraft struct {
	UnitUSCC   string // 统一社会信用代码 of the unit
	Name       string
	Occupation string
	Level      int
	ExamDate   string // YYYY-MM-DD
}

// Check returns the draft cleaned (spaces trimmed and collapsed) or the first
// refusal of it: ErrPlanName, ErrOccupation, ErrLevel, ErrExamDate, or
// ident.ErrUSCCFormat/ErrUSCCCheck for the unit's code. now bounds the date: an
// assessment is not planned in the past.
func (d PlanDraft) Check(now time.Time) (PlanDraft, error) {
	d.Name = strings.Join(strings.Fields(d.Name), " ")
	d.Occupation = strings.Join(strings.Fields(d.Occupation), " ")
	d.ExamDate = strings.TrimSpace(d.ExamDate)
	uscc, err := ident.ValidateUSCC(d.UnitUSCC)
	if err != nil {
		return d, err
	}
	d.UnitUSCC = uscc
	switch {
	case d.Name == "" || utf8.RuneCountInString(d.Name) > 60:
		return d, ErrPlanName
	case d.Occupation == "" || utf8.RuneCountInString(d.Occupation) > 40:
		return d, ErrOccupation
	case LevelLabel(d.Level) == "":
		return d, ErrLevel
	}
	day, err := time.Parse("2006-01-02", d.ExamDate)
	today := now.In(time.UTC).Add(8 * time.Hour).Format("2006-01-02") // China Standard Time has no DST
	if err != nil || day.Format("2006-01-02") < today {
		return d, ErrExamDate
	}
	return d, nil
}

// CreatePlan opens a plan for the unit with d.UnitUSCC, by a clerk: it starts
// 考生录入 on the unit's workbench. Audit: "skill.plan.create".
//
// Errors: the PlanDraft.Check refusals; ErrUnit (no such open unit); a
// *staff.Denial; database or audit failures.
func (s *Service) CreatePlan(ctx context.Context, actor staff.Actor, d PlanDraft) (Plan, error) {
	d, err := d.Check(s.d.Now())
	if err != nil {
		return Plan{}, err
	}
	var id int64
	err = s.staffCommand(ctx, actor, staff.ActionSkillCreate, 0, "skill.plan.create", "", func(tx *store.Tx, fresh staff.Actor) (int64, error) {
		var unitID int64
		err := tx.QueryRow(ctx, `SELECT id FROM units WHERE uscc = ? AND status = 'active'`, d.UnitUSCC).Scan(&unitID)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, ErrUnit
		}
		if err != nil {
			return 0, err
		}
		err = tx.QueryRow(ctx, `INSERT INTO skill_plans (unit_id, name, occupation, level, exam_date, state, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, 'entry', ?, ?) RETURNING id`,
			unitID, d.Name, d.Occupation, d.Level, d.ExamDate, fresh.StaffID, s.dbNow()).Scan(&id)
		return id, err
	})
	if err != nil {
		return Plan{}, err
	}
	return s.plan(ctx, id)
}

// QueueFilter selects the back office's list of plans.
type QueueFilter struct {
	State State // "" for every state
	// After is where the page starts: the last plan of the page before it (the first
	// of the page after it, with Back); zero for the first page.
	After   store.Cursor
	Back    bool
	PerPage int
}

// queueOrder is the order of the back office's list of plans of state st: the
// submitted ones (the reviewers' queue) oldest submission first, by the index
// skill_plans_state; every other state and all of them newest plan first, by
// skill_plans_state_id (migration 0051) and the primary key.
func queueOrder(st State) store.Keyset {
	if st == StateSubmitted {
		return store.Keyset{Time: "p.submitted_at", ID: "p.id"}
	}
	return store.Keyset{ID: "p.id", Desc: true}
}

// QueueCursor is where the back office's list of plans continues after p.
func QueueCursor(p Plan) store.Cursor {
	if p.State == StateSubmitted {
		return store.Cursor{At: p.SubmittedAt, ID: p.ID}
	}
	return store.Cursor{ID: p.ID}
}

// PerPage is the default page size of the lists; MaxPerPage bounds it.
const (
	PerPage    = 20
	MaxPerPage = 100
)

func pageBounds(page, perPage int) (int, int) {
	if perPage <= 0 {
		perPage = PerPage
	}
	perPage = min(perPage, MaxPerPage)
	return max(page, 1), perPage
}

// Pages is how many pages total rows make.
func Pages(total, perPage int) int {
	if perPage <= 0 {
		perPage = PerPage
	}
	return max(1, (total+perPage-1)/perPage)
}

// Queue lists plans for the back office: the page of f.State's plans (every state's
// when "") after f.After, in queueOrder, with where the pages before and after it
// start. It counts nothing: a count of every plan would read them all. Errors: a
// *staff.Denial; database failures.
func (s *Service) Queue(ctx context.Context, actor staff.Actor, f QueueFilter) (store.Paged[Plan], error) {
	if _, err := staff.Authorize(actor, staff.ActionSkillList, staff.Subject{}); err != nil {
		return store.Paged[Plan]{}, err
	}
	_, per := pageBounds(1, f.PerPage)
	where, args := "", []any{}
	if f.State != "" {
		where, args = "p.state = ? AND ", append(args, string(f.State))
	}
	read := func(cond string, page []any, order string, limit int) ([]Plan, error) {
		return s.plans(ctx, "SELECT "+planColumns+planFrom+" WHERE "+where+cond+order+" LIMIT ?",
			append(append(slices.Clone(args), page...), limit)...)
	}
	return store.ReadPage(queueOrder(f.State), f.After, f.Back, per, read, QueueCursor)
}

// StaffPlan is one plan and a page of its candidates for the back office.
// Errors: ErrNotFound; a *staff.Denial; ErrNoKeys; a candidate's value that does
// not open (sealed.ErrAuthentication, …); database failures.
func (s *Service) StaffPlan(ctx context.Context, actor staff.Actor, id int64, page int) (Plan, []Candidate, error) {
	if _, err := staff.Authorize(actor, staff.ActionSkillList, staff.Subject{}); err != nil {
		return Plan{}, nil, err
	}
	p, err := s.plan(ctx, id)
	if err != nil {
		return Plan{}, nil, err
	}
	cs, err := s.candidates(ctx, id, page)
	return p, cs, err
}

// Approve approves submitted plan id, by a reviewer who did not open it. seen is
// the Version the reviewer read: a list resubmitted since is not approved unread.
// The reason is optional. Audit: "skill.plan.approve".
//
// Errors: ErrNotFound; ErrStale (not submitted, or changed since seen — another
// reviewer decided first); a *staff.Denial (DenyOwnWork for the plan's creator);
// staff reason errors; database or audit failures.
func (s *Service) Approve(ctx context.Context, actor staff.Actor, id, seen int64, reason string) (Plan, error) {
	if strings.TrimSpace(reason) != "" {
		var err error
		if reason, err = staff.CheckReason(reason); err != nil {
			return Plan{}, err
		}
	}
	return s.decide(ctx, actor, id, seen, StateApproved, "skill.plan.approve", reason)
}

// Return sends submitted plan id back to the unit with a reason (required), by a
// reviewer who did not open it. Audit: "skill.plan.return".
//
// Errors: ErrReasonRequired; as Approve.
func (s *Service) Return(ctx context.Context, actor staff.Actor, id, seen int64, reason string) (Plan, error) {
	reason, err := staff.CheckReason(reason)
	if errors.Is(err, staff.ErrReasonRequired) {
		return Plan{}, ErrReasonRequired
	}
	if err != nil {
		return Plan{}, err
	}
	return s.decide(ctx, actor, id, seen, StateReturned, "skill.plan.return", reason)
}

func (s *Service) decide(ctx context.Context, actor staff.Actor, id, seen int64, to State, auditAction, reason string) (Plan, error) {
	err := s.staffCommand(ctx, actor, staff.ActionSkillReview, id, auditAction, reason, func(tx *store.Tx, fresh staff.Actor) (int64, error) {
		return id, moved(tx.Exec(ctx, `UPDATE skill_plans SET state = ?, reviewed_by = ?, reviewed_at = ?, reason = ?,
			version = version + 1 WHERE id = ? AND state = 'submitted' AND version = ? AND COALESCE(created_by, 0) <> ?`,
			string(to), fresh.StaffID, s.dbNow(), reason, id, seen, fresh.StaffID))
	})
	if err != nil {
		return Plan{}, err
	}
	return s.plan(ctx, id)
}

// staffCommand runs one staff command in a transaction (staff.Command): the actor
// re-read and authorized — for a review, about the plan's creator —, the change,
// the audit record with the plan as it is after it.
func (s *Service) staffCommand(ctx context.Context, actor staff.Actor, action staff.Action, id int64, auditAction,
	reason string, change func(tx *store.Tx, fresh staff.Actor) (int64, error)) error {
	denialTarget := "skill_plans"
	if id != 0 {
		denialTarget = target(id)
	}
	return staff.Command(ctx, s.d.DB, s.d.Audit, actor, action, denialTarget, func(tx *store.Tx, fresh staff.Actor, authorize staff.Authorizer) error {
		subject := staff.Subject{}
		if id != 0 {
			p, err := scanPlan(tx.Keys(), tx.QueryRow(ctx, "SELECT "+planColumns+planFrom+" WHERE p.id = ?", id))
			if err != nil {
				return err
			}
			subject.StaffID = p.CreatedBy
		}
		role, err := authorize(subject)
		if err != nil {
			return err
		}
		if id, err = change(tx, fresh); err != nil {
			return err
		}
		p, err := scanPlan(tx.Keys(), tx.QueryRow(ctx, "SELECT "+planColumns+planFrom+" WHERE p.id = ?", id))
		if err != nil {
			return err
		}
		e := fresh.Entry(role, auditAction, target(id), reason, map[string]string{"item": ItemCode, "plan": p.Name,
			"state": string(p.State), "candidates": itoa(p.Candidates)})
		e.UnitID = p.UnitID
		_, err = s.d.Audit.Append(ctx, tx, e)
		return err
	})
}
