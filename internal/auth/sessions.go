package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"hall/internal/store"
)

// Sessions creates, finds and ends sessions. It is safe for concurrent use and
// keeps no state of its own, so several processes may share one database.
type Sessions struct {
	db  *store.DB
	cfg SessionConfig
	now func() time.Time
}

// NewSessions returns Sessions on db with cfg's lifetimes (defaults for zero
// fields); now is the clock (nil: time.Now). The error is Validate's.
func NewSessions(db *store.DB, cfg SessionConfig, now func() time.Time) (*Sessions, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Sessions{db: db, cfg: cfg.withDefaults(), now: now}, nil
}

// dbNow is the current time as stored: UTC, microseconds.
func (ss *Sessions) dbNow() time.Time { return store.Time(ss.now()) }

// Create starts a session for s and returns its token (for the cookie; it is
// not stored) and the session. Errors: ErrInvalidSubject (wrapped);
// ErrUnverifiedPassword when m.Proof is a password's and m.Verified is zero or
// not of the proof's kind and s's own — the person's password for ProofPassword,
// s's own membership for ProofUnitPassword, s's institution for
// ProofInstitutionPassword (nothing is written); ErrCredentialChanged when
// m.Verified is no longer the stored password; otherwise a database or
// random-source failure.
func (ss *Sessions) Create(ctx context.Context, s Subject, m Meta) (string, Session, error) {
	if err := s.validate(); err != nil {
		return "", Session{}, err
	}
	if !m.Proof.Valid() {
		return "", Session{}, fmt.Errorf("auth: unknown proof %q", m.Proof)
	}
	if err := verifiedFor(m.Proof, m.Verified, s); err != nil {
		return "", Session{}, err
	}
	now := ss.dbNow()
	var token string
	var sess Session
	err := ss.db.Tx(ctx, func(tx *store.Tx) error {
		if err := verifiedCurrent(ctx, tx, m, s); err != nil {
			return err
		}
		var err error
		token, sess, err = ss.insert(ctx, tx, s, m, now, now.Add(ss.cfg.Absolute), Session{})
		return err
	})
	if err != nil {
		return "", Session{}, err
	}
	return token, sess, nil
}

// insert stores a new session with the proof m names, made now; or, with ProofNone,
// the proof carried over from an earlier session (carried, zero for none).
func (ss *Sessions) insert(ctx context.Context, tx *store.Tx, s Subject, m Meta, now, absolute time.Time, carried Session) (string, Session, error) {
	token, hash, err := newToken()
	if err != nil {
		return "", Session{}, err
	}
	m = m.clean()
	var unit, role, institution any // NULL for a person session
	if s.UnitID != 0 {
		unit, role = s.UnitID, string(s.Role)
	}
	if s.InstitutionID != 0 {
		institution = s.InstitutionID
	}
	proof, provedAt := m.Proof, now
	if proof == ProofNone {
		proof, provedAt = carried.Proof, carried.ProvedAt
	}
	var provedArg any // NULL without a proof
	if proof != ProofNone {
		provedArg = provedAt
	} else {
		provedAt = time.Time{}
	}
	_, err = tx.Exec(ctx, `INSERT INTO sessions (token_hash, person_id, unit_id, role, institution_id, kind, created_at,
		last_seen_at, absolute_expires_at, client_addr, user_agent, proof, proved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		hash, s.PersonID, unit, role, institution, string(s.Kind()), now, now, absolute, m.ClientAddr, m.UserAgent, string(proof), provedArg)
	if err != nil {
		return "", Session{}, fmt.Errorf("auth: create session: %w", err)
	}
	sess := Session{ID: hash, Subject: s, CreatedAt: now, LastSeenAt: now, AbsoluteExpiresAt: absolute,
		ClientAddr: m.ClientAddr, UserAgent: m.UserAgent, Proof: proof, ProvedAt: provedAt}
	ss.setIdle(&sess)
	return token, sess, nil
}

func (ss *Sessions) setIdle(s *Session) {
	s.IdleExpiresAt = s.LastSeenAt.Add(ss.cfg.Idle)
	if s.IdleExpiresAt.After(s.AbsoluteExpiresAt) {
		s.IdleExpiresAt = s.AbsoluteExpiresAt
	}
}

// live reports whether a session with these times is usable at now.
func (s *Session) live(now time.Time) bool {
	return now.Before(s.IdleExpiresAt) && now.Before(s.AbsoluteExpiresAt)
}

const sessionColumns = `token_hash, person_id, unit_id, role, institution_id, created_at, last_seen_at,
	absolute_expires_at, client_addr, user_agent, proof, proved_at`

func scanSession(r interface{ Scan(...any) error }) (Session, error) {
	var (
		s      Session
		unit   sql.NullInt64
		role   sql.NullString
		inst   sql.NullInt64
		proof  string
		proved sql.NullTime
	)
	err := r.Scan(&s.ID, &s.Subject.PersonID, &unit, &role, &inst, &s.CreatedAt, &s.LastSeenAt,
		&s.AbsoluteExpiresAt, &s.ClientAddr, &s.UserAgent, &proof, &proved)
	if err != nil {
		return Session{}, err
	}
	s.Subject.UnitID, s.Subject.Role, s.Subject.InstitutionID = unit.Int64, Role(role.String), inst.Int64
	if s.Proof = Proof(proof); s.Proof != ProofNone && proved.Valid {
		s.ProvedAt = proved.Time.UTC()
	} else {
		s.Proof = ProofNone
	}
	s.CreatedAt, s.LastSeenAt, s.AbsoluteExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.AbsoluteExpiresAt.UTC()
	return s, nil
}

// Lookup returns the live session the token names and records the activity
// (at most once per minute, see the package comment). Errors: ErrNoSession
// when the token is malformed or unknown, or the session ended, was idle too
// long or reached its absolute expiry; otherwise a database failure.
func (ss *Sessions) Lookup(ctx context.Context, token string) (Session, error) {
	if !wellFormed(token) {
		return Session{}, ErrNoSession
	}
	hash := hashToken(token)
	s, err := scanSession(ss.db.QueryRow(ctx, "SELECT "+sessionColumns+
		" FROM sessions WHERE token_hash = ? AND ended_at IS NULL", hash))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("auth: look up session: %w", err)
	}
	ss.setIdle(&s)
	now := ss.dbNow()
	if !s.live(now) {
		return Session{}, ErrNoSession
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		res, err := ss.db.Exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND ended_at IS NULL", now, hash)
		if err != nil {
			return Session{}, fmt.Errorf("auth: touch session: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return Session{}, ErrNoSession // ended meanwhile
		}
		s.LastSeenAt = now
		ss.setIdle(&s)
	}
	return s, nil
}

// LookupEnded returns the session the token names whether it is live, ended
// (logout, or ended with a removed grant or a new password) or expired, without
// touching it: what a page needs to explain why a cookie stopped working. It
// grants nothing; only Lookup says a session may be used. Errors: ErrNoSession
// when the token is malformed or unknown (or swept); otherwise a database failure.
func (ss *Sessions) LookupEnded(ctx context.Context, token string) (Session, error) {
	if !wellFormed(token) {
		return Session{}, ErrNoSession
	}
	s, err := scanSession(ss.db.QueryRow(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE token_hash = ?", hashToken(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("auth: look up ended session: %w", err)
	}
	ss.setIdle(&s)
	return s, nil
}

// Rotation says why Rotate replaces a session.
type Rotation int

const (
	// RotateLogin: the person has just authenticated. Whatever oldToken names
	// (a session of anyone, an ended one, nothing) is ended if live, and the new
	// session gets a full absolute lifetime.
	RotateLogin Rotation = iota + 1
	// RotateSwitch: unit switch or role change without a new authentication.
	// oldToken must name a live session of the same person, and the new session
	// keeps its absolute expiry, so switching cannot stretch a session past the
	// limit that forces the person to sign in again.
	RotateSwitch
)

// Rotate ends the session oldToken names and creates one for s, in one
// transaction, so a token seen before login or under another unit or role
// stops working at once. Ending the old session is atomic: of two concurrent
// RotateSwitch calls with the same token, one gets ErrNoSession.
//
// Errors: ErrInvalidSubject (wrapped) for an invalid s, or with RotateSwitch
// for a different person; ErrNoSession with RotateSwitch when oldToken does not
// name a live session; ErrUnverifiedPassword when m.Proof is a password's and
// m.Verified is zero or not of the proof's kind and s's own (as for Create);
// ErrCredentialChanged when m.Verified is no longer the stored password (in both
// cases the old session is left as it was); otherwise
// a database or random-source failure. A RotateSwitch with ProofNone makes no
// proof: it carries the old session's over and needs no Verified.
func (ss *Sessions) Rotate(ctx context.Context, oldToken string, s Subject, m Meta, r Rotation) (string, Session, error) {
	if err := s.validate(); err != nil {
		return "", Session{}, err
	}
	if r != RotateLogin && r != RotateSwitch {
		return "", Session{}, fmt.Errorf("auth: unknown rotation %d", r)
	}
	if !m.Proof.Valid() {
		return "", Session{}, fmt.Errorf("auth: unknown proof %q", m.Proof)
	}
	if err := verifiedFor(m.Proof, m.Verified, s); err != nil {
		return "", Session{}, err
	}
	if r == RotateSwitch && !wellFormed(oldToken) {
		return "", Session{}, ErrNoSession
	}
	now := ss.dbNow()
	var token string
	var sess Session
	err := ss.db.Tx(ctx, func(tx *store.Tx) error {
		if err := verifiedCurrent(ctx, tx, m, s); err != nil {
			return err
		}
		absolute := now.Add(ss.cfg.Absolute)
		var carried Session // a login's proof is its own, never the old session's
		if wellFormed(oldToken) {
			old, ended, err := ss.endIn(ctx, tx, hashToken(oldToken), now)
			if err != nil {
				return err
			}
			if r == RotateSwitch {
				switch {
				case !ended || !old.live(now):
					return ErrNoSession
				case old.Subject.PersonID != s.PersonID:
					return fmt.Errorf("%w: switch to another person", ErrInvalidSubject)
				}
				absolute, carried = old.AbsoluteExpiresAt, old
			}
		}
		var err error
		token, sess, err = ss.insert(ctx, tx, s, m, now, absolute, carried)
		return err
	})
	if err != nil {
		return "", Session{}, err
	}
	return token, sess, nil
}

// verifiedCurrent checks the password m.Verified names, if any, first in the
// transaction: its row is locked before any session row, in the order a password
// change takes them (the account, then its sessions), so the two never wait on
// each other. s is the session's subject, whose own a membership's password must
// be (Verified.current).
func verifiedCurrent(ctx context.Context, tx *store.Tx, m Meta, s Subject) error {
	if !m.Verified.checked() {
		return nil
	}
	return m.Verified.current(ctx, tx, s)
}

// endIn ends the session with the given hash if it has not ended, and returns
// it as it was; ended is false when there was nothing to end.
func (ss *Sessions) endIn(ctx context.Context, tx *store.Tx, hash string, now time.Time) (Session, bool, error) {
	s, err := scanSession(tx.QueryRow(ctx, "UPDATE sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL RETURNING "+
		sessionColumns, now, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, fmt.Errorf("auth: end session: %w", err)
	}
	ss.setIdle(&s)
	return s, true, nil
}

// Prove records that the person of the live session the token names has just
// proved who they are again (a re-authentication that does not change whom the
// session acts for, so the token stays); like Touch it does not revive a session
// that ran out. v is the password the re-authentication verified: the proof is
// recorded only while it is still the stored one, checked with the row locked in
// the transaction that records it, as Create does (the zero Verified checks
// nothing: a proof that verified no stored password). Errors: ErrNoSession when
// the token does not name a live session; ErrUnverifiedPassword when p is a
// password's and v is zero or not of p's kind and the session's subject's own —
// the person's password for ProofPassword, the subject's own membership for
// ProofUnitPassword, the subject's institution for ProofInstitutionPassword;
// ErrCredentialChanged when v is no longer the stored password (in these cases
// nothing is recorded); a wrapped error for ProofNone or an unknown proof;
// otherwise a database failure.
func (ss *Sessions) Prove(ctx context.Context, token string, p Proof, v Verified) (Session, error) {
	if p == ProofNone || !p.Valid() {
		return Session{}, fmt.Errorf("auth: cannot record proof %q", p)
	}
	// The session's subject is read in the transaction (updateLiveIn), which
	// checks that v is its own; the kind of v is checked here, before it.
	if err := verifiedKind(p, v); err != nil {
		return Session{}, err
	}
	if !wellFormed(token) {
		return Session{}, ErrNoSession
	}
	now := ss.dbNow()
	return ss.updateLive(ctx, token, now, p, v, "record proof", proofSet, string(p), now)
}

// proofSet is Prove's update: the proof and its time.
const proofSet = "proof = ?, proved_at = ?"

// End ends the session the token names (logout). Ending an unknown, malformed
// or already ended session is not an error, so logout is idempotent. Errors:
// database failures only.
func (ss *Sessions) End(ctx context.Context, token string) error {
	if !wellFormed(token) {
		return nil
	}
	_, err := ss.db.Exec(ctx, "UPDATE sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
		ss.dbNow(), hashToken(token))
	if err != nil {
		return fmt.Errorf("auth: end session: %w", err)
	}
	return nil
}

// execer is what *store.DB and *store.Tx have in common for writes.
type execer interface {
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// EndAll ends every session of the person (unitID nil), or only those in which
// the person acts for the unit *unitID, and returns how many it ended. Used
// when an agent is removed, a grant revoked or an account loses its identity; a
// new personal password ends fewer (EndPersonalTx). Errors: database failures
// only.
func (ss *Sessions) EndAll(ctx context.Context, personID int64, unitID *int64) (int, error) {
	return ss.endAll(ctx, ss.db, personID, unitID)
}

// EndAllTx is EndAll inside the caller's transaction, so that the sessions end
// together with the change that requires it (a new password, a removed agent).
func (ss *Sessions) EndAllTx(ctx context.Context, tx *store.Tx, personID int64, unitID *int64) (int, error) {
	return ss.endAll(ctx, tx, personID, unitID)
}

func (ss *Sessions) endAll(ctx context.Context, ex execer, personID int64, unitID *int64) (int, error) {
	q := "UPDATE sessions SET ended_at = ? WHERE person_id = ? AND ended_at IS NULL"
	args := []any{ss.dbNow(), personID}
	if unitID != nil {
		// Not the person's sessions as operator of one of the unit's institutions:
		// those hold the institution's password, not a role in the unit.
		q += " AND unit_id = ? AND institution_id IS NULL"
		args = append(args, *unitID)
	}
	res, err := ex.Exec(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("auth: end sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("auth: end sessions: %w", err)
	}
	return int(n), nil
}

// EndPersonalTx ends, inside the caller's transaction, the sessions the person's
// own password answers for — as themselves and for units — and returns how many:
// that password was changed or reset. The person's sessions as an institution's
// operator stay: they were signed in with the institution's password, whose own
// change or reset ends them (EndInstitutionTx). Errors: database failures only.
func (ss *Sessions) EndPersonalTx(ctx context.Context, tx *store.Tx, personID int64) (int, error) {
	res, err := tx.Exec(ctx, "UPDATE sessions SET ended_at = ? WHERE person_id = ? AND ended_at IS NULL AND institution_id IS NULL",
		ss.dbNow(), personID)
	if err != nil {
		return 0, fmt.Errorf("auth: end personal sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("auth: end personal sessions: %w", err)
	}
	return int(n), nil
}

// EndUnitTx ends every session acting for the unit, whoever's, inside the caller's
// transaction, and returns how many: the unit's account was closed (its registration
// cancelled in the registry). Errors: database failures only.
func (ss *Sessions) EndUnitTx(ctx context.Context, tx *store.Tx, unitID int64) (int, error) {
	res, err := tx.Exec(ctx, "UPDATE sessions SET ended_at = ? WHERE unit_id = ? AND ended_at IS NULL", ss.dbNow(), unitID)
	if err != nil {
		return 0, fmt.Errorf("auth: end unit sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("auth: end unit sessions: %w", err)
	}
	return int(n), nil
}

// EndInstitutionTx ends every session acting for the institution, inside the
// caller's transaction, and returns how many: the unit closed it, reset its
// password or named another operator. Errors: database failures only.
func (ss *Sessions) EndInstitutionTx(ctx context.Context, tx *store.Tx, institutionID int64) (int, error) {
	res, err := tx.Exec(ctx, "UPDATE sessions SET ended_at = ? WHERE institution_id = ? AND ended_at IS NULL", ss.dbNow(), institutionID)
	if err != nil {
		return 0, fmt.Errorf("auth: end institution sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("auth: end institution sessions: %w", err)
	}
	return int(n), nil
}

// Sweep deletes sessions whose absolute expiry is more than keep in the past
// (every session is dead by then, ended or not) and returns how many. Run it
// periodically from one process; running it from several is harmless. Errors:
// database failures only.
func (ss *Sessions) Sweep(ctx context.Context, keep time.Duration) (int, error) {
	res, err := ss.db.Exec(ctx, "DELETE FROM sessions WHERE absolute_expires_at < ?", ss.dbNow().Add(-keep))
	if err != nil {
		return 0, fmt.Errorf("auth: sweep sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("auth: sweep sessions: %w", err)
	}
	return int(n), nil
}

var (
	_ execer = (*store.DB)(nil)
	_ execer = (*store.Tx)(nil)
)
