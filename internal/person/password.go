package person

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"hall/internal/store"
)

// SetPassword sets a person's password inside the caller's transaction (a
// password reset or change, which also ends sessions and finishes its flow in
// the same transaction). The policy is applied with the person's ID number and
// mobile as context words, plus contextWords (the unit's USCC, …).
// password_changed_at becomes now and must_change_password is cleared.
// Auditing is the caller's: it knows whether this is a reset, a change or a
// counter action.
//
// The hash runs inside tx. On SQLite that holds the single writer for one
// argon2id (~25 ms) plus any wait for a hashing slot; password changes are
// rare enough for that, logins never do it.
//
// Errors: ErrNotFound; a *FormError on FieldPassword when the policy refuses
// the password; ErrBusy from the hasher; ctx's error; otherwise a database
// failure.
func (s *Service) SetPassword(ctx context.Context, tx *store.Tx, id int64, newPassword string, contextWords ...string) error {
	var sealedIDNumber, sealedMobile []byte
	err := tx.QueryRow(ctx, "SELECT id_number, mobile FROM persons WHERE id = ?", id).Scan(&sealedIDNumber, &sealedMobile)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("person: set password: %w", err)
	}
	idNumber, err := Open(tx.Keys(), ColumnIDNumber, id, sealedIDNumber)
	if err != nil {
		return fmt.Errorf("person: set password: %w", err)
	}
	mobile, err := Open(tx.Keys(), ColumnMobile, id, sealedMobile)
	if err != nil {
		return fmt.Errorf("person: set password: %w", err)
	}
	fe := &FormError{}
	if newPassword == "" {
		fe.add(FieldPassword, msgPasswordMissing)
	} else if err := s.policy.Check(newPassword, append([]string{idNumber, mobile}, contextWords...)...); err != nil {
		fe.add(FieldPassword, fieldMsg(err))
	}
	if err := fe.orNil(); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return err
	}
	now := s.dbNow()
	_, err = tx.Exec(ctx, `UPDATE persons SET password_hash = ?, password_changed_at = ?,
		must_change_password = ?, updated_at = ? WHERE id = ?`, hash, now, false, now, id)
	if err != nil {
		return fmt.Errorf("person: set password: %w", err)
	}
	return nil
}
