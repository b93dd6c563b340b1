package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"hall/internal/store"
)

// ErrCredentialChanged means the password a login verified is no longer the
// stored one: it was changed or reset after the check, before the session.
var ErrCredentialChanged = errors.New("auth: the password changed since it was verified")

// Verified is the password a login has just verified, as its hash was stored
// when it was read for the check. Verifying takes one argon2id; a password
// change that commits meanwhile ends the person's sessions, and the login would
// then start a fresh one with the old password. So the session is created only
// while the hash is still the stored one: Create and Rotate compare it, with the
// row locked, in the transaction that inserts the session (Meta.Verified), and a
// change waits for that transaction or is seen by it. The zero Verified checks
// nothing (a login by SMS code, QR, CA or OIDC verifies no stored password), so
// a proof that claims a password is refused without one (ErrUnverifiedPassword):
// no caller can forget the comparison.
type Verified struct {
	credential Credential
	hash       string
}

// NewVerified is the password of c whose hash was stored as hash when the
// caller verified it, or that the caller has just stored (a password change,
// whose browser is signed in again with the new password: if another writer
// replaced it meanwhile, that sign-in is refused). A Verified only ever adds a
// check, so building one grants nothing. With a zero c it is the zero Verified,
// which checks nothing; with an empty hash it is always refused (no stored
// password is empty).
func NewVerified(c Credential, hash string) Verified { return Verified{credential: c, hash: hash} }

// checked reports whether v names a password to check at session creation.
func (v Verified) checked() bool { return v.credential != (Credential{}) }

// current checks inside tx that the verified hash is still stored, locking the
// row so that a password change cannot commit between this check and the
// session's insert; a membership's unit password must also be the session's
// subject s's own membership (its person and unit). Errors:
// ErrCredentialChanged (also for a row gone); ErrUnverifiedPassword for another
// subject's membership; otherwise a database failure.
func (v Verified) current(ctx context.Context, tx *store.Tx, s Subject) error {
	var q string
	var id int64
	switch c := v.credential; {
	case c.PersonID != 0:
		q, id = "SELECT password_hash, id, 0 FROM persons WHERE id = ?", c.PersonID
	case c.MembershipID != 0:
		q, id = "SELECT COALESCE(password_hash, ''), person_id, unit_id FROM memberships WHERE id = ?", c.MembershipID
	case c.InstitutionID != 0:
		q, id = "SELECT password_hash, 0, 0 FROM institutions WHERE id = ?", c.InstitutionID
	}
	var stored string
	var personID, unitID int64
	err := tx.QueryRow(ctx, q+tx.ForUpdate(), id).Scan(&stored, &personID, &unitID)
	if err == nil && v.credential.MembershipID != 0 && (personID != s.PersonID || unitID != s.UnitID) {
		return ErrUnverifiedPassword
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrCredentialChanged
	}
	if err != nil {
		return fmt.Errorf("auth: read the verified password: %w", err)
	}
	if stored == "" || stored != v.hash {
		return ErrCredentialChanged
	}
	return nil
}
