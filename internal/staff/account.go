package staff

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/store"
)

// NewStaff is an account to create: its login name, the staff member's name and roles.
type NewStaff struct {
	Login string
	Name  string
	Roles Roles
}

// Created is a new account, or one whose credentials were reset, with what the staff
// member needs for a first login: the one-time initial password (to be changed at
// that login) and the TOTP enrolment (confirmed by the first code). Neither is
// stored in the clear anywhere; hand them over and forget them.
type Created struct {
	Staff           Staff
	InitialPassword string
	Enrolment       Enrolment
}

// NormalizeLogin returns a login name as stored: trimmed and lower-case. Errors:
// ErrBadLogin unless it is 3–32 of a-z, 0-9, '.', '_', '-' starting with a letter.
func NormalizeLogin(login string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(login))
	if len(l) < 3 || len(l) > 32 || l[0] < 'a' || l[0] > 'z' {
		return "", ErrBadLogin
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return "", ErrBadLogin
		}
	}
	return l, nil
}

// checkName returns a staff member's name trimmed. Errors: ErrBadName.
func checkName(name string) (string, error) {
	n := strings.TrimSpace(name)
	if n == "" || !utf8.ValidString(n) || utf8.RuneCountInString(n) > 64 ||
		strings.IndexFunc(n, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0 {
		return "", ErrBadName
	}
	return n, nil
}

// prepare checks a new account and makes its initial password and hash, outside any
// transaction (the hash holds no database lock).
func (s *Service) prepare(ctx context.Context, in NewStaff) (NewStaff, string, string, error) {
	login, err := NormalizeLogin(in.Login)
	if err != nil {
		return NewStaff{}, "", "", err
	}
	name, err := checkName(in.Name)
	if err != nil {
		return NewStaff{}, "", "", err
	}
	if err := in.Roles.Valid(); err != nil {
		return NewStaff{}, "", "", err
	}
	pw := ident.RandomPassword(s.d.Policy, login)
	hash, err := s.d.Hasher.Hash(ctx, pw)
	if err != nil {
		return NewStaff{}, "", "", err
	}
	return NewStaff{Login: login, Name: name, Roles: in.Roles}, pw, hash, nil
}

// insert stores a new account inside tx with its sealed TOTP secret.
func (s *Service) insert(ctx context.Context, tx *store.Tx, in NewStaff, hash string, createdBy int64) (Created, error) {
	now := s.dbNow()
	var by any
	if createdBy != 0 {
		by = createdBy
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO staff (login, name, password_hash, must_change_password, is_clerk, is_reviewer,
		is_security, is_auditor, totp_secret, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?) RETURNING id`,
		in.Login, in.Name, hash, true, in.Roles.Has(RoleClerk), in.Roles.Has(RoleReviewer),
		in.Roles.Has(RoleSecurity), in.Roles.Has(RoleAuditor), by, now, now).Scan(&id)
	switch {
	case store.IsUniqueViolation(err):
		return Created{}, ErrLoginTaken
	case store.IsConstraintViolation(err):
		return Created{}, ErrRoleConflict
	case err != nil:
		return Created{}, fmt.Errorf("staff: create: %w", err)
	}
	enr, err := s.newSecret(ctx, tx, id, in.Login)
	if err != nil {
		return Created{}, err
	}
	return Created{Staff: Staff{ID: id, Login: in.Login, Name: in.Name, Roles: in.Roles, MustChangePassword: true,
		CreatedAt: now}, Enrolment: enr}, nil
}

// newSecret gives account id a new, unconfirmed TOTP secret.
func (s *Service) newSecret(ctx context.Context, tx *store.Tx, id int64, login string) (Enrolment, error) {
	enr, err := newEnrolment(s.d.Issuer, login)
	if err != nil {
		return Enrolment{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE staff SET totp_secret = ?, totp_confirmed_at = NULL, totp_last_step = 0
		WHERE id = ?`, s.d.Sealer.Seal(id, enr.Secret), id); err != nil {
		return Enrolment{}, fmt.Errorf("staff: TOTP secret: %w", err)
	}
	return enr, nil
}

// Bootstrap creates a security administrator from the command line (`hall staff
// add`), where nobody is signed in: the first one, or with force another one when
// every security administrator is locked out. The audit record "staff.bootstrap"
// names the new account as the actor, with reason.
//
// Errors: ErrBadLogin, ErrBadName; ErrSecurityExists when an enabled security
// administrator exists and force is false; ErrLoginTaken; ErrReasonRequired;
// person.ErrBusy; otherwise database or audit failures.
func (s *Service) Bootstrap(ctx context.Context, login, name, reason string, force bool) (Created, error) {
	reason, err := CheckReason(reason)
	if err != nil {
		return Created{}, err
	}
	in, pw, hash, err := s.prepare(ctx, NewStaff{Login: login, Name: name, Roles: RolesOf(RoleSecurity)})
	if err != nil {
		return Created{}, err
	}
	var c Created
	err = s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM staff WHERE is_security = ? AND disabled_at IS NULL`, true).Scan(&n); err != nil {
			return fmt.Errorf("staff: count security administrators: %w", err)
		}
		if n > 0 && !force {
			return ErrSecurityExists
		}
		if c, err = s.insert(ctx, tx, in, hash, 0); err != nil {
			return err
		}
		a := actorOf(c.Staff)
		_, err := s.d.Audit.Append(ctx, tx, a.Entry(RoleSecurity, "staff.bootstrap", Target(c.Staff.ID), reason,
			map[string]string{"login": in.Login, "roles": in.Roles.String(), "forced": fmt.Sprint(n > 0)}))
		return err
	})
	if err != nil {
		return Created{}, err
	}
	c.InitialPassword = pw
	return c, nil
}

// Create opens a staff account (security administrator only), with a one-time
// initial password and a TOTP enrolment to hand to the new staff member. Audit:
// "staff.create".
//
// Errors: ErrBadLogin, ErrBadName, ErrNoRole, ErrRoleConflict; ErrLoginTaken;
// ErrReasonRequired, ErrReasonTooLong; a *Denial; person.ErrBusy; otherwise database
// or audit failures.
func (s *Service) Create(ctx context.Context, actor Actor, in NewStaff, reason string) (Created, error) {
	if _, err := CheckReason(reason); err != nil {
		return Created{}, err
	}
	in, pw, hash, err := s.prepare(ctx, in)
	if err != nil {
		return Created{}, err
	}
	var c Created
	err = s.command(ctx, actor, ActionStaffCreate, Subject{Roles: in.Roles}, "staff:new", reason,
		func(tx *store.Tx, a Actor, role Role, reason string) (audit.Entry, error) {
			var err error
			if c, err = s.insert(ctx, tx, in, hash, a.StaffID); err != nil {
				return audit.Entry{}, err
			}
			return a.Entry(role, "staff.create", Target(c.Staff.ID), reason,
				map[string]string{"login": in.Login, "roles": in.Roles.String()}), nil
		})
	if err != nil {
		return Created{}, err
	}
	c.InitialPassword = pw
	return c, nil
}

// SetRoles gives account staffID the roles roles, when it still has the roles
// expected (what the page showed; a compare-and-set, so two administrators cannot
// undo each other unseen). The account's sessions end: it signs in again under its
// new roles. Nobody changes their own roles. Audit: "staff.roles".
//
// Errors: ErrNoRole, ErrRoleConflict; ErrStaleRoles; ErrNotFound; a *Denial;
// ErrReasonRequired, ErrReasonTooLong; database or audit failures.
func (s *Service) SetRoles(ctx context.Context, actor Actor, staffID int64, expected, roles Roles, reason string) error {
	if err := roles.Valid(); err != nil {
		return err
	}
	return s.command(ctx, actor, ActionStaffRoles, Subject{StaffID: staffID, Roles: roles}, Target(staffID), reason,
		func(tx *store.Tx, a Actor, role Role, reason string) (audit.Entry, error) {
			cur, err := s.lockStaff(ctx, tx, staffID)
			if err != nil {
				return audit.Entry{}, err
			}
			if cur.Roles != expected {
				return audit.Entry{}, ErrStaleRoles
			}
			_, err = tx.Exec(ctx, `UPDATE staff SET is_clerk = ?, is_reviewer = ?, is_security = ?, is_auditor = ?,
				updated_at = ? WHERE id = ?`, roles.Has(RoleClerk), roles.Has(RoleReviewer), roles.Has(RoleSecurity),
				roles.Has(RoleAuditor), s.dbNow(), staffID)
			if store.IsConstraintViolation(err) {
				return audit.Entry{}, ErrRoleConflict
			}
			if err != nil {
				return audit.Entry{}, fmt.Errorf("staff: set roles: %w", err)
			}
			ended, err := s.endAll(ctx, tx, staffID)
			if err != nil {
				return audit.Entry{}, err
			}
			return a.Entry(role, "staff.roles", Target(staffID), reason, map[string]string{
				"from": cur.Roles.String(), "to": roles.String(), "sessions_ended": fmt.Sprint(ended)}), nil
		})
}

// Disable stops account staffID from signing in and ends its sessions; Enable lets
// it sign in again. Nobody disables or enables themselves. Audit: "staff.disable",
// "staff.enable".
//
// Errors: ErrNotFound; a *Denial; ErrReasonRequired, ErrReasonTooLong; database or
// audit failures.
func (s *Service) Disable(ctx context.Context, actor Actor, staffID int64, reason string) error {
	return s.setDisabled(ctx, actor, staffID, true, reason)
}

// Enable: see Disable.
func (s *Service) Enable(ctx context.Context, actor Actor, staffID int64, reason string) error {
	return s.setDisabled(ctx, actor, staffID, false, reason)
}

func (s *Service) setDisabled(ctx context.Context, actor Actor, staffID int64, disable bool, reason string) error {
	action, verb := ActionStaffEnable, "staff.enable"
	if disable {
		action, verb = ActionStaffDisable, "staff.disable"
	}
	return s.command(ctx, actor, action, Subject{StaffID: staffID}, Target(staffID), reason,
		func(tx *store.Tx, a Actor, role Role, reason string) (audit.Entry, error) {
			if _, err := s.lockStaff(ctx, tx, staffID); err != nil {
				return audit.Entry{}, err
			}
			var at any
			if disable {
				at = s.dbNow()
			}
			if _, err := tx.Exec(ctx, `UPDATE staff SET disabled_at = ?, updated_at = ? WHERE id = ?`, at, s.dbNow(), staffID); err != nil {
				return audit.Entry{}, fmt.Errorf("staff: %s: %w", verb, err)
			}
			ended, err := s.endAll(ctx, tx, staffID)
			if err != nil {
				return audit.Entry{}, err
			}
			return a.Entry(role, verb, Target(staffID), reason, map[string]string{"sessions_ended": fmt.Sprint(ended)}), nil
		})
}

// ResetCredentials gives account staffID a new initial password and a new TOTP
// secret (a lost phone, a forgotten password) and ends its sessions; the staff
// member changes the password and confirms the secret at the next login. Nobody
// resets their own. Audit: "staff.reset".
//
// Errors: ErrNotFound; a *Denial; ErrReasonRequired, ErrReasonTooLong;
// person.ErrBusy; database or audit failures.
func (s *Service) ResetCredentials(ctx context.Context, actor Actor, staffID int64, reason string) (Created, error) {
	if _, err := CheckReason(reason); err != nil {
		return Created{}, err
	}
	st, err := s.Get(ctx, staffID)
	if err != nil {
		return Created{}, err
	}
	pw := ident.RandomPassword(s.d.Policy, st.Login)
	hash, err := s.d.Hasher.Hash(ctx, pw)
	if err != nil {
		return Created{}, err
	}
	var c Created
	err = s.command(ctx, actor, ActionStaffReset, Subject{StaffID: staffID}, Target(staffID), reason,
		func(tx *store.Tx, a Actor, role Role, reason string) (audit.Entry, error) {
			cur, err := s.lockStaff(ctx, tx, staffID)
			if err != nil {
				return audit.Entry{}, err
			}
			if _, err := tx.Exec(ctx, `UPDATE staff SET password_hash = ?, must_change_password = ?, updated_at = ?
				WHERE id = ?`, hash, true, s.dbNow(), staffID); err != nil {
				return audit.Entry{}, fmt.Errorf("staff: reset: %w", err)
			}
			enr, err := s.newSecret(ctx, tx, staffID, cur.Login)
			if err != nil {
				return audit.Entry{}, err
			}
			ended, err := s.endAll(ctx, tx, staffID)
			if err != nil {
				return audit.Entry{}, err
			}
			cur.MustChangePassword, cur.TOTPConfirmed = true, false
			c = Created{Staff: cur, Enrolment: enr}
			return a.Entry(role, "staff.reset", Target(staffID), reason, map[string]string{"sessions_ended": fmt.Sprint(ended)}), nil
		})
	if err != nil {
		return Created{}, err
	}
	c.InitialPassword = pw
	return c, nil
}

// lockStaff reads account id inside tx, locking its row on PostgreSQL (SQLite's
// write transaction holds the only writer). Errors: ErrNotFound, database failures.
func (s *Service) lockStaff(ctx context.Context, tx *store.Tx, id int64) (Staff, error) {
	q := "SELECT " + staffColumns + " FROM staff WHERE id = ?"
	if tx.Engine() == store.Postgres {
		q += " FOR UPDATE"
	}
	return scanStaff(tx.QueryRow(ctx, q, id))
}

// PasswordChange is the 修改密码 form of a staff member's own password.
type PasswordChange struct {
	Current, New, Confirm string
}

// ChangePassword sets the actor's own password after checking the current one (an
// attempt counted against the account's login throttle, so the form is no way
// around the lockout); it clears "must change" and ends the actor's other sessions
// (all but keep, the token hash of the session making the change). Audit:
// "staff.password.change".
//
// Errors: ErrBadCredentials for a wrong current password; a *throttle.LockedError or
// throttle.ErrCaptchaRequired; ErrPasswordMismatch, ErrPasswordSame, an
// *ident.PasswordError; a *Denial; person.ErrBusy; database or audit failures.
func (s *Service) ChangePassword(ctx context.Context, actor Actor, c PasswordChange, keep string) error {
	switch {
	case c.New != c.Confirm:
		return ErrPasswordMismatch
	case c.New == c.Current:
		return ErrPasswordSame
	}
	if err := s.d.Policy.Check(c.New, actor.Login); err != nil {
		return err
	}
	if _, err := s.authorize(ctx, actor, ActionOwnAccount, Subject{StaffID: actor.StaffID}, Target(actor.StaffID)); err != nil {
		return err
	}
	if err := s.checkPassword(ctx, actor, c.Current); err != nil {
		return err
	}
	hash, err := s.d.Hasher.Hash(ctx, c.New)
	if err != nil {
		return err
	}
	return s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		now := s.dbNow()
		if _, err := tx.Exec(ctx, `UPDATE staff SET password_hash = ?, must_change_password = ?, password_changed_at = ?,
			updated_at = ? WHERE id = ?`, hash, false, now, now, actor.StaffID); err != nil {
			return fmt.Errorf("staff: change password: %w", err)
		}
		res, err := tx.Exec(ctx, `UPDATE staff_sessions SET ended_at = ? WHERE staff_id = ? AND ended_at IS NULL
			AND token_hash <> ?`, now, actor.StaffID, keep)
		if err != nil {
			return fmt.Errorf("staff: end sessions: %w", err)
		}
		ended, _ := res.RowsAffected()
		_, err = s.d.Audit.Append(ctx, tx, actor.Entry(RoleOf(actor), "staff.password.change", Target(actor.StaffID), "",
			map[string]string{"sessions_ended": fmt.Sprint(ended)}))
		return err
	})
}

// RoleOf is the role the audit log names for an action of actor's about their own
// account: the first role the account holds.
func RoleOf(actor Actor) Role {
	if l := actor.Roles.List(); len(l) > 0 {
		return l[0]
	}
	return ""
}
