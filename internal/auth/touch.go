package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"hall/internal/store"
)

// Touch records activity on the live session the token names now, whatever
// Lookup's once-a-minute rule would do, and returns the session with its new idle
// expiry. It is the "继续办理" button of the timeout notice: the person asks to stay
// signed in, so the idle time must start again from this moment, not from up to a
// minute ago. The absolute expiry never moves.
//
// The update is one conditional statement: a session that ended, or ran out of
// idle or absolute time, is not revived (ErrNoSession).
//
// Errors: ErrNoSession; otherwise a database failure.
func (ss *Sessions) Touch(ctx context.Context, token string) (Session, error) {
	if !wellFormed(token) {
		return Session{}, ErrNoSession
	}
	now := ss.dbNow()
	return ss.updateLive(ctx, token, now, ProofNone, Verified{}, "touch session", "last_seen_at = ?", now)
}

// updateLive applies set (an SQL SET list with its args) to the live session the
// token names, as of now, and returns the session as updated. It is one
// conditional statement: a session that ended, or ran out of idle or absolute
// time, is not revived (ErrNoSession). v, when not zero, is the password proof p
// rests on: it must be the session's subject's own (verifiedFor,
// ErrUnverifiedPassword) and still the stored password, checked first in the same
// transaction (ErrCredentialChanged); in both cases nothing changes. what names
// the change in errors.
func (ss *Sessions) updateLive(ctx context.Context, token string, now time.Time, p Proof, v Verified, what, set string, args ...any) (Session, error) {
	var s Session
	// A write with RETURNING goes through a transaction: on SQLite only the
	// writer connection may write.
	err := ss.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		s, err = ss.updateLiveIn(ctx, tx, token, now, p, v, set, args...)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if errors.Is(err, ErrCredentialChanged) || errors.Is(err, ErrUnverifiedPassword) {
		return Session{}, err
	}
	if err != nil {
		return Session{}, fmt.Errorf("auth: %s: %w", what, err)
	}
	ss.setIdle(&s)
	return s, nil
}

// updateLiveIn is updateLive's transaction: the check of v against the session's
// subject and the stored password, then the update (sql.ErrNoRows when no live
// session matched, or no session at all when v is to be checked).
func (ss *Sessions) updateLiveIn(ctx context.Context, tx *store.Tx, token string, now time.Time, p Proof, v Verified, set string,
	args ...any) (Session, error) {
	if v.checked() {
		// A session's subject never changes, so it is read without a lock: the
		// password's row is locked first (verifiedCurrent), in a password change's
		// order, and the session's only by the update.
		subj, err := sessionSubject(ctx, tx, token)
		if err != nil {
			return Session{}, err
		}
		if err := verifiedFor(p, v, subj); err != nil {
			return Session{}, err
		}
		if err := verifiedCurrent(ctx, tx, Meta{Proof: p, Verified: v}, subj); err != nil {
			return Session{}, err
		}
	}
	return scanSession(tx.QueryRow(ctx, `UPDATE sessions SET `+set+`
		WHERE token_hash = ? AND ended_at IS NULL AND last_seen_at > ? AND absolute_expires_at > ?
		RETURNING `+sessionColumns, append(args, hashToken(token), now.Add(-ss.cfg.Idle), now)...))
}

// sessionSubject reads the subject of the session the token names, live or not.
// Errors: sql.ErrNoRows when there is none; otherwise a database failure.
func sessionSubject(ctx context.Context, tx *store.Tx, token string) (Subject, error) {
	var s Subject
	var unit, inst sql.NullInt64
	var role sql.NullString
	if err := tx.QueryRow(ctx, "SELECT person_id, unit_id, role, institution_id FROM sessions WHERE token_hash = ?",
		hashToken(token)).Scan(&s.PersonID, &unit, &role, &inst); err != nil {
		return Subject{}, err
	}
	s.UnitID, s.Role, s.InstitutionID = unit.Int64, Role(role.String), inst.Int64
	return s, nil
}
