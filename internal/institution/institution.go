// Package institution is 机构管理 (SPEC U7): the institution accounts a unit opens —
// such as a 就业见习示范基地 the talent-mobility service approved — each with a
// 机构编号 (ident.MakeInstitutionNumber) with which its operator signs in through the
// unit login (L1, internal/auth) and sees only the institution's own business.
//
// # Accounts
//
// The unit's legal representative or administrator (inside its validity) opens an
// institution, naming its operator: a registered real-name person, matched on name,
// ID number and mobile exactly as an agent is (delegation.Service.ResolveNominee).
// Opening gives the institution the next free sequence number within the unit and
// an initial password the hall generates (ident.RandomPassword, as the counter's
// and the staff's are) and shows once; the operator must change
// it at the first sign-in (MustChangePassword), and again after every reset. The
// unit may rename it, change its kind or operator, reset its password and close
// it; a closed institution keeps its number and history, and its number is never
// given to another (the database's UNIQUE (unit_id, seq)).
//
// # Commands
//
// Open, Change, ResetPassword and Close each run in one transaction that locks the
// unit's row, checks from the database that the actor may manage the unit now,
// writes the change, ends the institution's sessions where the change takes its
// access away (auth.Sessions.EndInstitutionTx: a new operator, a new password, the
// close) and appends the audit record "institution.<verb>". ChangePassword is the
// operator's own 修改密码. Errors are *Error sentinels with a Chinese message, or a
// *FormError beside the form's fields.
package institution

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hall/internal/sealed"
	"strconv"
	"time"

	"hall/internal/audit"
	"hall/internal/formerr"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
)

// Kind is what the institution is; the catalog of kinds is the hall's, the
// approval of the institution the talent-mobility service's.
type Kind string

const (
	KindInternshipModelBase Kind = "internship_model_base" // 就业见习示范基地
	KindInternshipBase      Kind = "internship_base"       // 就业见习基地
	KindTraining            Kind = "training"              // 职业培训机构
	KindOther               Kind = "other"                 // 其他机构
)

// Kinds are the kinds in the order the form offers them.
var Kinds = []Kind{KindInternshipModelBase, KindInternshipBase, KindTraining, KindOther}

var kindLabels = map[Kind]string{
	KindInternshipModelBase: "就业见习示范基地",
	KindInternshipBase:      "就业见习基地",
	KindTraining:            "职业培训机构",
	KindOther:               "其他机构",
}

// Label is the kind's Chinese name, or "" for an unknown kind.
func (k Kind) Label() string { return kindLabels[k] }

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return kindLabels[k] != "" }

// Status is whether the institution may be used.
type Status string

const (
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)

// Label is the status as the list shows it.
func (s Status) Label() string {
	if s == StatusOpen {
		return "正常"
	}
	return "已关闭"
}

// Institution is one institution account of a unit.
type Institution struct {
	ID       int64
	UnitID   int64
	UnitName string
	// UnitOpen: the unit's account is active (not closed in the registry); an
	// institution of a closed unit is not usable whatever its own status.
	UnitOpen bool
	Seq      int
	Number   string // 机构编号
	Name     string
	Kind     Kind
	// OperatorID is the person who signs in for the institution; OperatorName,
	// OperatorIDNumber and OperatorMobile are that person's, as registered.
	OperatorID         int64
	OperatorName       string
	OperatorIDNumber   string
	OperatorMobile     string
	PasswordHash       string
	MustChangePassword bool
	Status             Status
	CreatedAt          time.Time
	UpdatedAt          time.Time
	ClosedAt           time.Time
}

// Open reports whether the institution may be used.
func (i Institution) Open() bool { return i.Status == StatusOpen }

// MaxPerUnit is how many institutions a unit may ever open: the two digits of
// the sequence in the 机构编号 (closed ones keep theirs).
const MaxPerUnit = 99

// Error is a refusal a person can act on: Code is stable, Msg the Chinese sentence
// to show. The package's sentinels are *Error values; compare with errors.Is.
type Error struct {
	Code string
	Msg  string
}

func (e *Error) Error() string { return "institution: " + e.Code }

// Sentinel errors; each command says which it returns and when.
var (
	ErrNotFound   = &Error{"not_found", "机构不存在或不属于本单位"}
	ErrNotManager = &Error{"not_manager", "只有单位法定代表人或有效期内的管理员可以管理机构"}
	ErrUnitClosed = &Error{"unit_closed", "单位账户已注销，不能办理此操作"}
	ErrClosed     = &Error{"closed", "该机构账户已关闭"}
	ErrLimit      = &Error{"limit", fmt.Sprintf("每个单位最多可开通%d个机构账户", MaxPerUnit)}
	// ErrOperatorMismatch: no registered person has exactly this name, ID and
	// mobile (the seed's sentence for agents, said of the operator).
	ErrOperatorMismatch = &Error{"operator_mismatch", "请确认输入的机构经办人信息是否已实名注册且与注册信息一致"}
	// ErrChanged: ChangePassword found the session's institution changed
	// meanwhile (closed, or another operator named).
	ErrChanged = &Error{"changed", "机构账户信息已变更，请重新登录"}
)

// Message is the Chinese message of err for a page: an *Error's, or a generic
// sentence for anything else (whose details belong in the log).
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return "系统繁忙，请稍后再试"
}

// source names this package in its form errors.
type source struct{}

func (source) Source() string { return "institution" }

// FormError is a refused form: a Chinese message beside each wrong field (the
// Field* names).
type FormError = formerr.Error[source]

// Form field names, as FormError uses them and the pages name their inputs.
const (
	FieldName           = "name"
	FieldKind           = "kind"
	FieldOperatorName   = "operator_name"
	FieldOperatorID     = "operator_id_number"
	FieldOperatorMobile = "operator_mobile"
)

// NameMaxRunes bounds an institution's name (the database's CHECK).
const NameMaxRunes = 64

// SessionEnder ends the institution's sessions inside the caller's transaction
// (auth.Sessions does).
type SessionEnder interface {
	EndInstitutionTx(ctx context.Context, tx *store.Tx, institutionID int64) (int, error)
}

// Operator is the person a unit names to sign in for an institution, as typed in
// the form; all four must match one registered real-name account.
type Operator struct {
	Name     string
	IDType   ident.IDType
	IDNumber string
	Mobile   string
}

// OperatorResolver finds the registered person an Operator names, by the rule
// agents are named by (delegation.Service.ResolveNominee). Errors:
// ErrOperatorMismatch for malformed input or any mismatch (one answer, so the
// form tells no more than that); database failures.
type OperatorResolver func(ctx context.Context, o Operator) (person.Person, error)

// Deps are what the Service works with.
type Deps struct {
	DB        *store.DB
	Audit     *audit.Log
	Hasher    *person.Hasher
	Persons   *person.Service
	Operators OperatorResolver
	Sessions  SessionEnder
	// Policy is the password policy the generated passwords are drawn for
	// (ident.RandomPassword).
	Policy ident.PasswordPolicy
	Now    func() time.Time // nil: time.Now
}

// Service opens, changes, closes and reads institution accounts.
type Service struct{ d Deps }

// NewService returns the service; every dependency but Now is required.
func NewService(d Deps) (*Service, error) {
	if d.DB == nil || d.Audit == nil || d.Hasher == nil || d.Persons == nil || d.Operators == nil || d.Sessions == nil {
		return nil, errors.New("institution: NewService needs DB, Audit, Hasher, Persons, Operators and Sessions")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}, nil
}

func (s *Service) dbNow() time.Time { return store.Time(s.d.Now()) }

const columns = `i.id, i.unit_id, u.name, u.status, i.seq, i.number, i.name, i.kind, i.operator_id, p.name, p.id_number, p.mobile,
	i.password_hash, i.must_change_password, i.status, i.created_at, i.updated_at, i.closed_at`

const from = ` FROM institutions i JOIN units u ON u.id = i.unit_id JOIN persons p ON p.id = i.operator_id`

// scan reads one row of columns; keys open the operator's sealed identity.
func scan(keys *sealed.Keys, r interface{ Scan(...any) error }) (Institution, error) {
	var (
		i          Institution
		closed     sql.NullTime
		unitStatus string
		operator   person.SealedIdentity
	)
	err := r.Scan(&i.ID, &i.UnitID, &i.UnitName, &unitStatus, &i.Seq, &i.Number, &i.Name, &i.Kind, &i.OperatorID, &operator.Name,
		&operator.IDNumber, &operator.Mobile, &i.PasswordHash, &i.MustChangePassword, &i.Status, &i.CreatedAt,
		&i.UpdatedAt, &closed)
	if errors.Is(err, sql.ErrNoRows) {
		return Institution{}, ErrNotFound
	}
	if err != nil {
		return Institution{}, fmt.Errorf("institution: read: %w", err)
	}
	opened, err := operator.Open(keys, i.OperatorID)
	if err != nil {
		return Institution{}, fmt.Errorf("institution: read: %w", err)
	}
	i.OperatorName, i.OperatorIDNumber, i.OperatorMobile = opened.Name, opened.IDNumber, opened.Mobile
	i.CreatedAt, i.UpdatedAt, i.UnitOpen = i.CreatedAt.UTC(), i.UpdatedAt.UTC(), unitStatus == "active"
	if closed.Valid {
		i.ClosedAt = closed.Time.UTC()
	}
	return i, nil
}

// Get is institution id, open or closed. Errors: ErrNotFound; database failures.
func (s *Service) Get(ctx context.Context, id int64) (Institution, error) {
	return scan(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+columns+from+" WHERE i.id = ?", id))
}

// OfUnit is institution id when it is the unit's. Errors: ErrNotFound (also for
// another unit's); database failures.
func (s *Service) OfUnit(ctx context.Context, unitID, id int64) (Institution, error) {
	return scan(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+columns+from+" WHERE i.id = ? AND i.unit_id = ?", id, unitID))
}

// ByNumber is the institution with this 机构编号 (as normalised by
// ident.ValidateInstitutionNumber), open or closed. Errors: ErrNotFound;
// database failures.
func (s *Service) ByNumber(ctx context.Context, number string) (Institution, error) {
	return scan(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+columns+from+" WHERE i.number = ?", number))
}

// List is a page of the unit's institutions, open ones first, then by number,
// with the total. page counts from 1; perPage is at least 1.
func (s *Service) List(ctx context.Context, unitID int64, page, perPage int) ([]Institution, int, error) {
	var total int
	if err := s.d.DB.QueryRow(ctx, "SELECT COUNT(*) FROM institutions WHERE unit_id = ?", unitID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("institution: count: %w", err)
	}
	perPage = max(perPage, 1)
	page = max(page, 1)
	if (page-1)*perPage >= total {
		return nil, total, nil
	}
	rows, err := s.d.DB.Query(ctx, "SELECT "+columns+from+` WHERE i.unit_id = ?
		ORDER BY CASE WHEN i.status = 'open' THEN 0 ELSE 1 END, i.seq LIMIT ? OFFSET ?`, unitID, perPage, (page-1)*perPage)
	if err != nil {
		return nil, 0, fmt.Errorf("institution: list: %w", err)
	}
	defer rows.Close()
	var out []Institution
	for rows.Next() {
		i, err := scan(s.d.DB.Keys(), rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, i)
	}
	return out, total, rows.Err()
}

func target(id int64) string { return "institution:" + strconv.FormatInt(id, 10) }
