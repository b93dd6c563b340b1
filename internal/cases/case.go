package cases

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"hall/internal/audit"
	"hall/internal/chinatime"
	"hall/internal/insurance"
	"hall/internal/person"
	"hall/internal/scans"
	"hall/internal/sealed"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/unit"
)

// Error is a refusal of a case command that a page shows: Code for programs, Msg
// in Chinese.
type Error struct {
	Code string
	Msg  string
}

func (e *Error) Error() string { return "cases: " + e.Code }

// Is matches a refusal with the same Code, so that errors.Is(err, ErrPending)
// holds for every item's wording of it.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Refusals of the case commands. Each command says which it returns.
var (
	ErrCaseNotFound = &Error{"case_not_found", "未找到该办件"}
	// ErrCaseUnreadable: the case's sealed columns (its form, the applicant at the
	// counter) do not open under the database's keys — changed in the database, or
	// sealed under a key no longer configured. Logged with the case's id.
	ErrCaseUnreadable = &sealed.RecordUnreadable{Code: "case_unreadable", Msg: "该办件的申报数据无法读取（已记录日志）"}
	// ErrStale: the case is no longer in the state the step needs — another staff
	// member or the unit acted on it first, or the step does not apply there.
	ErrStale     = &Error{"stale", "该办件的状态已经变化（可能已由他人处理），请刷新后查看当前状态"}
	ErrNotOnline = &Error{"not_online", "该事项暂未开通网上申办，请到经办窗口办理"}
	// ErrOnlineCase: a counter step on a case the unit filed online, which the unit
	// corrects itself.
	ErrOnlineCase = &Error{"online_case", "该办件为网上申报，应由单位登录网上服务大厅补正后重新提交"}
	// ErrCounterCase: an online step on a case entered at the counter, whose papers
	// are at the counter.
	ErrCounterCase = &Error{"counter_case", "该办件在经办窗口办理，如需撤销请到经办窗口办理"}
	ErrPending     = &Error{"pending", "该职工已有正在办理的参保登记，请勿重复申请"}
	ErrEnrolled    = &Error{"enrolled", "该职工已在本单位参保，无需重复登记"}
	// ErrNotEnrolled: the employee of a 退工停保 has no open period with the unit.
	ErrNotEnrolled = &Error{"not_enrolled", "该职工目前未在本单位参保，无需办理停保；如有疑问请到经办窗口咨询"}
	// ErrEndBeforeStart: the stop month of a 退工停保 is before the employee's
	// enrolment began.
	ErrEndBeforeStart = &Error{"end_before_start", "停保年月早于该职工在本单位的参保开始年月，请核对后重新申请"}
	// ErrIneligible: the unit does not meet the conditions of 稳岗返还; the
	// refusal of a form says which (Msg of an *Error with this Code).
	ErrIneligible = &Error{"ineligible", "单位不符合稳岗返还的申领条件"}
	// ErrGranted: 稳岗返还 was approved for the unit and year already.
	ErrGranted = &Error{"granted", "该年度的稳岗返还已经办结，不能重复申领"}
)

// Message is the Chinese text of a refusal of this package, or "" for any other
// error.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return ""
}

// Authorizer is the one check of business items (delegation.Service.Authorize): may
// the person, in role, handle itemCode for the unit now. It returns an error
// matching delegation.ErrNotAuthorized when not. AuthorizeTx asks the same inside
// a write's transaction, holding the unit's row so that the grant cannot go before
// the write commits (delegation.Service.AuthorizeTx).
type Authorizer interface {
	Authorize(ctx context.Context, unitID, personID int64, role unit.Role, itemCode string) error
	AuthorizeTx(ctx context.Context, tx *store.Tx, unitID, personID int64, role unit.Role, itemCode string) error
}

// ApprovalHook is told of every approved case: CaseApproved inside the approve
// transaction, after the case's own effect (an error rolls the approval back), and
// AfterApproval once it committed, which must not fail the step. The paper result's
// delivery (delivery.Service, U5) is created this way.
type ApprovalHook interface {
	CaseApproved(ctx context.Context, tx *store.Tx, caseID int64, now time.Time) error
	AfterApproval(ctx context.Context, caseID int64)
}

// FilingHook is told of every case its unit files (Apply) or corrects (Resubmit),
// inside the transaction that files it, after the case's own rows, with the form
// as sent: whatever it stores commits with the case or not at all, and an error
// rolls the filing back (Apply and Resubmit return it). The paper result's
// delivery request (delivery.Service, U5) is recorded this way.
type FilingHook interface {
	CaseFiled(ctx context.Context, tx *store.Tx, caseID, unitID int64, itemCode string, form url.Values, now time.Time) error
}

// Deps are what cases build on. All but Now, Bounds, Sign, Hotline, Approvals and
// Filings are required.
type Deps struct {
	DB         *store.DB
	Audit      *audit.Log
	Catalog    *Catalog
	Authorizer Authorizer
	SMS        sms.Sender
	// Bounds bound the contribution base of an enrolment (insurance.DefaultBounds
	// when zero).
	Bounds  insurance.Bounds
	Sign    string // SMS signature (sms.DefaultSign when empty)
	Hotline string
	Now     func() time.Time
	// Approvals, when set, is told of every approved case (ApprovalHook).
	Approvals ApprovalHook
	// Files stores the materials' files (the back office's scans store).
	Files *scans.Store
	// UploadBudget bounds the materials a person and a unit upload a day
	// (DefaultUploadBudget when zero; uploads.go).
	UploadBudget UploadBudget
	// Filings, when set, is told of every filed or corrected case (FilingHook).
	Filings FilingHook
	// KeySecret keys EmployeeKey and the references of uploaded materials. When empty a random key is drawn: the keys then
	// hold only within this process (a filter address stops working after a
	// restart, and two instances do not share them).
	KeySecret []byte
	// Log, nil: slog.Default(), is told of what the service steps past rather than
	// refuses (a draft whose sealed form cannot be opened, drafts.go).
	Log *slog.Logger
}

// Service runs the cases (U4, B4). It keeps no state of its own but the key of
// EmployeeKey.
type Service struct {
	d   Deps
	key []byte
}

// NewService returns the service.
func NewService(d Deps) (*Service, error) {
	if d.DB == nil || d.Audit == nil || d.Catalog == nil || d.Authorizer == nil || d.SMS == nil || d.Files == nil {
		return nil, errors.New("cases: missing dependency")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.UploadBudget == (UploadBudget{}) {
		d.UploadBudget = DefaultUploadBudget
	}
	if d.Bounds == (insurance.Bounds{}) {
		d.Bounds = insurance.DefaultBounds
	}
	if d.Sign == "" {
		d.Sign = sms.DefaultSign
	}
	key := d.KeySecret
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("cases: employee key: %w", err)
		}
	}
	return &Service{d: d, key: key}, nil
}

// Bounds are the contribution base bounds the enrolment form checks.
func (s *Service) Bounds() insurance.Bounds { return s.d.Bounds }

// Case is one application (办件).
type Case struct {
	ID            int64
	Number        string // 申办流水号
	UnitID        int64
	UnitName      string
	ItemCode      string
	ItemName      string
	ApplicantID   int64
	ApplicantName string
	ApplicantRole unit.Role
	State         State
	Form          json.RawMessage
	Reason        string // the last refusal's or return's reason
	AcceptedBy    int64
	// Channel is ChannelOnline for a case the unit filed, ChannelCounter for one a
	// clerk entered at the counter (EnterCounter); EnteredBy is that clerk.
	Channel   Channel
	EnteredBy int64
	// InstitutionID is the unit's institution (机构, SPEC U7) whose business the
	// case is, 0 for the unit's own: the institution's operator sees only these.
	InstitutionID int64
	// Unreadable: the case's sealed columns did not open; only a list returns such
	// a case, by its clear columns (ApplicantName and Form empty).
	Unreadable   bool
	PromisedDate string // 承诺办结日 YYYY-MM-DD; "" for 即办件
	FinishedAt   time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Finished reports whether the case reached a final state (办结日 is FinishedAt).
func (c Case) Finished() bool { return !c.FinishedAt.IsZero() }

// Enrolment is the case's form as 人员参保登记 stores it; ok is false for other items.
func (c Case) Enrolment() (EnrolmentForm, bool) {
	var f EnrolmentForm
	if c.ItemCode != ItemEnrolment || json.Unmarshal(c.Form, &f) != nil {
		return EnrolmentForm{}, false
	}
	return f, true
}

// Event is one row of a case's timeline.
type Event struct {
	Step      Step
	State     State
	ActorKind string // "person" or "staff"
	ActorID   int64
	ActorName string
	Reason    string
	At        time.Time
}

// caseColumns: a counter case's applicant is the name told at the counter, sealed
// in the case; an online case's is the applicant's own, sealed in persons; the
// form is sealed in the case (scanCase opens them).
const caseColumns = `c.id, c.number, c.unit_id, u.name, c.item_code, COALESCE(i.name, c.item_code), c.applicant_id,
	c.counter_applicant, p.name,
	c.applicant_role, c.state, c.form, c.reason, c.accepted_by, c.promised_date, c.finished_at, c.created_at, c.updated_at,
	c.channel, c.entered_by, c.institution_id`

const caseFrom = ` FROM cases c JOIN units u ON u.id = c.unit_id JOIN persons p ON p.id = c.applicant_id
	LEFT JOIN catalog_items i ON i.code = c.item_code`

// scanCase reads one row of caseColumns; keys open the online applicant's name.
func scanCase(keys *sealed.Keys, r interface{ Scan(...any) error }) (Case, error) {
	var (
		c        Case
		form     []byte
		accepted sql.NullInt64
		finished sql.NullTime
		entered  sql.NullInt64
		inst     sql.NullInt64
		told     []byte
		name     []byte
	)
	err := r.Scan(&c.ID, &c.Number, &c.UnitID, &c.UnitName, &c.ItemCode, &c.ItemName, &c.ApplicantID, &told, &name,
		&c.ApplicantRole, &c.State, &form, &c.Reason, &accepted, &c.PromisedDate, &finished, &c.CreatedAt, &c.UpdatedAt,
		&c.Channel, &entered, &inst)
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, ErrCaseNotFound
	}
	if err != nil {
		return Case{}, fmt.Errorf("cases: read case: %w", err)
	}
	c.AcceptedBy, c.EnteredBy, c.InstitutionID = accepted.Int64, entered.Int64, inst.Int64
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if finished.Valid {
		c.FinishedAt = finished.Time.UTC()
	}
	// The clear columns are filled before the sealed ones are opened: a list shows a
	// case whose sealed columns do not open by them (listedCase).
	if c.Channel == ChannelCounter {
		var applicant []byte
		if applicant, err = openCaseColumn(keys, columnCounterApplicant, c.ID, told); err != nil {
			return c, fmt.Errorf("cases: read case: %w", err)
		}
		c.ApplicantName = string(applicant)
	} else if c.ApplicantName, err = person.OpenName(keys, c.ApplicantID, name); err != nil {
		return c, fmt.Errorf("cases: read case: %w", err)
	}
	if form, err = openCaseColumn(keys, columnForm, c.ID, form); err != nil {
		return c, fmt.Errorf("cases: read case: %w", err)
	}
	c.Form = json.RawMessage(form)
	return c, nil
}

// readCase is scanCase for one case read to be shown or acted on: a case whose
// sealed columns do not open is ErrCaseUnreadable (the cause logged with the
// case's id) rather than the sealed error, so that the page says what happened.
func (s *Service) readCase(keys *sealed.Keys, r interface{ Scan(...any) error }) (Case, error) {
	c, err := scanCase(keys, r)
	if sealed.Unreadable(err) {
		s.d.Log.Warn("cases: a case's sealed columns do not open", "case", c.ID, "err", err)
		return Case{}, ErrCaseUnreadable
	}
	if err != nil {
		return Case{}, err
	}
	return c, nil
}

// listedCase is scanCase for a row of a list: a case whose sealed columns do not
// open (changed in the database, or sealed under a key no longer configured) is
// listed by its clear columns with Unreadable set, and logged, instead of failing
// the whole list and every case on it.
func (s *Service) listedCase(keys *sealed.Keys, r interface{ Scan(...any) error }) (Case, error) {
	c, err := scanCase(keys, r)
	if sealed.Unreadable(err) {
		s.d.Log.Warn("cases: a listed case's sealed columns do not open", "case", c.ID, "err", err)
		c.Unreadable, c.ApplicantName, c.Form = true, "", nil
		return c, nil
	}
	return c, err
}

// CaseFilter selects cases. Zero fields do not filter.
type CaseFilter struct {
	UnitID int64
	// InstitutionID selects one institution's cases (InstitutionCases).
	InstitutionID int64
	ItemCode      string
	State         State
	Channel       Channel   // ChannelOnline or ChannelCounter; other values do not filter
	From, To      time.Time // applied on or after From, before To
	Page          int       // from 1
	PerPage       int       // DefaultPerPage when <= 0, at most MaxPerPage
}

// UnitCases is 单位办件: the unit's cases, newest first, with the total. The unit
// center's guard decides who reads them (every member of the unit); a case whose
// sealed columns do not open is listed with Unreadable set. Errors: ErrNoKeys;
// database failures.
func (s *Service) UnitCases(ctx context.Context, unitID int64, f CaseFilter) ([]Case, int, error) {
	f.UnitID = unitID
	return s.list(ctx, f, false)
}

// UnitCase is case id of the unit with its timeline. Errors: ErrCaseNotFound (also
// for another unit's case); ErrNoKeys; ErrCaseUnreadable when its sealed columns
// cannot be opened; database failures.
func (s *Service) UnitCase(ctx context.Context, unitID, id int64) (Case, []Event, error) {
	c, err := s.readCase(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+caseColumns+caseFrom+" WHERE c.id = ? AND c.unit_id = ?", id, unitID))
	if err != nil {
		return Case{}, nil, err
	}
	ev, err := s.events(ctx, id)
	return c, ev, err
}

// InstitutionCases is an institution's own business (SPEC U7): the cases entered
// for it, newest first, with the total; never the unit's other cases. A case
// whose sealed columns do not open is listed with Unreadable set. Errors:
// ErrNoKeys; database failures.
func (s *Service) InstitutionCases(ctx context.Context, institutionID int64, f CaseFilter) ([]Case, int, error) {
	if institutionID <= 0 {
		return nil, 0, nil
	}
	f.UnitID, f.InstitutionID = 0, institutionID
	return s.list(ctx, f, false)
}

// InstitutionCase is case id when it is the institution's, with its timeline.
// Errors: ErrCaseNotFound (also for any case not entered for it); ErrNoKeys;
// ErrCaseUnreadable when its sealed columns cannot be opened; database failures.
func (s *Service) InstitutionCase(ctx context.Context, institutionID, id int64) (Case, []Event, error) {
	c, err := s.readCase(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+caseColumns+caseFrom+" WHERE c.id = ? AND c.institution_id = ?", id, institutionID))
	if err != nil {
		return Case{}, nil, err
	}
	ev, err := s.events(ctx, id)
	return c, ev, err
}

func (s *Service) list(ctx context.Context, f CaseFilter, queue bool) ([]Case, int, error) {
	where, args := " WHERE 1 = 1", []any{}
	if f.UnitID != 0 {
		where, args = where+" AND c.unit_id = ?", append(args, f.UnitID)
	}
	if f.InstitutionID != 0 {
		where, args = where+" AND c.institution_id = ?", append(args, f.InstitutionID)
	}
	if f.ItemCode != "" {
		where, args = where+" AND c.item_code = ?", append(args, f.ItemCode)
	}
	if f.State != "" {
		where, args = where+" AND c.state = ?", append(args, string(f.State))
	}
	if f.Channel == ChannelOnline || f.Channel == ChannelCounter {
		where, args = where+" AND c.channel = ?", append(args, string(f.Channel))
	}
	if !f.From.IsZero() {
		where, args = where+" AND c.created_at >= ?", append(args, store.Time(f.From))
	}
	if !f.To.IsZero() {
		where, args = where+" AND c.created_at < ?", append(args, store.Time(f.To))
	}
	var total int
	if err := s.d.DB.QueryRow(ctx, "SELECT COUNT(*) FROM cases c"+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("cases: count: %w", err)
	}
	per := f.PerPage
	if per <= 0 {
		per = DefaultPerPage
	}
	per = min(per, MaxPerPage)
	page := max(f.Page, 1)
	if page > Pages(total, per) {
		// Past the end, nothing to list; and (page-1)*per of a page typed in the
		// address bar could overflow into a negative OFFSET.
		return nil, total, nil
	}
	// A staff queue is worked oldest first; a unit reads its newest first.
	order := " ORDER BY c.created_at DESC, c.id DESC"
	if queue {
		order = " ORDER BY c.updated_at, c.id"
	}
	rows, err := s.d.DB.Query(ctx, "SELECT "+caseColumns+caseFrom+where+order+" LIMIT ? OFFSET ?",
		append(args, per, (page-1)*per)...)
	if err != nil {
		return nil, 0, fmt.Errorf("cases: list: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := s.listedCase(s.d.DB.Keys(), rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, rows.Err()
}

func (s *Service) events(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT e.step, e.state, e.actor_kind, e.actor_id,
		p.name, COALESCE(st.name, ''), e.reason, e.at
		FROM case_events e LEFT JOIN persons p ON e.actor_kind = 'person' AND p.id = e.actor_id
		LEFT JOIN staff st ON e.actor_kind = 'staff' AND st.id = e.actor_id
		WHERE e.case_id = ? ORDER BY e.id`, id)
	if err != nil {
		return nil, fmt.Errorf("cases: events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var personName []byte
		if err := rows.Scan(&e.Step, &e.State, &e.ActorKind, &e.ActorID, &personName, &e.ActorName, &e.Reason, &e.At); err != nil {
			return nil, fmt.Errorf("cases: events: %w", err)
		}
		// A person's name is sealed (the join finds no row for a staff actor).
		if personName != nil {
			name, err := person.OpenName(s.d.DB.Keys(), e.ActorID, personName)
			if err != nil {
				return nil, fmt.Errorf("cases: events: %w", err)
			}
			e.ActorName = name
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// move is one transition inside tx: the conditional UPDATE … WHERE state = the
// step's expected state, then the event row. Zero rows changed is ErrStale: the
// case moved meanwhile, so the caller's transaction rolls back with its audit
// record. set holds extra "column = ?" assignments and their values.
// decidedNames keeps, in the statement that approves a case, the unit's name and
// USCC and the item's name as they are at 办结 (migration 0036): the result notice
// reads them, so that a later rename of the unit or the item does not change what
// a signed notice of a past decision says.
const decidedNames = `, decided_unit_name = (SELECT name FROM units WHERE units.id = cases.unit_id),
	decided_uscc = (SELECT uscc FROM units WHERE units.id = cases.unit_id),
	decided_item_name = COALESCE((SELECT name FROM catalog_items WHERE catalog_items.code = cases.item_code), cases.item_code)`

func move(ctx context.Context, tx *store.Tx, c *Case, step Step, actorKind string, actorID int64, reason string,
	now time.Time, set string, args ...any) error {
	to, ok := Next(c.State, step)
	if !ok {
		return ErrStale
	}
	from := transitions[step].From
	finished := any(nil)
	if to.Final() {
		finished = now
	}
	if to == StateApproved {
		set += decidedNames
	}
	q := `UPDATE cases SET state = ?, reason = ?, finished_at = ?, updated_at = ?` + set + ` WHERE id = ? AND state = ?`
	res, err := tx.Exec(ctx, q, append(append([]any{string(to), reason, finished, now}, args...), c.ID, string(from))...)
	if err != nil {
		return fmt.Errorf("cases: %s: %w", step, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("cases: %s: %w", step, err)
	} else if n != 1 {
		return ErrStale
	}
	if err := addEvent(ctx, tx, c.ID, step, to, actorKind, actorID, reason, now); err != nil {
		return err
	}
	c.State, c.Reason, c.UpdatedAt = to, reason, now
	if to.Final() {
		c.FinishedAt = now
	}
	return nil
}

func addEvent(ctx context.Context, tx *store.Tx, caseID int64, step Step, st State, actorKind string, actorID int64,
	reason string, now time.Time) error {
	if _, err := tx.Exec(ctx, `INSERT INTO case_events (case_id, step, state, actor_kind, actor_id, reason, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, caseID, string(step), string(st), actorKind, actorID, reason, now); err != nil {
		return fmt.Errorf("cases: event: %w", err)
	}
	return nil
}

// caseTarget is the audit target of a case.
func caseTarget(id int64) string { return "case:" + strconv.FormatInt(id, 10) }

// dbNow is the clock as stored.
func (s *Service) dbNow() time.Time { return store.Time(s.d.Now()) }

// nextNumber allocates the 申办流水号 of a case applied for at now: the day and
// the day's sequence, "20260413000001". The per-day row serializes two applications
// of the same day on PostgreSQL (the upsert locks it) as SQLite's one writer does.
func nextNumber(ctx context.Context, tx *store.Tx, now time.Time) (string, error) {
	day := now.In(chinatime.Zone).Format("20060102")
	var n int
	if err := tx.QueryRow(ctx, `INSERT INTO case_numbers (day, last) VALUES (?, 1)
		ON CONFLICT (day) DO UPDATE SET last = case_numbers.last + 1 RETURNING last`, day).Scan(&n); err != nil {
		return "", fmt.Errorf("cases: number: %w", err)
	}
	return fmt.Sprintf("%s%06d", day, n), nil
}

// PromisedDate is 承诺办结日 of a case applied for at applied: promisedDays working
// days (Monday to Friday; public holidays are not known to the hall and count as
// working days) after the day of application, as YYYY-MM-DD; "" for none (即办件).
func PromisedDate(applied time.Time, promisedDays int) string {
	if promisedDays <= 0 {
		return ""
	}
	d := applied.In(chinatime.Zone)
	for n := 0; n < promisedDays; {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return d.Format("2006-01-02")
}
