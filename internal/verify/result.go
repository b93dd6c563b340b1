package verify

import (
	"context"
	"fmt"

	"hall/internal/store"
	"hall/internal/token"
)

// anyProvider, as finish's provider, accepts a session of any provider.
const anyProvider = ""

// Refuse records that the person in the companion app answered 不是我本人操作 to
// session id: it fails with NoteRefused, whichever provider started it (in
// production before the provider's face check is begun; the provider's session then
// runs out, and its late callback finds ErrUsed). Anyone signed in to the app may
// refuse a session whose link they hold, as on the development screen.
//
// Errors: ErrNotFound, ErrUsed (a result exists), ErrExpired; otherwise database
// failures.
func (s *Service) Refuse(ctx context.Context, id string) (Session, error) {
	return s.finish(ctx, id, anyProvider, func(Session) (Status, string) { return Failed, NoteRefused })
}

// finish records a result for session id from provider (anyProvider: any), deciding it with decide
// (called with the current, still pending and unexpired session). Every call counts
// as an attempt, accepted or not. The row is locked for the decision (the first
// UPDATE takes the lock on PostgreSQL; SQLite has one writer), so of concurrent
// results exactly one changes the status.
//
// Errors: ErrNotFound, ErrWrongProvider, ErrUsed (a result exists), ErrExpired (too
// late; the session is then marked expired); otherwise database failures.
func (s *Service) finish(ctx context.Context, id, provider string, decide func(Session) (Status, string)) (Session, error) {
	if !token.Valid(id) {
		return Session{}, ErrNotFound
	}
	var (
		out     Session
		outcome error
	)
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		now := store.Time(s.now())
		res, err := tx.Exec(ctx, "UPDATE verify_sessions SET attempts = attempts + 1 WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			outcome = ErrNotFound
			return nil
		}
		cur, _, err := scan(tx.Keys(), tx.QueryRow(ctx, "SELECT "+columns+" FROM verify_sessions WHERE id = ?", id))
		if err != nil {
			return err
		}
		status, note := Expired, NoteTooLate
		switch {
		case provider != anyProvider && cur.Provider != provider:
			outcome = ErrWrongProvider
			return nil
		case cur.Status == Expired:
			outcome = ErrExpired
			return nil
		case cur.Status != Pending:
			outcome = ErrUsed
			return nil
		case !now.Before(cur.ExpiresAt):
			outcome = ErrExpired // recorded, so that the app and the page agree
		default:
			status, note = decide(cur)
		}
		_, err = tx.Exec(ctx, `UPDATE verify_sessions SET status = ?, result_note = ?, completed_at = ?
			WHERE id = ? AND status = 'pending'`, string(status), note, now, id)
		if err != nil {
			return err
		}
		cur.Status, cur.ResultNote, cur.CompletedAt = status, note, now
		out = cur
		return nil
	})
	if err != nil {
		return Session{}, fmt.Errorf("verify: record result: %w", err)
	}
	if out.ID != "" {
		s.hub.notify(id)
	}
	if outcome != nil {
		return Session{}, outcome
	}
	return out, nil
}
