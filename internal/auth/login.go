package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/institution"
	"hall/internal/person"
	"hall/internal/unit"
)

// Login checks credentials for the login methods (SPEC L1, L6) and records every
// attempt, success or failure, in the audit log with the client address. It returns
// the Subject the session was created for. Creating it is the caller's job, so
// that the web layer can rotate the browser's token, but only through
// Attempt.Start, which the check calls before it audits with the Verified
// password, so that a password changed during the check signs nobody in. Start
// is required: an Attempt without it is refused before any check (errNoStart),
// so no caller can turn a password into a Subject and start a session without
// that comparison. A caller that only wants to know whether a password is right
// (a test) passes a Start that creates nothing, and has no Verified to start a
// session with.
//
// Error contract: ErrBadCredentials for an unknown unit, unknown person, a person with
// no role in the unit, or a wrong password — one error, so the answer never reveals
// which accounts exist; ErrNotUsable when the password was right but the person's role
// in the unit is pending, revoked or outside its validity period, or the unit account
// is closed (cancelled in the registry); person.ErrBusy when
// password hashing is saturated (answer 503); otherwise infrastructure failures.
type Login struct {
	persons *person.Service
	units   *unit.Service
	hasher  *person.Hasher
	audit   *audit.Log
	now     func() time.Time
	// institutions answers an institution number (机构编号) at the unit login;
	// nil: such a login is refused like an unknown unit account.
	institutions *institution.Service
}

// SetInstitutions lets the unit login (L1) sign in an institution's operator by
// its 机构编号. Call it before the Login serves.
func (l *Login) SetInstitutions(s *institution.Service) { l.institutions = s }

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

// Attempt describes the client making a login attempt, for the audit log, and how
// a successful one signs in.
type Attempt struct {
	ClientAddr string
	RequestID  string
	// Start, when set, creates the session of a successful login (the web
	// layer's, which also sets the cookie) with the Verified password it gets,
	// before the attempt is audited: a session refused with ErrCredentialChanged
	// (the password was changed while it was being verified) makes the attempt a
	// wrong password, answered and audited as one. Required (errNoStart).
	Start func(ctx context.Context, s Subject, v Verified) error
}

// errNoStart refuses a login attempt without Attempt.Start: its session would
// be created without the check of the verified password.
var errNoStart = errors.New("auth: a login attempt needs Attempt.Start to sign in")

// start creates the session of a successful login (Attempt.Start) for the
// password v it verified.
func (at Attempt) start(ctx context.Context, s Subject, v Verified) error {
	err := at.Start(ctx, s, v)
	if errors.Is(err, ErrCredentialChanged) {
		return ErrBadCredentials
	}
	return err
}

// Credential names the secret a login attempt is checked against: a person's account
// password (PersonID) or one membership's unit password, the 经办密码 of an admin or
// agent (MembershipID). Exactly one is set. The login layer counts guesses per
// Credential, so that every spelling of a login (ID number or mobile, USCC or unit
// number) counts against the one secret it would be checked against.
type Credential struct {
	PersonID      int64
	MembershipID  int64
	InstitutionID int64 // an institution's password (机构编号 at the unit login)
}

// PersonTarget is a personal login value resolved to its accounts (ResolvePerson),
// before any password is checked.
type PersonTarget struct {
	login string
	match person.LoginMatch
}

// Credentials are the account passwords the login would be checked against: none
// for an unknown login, usually one.
func (t PersonTarget) Credentials() []Credential {
	var out []Credential
	for _, p := range t.match.Persons() {
		out = append(out, Credential{PersonID: p.ID})
	}
	return out
}

// ResolvePerson looks up the accounts a personal login value (ID number or mobile)
// names: one indexed read, done the same way for known and unknown logins, no
// password work. Errors: database failures.
func (l *Login) ResolvePerson(ctx context.Context, login string) (PersonTarget, error) {
	m, err := l.persons.ResolveLogin(ctx, login)
	return PersonTarget{login: login, match: m}, err
}

// CheckPerson checks a personal password login (L6) against the accounts resolved
// by ResolvePerson; see Login for the error contract.
func (l *Login) CheckPerson(ctx context.Context, t PersonTarget, password string, at Attempt) (person.Person, error) {
	if at.Start == nil {
		return person.Person{}, errNoStart
	}
	p, hash, err := l.persons.VerifyMatch(ctx, t.match, password)
	if errors.Is(err, person.ErrBadCredentials) {
		err = ErrBadCredentials
	}
	if err == nil {
		err = at.start(ctx, Subject{PersonID: p.ID}, Verified{Credential{PersonID: p.ID}, hash})
	}
	if err != nil {
		// As a wrong password is: no account named, also when the password was
		// right but changed before the session.
		p = person.Person{}
	}
	l.record(ctx, "login.person.password", p.ID, 0, "", t.login, at, err)
	return p, err
}

// Person checks a personal password login (L6): ID number or mobile + password
// (ResolvePerson and CheckPerson in one, for callers that count nothing).
func (l *Login) Person(ctx context.Context, login, password string, at Attempt) (person.Person, error) {
	t, err := l.ResolvePerson(ctx, login)
	if err != nil {
		return person.Person{}, err
	}
	return l.CheckPerson(ctx, t, password, at)
}

// PersonSMS checks a personal login by mobile + SMS dynamic code (L6); binding is the
// browser binding the code was sent to.
func (l *Login) PersonSMS(ctx context.Context, mobile, code, binding string, at Attempt) (person.Person, error) {
	if at.Start == nil {
		return person.Person{}, errNoStart
	}
	p, err := l.persons.AuthenticateBySMS(ctx, mobile, code, binding)
	if err == nil {
		// A code checks no stored password: nothing to compare at the session.
		err = at.start(ctx, Subject{PersonID: p.ID}, Verified{})
	}
	l.record(ctx, "login.person.sms", p.ID, 0, "", mobile, at, err)
	if errors.Is(err, person.ErrBadCredentials) {
		return person.Person{}, ErrBadCredentials
	}
	return p, err
}

// UnitTarget is a unit login (unit account + the acting person's login) resolved to
// the one credential it would be checked against (ResolveUnit), before any password
// is checked.
type UnitTarget struct {
	login      string
	unitID     int64 // 0 for an unknown unit account
	closed     bool  // the unit's account was closed (cancelled in the registry)
	person     person.Person
	membership unit.Membership // set when person is
	found      bool            // person and membership (or institution) are set
	// institution is the institution an institution number names (its operator
	// is person); nil for a unit account.
	institution *institution.Institution
	// institutionNumber: the account typed is an institution number (机构编号),
	// known or not; the attempt is an institution login's.
	institutionNumber bool
}

// Institution reports whether the login names an institution's operator (a
// 机构编号 and the login of its current operator).
func (t UnitTarget) Institution() bool { return t.institution != nil }

// Credential is the secret the login would be checked against: the legal rep's
// account password (the same as their personal login's), or the admin's or agent's
// unit password of that membership. ok is false when the unit account or the person
// is unknown, or the person has no role in the unit.
func (t UnitTarget) Credential() (c Credential, ok bool) {
	switch {
	case !t.found:
		return Credential{}, false
	case t.institution != nil:
		return Credential{InstitutionID: t.institution.ID}, true
	case t.membership.Role == unit.RoleLegalRep:
		return Credential{PersonID: t.person.ID}, true
	}
	return Credential{MembershipID: t.membership.ID}, true
}

// ResolveUnit finds the unit by its account (USCC, unit number or institution
// number) and the first person the login names who holds a role in it: a few
// indexed reads, no password work. Errors: database failures.
func (l *Login) ResolveUnit(ctx context.Context, account, login string) (UnitTarget, error) {
	t := UnitTarget{login: login}
	if kind, number, err := ident.ClassifyUnitAccount(account); err == nil && kind == ident.UnitAccountInstitution {
		t.institutionNumber = true
		return l.resolveInstitution(ctx, t, number)
	}
	u, err := l.units.ByAccount(ctx, account)
	if errors.Is(err, unit.ErrNotFound) {
		return t, nil
	}
	if err != nil {
		return t, err
	}
	t.unitID, t.closed = u.ID, u.Status != "active"
	people, err := l.persons.ByLogin(ctx, login)
	if err != nil {
		return t, err
	}
	for _, p := range people {
		m, err := l.units.Membership(ctx, u.ID, p.ID)
		if errors.Is(err, unit.ErrNotFound) {
			continue
		}
		if err != nil {
			return t, err
		}
		t.person, t.membership, t.found = p, m, true
		return t, nil
	}
	return t, nil
}

// resolveInstitution finds the institution an institution number names and
// whether the login names its operator; like a unit account, an unknown number
// and a login that names someone else resolve to no credential.
func (l *Login) resolveInstitution(ctx context.Context, t UnitTarget, number string) (UnitTarget, error) {
	if l.institutions == nil {
		return t, nil
	}
	i, err := l.institutions.ByNumber(ctx, number)
	if errors.Is(err, institution.ErrNotFound) {
		return t, nil
	}
	if err != nil {
		return t, err
	}
	t.unitID = i.UnitID
	people, err := l.persons.ByLogin(ctx, t.login)
	if err != nil {
		return t, err
	}
	for _, p := range people {
		if p.ID == i.OperatorID {
			t.closed = !i.UnitOpen || !i.Open()
			t.person, t.institution, t.found = p, &i, true
			return t, nil
		}
	}
	return t, nil
}

// CheckUnit checks a unit password login (L1) against the credential ResolveUnit
// found: the legal rep's account password, or the unit password an admin or agent
// set when confirming. It returns the subject (unit, person, role) the session acts
// as (L7); see Login for the error contract.
func (l *Login) CheckUnit(ctx context.Context, t UnitTarget, password string, at Attempt) (Subject, error) {
	if at.Start == nil {
		return Subject{}, errNoStart
	}
	if t.institutionNumber {
		// Audited as the institution login whether the number is known or not,
		// and whoever the login names: the attempt was made at an institution.
		subj, v, err := l.checkInstitution(ctx, t, password)
		subj, err = l.startUnit(ctx, at, subj, v, err)
		l.record(ctx, "login.institution.password", subj.PersonID, subj.UnitID, string(RoleInstitution), t.login, at, err)
		return subj, err
	}
	subj, v, err := l.checkUnit(ctx, t, password)
	subj, err = l.startUnit(ctx, at, subj, v, err)
	l.record(ctx, "login.unit.password", subj.PersonID, subj.UnitID, string(subj.Role), t.login, at, err)
	return subj, err
}

// startUnit creates the session of a successful unit login (Attempt.Start); one
// refused because the password changed meanwhile is a wrong password, with the
// subject a wrong password leaves (no role).
func (l *Login) startUnit(ctx context.Context, at Attempt, subj Subject, v Verified, err error) (Subject, error) {
	if err != nil {
		return subj, err
	}
	if err := at.start(ctx, subj, v); err != nil {
		return Subject{PersonID: subj.PersonID, UnitID: subj.UnitID}, err
	}
	return subj, nil
}

// Unit checks a unit password login (L1): the unit account, the acting person's ID
// number or mobile, and the password (ResolveUnit and CheckUnit in one, for callers
// that count nothing).
func (l *Login) Unit(ctx context.Context, account, login, password string, at Attempt) (Subject, error) {
	t, err := l.ResolveUnit(ctx, account, login)
	if err != nil {
		return Subject{}, err
	}
	return l.CheckUnit(ctx, t, password, at)
}

func (l *Login) checkUnit(ctx context.Context, t UnitTarget, password string) (Subject, Verified, error) {
	if !t.found {
		return Subject{UnitID: t.unitID}, Verified{}, l.fail(ctx)
	}
	p, m := t.person, t.membership
	var err error
	var v Verified
	if m.Role == unit.RoleLegalRep {
		var hash string
		hash, err = l.persons.VerifyPassword(ctx, p.ID, password)
		if errors.Is(err, person.ErrBadCredentials) {
			err = ErrBadCredentials
		}
		v = Verified{Credential{PersonID: p.ID}, hash}
	} else {
		err = l.checkUnitPassword(ctx, m.PasswordHash, password)
		v = Verified{Credential{MembershipID: m.ID}, m.PasswordHash}
	}
	if err != nil {
		return Subject{PersonID: p.ID, UnitID: t.unitID}, Verified{}, err
	}
	// A closed unit (注销 in the registry) has no usable roles, whatever the grant says.
	if !m.Usable(l.now()) || t.closed {
		return Subject{PersonID: p.ID, UnitID: t.unitID}, Verified{}, ErrNotUsable
	}
	return Subject{PersonID: p.ID, UnitID: t.unitID, Role: Role(m.Role)}, v, nil
}

// checkInstitution checks the institution's password for its operator; a closed
// institution, or one of a closed unit, is not usable however right the
// password. An unknown number, or a login that names someone else than its
// operator, costs what a wrong password does.
func (l *Login) checkInstitution(ctx context.Context, t UnitTarget, password string) (Subject, Verified, error) {
	if !t.found {
		return Subject{UnitID: t.unitID}, Verified{}, l.fail(ctx)
	}
	i, p := t.institution, t.person
	err := l.institutions.Check(ctx, *i, password)
	if errors.Is(err, person.ErrBadCredentials) {
		err = ErrBadCredentials
	}
	if err != nil {
		return Subject{PersonID: p.ID, UnitID: i.UnitID}, Verified{}, err
	}
	if t.closed {
		return Subject{PersonID: p.ID, UnitID: i.UnitID}, Verified{}, ErrNotUsable
	}
	return Subject{PersonID: p.ID, UnitID: i.UnitID, Role: RoleInstitution, InstitutionID: i.ID},
		Verified{Credential{InstitutionID: i.ID}, i.PasswordHash}, nil
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
	detail := map[string]string{"login": MaskLogin(login)}
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

// MaskLogin masks what was typed in a login field for the audit log: a mobile as
// 138****5873, anything else as an ID number (ident.MaskID).
func MaskLogin(s string) string {
	s = strings.TrimSpace(s)
	if m, err := ident.NormalizeMobile(s); err == nil {
		return ident.MaskMobile(m)
	}
	return ident.MaskID(s)
}
