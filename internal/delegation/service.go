package delegation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/sms"
	"hall/internal/store"
	"hall/internal/verify"
)

// Defaults of Config.
const (
	DefaultInvitationTTL      = 7 * 24 * time.Hour
	DefaultReminderLead       = 7 * 24 * time.Hour
	DefaultVerificationMaxAge = 10 * time.Minute
	DefaultNoticeLease        = 10 * time.Minute
	DefaultNoticeAttempts     = 5
	DefaultRunInterval        = 5 * time.Minute
)

// Config tunes the service; zero fields take the defaults.
type Config struct {
	// InvitationTTL is how long an invitation may be confirmed (default 7 days).
	InvitationTTL time.Duration
	// ReminderLead is how long before a grant ends its reminder is sent (default 7 days).
	ReminderLead time.Duration
	// VerificationMaxAge bounds how long before Confirm the face verification may
	// have been consumed (default 10 minutes).
	VerificationMaxAge time.Duration
	// NoticeLease is how long a claimed text message is left to the process that
	// claimed it before another may send it (default 10 minutes): it bounds how long
	// a message waits after a crash between claim and send.
	NoticeLease time.Duration
	// NoticeAttempts is how often a message is tried before it is given up
	// (default 5).
	NoticeAttempts int
	// RunInterval is how often the Runner works (default 5 minutes).
	RunInterval time.Duration
	// Sign is the SMS signature shown as 【Sign】 (default sms.DefaultSign).
	Sign string
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.InvitationTTL, DefaultInvitationTTL)
	def(&c.ReminderLead, DefaultReminderLead)
	def(&c.VerificationMaxAge, DefaultVerificationMaxAge)
	def(&c.NoticeLease, DefaultNoticeLease)
	def(&c.RunInterval, DefaultRunInterval)
	if c.NoticeAttempts <= 0 {
		c.NoticeAttempts = DefaultNoticeAttempts
	}
	if c.Sign == "" {
		c.Sign = sms.DefaultSign
	}
	return c
}

// Validate reports settings that make no sense (for start-up configuration).
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.InvitationTTL < time.Hour:
		return errors.New("delegation: invitation TTL must be at least one hour")
	case c.ReminderLead > 90*24*time.Hour:
		return errors.New("delegation: reminder lead must be at most 90 days")
	case c.RunInterval < time.Second:
		return errors.New("delegation: run interval must be at least one second")
	case len([]rune(c.Sign)) < 2 || len([]rune(c.Sign)) > 12:
		return errors.New("delegation: SMS signature must have 2–12 characters")
	}
	return nil
}

// PersonFinder finds a registered person by identity (implemented by *person.Service).
type PersonFinder interface {
	// ByIdentity returns person.ErrNotFound when nobody registered with the ID.
	ByIdentity(ctx context.Context, idType ident.IDType, idNumber string) (person.Person, error)
}

// SessionEnder ends a person's sessions inside a transaction (implemented by
// *auth.Sessions), so that a removed grant stops working with the commit.
type SessionEnder interface {
	EndAllTx(ctx context.Context, tx *store.Tx, personID int64, unitID *int64) (int, error)
}

// PasswordHasher hashes the unit password an admin or agent sets (implemented by
// *person.Hasher, whose PHC strings auth.Login verifies).
type PasswordHasher interface {
	Hash(ctx context.Context, password string) (string, error)
}

// Consumer takes a passed face verification inside a transaction (implemented by
// *verify.Service).
type Consumer interface {
	Consume(ctx context.Context, tx *store.Tx, id, binding string) (verify.Session, error)
}

var (
	_ PersonFinder   = (*person.Service)(nil)
	_ SessionEnder   = (*auth.Sessions)(nil)
	_ PasswordHasher = (*person.Hasher)(nil)
	_ Consumer       = (*verify.Service)(nil)
)

// Deps are the services this one builds on. All are required.
type Deps struct {
	DB       *store.DB
	Audit    *audit.Log
	Persons  PersonFinder
	Sessions SessionEnder
	Hasher   PasswordHasher
	// Policy is the password policy for the unit password (already validated).
	Policy ident.PasswordPolicy
	// SMS delivers invitations and reminders (the development outbox or the gateway).
	SMS sms.Sender
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Service runs the delegation commands and queries. It keeps no state of its own, so
// several processes may share one database.
type Service struct {
	db       *store.DB
	audit    *audit.Log
	persons  PersonFinder
	sessions SessionEnder
	hasher   PasswordHasher
	policy   ident.PasswordPolicy
	sms      sms.Sender
	now      func() time.Time
	cfg      Config
}

// New returns the service. Errors: a missing dependency or Config.Validate's error.
func New(d Deps, cfg Config) (*Service, error) {
	if d.DB == nil || d.Audit == nil || d.Persons == nil || d.Sessions == nil || d.Hasher == nil || d.SMS == nil {
		return nil, errors.New("delegation: missing dependency")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{db: d.DB, audit: d.Audit, persons: d.Persons, sessions: d.Sessions, hasher: d.Hasher,
		policy: d.Policy, sms: d.SMS, now: d.Now, cfg: cfg.withDefaults()}, nil
}

// Actor is the person giving a command, with the request's context for the audit
// log. The actor's role is never taken from the caller: every command reads it from
// the database inside its transaction.
type Actor struct {
	PersonID  int64
	ClientIP  string
	RequestID string
}

// txn is one command's transaction: its clock reading, the audit records and text
// messages it produces. Audit records are appended last, because Append holds the
// log's head lock until the transaction ends.
type txn struct {
	*store.Tx
	ctx     context.Context
	now     time.Time
	entries []audit.Entry
	notices []int64
}

// run executes fn in one transaction, appends its audit records, commits, and then
// tries to deliver the text messages it queued (outside the transaction: on SQLite
// the sender may need the single writer). It reports whether every message was
// handed to the gateway; those that were not are retried by the Runner.
func (s *Service) run(ctx context.Context, fn func(t *txn) error) (bool, error) {
	var notices []int64
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		t := &txn{Tx: tx, ctx: ctx, now: store.Time(s.now())}
		if err := fn(t); err != nil {
			return err
		}
		for _, e := range t.entries {
			if _, err := s.audit.Append(ctx, tx, e); err != nil {
				return fmt.Errorf("delegation: audit: %w", err)
			}
		}
		notices = t.notices
		return nil
	})
	if err != nil {
		return false, err
	}
	return s.deliver(ctx, notices), nil
}

// record queues an audit record of the command.
func (t *txn) record(a Actor, role string, unitID int64, action, target string, detail map[string]string) {
	t.entries = append(t.entries, audit.Entry{PersonID: a.PersonID, UnitID: unitID, Role: role,
		Action: action, Target: target, Result: audit.Success, ClientIP: a.ClientIP, RequestID: a.RequestID,
		Detail: detail})
}
