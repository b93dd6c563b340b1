package unit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"hall/internal/audit"
	"hall/internal/person"
	"hall/internal/store"
)

// The unit password (经办密码) of an administrator or agent: set when the person
// confirms the invitation in the companion app, used with the unit account at the
// unit login (L1), and changed here from 账号设置 (U9). The legal rep has none: they
// sign in to the unit with their personal account password (person package).

var (
	// ErrNoUnitPassword: the membership is the legal rep's, who has no unit password.
	ErrNoUnitPassword = errors.New("unit: the legal representative signs in with the personal password")
	// ErrNotActive: the membership is pending, revoked or outside its validity.
	ErrNotActive = errors.New("unit: the membership is not usable now")
)

// Passwords checks and changes unit passwords. It holds no state of its own.
type Passwords struct {
	db      *store.DB
	hasher  *person.Hasher
	persons *person.Service
	audit   *audit.Log
	now     func() time.Time
}

// PasswordDeps are what Passwords works with; Persons provides the password policy
// (the same rules as a personal password) and Hasher the argon2id hashing.
type PasswordDeps struct {
	DB      *store.DB
	Hasher  *person.Hasher
	Persons *person.Service
	Audit   *audit.Log
	Now     func() time.Time // nil: time.Now
}

// NewPasswords returns the unit-password service.
func NewPasswords(d PasswordDeps) *Passwords {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Passwords{db: d.DB, hasher: d.Hasher, persons: d.Persons, audit: d.Audit, now: d.Now}
}

// passwordRow is a membership with what the policy needs about its person and unit.
type passwordRow struct {
	m                Membership
	idNumber, mobile string
	uscc             string
}

func (p *Passwords) load(ctx context.Context, unitID, personID int64) (passwordRow, error) {
	var r passwordRow
	var role, status string
	var from, until sql.NullTime
	var hash sql.NullString
	var sealed person.SealedIdentity
	err := p.db.QueryRow(ctx, `SELECT m.id, m.role, m.status, m.valid_from, m.valid_until, m.password_hash,
		p.id_number, p.mobile, u.uscc
		FROM memberships m JOIN persons p ON p.id = m.person_id JOIN units u ON u.id = m.unit_id
		WHERE m.unit_id = ? AND m.person_id = ? AND m.status <> 'revoked'`, unitID, personID).
		Scan(&r.m.ID, &role, &status, &from, &until, &hash, &sealed.IDNumber, &sealed.Mobile, &r.uscc)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("unit: load membership: %w", err)
	}
	opened, err := sealed.Open(p.db.Keys(), personID)
	if err != nil {
		return r, fmt.Errorf("unit: load membership: %w", err)
	}
	r.idNumber, r.mobile = opened.IDNumber, opened.Mobile
	r.m.UnitID, r.m.PersonID, r.m.Role, r.m.Status = unitID, personID, Role(role), Status(status)
	r.m.ValidFrom, r.m.ValidUntil, r.m.PasswordHash = ptrTime(from), ptrTime(until), hash.String
	return r, nil
}

// maxPasswordLen bounds what is hashed from outside input (as person does).
const maxPasswordLen = 4 * 128

// Check verifies the unit password of the person's membership in the unit, as the
// unit login does: a membership without a password, an unknown one and a wrong
// password all cost one argon2id and give person.ErrBadCredentials.
//
// Errors: person.ErrBadCredentials; ErrNoUnitPassword for the legal rep's membership;
// person.ErrBusy; ctx's error; otherwise database failures.
func (p *Passwords) Check(ctx context.Context, unitID, personID int64, password string) error {
	_, _, err := p.Verify(ctx, unitID, personID, password)
	return err
}

// Verify is Check that also returns the membership and the hash stored when the
// password was verified, for a session or proof that rests on it to be written
// only while it is still the stored one (auth.NewVerified). Errors: Check's.
func (p *Passwords) Verify(ctx context.Context, unitID, personID int64, password string) (membershipID int64, hash string, err error) {
	r, err := p.load(ctx, unitID, personID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, "", err
	}
	if err == nil && r.m.Role == RoleLegalRep {
		return 0, "", ErrNoUnitPassword
	}
	if err != nil || r.m.PasswordHash == "" || password == "" || len(password) > maxPasswordLen {
		if err := p.hasher.Dummy(ctx); err != nil {
			return 0, "", err
		}
		return 0, "", person.ErrBadCredentials
	}
	ok, _, err := p.hasher.Verify(ctx, r.m.PasswordHash, password)
	if err != nil {
		return 0, "", fmt.Errorf("unit: membership %d: %w", r.m.ID, err)
	}
	if !ok {
		return 0, "", person.ErrBadCredentials
	}
	return r.m.ID, r.m.PasswordHash, nil
}

// PasswordChange is the 修改密码 form of an administrator's or agent's unit password.
type PasswordChange struct {
	UnitID, PersonID int64
	Current          string // re-authentication: the current unit password, checked by Reauth
	New, Confirm     string
	Reauth           person.Reauth
	// Sessions ends the person's sessions in this unit inside the change's
	// transaction; the caller then gives the browser that made the change a new one.
	Sessions person.SessionEnder
	Actor    person.Actor
}

// PasswordChanged is what a unit password change stored: the membership whose
// password it is and the new hash, for the browser that made the change to be
// signed in again with it (auth.NewVerified), and how many sessions it ended.
type PasswordChanged struct {
	MembershipID  int64
	Hash          string
	SessionsEnded int
}

// ChangePassword sets a new unit password for an active administrator or agent.
//
// The fields are checked first with the personal password rules (person's
// CheckNewPassword, with the person's ID number and mobile and the unit's USCC
// refused inside it); then Reauth; then the hash, outside the transaction; then
// one transaction that writes it only while the membership is still the same and
// active, ends the person's sessions in this unit (their sessions as a person or in
// other units are not this password's) and appends "unit.password.change".
//
// Errors: a *person.FormError (nothing checked or written); Reauth's error as it is;
// ErrNotFound (no membership); ErrNoUnitPassword (legal rep); ErrNotActive (pending,
// revoked or outside its validity, also when that happens during the change);
// person.ErrBusy; otherwise database or audit failures.
func (p *Passwords) ChangePassword(ctx context.Context, c PasswordChange) (PasswordChanged, error) {
	if c.Reauth == nil || c.Sessions == nil {
		return PasswordChanged{}, errors.New("unit: ChangePassword needs Reauth and Sessions")
	}
	r, err := p.load(ctx, c.UnitID, c.PersonID)
	if err != nil {
		return PasswordChanged{}, err
	}
	switch {
	case r.m.Role == RoleLegalRep:
		return PasswordChanged{}, ErrNoUnitPassword
	case !r.m.Usable(p.now()):
		return PasswordChanged{}, ErrNotActive
	}
	if err := p.persons.CheckNewPassword(c.Current, c.New, c.Confirm, r.idNumber, r.mobile, r.uscc); err != nil {
		return PasswordChanged{}, err
	}
	if err := c.Reauth(ctx, c.Current); err != nil {
		return PasswordChanged{}, err
	}
	hash, err := p.hasher.Hash(ctx, c.New)
	if err != nil {
		return PasswordChanged{}, err
	}
	now := store.Time(p.now())
	var ended int
	err = p.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE memberships SET password_hash = ? WHERE id = ? AND status = 'active'
			AND (valid_from IS NULL OR valid_from <= ?) AND (valid_until IS NULL OR valid_until > ?)`,
			hash, r.m.ID, now, now)
		if err != nil {
			return fmt.Errorf("unit: change password: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return ErrNotActive
		}
		unitID := c.UnitID
		if ended, err = c.Sessions.EndAllTx(ctx, tx, c.PersonID, &unitID); err != nil {
			return err
		}
		_, err = p.audit.Append(ctx, tx, audit.Entry{PersonID: c.PersonID, UnitID: c.UnitID, Role: string(r.m.Role),
			Action: "unit.password.change", Target: "membership:" + strconv.FormatInt(r.m.ID, 10), Result: audit.Success,
			ClientIP: c.Actor.ClientAddr, RequestID: c.Actor.RequestID,
			Detail: map[string]string{"sessions_ended": strconv.Itoa(ended)}})
		return err
	})
	if err != nil {
		return PasswordChanged{}, err
	}
	return PasswordChanged{MembershipID: r.m.ID, Hash: hash, SessionsEnded: ended}, nil
}
