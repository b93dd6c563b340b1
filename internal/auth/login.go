package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/unit"
)

// Login checks credentials for the login methods (SPEC L1, L6) and records every
// attempt, success or failure, in the audit log with the client address. It returns
// the Subject a session should be created for; creating it is the caller's job, so
// that the web layer can rotate the browser's token.
//
// Error contract: ErrBadCredentials for an unknown unit, unknown person, a person with
// no role in the unit, or a wrong password — one error, so the answer never reveals
// which accounts exist; ErrNotUsable when the password was right but the person's role
// in the unit is pending, revoked or outside its validity period; person.ErrBusy when
// password hashing is saturated (answer 503); otherwise infrastructure failures.
type Login struct {
	persons *person.Service
	units   *unit.Service
	hasher  *person.Hasher
	audit   *audit.Log
	now     func() time.Time
}

var (
	ErrBadCredentials = errors.New("auth: bad credentials")
	ErrNotUsable      = errors.New("auth: the role in this unit is not usable now")
)

// NewLogin returns the login service.
func NewLogin(persons *person.Service, units *unit.Service, hasher *person.Hasher, log *audit.Log, now func() time.Time) *Login {
	if now == nil {
		now = time.Now
	}
	return &Login{persons: persons, units: units, hasher: hasher, audit: log, now: now}
}

// Attempt describes the client making a login attempt, for the audit log.
type Attempt struct {
	ClientAddr string
	RequestID  string
}

// Person checks a personal password login (L6): ID number or mobile + password.
func (l *Login) Person(ctx context.Context, login, password string, at Attempt) (person.Person, error) {
	p, err := l.persons.Authenticate(ctx, login, password)
	l.record(ctx, "login.person.password", p.ID, 0, "", login, at, err)
	if errors.Is(err, person.ErrBadCredentials) {
		return person.Person{}, ErrBadCredentials
	}
	return p, err
}

// PersonSMS checks a personal login by mobile + SMS dynamic code (L6); binding is the
// browser binding the code was sent to.
func (l *Login) PersonSMS(ctx context.Context, mobile, code, binding string, at Attempt) (person.Person, error) {
	p, err := l.persons.AuthenticateBySMS(ctx, mobile, code, binding)
	l.record(ctx, "login.person.sms", p.ID, 0, "", mobile, at, err)
	if errors.Is(err, person.ErrBadCredentials) {
		return person.Person{}, ErrBadCredentials
	}
	return p, err
}

// Unit checks a unit password login (L1): the unit account (USCC, unit number or
// institution number), the acting person's ID number or mobile, and the password —
// the legal rep's account password, or the unit password an admin or agent set when
// confirming. It returns the subject (unit, person, role) the session acts as (L7).
func (l *Login) Unit(ctx context.Context, account, login, password string, at Attempt) (Subject, error) {
	subj, err := l.unit(ctx, account, login, password)
	l.record(ctx, "login.unit.password", subj.PersonID, subj.UnitID, string(subj.Role), login, at, err)
	return subj, err
}

func (l *Login) unit(ctx context.Context, account, login, password string) (Subject, error) {
	u, err := l.units.ByAccount(ctx, account)
	if errors.Is(err, unit.ErrNotFound) {
		return Subject{}, l.fail(ctx)
	}
	if err != nil {
		return Subject{}, err
	}
	people, err := l.persons.ByLogin(ctx, login)
	if err != nil {
		return Subject{}, err
	}
	for _, p := range people {
		m, err := l.units.Membership(ctx, u.ID, p.ID)
		if errors.Is(err, unit.ErrNotFound) {
			continue
		}
		if err != nil {
			return Subject{}, err
		}
		subj := Subject{PersonID: p.ID, UnitID: u.ID, Role: Role(m.Role)}
		if m.Role == unit.RoleLegalRep {
			err = l.persons.CheckPassword(ctx, p.ID, password)
			if errors.Is(err, person.ErrBadCredentials) {
				return Subject{PersonID: p.ID, UnitID: u.ID}, ErrBadCredentials
			}
		} else {
			err = l.checkUnitPassword(ctx, m.PasswordHash, password)
		}
		if err != nil {
			return Subject{PersonID: p.ID, UnitID: u.ID}, err
		}
		if !m.Usable(l.now()) {
			return Subject{PersonID: p.ID, UnitID: u.ID}, ErrNotUsable
		}
		return subj, nil
	}
	return Subject{UnitID: u.ID}, l.fail(ctx)
}

// checkUnitPassword verifies an admin's or agent's unit password; a membership with no
// password yet (pending) costs the same as a wrong one.
func (l *Login) checkUnitPassword(ctx context.Context, hash, password string) error {
	if hash == "" || password == "" {
		return l.fail(ctx)
	}
	ok, _, err := l.hasher.Verify(ctx, hash, password)
	if err != nil {
		return err
	}
	if !ok {
		return ErrBadCredentials
	}
	return nil
}

// fail spends one dummy hash so that a refusal without a password check takes as long
// as a wrong password, then returns ErrBadCredentials.
func (l *Login) fail(ctx context.Context) error {
	if err := l.hasher.Dummy(ctx); err != nil {
		return err
	}
	return ErrBadCredentials
}

// record appends the attempt to the audit log. The login value is masked; a failure
// to audit is not hidden from the caller's logs but does not change the answer.
func (l *Login) record(ctx context.Context, action string, personID, unitID int64, role, login string, at Attempt, err error) {
	res := audit.Success
	detail := map[string]string{"login": maskLogin(login)}
	switch {
	case err == nil:
	case errors.Is(err, ErrBadCredentials), errors.Is(err, person.ErrBadCredentials):
		res = audit.Failure
		detail["reason"] = "bad_credentials"
	case errors.Is(err, ErrNotUsable):
		res = audit.Denied
		detail["reason"] = "role_not_usable"
	default:
		res = audit.Failure
		detail["reason"] = "error"
	}
	target := ""
	if unitID != 0 {
		target = "unit:" + strconv.FormatInt(unitID, 10)
	}
	_, _ = l.audit.Record(context.WithoutCancel(ctx), audit.Entry{PersonID: personID, UnitID: unitID, Role: role,
		Action: action, Target: target, Result: res, ClientIP: at.ClientAddr, RequestID: at.RequestID, Detail: detail})
}

// maskLogin masks what was typed in a login field for the audit log.
func maskLogin(s string) string {
	s = strings.TrimSpace(s)
	if m, err := ident.NormalizeMobile(s); err == nil {
		return ident.MaskMobile(m)
	}
	return ident.MaskID(s)
}
