package staff

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/throttle"
)

// Deps are what the staff service builds on. All but Now are required.
type Deps struct {
	DB     *store.DB
	Audit  *audit.Log
	Hasher Hasher
	// Policy is the password policy of staff passwords (the hall's, already validated).
	Policy   ident.PasswordPolicy
	Throttle *throttle.Throttle
	Sealer   *Sealer
	// Issuer names the hall in authenticator apps ("示范省人社 后台").
	Issuer string
	// Sessions are the back-office session lifetimes (defaults for zero fields).
	Sessions SessionConfig
	// AuditAnchorFile is the audit anchor file (--audit-anchor-file) the audit
	// page's 校验哈希链 checks the chain against, as `hall audit verify` does.
	AuditAnchorFile string
	Now             func() time.Time
}

// Hasher hashes and checks staff passwords (implemented by *person.Hasher: argon2id
// PHC strings, at most one hash per core at a time).
type Hasher interface {
	Hash(ctx context.Context, password string) (string, error)
	Verify(ctx context.Context, phc, password string) (ok, needsRehash bool, err error)
	Dummy(ctx context.Context) error
}

var _ Hasher = (*person.Hasher)(nil)

// Service holds staff accounts, their login and their sessions. It keeps no state of
// its own, so several processes may share one database.
type Service struct {
	d        Deps
	sessions SessionConfig
}

// New returns the service. Errors: a missing dependency or invalid session lifetimes.
func New(d Deps) (*Service, error) {
	if d.DB == nil || d.Audit == nil || d.Hasher == nil || d.Throttle == nil || d.Sealer == nil {
		return nil, errors.New("staff: missing dependency")
	}
	if err := d.Sessions.Validate(); err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Issuer == "" {
		d.Issuer = "网上办事服务大厅 后台"
	}
	if _, ok := d.Throttle.Limits(ScopeLogin); !ok {
		return nil, errors.New("staff: the throttle has no staff-login scope (add staff.ThrottleScopes)")
	}
	return &Service{d: d, sessions: d.Sessions.withDefaults()}, nil
}

func (s *Service) dbNow() time.Time { return store.Time(s.d.Now()) }

// Staff is a back-office account.
type Staff struct {
	ID                 int64
	Login              string
	Name               string
	Roles              Roles
	MustChangePassword bool
	PasswordChangedAt  time.Time // zero: never changed (the initial password)
	TOTPConfirmed      bool      // a first code was accepted for the current secret
	Disabled           bool
	CreatedAt          time.Time
	// verified is the password hash Login verified, as it was stored: StartSession
	// starts a session only while it still is (and only for a Staff that Login
	// returned, the one place that sets it).
	verified string
}

const staffColumns = `id, login, name, is_clerk, is_reviewer, is_security, is_auditor, must_change_password,
	password_changed_at, totp_confirmed_at, disabled_at, created_at`

func scanStaff(r interface{ Scan(...any) error }) (Staff, error) {
	var (
		st                                 Staff
		clerk, reviewer, security, auditor bool
		changed, confirmed, disabled       sql.NullTime
	)
	err := r.Scan(&st.ID, &st.Login, &st.Name, &clerk, &reviewer, &security, &auditor, &st.MustChangePassword,
		&changed, &confirmed, &disabled, &st.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Staff{}, ErrNotFound
	}
	if err != nil {
		return Staff{}, fmt.Errorf("staff: read account: %w", err)
	}
	for r, on := range map[Role]bool{RoleClerk: clerk, RoleReviewer: reviewer, RoleSecurity: security, RoleAuditor: auditor} {
		if on {
			st.Roles |= RolesOf(r)
		}
	}
	if changed.Valid {
		st.PasswordChangedAt = changed.Time.UTC()
	}
	st.TOTPConfirmed, st.Disabled, st.CreatedAt = confirmed.Valid, disabled.Valid, st.CreatedAt.UTC()
	return st, nil
}

// Get returns the account with id. Errors: ErrNotFound, database failures.
func (s *Service) Get(ctx context.Context, id int64) (Staff, error) {
	return scanStaff(s.d.DB.QueryRow(ctx, "SELECT "+staffColumns+" FROM staff WHERE id = ?", id))
}

// Listed is an account as the security administrator's pages show it: the account
// and when it last signed in.
type Listed struct {
	Staff
	// LastLoginAt is the time of the account's last successful login, from the
	// audit log (kept for years; sessions are swept); zero when it never signed in.
	LastLoginAt time.Time
}

// ListPerPage is the default and MaxPerPage the largest page of List.
const (
	ListPerPage    = 20
	ListMaxPerPage = 100
)

// List returns a page (from 1) of the staff accounts, by login, with the number of
// accounts, for the security administrator. A page past the last is empty.
// Errors: a *Denial; database failures.
func (s *Service) List(ctx context.Context, actor Actor, page, perPage int) ([]Listed, int, error) {
	if _, err := s.authorize(ctx, actor, ActionStaffList, Subject{}, "list"); err != nil {
		return nil, 0, err
	}
	if perPage <= 0 || perPage > ListMaxPerPage {
		perPage = ListPerPage
	}
	page = max(page, 1)
	var total int
	if err := s.d.DB.QueryRow(ctx, "SELECT COUNT(*) FROM staff").Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("staff: count: %w", err)
	}
	rows, err := s.d.DB.Query(ctx, "SELECT "+staffColumns+" FROM staff ORDER BY login LIMIT ? OFFSET ?",
		perPage, (page-1)*perPage)
	if err != nil {
		return nil, 0, fmt.Errorf("staff: list: %w", err)
	}
	var out []Listed
	for rows.Next() {
		st, err := scanStaff(rows)
		if err != nil {
			_ = rows.Close() // the scan's error is the one to report
			return nil, 0, err
		}
		out = append(out, Listed{Staff: st})
	}
	if err := rows.Close(); err != nil {
		return nil, 0, fmt.Errorf("staff: list: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("staff: list: %w", err)
	}
	for i := range out {
		if out[i].LastLoginAt, err = s.lastLogin(ctx, out[i].ID); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// Account returns account id with its last login, for the security administrator's
// account page. Errors: a *Denial; ErrNotFound; database failures.
func (s *Service) Account(ctx context.Context, actor Actor, id int64) (Listed, error) {
	if _, err := s.authorize(ctx, actor, ActionStaffList, Subject{}, Target(id)); err != nil {
		return Listed{}, err
	}
	st, err := s.Get(ctx, id)
	if err != nil {
		return Listed{}, err
	}
	at, err := s.lastLogin(ctx, id)
	return Listed{Staff: st, LastLoginAt: at}, err
}

// lastLogin is the time of account id's last successful login ("staff.login" in the
// audit log, found through the audit_log_staff index), zero for none. One query per
// account: a scalar MAX would lose the column's time type on SQLite.
func (s *Service) lastLogin(ctx context.Context, id int64) (time.Time, error) {
	var at time.Time
	err := s.d.DB.QueryRow(ctx, `SELECT at FROM audit_log WHERE staff_id = ? AND action = 'staff.login' AND result = ?
		ORDER BY at DESC, seq DESC LIMIT 1`, id, string(audit.Success)).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("staff: last login: %w", err)
	}
	return at.UTC(), nil
}

// actorOf is the actor a staff account is now.
func actorOf(st Staff) Actor {
	return Actor{StaffID: st.ID, Login: st.Login, Name: st.Name, Roles: st.Roles, Disabled: st.Disabled,
		MustChangePassword: st.MustChangePassword}
}

// Refresh returns actor with the roles and state its account has now in tx (roles
// may have changed since the session read them): every command decides on these.
func Refresh(ctx context.Context, tx *store.Tx, actor Actor) (Actor, error) {
	st, err := scanStaff(tx.QueryRow(ctx, "SELECT "+staffColumns+" FROM staff WHERE id = ?", actor.StaffID))
	return refreshed(actor, st, err)
}

// refreshed is actor as its account st was just read (err the read's): the
// account's roles and state with the request's address and ID. Errors:
// DenyDisabled when the account is gone; the read's other errors.
func refreshed(actor Actor, st Staff, err error) (Actor, error) {
	if errors.Is(err, ErrNotFound) {
		return Actor{}, DenyDisabled
	}
	if err != nil {
		return Actor{}, err
	}
	fresh := actorOf(st)
	fresh.ClientIP, fresh.RequestID = actor.ClientIP, actor.RequestID
	return fresh, nil
}

// Entry is the audit record of a staff action: the staff member, the role the action
// was allowed in, and the reason typed (for writes) in the detail.
func (a Actor) Entry(role Role, action, target, reason string, detail map[string]string) audit.Entry {
	d := make(map[string]string, len(detail)+1)
	for k, v := range detail {
		d[k] = v
	}
	if reason != "" {
		d["reason"] = reason
	}
	return audit.Entry{StaffID: a.StaffID, Role: string(role), Action: action, Target: target,
		Result: audit.Success, ClientIP: a.ClientIP, RequestID: a.RequestID, Detail: d}
}

// RecordDenial appends the audit record of a refused staff action ("denied", with
// the denial's code). Failures to record are returned for the caller to log.
func RecordDenial(ctx context.Context, log *audit.Log, actor Actor, action Action, target string, denial error) error {
	var d *Denial
	code := "denied"
	if errors.As(denial, &d) {
		code = d.Code
	}
	e := actor.Entry("", string(action), target, "", map[string]string{"denial": code})
	e.Result = audit.Denied
	_, err := log.Record(ctx, e)
	return err
}

// authorize checks a read-only action against the actor as the database has it now,
// and records a denial.
func (s *Service) authorize(ctx context.Context, actor Actor, action Action, subject Subject, target string) (Role, error) {
	st, err := s.Get(ctx, actor.StaffID)
	fresh, err := refreshed(actor, st, err)
	if err != nil {
		return "", err
	}
	role, err := Authorize(fresh, action, subject)
	if err != nil {
		_ = RecordDenial(ctx, s.d.Audit, fresh, action, target, err)
		return "", err
	}
	return role, nil
}

// command runs a staff write: the reason is checked, then in one transaction the
// actor is read again, authorized for action about subject, fn makes the change and
// the audit record fn returns is appended last (Command). A denial is recorded on
// its own.
func (s *Service) command(ctx context.Context, actor Actor, action Action, subject Subject, target, reason string,
	fn func(tx *store.Tx, a Actor, role Role, reason string) (audit.Entry, error)) error {
	reason, err := CheckReason(reason)
	if err != nil {
		return err
	}
	return Command(ctx, s.d.DB, s.d.Audit, actor, action, target, func(tx *store.Tx, a Actor, authorize Authorizer) error {
		role, err := authorize(subject)
		if err != nil {
			return err
		}
		e, err := fn(tx, a, role, reason)
		if err != nil {
			return err
		}
		_, err = s.d.Audit.Append(ctx, tx, e)
		return err
	})
}
