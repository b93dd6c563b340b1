package institution

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"hall/internal/audit"
	"hall/internal/person"
	"hall/internal/store"
)

// Check verifies the institution's password, as the unit login does for an
// institution number (internal/auth); a wrong password and an empty one cost one
// argon2id. It says nothing of the institution's status: the login does.
//
// Errors: person.ErrBadCredentials; person.ErrBusy; ctx's error.
func (s *Service) Check(ctx context.Context, i Institution, password string) error {
	if password == "" || len(password) > maxPasswordBytes {
		if err := s.d.Hasher.Dummy(ctx); err != nil {
			return err
		}
		return person.ErrBadCredentials
	}
	ok, _, err := s.d.Hasher.Verify(ctx, i.PasswordHash, password)
	if err != nil {
		return fmt.Errorf("institution %d: %w", i.ID, err)
	}
	if !ok {
		return person.ErrBadCredentials
	}
	return nil
}

// maxPasswordBytes bounds what is hashed from outside input (as person does).
const maxPasswordBytes = 4 * 128

// PasswordChange is the operator's 修改密码 of the institution's password, in an
// institution session.
type PasswordChange struct {
	InstitutionID, OperatorID int64
	Current, New, Confirm     string
	// Reauth checks Current: Check of the institution, wrapped in the login
	// throttle by the caller (web.Server.Reauthenticate).
	Reauth              person.Reauth
	ClientIP, RequestID string
}

// ChangePassword sets the operator's own password for the institution: the
// fields first (the personal password rules, with the operator's ID number and
// mobile and the 机构编号 refused inside it), then Reauth, then one
// transaction that writes it only while the institution is open with the same
// operator, clears MustChangePassword, ends the institution's sessions (the
// caller gives the browser that made the change a new one) and appends
// "institution.password.change". It returns the new password's hash, for the
// browser that made the change to be signed in again with it (auth.NewVerified:
// if the unit resets it before that, the sign-in is refused).
//
// Errors: a *person.FormError (nothing checked or written); Reauth's error as it
// is (person.ErrBadCredentials for a wrong current password);
// ErrChanged (closed, or another operator named, also during the change);
// person.ErrBusy; otherwise database or audit failures.
func (s *Service) ChangePassword(ctx context.Context, c PasswordChange) (string, error) {
	if c.Reauth == nil {
		return "", errors.New("institution: ChangePassword needs Reauth")
	}
	i, err := s.Get(ctx, c.InstitutionID)
	if errors.Is(err, ErrNotFound) || (err == nil && (!i.Open() || i.OperatorID != c.OperatorID)) {
		return "", ErrChanged
	}
	if err != nil {
		return "", err
	}
	if err := s.d.Persons.CheckNewPassword(c.Current, c.New, c.Confirm, i.OperatorIDNumber, i.OperatorMobile, i.Number); err != nil {
		return "", err
	}
	if err := c.Reauth(ctx, c.Current); err != nil {
		return "", err
	}
	hash, err := s.d.Hasher.Hash(ctx, c.New)
	if err != nil {
		return "", err
	}
	now := s.dbNow()
	err = s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE institutions SET password_hash = ?, must_change_password = ?, updated_at = ?
			WHERE id = ? AND operator_id = ? AND status = 'open' AND password_hash = ?`,
			hash, false, now, i.ID, c.OperatorID, i.PasswordHash)
		if err != nil {
			return fmt.Errorf("institution: change password: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return ErrChanged
		}
		n, err := s.d.Sessions.EndInstitutionTx(ctx, tx, i.ID)
		if err != nil {
			return err
		}
		_, err = s.d.Audit.Append(ctx, tx, audit.Entry{PersonID: c.OperatorID, UnitID: i.UnitID, Role: "institution",
			Action: "institution.password.change", Target: target(i.ID), Result: audit.Success, ClientIP: c.ClientIP,
			RequestID: c.RequestID, Detail: map[string]string{"sessions_ended": strconv.Itoa(n)}})
		return err
	})
	if err != nil {
		return "", err
	}
	return hash, nil
}
