package staff

import (
	"context"
	"errors"
	"fmt"
	"time"

	"hall/internal/audit"
	"hall/internal/store"
	"hall/internal/throttle"
)

// Throttle scopes of the back-office login. Per account (ScopeLogin: the account's
// record, or the login name as typed when it names none) the staff login locks after
// five failures for fifteen minutes, as a unit login does, but asks for no captcha
// first: the back office is on an internal listener and its people are known. Per
// client address (ScopeLoginAddr) failures only escalate to the captcha, as for the
// hall, so that one address cannot lock everybody out.
const (
	ScopeLogin     throttle.Scope = "staff-login"
	ScopeLoginAddr throttle.Scope = "staff-login-addr"
)

// ThrottleScopes are the limits of the staff scopes; services adds them to the
// throttle's configuration.
var ThrottleScopes = map[throttle.Scope]throttle.Limits{
	ScopeLogin: {Mode: throttle.ModeReserve, CaptchaAfter: 5, LockAfter: 5, LockFor: 15 * time.Minute,
		Window: 15 * time.Minute, OnSuccess: throttle.ResetOnSuccess},
	ScopeLoginAddr: {Mode: throttle.ModeEscalate, CaptchaAfter: 10, LockAfter: 50, LockFor: 15 * time.Minute,
		Window: 15 * time.Minute, OnSuccess: throttle.RefundOnSuccess},
}

// recordKind is the throttle.RecordKey kind of a staff account.
const recordKind = "staff"

// LoginInput is the back-office login form.
type LoginInput struct {
	Login    string
	Password string
	Code     string // the six-digit TOTP code (动态口令)
	// CaptchaSolved: the captcha service verified and consumed the form's captcha
	// answer (asked for only when the client address has many failures).
	CaptchaSolved bool
	ClientIP      string
	RequestID     string
	// Start creates the session of a successful login (StartSession with the
	// account it gets, and the page's cookie) before the attempt is audited, so
	// that the one record of the attempt says whether it signed in: a start
	// refused with ErrBadCredentials (the password was reset or changed, or the
	// account disabled, while it was checked) makes the attempt a failure, and
	// Login returns that error. Required (errNoStart).
	Start func(ctx context.Context, st Staff) error
}

// errNoStart refuses a login without LoginInput.Start: its success would be
// audited before anyone knew whether its session starts.
var errNoStart = errors.New("staff: a login needs LoginInput.Start to sign in")

// credential is what a login checks, read with one indexed query.
type credential struct {
	staff    Staff
	hash     string
	sealed   string
	lastStep int64
	found    bool
}

func (s *Service) resolve(ctx context.Context, login string) (credential, error) {
	l, err := NormalizeLogin(login)
	if err != nil {
		return credential{}, nil
	}
	var c credential
	row := s.d.DB.QueryRow(ctx, "SELECT "+staffColumns+", password_hash, totp_secret, totp_last_step FROM staff WHERE login = ?", l)
	st, err := scanStaff(scanTail{row: row, tail: []any{&c.hash, &c.sealed, &c.lastStep}})
	if errors.Is(err, ErrNotFound) {
		return credential{}, nil
	}
	if err != nil {
		return credential{}, err
	}
	c.staff, c.found = st, true
	return c, nil
}

// scanTail appends extra destinations to a row scan of staffColumns.
type scanTail struct {
	row  interface{ Scan(...any) error }
	tail []any
}

func (t scanTail) Scan(dest ...any) error { return t.row.Scan(append(dest, t.tail...)...) }

// Login checks a back-office login: login name, password and TOTP code, through the
// throttle, starts its session through in.Start (StartSession) and returns the
// account.
//
// Every refusal is ErrBadCredentials — unknown login, disabled account, wrong
// password, wrong code, a code already used or older than the last one used — after
// the same work (an argon2id verify, a dummy one when there is no account), so
// neither the answer nor its timing says which accounts exist. A first code accepted
// for a new secret confirms the enrolment. Every attempt is audited once, after
// in.Start ("staff.login": success only when the session started; failure
// otherwise, with reason credential_changed when the start was refused because
// the password or the account changed during the check; an unknown login without
// the name typed, which may be a mistyped password), so the last login an account
// shows is one that signed in.
//
// Errors: ErrBadCredentials (also a start refused); a *throttle.LockedError
// (errors.Is throttle.ErrLocked: say that attempts are paused and until when — the
// same for unknown logins) or throttle.ErrCaptchaRequired; person.ErrBusy; errNoStart
// without in.Start (nothing is checked); otherwise in.Start's other errors and
// database failures (fail closed). The account in.Start gets carries the password
// hash Login verified, which StartSession checks is still the stored one.
func (s *Service) Login(ctx context.Context, in LoginInput) (Staff, error) {
	if in.Start == nil {
		return Staff{}, errNoStart
	}
	c, err := s.resolve(ctx, in.Login)
	if err != nil {
		return Staff{}, err
	}
	keys := []throttle.Key{s.d.Throttle.AddrKey(ScopeLoginAddr, in.ClientIP)}
	if c.found {
		keys = append(keys, s.d.Throttle.RecordKey(ScopeLogin, recordKind, c.staff.ID))
	} else {
		keys = append(keys, s.d.Throttle.AccountKey(ScopeLogin, in.Login))
	}
	var opts []throttle.Option
	if in.CaptchaSolved {
		opts = append(opts, throttle.WithCaptchaSolved())
	}
	tk, err := s.d.Throttle.Begin(ctx, keys, opts...)
	if err != nil {
		return Staff{}, err
	}
	err = s.check(ctx, c, in)
	if err != nil && !errors.Is(err, ErrBadCredentials) {
		_ = tk.Cancel(ctx)
		return Staff{}, err
	}
	reason := ""
	if err == nil {
		c.staff.TOTPConfirmed = true
		c.staff.verified = c.hash
		if err = in.Start(ctx, c.staff); errors.Is(err, ErrBadCredentials) {
			reason = "credential_changed"
		}
	}
	// The throttle is told the login's outcome, as the audit record is: a session
	// refused because the password changed meanwhile is a failed login for both. A
	// start that failed otherwise (the database) came after a check that succeeded,
	// and the person learns as much from the error: it is the throttle's success
	// (Ticket.Cancel is only for a check that did not happen).
	if errors.Is(err, ErrBadCredentials) {
		_ = tk.Failed(ctx)
	} else {
		_ = tk.Succeeded(ctx) // if the counter is not cleared it keeps one failure
	}
	s.recordLogin(ctx, c, in, reason, err)
	if err != nil {
		return Staff{}, err
	}
	return c.staff, nil
}

// check verifies password and code, and spends the code's time step.
func (s *Service) check(ctx context.Context, c credential, in LoginInput) error {
	if !c.found || c.staff.Disabled || in.Password == "" || len(in.Password) > 512 {
		if err := s.d.Hasher.Dummy(ctx); err != nil {
			return err
		}
		return ErrBadCredentials
	}
	ok, _, err := s.d.Hasher.Verify(ctx, c.hash, in.Password)
	if err != nil {
		return fmt.Errorf("staff %d: %w", c.staff.ID, err)
	}
	secret, serr := s.d.Sealer.Open(c.staff.ID, c.sealed)
	if serr != nil {
		return serr
	}
	step, codeOK := matchStep(secret, in.Code, s.d.Now(), c.lastStep)
	if !ok || !codeOK {
		return ErrBadCredentials
	}
	// Spend the step: only a step after the last one spent, so of two logins with the
	// same code (or a replay) exactly one gets through.
	res, err := s.d.DB.Exec(ctx, `UPDATE staff SET totp_last_step = ?,
		totp_confirmed_at = COALESCE(totp_confirmed_at, ?) WHERE id = ? AND totp_last_step < ?`,
		step, s.dbNow(), c.staff.ID, step)
	if err != nil {
		return fmt.Errorf("staff: spend TOTP step: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return ErrBadCredentials
	}
	return nil
}

// recordLogin audits the attempt: a failure when err is set, with reason (if
// any) in its detail.
func (s *Service) recordLogin(ctx context.Context, c credential, in LoginInput, reason string, err error) {
	e := audit.Entry{Action: "staff.login", Result: audit.Success, ClientIP: in.ClientIP, RequestID: in.RequestID,
		Target: "staff:unknown"}
	if c.found {
		e.StaffID, e.Target, e.Role = c.staff.ID, Target(c.staff.ID), c.staff.Roles.String()
	}
	if err != nil {
		e.Result = audit.Failure
	}
	if reason != "" {
		e.Detail = map[string]string{"reason": reason}
	}
	_, _ = s.d.Audit.Record(context.WithoutCancel(ctx), e)
}

// checkPassword checks the actor's current password through the login throttle
// (the same account counter as the login). Errors: ErrBadCredentials; the throttle's
// refusals; person.ErrBusy; database failures.
func (s *Service) checkPassword(ctx context.Context, actor Actor, password string) error {
	var hash string
	if err := s.d.DB.QueryRow(ctx, `SELECT password_hash FROM staff WHERE id = ?`, actor.StaffID).Scan(&hash); err != nil {
		return fmt.Errorf("staff: read password: %w", store.NotFound(err))
	}
	tk, err := s.d.Throttle.Begin(ctx, []throttle.Key{s.d.Throttle.RecordKey(ScopeLogin, recordKind, actor.StaffID)})
	if err != nil {
		return err
	}
	ok, _, err := s.d.Hasher.Verify(ctx, hash, password)
	switch {
	case err != nil:
		_ = tk.Cancel(ctx)
		return err
	case !ok:
		_ = tk.Failed(ctx)
		return ErrBadCredentials
	}
	_ = tk.Succeeded(ctx)
	return nil
}
