package qrlogin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"hall/internal/audit"
	"hall/internal/delegation"
	"hall/internal/store"
	"hall/internal/throttle"
	"hall/internal/token"
	"hall/internal/unit"
	"hall/internal/verify"
)

// Authorizer decides whether a person may act for a unit now (implemented by
// *delegation.Service; see delegation.Authorize for the rules and the *Denial).
type Authorizer interface {
	Authorize(ctx context.Context, unitID, personID int64, role unit.Role, itemCode string) error
	AuthorizeMembership(ctx context.Context, m unit.Membership, unitID int64, role unit.Role, itemCode string) error
}

var _ Authorizer = (*delegation.Service)(nil)

// Deps are the services this one builds on. All are required but Now.
type Deps struct {
	DB         *store.DB
	Units      *unit.Service
	Authorizer Authorizer
	// Throttle counts ticket creation per client address; its Config must have
	// ScopeAddr (services adds AddrLimits).
	Throttle *throttle.Throttle
	Audit    *audit.Log
	Now      func() time.Time // nil: time.Now
}

// Service issues and runs QR login tickets. Its state is in the database; in memory
// it keeps only the waiters of this process (see the package comment).
type Service struct {
	db      *store.DB
	units   *unit.Service
	authz   Authorizer
	th      *throttle.Throttle
	audit   *audit.Log
	now     func() time.Time
	cfg     Config
	broker  *broker
	waiting atomic.Int64
	places  waitPlaces // waits per ticket (enter, leave)
	reads   readQueue  // the tickets of Await's waits to be read
	ending  endWaits   // EndWaits' signal and the Awaits it answers
	// ticketReads counts the browser side's ticket reads (read), for tests.
	ticketReads atomic.Int64
}

// New returns the service. Errors: a missing dependency, a throttle without
// ScopeAddr, or Config.Validate's error.
func New(d Deps, cfg Config) (*Service, error) {
	if d.DB == nil || d.Units == nil || d.Authorizer == nil || d.Throttle == nil || d.Audit == nil {
		return nil, errors.New("qrlogin: missing dependency")
	}
	if _, ok := d.Throttle.Limits(ScopeAddr); !ok {
		return nil, fmt.Errorf("qrlogin: the throttle has no limits for scope %s", ScopeAddr)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Service{db: d.DB, units: d.Units, authz: d.Authorizer, th: d.Throttle, audit: d.Audit,
		now: d.Now, cfg: cfg.withDefaults()}
	s.broker = newBroker(s.cfg.PollInterval, s.storedStates)
	s.ending.init()
	return s, nil
}

// Config returns the configuration in effect (defaults filled).
func (s *Service) Config() Config { return s.cfg }

func (s *Service) dbNow() time.Time { return store.Time(s.now()) }

// Request asks for a ticket.
type Request struct {
	Kind Kind
	// Binding is the asking browser's binding cookie (22–64 base64url
	// characters); only its hash is stored.
	Binding string
	// ClientAddr and UserAgent describe the browser: the address is counted
	// (ScopeAddr) and shown masked in the app, the User-Agent summarised.
	ClientAddr string
	UserAgent  string
}

// Create issues a waiting ticket for the browser. Its ID is in the returned Ticket
// only: draw Link(baseURL, t.ID) as the QR code.
//
// Errors: a *RateError (errors.Is ErrRateLimited) when the client address has
// created too many tickets; an error wrapping ErrInvalid for an unknown kind or a
// malformed binding; otherwise database failures.
func (s *Service) Create(ctx context.Context, r Request) (Ticket, error) {
	switch {
	case !r.Kind.Valid():
		return Ticket{}, fmt.Errorf("%w: kind %q", ErrInvalid, r.Kind)
	case !validBinding(r.Binding):
		return Ticket{}, fmt.Errorf("%w: malformed binding", ErrInvalid)
	}
	tk, err := s.th.Begin(ctx, []throttle.Key{s.th.AddrKey(ScopeAddr, r.ClientAddr)})
	var locked *throttle.LockedError
	switch {
	case errors.As(err, &locked):
		return Ticket{}, &RateError{Until: locked.Until}
	case errors.Is(err, throttle.ErrCaptchaRequired):
		// A configuration that asks for a captcha before the lock: the page has
		// none, so the address waits for the window to end.
		return Ticket{}, &RateError{Until: s.now().Add(AddrLimits.Window)}
	case err != nil:
		return Ticket{}, err
	}
	now := s.dbNow()
	origin := verify.OriginOf(r.UserAgent, r.ClientAddr)
	t := Ticket{ID: token.New(), Kind: r.Kind, State: StateWaiting, Device: origin.Device, Place: origin.Place,
		CreatedAt: now, ExpiresAt: store.Time(now.Add(s.cfg.TTL))}
	_, err = s.db.Exec(ctx, `INSERT INTO qr_tickets (id_hash, binding_hash, kind, state, device, place, created_at, expires_at)
		VALUES (?, ?, ?, 'waiting', ?, ?, ?, ?)`,
		token.Hash(t.ID), token.Hash(r.Binding), string(t.Kind), t.Device, t.Place, t.CreatedAt, t.ExpiresAt)
	done := context.WithoutCancel(ctx)
	if err != nil {
		_ = tk.Cancel(done)
		return Ticket{}, fmt.Errorf("qrlogin: create ticket: %w", err)
	}
	// Every ticket counts (KeepOnSuccess); a failure to record it only loses
	// one count.
	_ = tk.Succeeded(done)
	return t, nil
}

// Status reads the ticket for the browser that asked for it.
//
// Errors: ErrNotFound for a malformed or unknown ID or another binding; otherwise
// database failures.
func (s *Service) Status(ctx context.Context, id, binding string) (Ticket, error) {
	k, ok := parseKey(id, binding)
	if !ok {
		return Ticket{}, ErrNotFound
	}
	t, _, err := s.read(ctx, s.db, id, k)
	return t, err
}

// Sweep deletes tickets that expired more than olderThan ago, whatever their state,
// and returns how many. Run it periodically; several processes may. Errors:
// database failures only.
func (s *Service) Sweep(ctx context.Context, olderThan time.Duration) (int, error) {
	// A confirmed ticket may be consumed up to ConsumeWindow after its expiry.
	cutoff := store.Time(s.now().Add(-max(olderThan, 0) - s.cfg.ConsumeWindow))
	res, err := s.db.Exec(ctx, "DELETE FROM qr_tickets WHERE expires_at < ?", cutoff)
	if err != nil {
		return 0, fmt.Errorf("qrlogin: sweep: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("qrlogin: sweep: %w", err)
	}
	return int(n), nil
}

// Waiting returns how many Waits are in progress in this process (for metrics).
func (s *Service) Waiting() int { return int(s.waiting.Load()) }

// row is a stored ticket with what the caller must check before showing it.
type row struct {
	Ticket
	stored      State  // the state column (no expiry applied)
	bindingHash string // compared by the browser's side only
}

const columns = `binding_hash, kind, state, device, place, created_at, expires_at, person_id, scanned_at,
	unit_id, membership_id, role, decided_at, consumed_at`

// querier is what *store.DB and *store.Tx have in common for reads.
type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

var (
	_ querier = (*store.DB)(nil)
	_ querier = (*store.Tx)(nil)
)

// load reads the ticket whose ID hashes to idHash, expiry applied. id is what the
// caller gave (put into the Ticket). Errors: ErrNotFound; database failures.
func (s *Service) load(ctx context.Context, q querier, id, idHash string) (row, error) {
	var (
		r                          row
		kind, state                string
		person, unitID, membership sql.NullInt64
		role                       sql.NullString
		scanned, decided, consumed sql.NullTime
	)
	err := q.QueryRow(ctx, "SELECT "+columns+" FROM qr_tickets WHERE id_hash = ?", idHash).Scan(
		&r.bindingHash, &kind, &state, &r.Device, &r.Place, &r.CreatedAt, &r.ExpiresAt, &person, &scanned,
		&unitID, &membership, &role, &decided, &consumed)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, ErrNotFound
	}
	if err != nil {
		return row{}, fmt.Errorf("qrlogin: read ticket: %w", err)
	}
	r.ID, r.Kind, r.stored = id, Kind(kind), State(state)
	r.CreatedAt, r.ExpiresAt = r.CreatedAt.UTC(), r.ExpiresAt.UTC()
	r.PersonID, r.UnitID, r.MembershipID, r.Role = person.Int64, unitID.Int64, membership.Int64, unit.Role(role.String)
	r.ScannedAt, r.DecidedAt, r.ConsumedAt = timeOf(scanned), timeOf(decided), timeOf(consumed)
	r.State = s.effective(r.stored, r.Ticket)
	return r, nil
}

// read is load for the browser's side: a ticket bound to another browser is
// ErrNotFound, like an unknown one. It also returns the stored state.
func (s *Service) read(ctx context.Context, q querier, id string, k key) (Ticket, State, error) {
	s.ticketReads.Add(1)
	r, err := s.load(ctx, q, id, k.id)
	if err != nil {
		return Ticket{}, "", err
	}
	if !token.Equal(r.bindingHash, k.binding) {
		return Ticket{}, "", ErrNotFound
	}
	return r.Ticket, r.stored, nil
}

func timeOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// effective is the state a stored ticket is in now: a waiting or scanned one past
// its expiry, or a confirmed one past its consume window, has expired.
func (s *Service) effective(stored State, t Ticket) State {
	if end, ok := s.deadline(stored, t); ok && !s.now().Before(end) {
		return StateExpired
	}
	return stored
}

// nextExpiry is when a ticket the caller waits on will read as expired, if that is
// still to come: a wait sets its timer by it. Past the deadline the ticket reads
// expired already and time changes nothing more, so a timer there would only wake
// the wait to read the same again, at once and for as long as the wait lasts.
func (s *Service) nextExpiry(stored State, t Ticket) (time.Time, bool) {
	end, ok := s.deadline(stored, t)
	return end, ok && end.After(s.now())
}

// deadline is when a ticket in the stored state expires; ok is false for the final
// states, which do not.
func (s *Service) deadline(stored State, t Ticket) (time.Time, bool) {
	switch stored {
	case StateWaiting, StateScanned:
		return t.ExpiresAt, true
	case StateConfirmed:
		return t.DecidedAt.Add(s.cfg.ConsumeWindow), true
	}
	return time.Time{}, false
}
