package person

import (
	"context"
	"time"

	"hall/internal/audit"
	"hall/internal/ident"
	"hall/internal/store"
)

// CodeChecker checks a one-time SMS code (implemented by internal/sms). purpose
// names the flow that asked for the code ("register", "login", …) and binding
// the browser session or flow it was sent to, so a code cannot be replayed in
// another flow. Check returns nil when the code is right and consumes it (codes
// are single use, SPEC §9); any error means refused. An error that implements
// interface{ FieldMessage() string } carries the Chinese message to show
// beside the code field.
//
// Verify is Check without consuming a right code (a wrong one counts as a wrong
// attempt as for Check); CheckTx is Check inside the caller's transaction, so the
// code is spent only if that transaction commits.
type CodeChecker interface {
	Check(ctx context.Context, purpose, binding, mobile, code string) error
	Verify(ctx context.Context, purpose, binding, mobile, code string) error
	CheckTx(ctx context.Context, tx *store.Tx, purpose, binding, mobile, code string) error
}

// SMS code purposes used by this package.
const (
	PurposeRegister = "register"
	PurposeLogin    = "login"
)

// Service manages personal accounts: registration, credentials, look-ups and
// appeals. It is safe for concurrent use.
type Service struct {
	db     *store.DB
	hasher *Hasher
	codes  CodeChecker
	policy ident.PasswordPolicy
	audit  *audit.Log
	now    func() time.Time
}

// New returns a Service. policy should have passed ident.PasswordPolicy.Validate
// (configuration is checked at start-up, not here); now is the clock (nil:
// time.Now).
func New(db *store.DB, hasher *Hasher, codes CodeChecker, policy ident.PasswordPolicy, log *audit.Log, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, hasher: hasher, codes: codes, policy: policy, audit: log, now: now}
}

// dbNow is the current time as stored: UTC, microseconds (both engines keep
// microseconds, so a value read back equals the one written).
func (s *Service) dbNow() time.Time { return store.Time(s.now()) }
