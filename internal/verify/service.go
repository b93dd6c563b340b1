package verify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"hall/internal/ident"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/token"
)

// Provider performs the face check for sessions. Begin is called by Start before
// the session is saved; results come back through the provider's own entry point
// (DevProvider.CompleteInApp, HTTPProvider.HandleCallback), which New connects to
// the Service.
type Provider interface {
	// Name identifies the provider on each session ("dev", "http"); a result is
	// accepted only from the provider that started the session.
	Name() string
	// Begin registers s with the provider. It returns the provider's reference for
	// the session ("" when it has none) and the URL where the person performs the
	// check ("" when it is the companion app's own screen). Errors wrap
	// ErrProvider.
	Begin(ctx context.Context, s Session) (ref, url string, err error)
}

// attacher is implemented by the hall's providers, which report results through
// the Service they are attached to.
type attacher interface{ attach(*Service) }

// Config tunes a Service; zero fields take the defaults.
type Config struct {
	// TTL is how long the person has to complete the check (default 5 minutes).
	TTL time.Duration
	// ConsumeWindow is how long after passing the flow may still take the result
	// (default 5 minutes).
	ConsumeWindow time.Duration
	// PollInterval is how often Wait re-reads the session to see results recorded
	// by other processes (default 1 second).
	PollInterval time.Duration
	// MaxWait caps the maxWait a caller may ask of Wait (default 30 seconds), so
	// that a long poll stays under proxy timeouts.
	MaxWait time.Duration
}

func (c Config) withDefaults() Config {
	if c.TTL <= 0 {
		c.TTL = 5 * time.Minute
	}
	if c.ConsumeWindow <= 0 {
		c.ConsumeWindow = 5 * time.Minute
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 30 * time.Second
	}
	return c
}

// Service runs verification sessions.
type Service struct {
	db       *store.DB
	provider Provider
	cfg      Config
	now      func() time.Time
	hub      hub
}

// New returns a Service storing sessions in db and checking faces with provider,
// which it attaches to itself when provider is one of this package's (so a provider
// value serves one Service). now is the clock.
func New(db *store.DB, provider Provider, cfg Config, now func() time.Time) *Service {
	s := &Service{db: db, provider: provider, cfg: cfg.withDefaults(), now: now}
	if a, ok := provider.(attacher); ok {
		a.attach(s)
	}
	return s
}

const columns = `id, purpose, binding_hash, id_type, id_number, name, status, created_at,
	expires_at, completed_at, consumed_at, attempts, provider, provider_ref, provider_url, result_note,
	origin_device, origin_place`

// Start opens a pending session for r.Expected with the configured provider. The
// origin in ctx (WithOrigin), the browser asking, is stored with it for the app's
// screen.
//
// Errors: ErrInvalid for an empty binding, a malformed purpose or an unusable name;
// *ident.FieldError for a bad ID type or number; ErrProvider when the provider
// cannot start it; ErrNoKeys; otherwise database failures.
func (s *Service) Start(ctx context.Context, r Request) (Session, error) {
	now := store.Time(s.now())
	switch {
	case r.Binding == "":
		return Session{}, fmt.Errorf("%w: empty binding", ErrInvalid)
	case !validPurpose(r.Purpose):
		return Session{}, fmt.Errorf("%w: purpose %q", ErrInvalid, r.Purpose)
	case !r.Expected.IDType.Valid():
		return Session{}, ident.ErrIDType
	}
	number, err := ident.ValidateID(r.Expected.IDType, r.Expected.IDNumber, now)
	if err != nil {
		return Session{}, err
	}
	name := foldName(r.Expected.Name)
	if name == "" || utf8.RuneCountInString(name) > 64 || !utf8.ValidString(name) {
		return Session{}, fmt.Errorf("%w: expected name", ErrInvalid)
	}
	keys := s.db.Keys() // checked before the provider hears of a session that could not be saved
	if keys == nil {
		return Session{}, ErrNoKeys
	}
	sess := Session{
		ID:        token.New(),
		Purpose:   r.Purpose,
		Expected:  Person{IDType: r.Expected.IDType, IDNumber: number, Name: name},
		Status:    Pending,
		CreatedAt: now,
		ExpiresAt: store.Time(now.Add(s.cfg.TTL)),
		Provider:  s.provider.Name(),
		Origin:    originFrom(ctx),
	}
	// The provider hears of the session before it is saved, so the row is written
	// once and complete. A provider session whose row then fails to save simply
	// expires at the provider.
	sess.ProviderRef, sess.ProviderURL, err = s.provider.Begin(ctx, sess)
	if err != nil {
		return Session{}, err
	}
	_, err = s.db.Exec(ctx, "INSERT INTO verify_sessions ("+columns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, ?, ?, ?, '', ?, ?)`,
		sess.ID, sess.Purpose, token.Hash(r.Binding), string(sess.Expected.IDType),
		keys.SealString(place(columnIDNumber, sess.ID), sess.Expected.IDNumber),
		keys.SealString(place(columnName, sess.ID), sess.Expected.Name), string(sess.Status), sess.CreatedAt, sess.ExpiresAt,
		sess.Provider, sess.ProviderRef, sess.ProviderURL, sess.Origin.Device, sess.Origin.Place)
	if err != nil {
		return Session{}, fmt.Errorf("verify: save session: %w", err)
	}
	return sess, nil
}

// Status reads the session id for the browser or flow binding. A pending session
// past its expiry reads as Expired.
//
// Errors: ErrNotFound for an unknown ID or another binding; otherwise database
// failures.
func (s *Service) Status(ctx context.Context, id, binding string) (Session, error) {
	if !token.Valid(id) || binding == "" {
		return Session{}, ErrNotFound
	}
	sess, hash, err := scan(s.db.Keys(), s.db.QueryRow(ctx, "SELECT "+columns+" FROM verify_sessions WHERE id = ?", id))
	if err != nil {
		return Session{}, err
	}
	if !token.Equal(hash, token.Hash(binding)) {
		return Session{}, ErrNotFound
	}
	return s.effective(sess), nil
}

// Lookup reads the session id without a binding, for the companion app's screen:
// the person holding the phone reached it through the QR code, not through the
// browser that started it. Show only masked data from it (Person.Masked).
//
// Errors: ErrNotFound for an unknown ID; otherwise database failures.
func (s *Service) Lookup(ctx context.Context, id string) (Session, error) {
	if !token.Valid(id) {
		return Session{}, ErrNotFound
	}
	sess, _, err := scan(s.db.Keys(), s.db.QueryRow(ctx, "SELECT "+columns+" FROM verify_sessions WHERE id = ?", id))
	if err != nil {
		return Session{}, err
	}
	return s.effective(sess), nil
}

// Consume takes the passed result of session id for the flow with this binding,
// inside the flow's transaction, exactly once. The caller must still check that the
// returned session's Purpose and Expected person are the ones it asked for.
//
// Errors: ErrNotFound for an unknown ID or another binding; ErrPending while the
// person has not finished; ErrFailed when the check failed; ErrExpired when the
// session expired without a result or passed more than ConsumeWindow ago; ErrUsed
// when the result was consumed already; otherwise database failures, after which
// the caller's transaction must fail.
func (s *Service) Consume(ctx context.Context, tx *store.Tx, id, binding string) (Session, error) {
	if tx == nil {
		return Session{}, fmt.Errorf("%w: Consume needs a transaction", ErrInvalid)
	}
	if !token.Valid(id) || binding == "" {
		return Session{}, ErrNotFound
	}
	now := store.Time(s.now())
	res, err := tx.Exec(ctx, `UPDATE verify_sessions SET consumed_at = ?
		WHERE id = ? AND binding_hash = ? AND status = 'passed' AND consumed_at IS NULL AND completed_at > ?`,
		now, id, token.Hash(binding), store.Time(now.Add(-s.cfg.ConsumeWindow)))
	if err != nil {
		return Session{}, fmt.Errorf("verify: consume: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Session{}, fmt.Errorf("verify: consume: %w", err)
	}
	sess, hash, err := scan(tx.Keys(), tx.QueryRow(ctx, "SELECT "+columns+" FROM verify_sessions WHERE id = ?", id))
	if err != nil {
		return Session{}, err
	}
	if !token.Equal(hash, token.Hash(binding)) {
		return Session{}, ErrNotFound
	}
	if n == 1 {
		return sess, nil
	}
	sess = s.effective(sess)
	switch {
	case !sess.ConsumedAt.IsZero():
		return Session{}, ErrUsed
	case sess.Status == Pending:
		return Session{}, ErrPending
	case sess.Status == Failed:
		return Session{}, ErrFailed
	}
	return Session{}, ErrExpired // expired unfinished, or passed too long ago
}

// Sweep deletes sessions that expired more than olderThan ago, whatever their
// status, and returns how many: they hold personal data and are of no use once the
// flow is over. Errors: database failures only.
func (s *Service) Sweep(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := store.Time(s.now().Add(-max(olderThan, 0)))
	res, err := s.db.Exec(ctx, "DELETE FROM verify_sessions WHERE expires_at < ?", cutoff)
	if err != nil {
		return 0, fmt.Errorf("verify: sweep: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// effective turns a pending session past its expiry into an expired one, as read.
func (s *Service) effective(sess Session) Session {
	if sess.Status == Pending && !s.now().Before(sess.ExpiresAt) {
		sess.Status = Expired
		sess.ResultNote = NoteTooLate
	}
	return sess
}

// Sealed columns of verify_sessions: the expected person.
const (
	columnIDNumber = "id_number"
	columnName     = "name"
)

// place is where the sealed value of a verify_sessions column of session id belongs.
func place(column, id string) sealed.Place {
	return sealed.Place{Table: "verify_sessions", Column: column, Row: id}
}

// scan reads one session row and its binding hash, opening the expected person with
// keys. Errors: ErrNotFound for no row; ErrNoKeys; sealed's (wrapped) for a value
// sealed under another data key, for another session or changed in the database;
// the scan's.
func scan(keys *sealed.Keys, row *sql.Row) (Session, string, error) {
	var (
		sess                 Session
		idType, status, hash string
		idNumber, name       []byte
		completed, consumed  sql.NullTime
	)
	err := row.Scan(&sess.ID, &sess.Purpose, &hash, &idType, &idNumber, &name,
		&status, &sess.CreatedAt, &sess.ExpiresAt, &completed, &consumed, &sess.Attempts,
		&sess.Provider, &sess.ProviderRef, &sess.ProviderURL, &sess.ResultNote,
		&sess.Origin.Device, &sess.Origin.Place)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, "", ErrNotFound
	}
	if err != nil {
		return Session{}, "", fmt.Errorf("verify: read session: %w", err)
	}
	if keys == nil {
		return Session{}, "", ErrNoKeys
	}
	// The refusal without its place, which names the session's id (its QR code's).
	if sess.Expected.IDNumber, err = keys.OpenString(place(columnIDNumber, sess.ID), idNumber); err != nil {
		return Session{}, "", fmt.Errorf("verify: read session: the expected ID number does not open: %w", sealed.Refusal(err))
	}
	if sess.Expected.Name, err = keys.OpenString(place(columnName, sess.ID), name); err != nil {
		return Session{}, "", fmt.Errorf("verify: read session: the expected name does not open: %w", sealed.Refusal(err))
	}
	sess.Expected.IDType = ident.IDType(idType)
	sess.Status = Status(status)
	sess.CreatedAt, sess.ExpiresAt = sess.CreatedAt.UTC(), sess.ExpiresAt.UTC()
	if completed.Valid {
		sess.CompletedAt = completed.Time.UTC()
	}
	if consumed.Valid {
		sess.ConsumedAt = consumed.Time.UTC()
	}
	return sess, hash, nil
}
