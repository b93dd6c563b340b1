package person

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"hall/internal/store"
)

// Changes the back office makes to a personal account at the counter (SPEC B3/P3,
// B6), each inside the counter's transaction, which authorizes, ends sessions and
// audits: this package only writes the person row.

// ResetAtCounterTx gives person id a new password issued at the counter (hash, from
// Hasher.Hash of a one-time password sent by SMS) that must be changed at the next
// login: must_change_password is set, and stays set until the person sets a password
// of their own (ChangePassword, SetPassword). Errors: ErrNotFound; database failures.
func (s *Service) ResetAtCounterTx(ctx context.Context, tx *store.Tx, id int64, hash string) error {
	now := s.dbNow()
	res, err := tx.Exec(ctx, `UPDATE persons SET password_hash = ?, password_changed_at = ?, must_change_password = ?,
		updated_at = ? WHERE id = ?`, hash, now, true, now, id)
	if err != nil {
		return fmt.Errorf("person: counter reset: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}

// Released forms: what a released ID number or mobile is replaced with. Neither can
// be a real value — no ID type starts with "~", and mainland mobiles start with 13–19,
// never 10 — and both embed the account's id, so they stay unique.
func releasedIDNumber(id int64) string { return fmt.Sprintf("~R%08d", id) }
func releasedMobile(id int64) string   { return fmt.Sprintf("10%09d", id%1_000_000_000) }

// ReleaseIdentityTx frees the ID number of person id, which someone registered who
// was not its holder (an appeal of kind id_taken, decided at the counter): the
// account keeps its row (its history and audit trail refer to it) but its ID number
// becomes a released form that no login or registration can match, and its password
// is cleared, so nobody signs in to it again. The holder can then register. It
// returns the person as it was. Errors: ErrNotFound; database failures.
func (s *Service) ReleaseIdentityTx(ctx context.Context, tx *store.Tx, id int64) (Person, error) {
	p, err := s.lockPerson(ctx, tx, id)
	if err != nil {
		return Person{}, err
	}
	now := s.dbNow()
	released := releasedIDNumber(id)
	_, err = tx.Exec(ctx, `UPDATE persons SET id_number = ?, id_number_index = ?, password_hash = '', must_change_password = ?,
		updated_at = ? WHERE id = ?`, tx.Keys().SealString(Place(ColumnIDNumber, id), released), IDNumberIndex(tx.Keys(), released),
		false, now, id)
	if err != nil {
		return Person{}, fmt.Errorf("person: release ID number: %w", err)
	}
	return p, nil
}

// ReleaseMobileTx frees the mobile of person id, which belongs to someone else (an
// appeal of kind mobile_taken): the account's mobile becomes a released form that no
// real number equals, so the appellant can register or move to the number; the
// account keeps its password and signs in by ID number, and sets a new mobile at the
// counter. It returns the person as it was. Errors: ErrNotFound; database failures.
func (s *Service) ReleaseMobileTx(ctx context.Context, tx *store.Tx, id int64) (Person, error) {
	p, err := s.lockPerson(ctx, tx, id)
	if err != nil {
		return Person{}, err
	}
	released := releasedMobile(id)
	if _, err := tx.Exec(ctx, `UPDATE persons SET mobile = ?, mobile_index = ?, updated_at = ? WHERE id = ?`,
		tx.Keys().SealString(Place(ColumnMobile, id), released), MobileIndex(tx.Keys(), released), s.dbNow(), id); err != nil {
		return Person{}, fmt.Errorf("person: release mobile: %w", err)
	}
	return p, nil
}

// lockPerson reads person id inside tx, locking the row on PostgreSQL.
func (s *Service) lockPerson(ctx context.Context, tx *store.Tx, id int64) (Person, error) {
	q := "SELECT " + personColumns + " FROM persons WHERE id = ?"
	if tx.Engine() == store.Postgres {
		q += " FOR UPDATE"
	}
	p, _, err := scanPerson(tx.Keys(), tx.QueryRow(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, ErrNotFound
	}
	return p, err
}

// ByIdentityTx is ByIdentity inside tx (the number as stored, normalised). Errors:
// ErrNotFound; database failures.
func (s *Service) ByIdentityTx(ctx context.Context, tx *store.Tx, idType, idNumber string) (Person, error) {
	match, args := IDNumberMatch(tx.Keys(), "", idNumber)
	p, _, err := scanPerson(tx.Keys(), tx.QueryRow(ctx, "SELECT "+personColumns+" FROM persons WHERE "+match+" AND id_type = ?",
		append(args, idType)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, ErrNotFound
	}
	return p, err
}

// ByMobileTx is ByMobile inside tx (the number as stored). Errors: ErrNotFound;
// database failures.
func (s *Service) ByMobileTx(ctx context.Context, tx *store.Tx, mobile string) (Person, error) {
	match, args := MobileMatch(tx.Keys(), "", mobile)
	p, _, err := scanPerson(tx.Keys(), tx.QueryRow(ctx, "SELECT "+personColumns+" FROM persons WHERE "+match, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, ErrNotFound
	}
	return p, err
}
