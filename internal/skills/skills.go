// Package skills is 职业技能等级认定 as the unit's workbench knows it (SPEC U8 我的工作台):
// a clerk opens an assessment plan (认定计划) for a unit in the back office; the
// unit takes part as the data provider — it enters the plan's candidates (考生录入)
// one by one or by CSV, and submits the list; a reviewer who did not open the plan
// approves it (已审核) or returns it with a reason (退回), and the unit corrects and
// submits again. The unit's side is the work of the catalog item ItemCode, asked of
// the delegation check (Authorizer) inside each write's transaction; the staff's
// side is staff.ActionSkill*. Every step is audited with who acted.
//
// The database keeps the rules whatever the caller: the state CHECKs, one person
// once per plan, candidates changed only while the plan is with the unit (a
// trigger), nobody reviewing a plan they opened. Moves are conditional UPDATEs on
// the state and the version the page showed, so of two reviewers deciding at once
// one changes no row and is told (ErrStale).
package skills

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hall/internal/person"
	"hall/internal/sealed"
	"strconv"
	"time"

	"hall/internal/audit"
	"hall/internal/chinatime"
	"hall/internal/store"
	"hall/internal/unit"
)

// ItemCode is the catalog item whose grant lets an agent enter a plan's
// candidates: 企业职业技能等级认定备案 — the unit assesses its staff under the
// filing, so whoever handles the filing handles its plans.
const ItemCode = "RC-003"

// ItemName is the workbench's 事项名称 of a plan.
const ItemName = "职业技能等级认定"

// State is where a plan is.
type State string

// States. The database CHECK keeps the same four.
const (
	StateEntry     State = "entry"     // 考生录入: with the unit
	StateSubmitted State = "submitted" // 待审核: with the reviewers
	StateApproved  State = "approved"  // 已审核
	StateReturned  State = "returned"  // 退回: with the unit again, with a reason
)

var stateLabels = map[State]string{StateEntry: "考生录入", StateSubmitted: "待审核", StateApproved: "已审核", StateReturned: "退回修改"}

// Label is the state's Chinese name (the workbench's 办件进度).
func (s State) Label() string { return stateLabels[s] }

// Open reports whether the unit may change the plan's candidates and submit it.
func (s State) Open() bool { return s == StateEntry || s == StateReturned }

// Levels: 五级/初级工 (5) … 一级/高级技师 (1), as the national occupational
// skill standards name them.
var levelLabels = map[int]string{5: "五级/初级工", 4: "四级/中级工", 3: "三级/高级工", 2: "二级/技师", 1: "一级/高级技师"}

// Levels lists the levels in the order forms offer them (初级 first).
var Levels = []int{5, 4, 3, 2, 1}

// LevelLabel is the level's Chinese name, "" for no level.
func LevelLabel(level int) string { return levelLabels[level] }

// Plan is one assessment plan.
type Plan struct {
	ID            int64
	UnitID        int64
	UnitName      string
	Name          string // 计划名称
	Occupation    string // 职业（工种）
	Level         int
	ExamDate      string // YYYY-MM-DD
	State         State
	CreatedBy     int64 // 0: loaded by the hall (demo data)
	CreatorName   string
	CreatedAt     time.Time
	SubmittedBy   int64
	SubmitterName string    // the unit's person who submitted last
	SubmittedAt   time.Time // zero until submitted
	ReviewedBy    int64
	ReviewerName  string
	ReviewedAt    time.Time
	Reason        string
	Version       int64
	Candidates    int // how many candidates it lists
}

// LevelLabel is the plan's level's Chinese name.
func (p Plan) LevelLabel() string { return LevelLabel(p.Level) }

// ItemName is the workbench's 事项名称.
func (p Plan) ItemName() string { return ItemName }

// Applied is the workbench's 申请日期: the day of the last submission, else the
// day the plan was opened (China Standard Time).
func (p Plan) Applied() string {
	t := p.SubmittedAt
	if t.IsZero() {
		t = p.CreatedAt
	}
	return t.In(chinatime.Zone).Format("2006-01-02")
}

// Candidate is one person entered for a plan.
type Candidate struct {
	ID        int64
	PlanID    int64
	Name      string
	IDNumber  string
	Mobile    string
	CreatedAt time.Time
	// Unreadable: the sealed name, ID number or mobile did not open (changed in the
	// database, or sealed under a key no longer configured); they are empty. The
	// candidate is listed so that the unit can remove it and enter the person again.
	Unreadable bool
}

// UnreadableName stands for the name of an Unreadable candidate on pages.
const UnreadableName = "考生信息无法读取"

// Error is a refusal: Code is stable, Field the form field it belongs beside ("" for
// the page), Msg the Chinese sentence to show.
type Error struct {
	Code  string
	Field string
	Msg   string
}

func (e *Error) Error() string { return "skills: " + e.Code }

// Form fields, named as the pages name them.
const (
	FieldName       = "name"
	FieldOccupation = "occupation"
	FieldLevel      = "level"
	FieldExamDate   = "exam_date"
	FieldUnit       = "unit"
	FieldPerson     = "person_name"
	FieldIDNumber   = "id_number"
	FieldMobile     = "mobile"
	FieldFile       = "file"
	FieldReason     = "reason"
)

// Refusals. Each command says which it returns.
var (
	ErrNotFound       = &Error{"not_found", "", "未找到该认定计划"}
	ErrStale          = &Error{"stale", "", "该认定计划的状态已变化（可能已由其他人员处理），请查看最新状态"}
	ErrClosed         = &Error{"closed", "", "该认定计划已提交审核，考生名单不能再修改"}
	ErrNoCandidates   = &Error{"no_candidates", "", "请至少录入一名考生后再提交审核"}
	ErrDuplicate      = &Error{"duplicate", FieldIDNumber, "该考生已在本计划的名单中"}
	ErrCandidateGone  = &Error{"candidate_gone", "", "该考生已不在名单中"}
	ErrTooMany        = &Error{"too_many", "", "每个认定计划最多录入" + strconv.Itoa(MaxCandidates) + "名考生"}
	ErrPlanName       = &Error{"plan_name", FieldName, "请填写计划名称（不超过60个字）"}
	ErrOccupation     = &Error{"occupation", FieldOccupation, "请填写职业（工种）（不超过40个字）"}
	ErrLevel          = &Error{"level", FieldLevel, "请选择等级"}
	ErrExamDate       = &Error{"exam_date", FieldExamDate, "请填写正确的考核日期，如2027-03-15"}
	ErrUnit           = &Error{"unit", FieldUnit, "未找到该单位，请核对统一社会信用代码"}
	ErrPersonName     = &Error{"person_name", FieldPerson, "请填写考生的真实姓名（2至30个字）"}
	ErrReasonRequired = &Error{"reason_required", FieldReason, "退回时请填写退回原因"}
)

// MaxCandidates bounds one plan's list: an assessment sitting, not a registry.
const MaxCandidates = 500

// Message is the Chinese sentence of a skills error, "" for any other error.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return ""
}

// Authorizer is the one check of business items (delegation.Service): AuthorizeTx
// asks inside a write's transaction, holding the unit's row.
type Authorizer interface {
	Authorize(ctx context.Context, unitID, personID int64, role unit.Role, itemCode string) error
	AuthorizeTx(ctx context.Context, tx *store.Tx, unitID, personID int64, role unit.Role, itemCode string) error
}

// Actor is the unit's person acting on its plans.
type Actor struct {
	UnitID    int64
	PersonID  int64
	Role      unit.Role
	ClientIP  string
	RequestID string
}

// Deps are what the service builds on. Now may be nil (time.Now).
type Deps struct {
	DB         *store.DB
	Audit      *audit.Log
	Authorizer Authorizer
	Now        func() time.Time
}

// Service runs the plans. It keeps no state of its own.
type Service struct{ d Deps }

// New returns the service. Errors: a missing dependency.
func New(d Deps) (*Service, error) {
	if d.DB == nil || d.Audit == nil || d.Authorizer == nil {
		return nil, errors.New("skills: missing dependency")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}, nil
}

func (s *Service) dbNow() time.Time { return store.Time(s.d.Now()) }

// target is a plan's audit target.
func target(id int64) string { return "skill_plan:" + strconv.FormatInt(id, 10) }

const planColumns = `p.id, p.unit_id, u.name, p.name, p.occupation, p.level, p.exam_date, p.state,
	COALESCE(p.created_by, 0), COALESCE(c.name, ''), p.created_at,
	COALESCE(p.submitted_by, 0), sp.name, p.submitted_at,
	COALESCE(p.reviewed_by, 0), COALESCE(r.name, ''), p.reviewed_at, p.reason, p.version,
	(SELECT COUNT(*) FROM skill_candidates k WHERE k.plan_id = p.id)`

const planFrom = ` FROM skill_plans p JOIN units u ON u.id = p.unit_id
	LEFT JOIN staff c ON c.id = p.created_by LEFT JOIN persons sp ON sp.id = p.submitted_by
	LEFT JOIN staff r ON r.id = p.reviewed_by`

// scanPlan reads one row of planColumns; keys open the submitter's sealed name.
func scanPlan(keys *sealed.Keys, row interface{ Scan(...any) error }) (Plan, error) {
	var (
		p                   Plan
		submitted, reviewed sql.NullTime
		submitter           []byte
	)
	err := row.Scan(&p.ID, &p.UnitID, &p.UnitName, &p.Name, &p.Occupation, &p.Level, &p.ExamDate, &p.State,
		&p.CreatedBy, &p.CreatorName, &p.CreatedAt, &p.SubmittedBy, &submitter, &submitted,
		&p.ReviewedBy, &p.ReviewerName, &reviewed, &p.Reason, &p.Version, &p.Candidates)
	if errors.Is(err, sql.ErrNoRows) {
		return Plan{}, ErrNotFound
	}
	if err != nil {
		return Plan{}, fmt.Errorf("skills: read plan: %w", err)
	}
	if submitter != nil { // NULL: not submitted yet
		if p.SubmitterName, err = person.OpenName(keys, p.SubmittedBy, submitter); err != nil {
			return Plan{}, fmt.Errorf("skills: read plan: %w", err)
		}
	}
	p.CreatedAt = p.CreatedAt.UTC()
	if submitted.Valid {
		p.SubmittedAt = submitted.Time.UTC()
	}
	if reviewed.Valid {
		p.ReviewedAt = reviewed.Time.UTC()
	}
	return p, nil
}

// moved turns a conditional UPDATE's result into ErrStale when it changed no row.
func moved(res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("skills: update: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("skills: update: %w", err)
	}
	if n == 0 {
		return ErrStale
	}
	return nil
}
