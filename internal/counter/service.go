package counter

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/registry"
	"hall/internal/scans"
	"hall/internal/sealed"
	"hall/internal/sms"
	"hall/internal/staff"
	"hall/internal/store"
	"hall/internal/unit"
)

// Hasher hashes one-time passwords (implemented by *person.Hasher).
type Hasher interface {
	Hash(ctx context.Context, password string) (string, error)
}

// Deps are what the counter builds on. All but Now are required.
type Deps struct {
	DB         *store.DB
	Audit      *audit.Log
	Persons    *person.Service
	Units      *unit.Service
	Delegation *delegation.Service
	Sessions   *auth.Sessions
	Registry   registry.Registry
	Scans      *scans.Store
	Hasher     Hasher
	Policy     ident.PasswordPolicy
	SMS        sms.Sender
	Sign       string // SMS signature (sms.DefaultSign when empty)
	Hotline    string
	Now        func() time.Time
	// Log receives the id and cause of a record whose sealed values do not open
	// (never a value); slog.Default() when nil.
	Log *slog.Logger
}

// Service runs counter requests. It keeps no state of its own.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) (*Service, error) {
	if d.DB == nil || d.Audit == nil || d.Persons == nil || d.Units == nil || d.Delegation == nil || d.Sessions == nil ||
		d.Registry == nil || d.Scans == nil || d.Hasher == nil || d.SMS == nil {
		return nil, errors.New("counter: missing dependency")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Sign == "" {
		d.Sign = sms.DefaultSign
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{d: d}, nil
}

// Kind is what a counter request asks for.
type Kind string

const (
	KindUnitRegister  Kind = "unit_register"
	KindAdminChange   Kind = "admin_change"
	KindPasswordReset Kind = "password_reset"
	KindAppealRelease Kind = "appeal_release"
)

// #nosec G101 -- names of the counter services shown to users, not credentials.
var kindLabels = map[Kind]string{
	KindUnitRegister:  "单位窗口注册",
	KindAdminChange:   "管理员变更",
	KindPasswordReset: "窗口重置密码",
	KindAppealRelease: "申诉释放",
}

// Label is the kind's Chinese name.
func (k Kind) Label() string { return kindLabels[k] }

// requiredScans are the documents each kind needs (R3: licence, the applicant's ID,
// the authorization letter; a person's own matter: their ID).
var requiredScans = map[Kind][]scans.Kind{
	KindUnitRegister:  {scans.KindLicence, scans.KindIDCard, scans.KindAuthorization},
	KindAdminChange:   {scans.KindLicence, scans.KindIDCard, scans.KindAuthorization},
	KindPasswordReset: {scans.KindIDCard},
	KindAppealRelease: {scans.KindIDCard},
}

// RequiredScans lists the scans a kind of request needs, for the form.
func RequiredScans(k Kind) []scans.Kind { return requiredScans[k] }

// Status of a request.
type Status string

const (
	StatusSubmitted Status = "submitted" // 待审核
	StatusApproved  Status = "approved"  // 已办结
	StatusRejected  Status = "rejected"  // 已退回
)

var statusLabels = map[Status]string{StatusSubmitted: "待审核", StatusApproved: "已办结", StatusRejected: "已退回"}

// Label is the status's Chinese name.
func (s Status) Label() string { return statusLabels[s] }

// Request is a counter request as stored. Data holds the form (one of the *Input
// types, by Kind), Outcome what approval produced.
type Request struct {
	ID             int64
	Kind           Kind
	Status         Status
	UnitID         int64
	PersonID       int64
	AppealID       int64
	USCC           string
	Data           json.RawMessage
	SubmittedBy    int64
	SubmittedAt    time.Time
	SubmitReason   string
	DecidedBy      int64
	DecidedAt      time.Time
	DecisionReason string
	Outcome        map[string]string
	// Unreadable: the form or the outcome did not open; only List returns such a
	// request, by its clear columns (Data and Outcome empty).
	Unreadable bool
}

const requestColumns = `id, kind, status, unit_id, person_id, appeal_id, uscc, data, submitted_by, submitted_at,
	submit_reason, decided_by, decided_at, decision_reason, outcome`

// scanRequest reads a row of requestColumns and opens its form and outcome with
// keys. Errors: ErrNotFound for no row; ErrNoKeys; sealed's errors (wrapped) for a
// form or outcome that does not open; the scan's.
func scanRequest(keys *sealed.Keys, r interface{ Scan(...any) error }) (Request, error) {
	var (
		q                          Request
		unitID, personID, appealID sql.NullInt64
		decidedBy                  sql.NullInt64
		decidedAt                  sql.NullTime
		sealedData, sealedOutcome  []byte
	)
	err := r.Scan(&q.ID, &q.Kind, &q.Status, &unitID, &personID, &appealID, &q.USCC, &sealedData, &q.SubmittedBy,
		&q.SubmittedAt, &q.SubmitReason, &decidedBy, &decidedAt, &q.DecisionReason, &sealedOutcome)
	if errors.Is(err, sql.ErrNoRows) {
		return Request{}, ErrNotFound
	}
	if err != nil {
		return Request{}, fmt.Errorf("counter: read request: %w", err)
	}
	q.UnitID, q.PersonID, q.AppealID, q.DecidedBy = unitID.Int64, personID.Int64, appealID.Int64, decidedBy.Int64
	q.SubmittedAt = q.SubmittedAt.UTC()
	if decidedAt.Valid {
		q.DecidedAt = decidedAt.Time.UTC()
	}
	// The clear columns are filled before the sealed ones are opened: List shows a
	// request whose sealed columns do not open by them (listedRequest).
	data, err := openJSON(keys, ColumnData, q.ID, sealedData)
	if err != nil {
		return q, err
	}
	q.Data = json.RawMessage(data)
	outcome, err := openJSON(keys, ColumnOutcome, q.ID, sealedOutcome)
	if err != nil {
		q.Data = nil
		return q, err
	}
	if err := json.Unmarshal(outcome, &q.Outcome); err != nil {
		return Request{}, fmt.Errorf("counter: request %d outcome: %w", q.ID, err)
	}
	return q, nil
}

// listedRequest is scanRequest for a row of a list: a request whose form or
// outcome does not open (changed in the database, or sealed under a key no longer
// configured) is listed by its clear columns with Unreadable set, and logged,
// instead of failing the whole list.
func (s *Service) listedRequest(r interface{ Scan(...any) error }) (Request, error) {
	q, err := scanRequest(s.d.DB.Keys(), r)
	if sealed.Unreadable(err) {
		s.d.Log.Warn("counter: a listed request's sealed columns do not open", "request", q.ID, "err", err)
		q.Unreadable, q.Data, q.Outcome = true, nil, nil
		return q, nil
	}
	return q, err
}

// Filter selects requests for List. Zero fields do not filter.
type Filter struct {
	Status Status
	Kind   Kind
	UnitID int64
	// AppealID: the release requests of one appeal (the appeal's page lists them).
	AppealID int64
	// After is where the page starts: the last request of the page before it (the
	// first of the page after it, with Back); zero for the first page.
	After   store.Cursor
	Back    bool
	PerPage int // default 20, at most 100
}

// requestOrder is the order of the lists: by submission, then id. The index on the
// list's filter followed by (submitted_at, id) serves every page of it (migrations
// 0018 and 0051).
func requestOrder(waiting bool) store.Keyset {
	return store.Keyset{Time: "submitted_at", ID: "id", Desc: !waiting}
}

// RequestCursor is where a list continues after q.
func RequestCursor(q Request) store.Cursor { return store.Cursor{At: q.SubmittedAt, ID: q.ID} }

// List returns a page of requests, oldest first among the waiting ones (the review
// queue) and newest first otherwise, with where the pages before and after it start;
// a request whose sealed columns do not open is listed with Unreadable set. It
// counts nothing: a count of every request would read them all. Errors: a
// *staff.Denial; ErrNoKeys; database failures.
func (s *Service) List(ctx context.Context, actor staff.Actor, f Filter) (store.Paged[Request], error) {
	if _, err := s.authorize(ctx, actor, staff.ActionCounterList, staff.Subject{}, "counter"); err != nil {
		return store.Paged[Request]{}, err
	}
	where, args := " WHERE 1 = 1", []any{}
	if f.Status != "" {
		where, args = where+" AND status = ?", append(args, string(f.Status))
	}
	if f.Kind != "" {
		where, args = where+" AND kind = ?", append(args, string(f.Kind))
	}
	if f.UnitID != 0 {
		where, args = where+" AND unit_id = ?", append(args, f.UnitID)
	}
	if f.AppealID != 0 {
		where, args = where+" AND appeal_id = ?", append(args, f.AppealID)
	}
	per := f.PerPage
	if per <= 0 {
		per = 20
	}
	per = min(per, 100)
	read := func(cond string, page []any, order string, limit int) ([]Request, error) {
		rows, err := s.d.DB.Query(ctx, "SELECT "+requestColumns+" FROM counter_requests"+where+" AND "+cond+order+" LIMIT ?",
			append(append(slices.Clone(args), page...), limit)...)
		if err != nil {
			return nil, fmt.Errorf("counter: list: %w", err)
		}
		defer rows.Close()
		var out []Request
		for rows.Next() {
			q, err := s.listedRequest(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, q)
		}
		return out, rows.Err()
	}
	return store.ReadPage(requestOrder(f.Status == StatusSubmitted), f.After, f.Back, per, read, RequestCursor)
}

// Get returns request id with the list of its scans (read them with scans.Store.Read).
// A request whose sealed columns do not open is returned by its clear columns with
// Unreadable set (Data and Outcome nil) and logged, so that its page can say so and
// a reviewer can reject it (Reject).
// Errors: a *staff.Denial; ErrNotFound; ErrNoKeys; database failures.
func (s *Service) Get(ctx context.Context, actor staff.Actor, id int64) (Request, []scans.Scan, error) {
	if _, err := s.authorize(ctx, actor, staff.ActionCounterList, staff.Subject{}, target(id)); err != nil {
		return Request{}, nil, err
	}
	q, err := scanRequest(s.d.DB.Keys(), s.d.DB.QueryRow(ctx, "SELECT "+requestColumns+" FROM counter_requests WHERE id = ?", id))
	if sealed.Unreadable(err) {
		s.d.Log.Warn("counter: a request's sealed columns do not open", "request", id, "err", err)
		q.Unreadable, q.Data, q.Outcome = true, nil, nil
		err = nil
	}
	if err != nil {
		return Request{}, nil, err
	}
	sc, err := s.d.Scans.List(ctx, id)
	return q, sc, err
}

func target(id int64) string { return "counter:" + strconv.FormatInt(id, 10) }

// authorize checks a read-only action for the actor as the database has it now, and
// records a denial.
func (s *Service) authorize(ctx context.Context, actor staff.Actor, action staff.Action, subject staff.Subject, tgt string) (staff.Role, error) {
	var role staff.Role
	err := staff.Command(ctx, s.d.DB, s.d.Audit, actor, action, tgt, func(_ *store.Tx, _ staff.Actor, authorize staff.Authorizer) error {
		var err error
		role, err = authorize(subject)
		return err
	})
	return role, err
}

// dbNow is the clock as stored.
func (s *Service) dbNow() time.Time { return store.Time(s.d.Now()) }
