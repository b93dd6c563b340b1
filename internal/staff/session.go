package staff

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/store"
	"hall/internal/token"
)

// Back-office sessions.
//
// Decision: a table of their own (staff_sessions), not a kind in the hall's sessions:
// a staff member is not a person (sessions.person_id references persons), the back
// office has its own cookie and listener, and its sessions are shorter — idle 15
// minutes, absolute 8 hours (a working day) by default against the hall's 30 minutes
// and 12 hours — because a back-office session can change other people's accounts.
// The token is a token.New token (256 bits) stored as its SHA-256 only. The account
// is read again at every Lookup, so a role taken away or a disabled account takes
// effect at the next request; SetRoles, Disable and ResetCredentials also end the
// account's sessions outright.

// ErrNoSession: the token does not name a live session of an enabled account.
var ErrNoSession = errors.New("staff: no session")

// SessionConfig holds the back-office session lifetimes.
type SessionConfig struct {
	Idle     time.Duration // default 15 minutes
	Absolute time.Duration // default 8 hours
}

// Default lifetimes of back-office sessions.
const (
	DefaultIdle     = 15 * time.Minute
	DefaultAbsolute = 8 * time.Hour
)

// touchEvery is how stale last_seen_at may get before Lookup writes it.
const touchEvery = 30 * time.Second

func (c SessionConfig) withDefaults() SessionConfig {
	if c.Idle == 0 {
		c.Idle = DefaultIdle
	}
	if c.Absolute == 0 {
		c.Absolute = DefaultAbsolute
	}
	return c
}

// Validate reports lifetimes that make no sense.
func (c SessionConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Idle < time.Minute:
		return errors.New("staff: session idle timeout must be at least one minute")
	case c.Absolute < c.Idle:
		return errors.New("staff: session absolute lifetime must not be shorter than the idle timeout")
	case c.Absolute > 24*time.Hour:
		return errors.New("staff: session absolute lifetime must be at most 24 hours")
	}
	return nil
}

// Session is a live back-office session with the account as it is now.
type Session struct {
	ID                string // hex SHA-256 of the token: names the session, cannot sign in
	Actor             Actor  // roles and state read at Lookup; ClientIP and RequestID empty
	CreatedAt         time.Time
	LastSeenAt        time.Time
	IdleExpiresAt     time.Time
	AbsoluteExpiresAt time.Time
}

// StartSession creates a session for account st, as Login's LoginInput.Start,
// ending the session oldToken names (whatever it is: rotation at login, so a token
// planted before login is useless). It returns the token for the cookie.
//
// st must be what Login returned: the session is created only while the password
// Login verified is still the stored one and the account is not disabled, checked
// with the account's row locked in the transaction that inserts the session. A
// reset or a change that commits during the login (its argon2id) ends the
// account's sessions and would otherwise be outlived by this one; it waits for
// this transaction, or is seen by it.
//
// Errors: ErrBadCredentials when the password changed or the account was disabled
// since Login, or st did not come from Login (answered as a failed login, which
// Login audits; nothing changes); otherwise database failures.
func (s *Service) StartSession(ctx context.Context, st Staff, oldToken, clientIP, userAgent string) (string, Session, error) {
	tok := token.New()
	now := s.dbNow()
	sess := Session{ID: token.Hash(tok), Actor: actorOf(st), CreatedAt: now, LastSeenAt: now,
		AbsoluteExpiresAt: now.Add(s.sessions.Absolute)}
	s.setIdle(&sess)
	err := s.d.DB.Tx(ctx, func(tx *store.Tx) error {
		return s.startIn(ctx, tx, st, sess, oldToken, clientIP, userAgent)
	})
	if errors.Is(err, ErrBadCredentials) {
		// Login, whose LoginInput.Start this is, audits the attempt as failed.
		return "", Session{}, err
	}
	if err != nil {
		return "", Session{}, fmt.Errorf("staff: start session: %w", err)
	}
	return tok, sess, nil
}

// startIn is StartSession's transaction: the check of st's verified password,
// the end of the session oldToken names and the insert of sess.
func (s *Service) startIn(ctx context.Context, tx *store.Tx, st Staff, sess Session, oldToken, clientIP, userAgent string) error {
	if err := s.stillVerified(ctx, tx, st); err != nil {
		return err
	}
	if token.Valid(oldToken) {
		if _, err := tx.Exec(ctx, `UPDATE staff_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL`,
			sess.CreatedAt, token.Hash(oldToken)); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO staff_sessions (token_hash, staff_id, created_at, last_seen_at,
		absolute_expires_at, client_addr, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		sess.ID, st.ID, sess.CreatedAt, sess.LastSeenAt, sess.AbsoluteExpiresAt, cut(clientIP, 64), cut(userAgent, 256))
	return err
}

// stillVerified checks inside tx, first, that st's verified password is still
// the stored one of an enabled account, locking the row before the session's, in
// the order a reset takes them (the account, then its sessions).
func (s *Service) stillVerified(ctx context.Context, tx *store.Tx, st Staff) error {
	if st.verified == "" {
		return ErrBadCredentials
	}
	var hash string
	var disabled sql.NullTime
	err := tx.QueryRow(ctx, `SELECT password_hash, disabled_at FROM staff WHERE id = ?`+tx.ForUpdate(), st.ID).Scan(&hash, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrBadCredentials
	}
	if err != nil {
		return fmt.Errorf("staff: read the verified password: %w", err)
	}
	if hash != st.verified || disabled.Valid {
		return ErrBadCredentials
	}
	return nil
}

func (s *Service) setIdle(sess *Session) {
	sess.IdleExpiresAt = sess.LastSeenAt.Add(s.sessions.Idle)
	if sess.IdleExpiresAt.After(sess.AbsoluteExpiresAt) {
		sess.IdleExpiresAt = sess.AbsoluteExpiresAt
	}
}

// Lookup returns the live session the token names, with the account's current roles,
// and records the activity (at most every 30 seconds, so a session may end up to that
// much early, never late). Errors: ErrNoSession for a malformed, unknown, ended,
// idle or expired token, or a disabled account; database failures.
func (s *Service) Lookup(ctx context.Context, tok string) (Session, error) {
	if !token.Valid(tok) {
		return Session{}, ErrNoSession
	}
	hash := token.Hash(tok)
	var sess Session
	row := s.d.DB.QueryRow(ctx, `SELECT `+prefixColumns("s.")+`, ss.created_at, ss.last_seen_at, ss.absolute_expires_at
		FROM staff_sessions ss JOIN staff s ON s.id = ss.staff_id
		WHERE ss.token_hash = ? AND ss.ended_at IS NULL`, hash)
	st, err := scanStaff(scanTail{row: row, tail: []any{&sess.CreatedAt, &sess.LastSeenAt, &sess.AbsoluteExpiresAt}})
	if errors.Is(err, ErrNotFound) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, err
	}
	sess.ID, sess.Actor = hash, actorOf(st)
	sess.CreatedAt, sess.LastSeenAt, sess.AbsoluteExpiresAt = sess.CreatedAt.UTC(), sess.LastSeenAt.UTC(), sess.AbsoluteExpiresAt.UTC()
	s.setIdle(&sess)
	now := s.dbNow()
	if st.Disabled || !now.Before(sess.IdleExpiresAt) || !now.Before(sess.AbsoluteExpiresAt) {
		return Session{}, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		res, err := s.d.DB.Exec(ctx, `UPDATE staff_sessions SET last_seen_at = ? WHERE token_hash = ? AND ended_at IS NULL`, now, hash)
		if err != nil {
			return Session{}, fmt.Errorf("staff: touch session: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return Session{}, ErrNoSession
		}
		sess.LastSeenAt = now
		s.setIdle(&sess)
	}
	return sess, nil
}

// EndSession ends the session the token names (logout); idempotent. Errors: database
// failures.
func (s *Service) EndSession(ctx context.Context, tok string) error {
	if !token.Valid(tok) {
		return nil
	}
	_, err := s.d.DB.Exec(ctx, `UPDATE staff_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL`,
		s.dbNow(), token.Hash(tok))
	return err
}

// endAll ends every session of account id inside tx and returns how many.
func (s *Service) endAll(ctx context.Context, tx *store.Tx, id int64) (int64, error) {
	res, err := tx.Exec(ctx, `UPDATE staff_sessions SET ended_at = ? WHERE staff_id = ? AND ended_at IS NULL`, s.dbNow(), id)
	if err != nil {
		return 0, fmt.Errorf("staff: end sessions: %w", err)
	}
	return res.RowsAffected()
}

// SweepSessions deletes sessions whose absolute expiry is more than keep in the past.
// Errors: database failures.
func (s *Service) SweepSessions(ctx context.Context, keep time.Duration) (int64, error) {
	res, err := s.d.DB.Exec(ctx, `DELETE FROM staff_sessions WHERE absolute_expires_at < ?`, s.dbNow().Add(-keep))
	if err != nil {
		return 0, fmt.Errorf("staff: sweep sessions: %w", err)
	}
	return res.RowsAffected()
}

// prefixColumns qualifies staffColumns with a table alias.
func prefixColumns(alias string) string {
	parts := strings.Split(staffColumns, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// cut keeps outside text storable on both engines: valid UTF-8, no NUL, at most max bytes.
func cut(s string, max int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	for len(s) > max {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
