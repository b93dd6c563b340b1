// Package flow keeps multi-step flows (registration, unit registration, historical
// upgrade, password recovery, QR login …) as saved objects in the database, the way
// ory/kratos keeps its self-service flows: each flow has an opaque ID, a kind, the
// step it has reached, the data gathered so far (JSON, sealed at rest: sealed.go),
// an expiry and, once done, a completion time. Keeping them in the database rather
// than in a process means a flow started on one server continues on another, and a
// restart loses nothing.
//
// Three rules make a flow safe to expose through a URL or a form field:
//
//   - Binding. A flow answers only to the browser session that created it: the
//     store keeps the SHA-256 of the caller's binding (a value from the browser's
//     session cookie) and Get refuses any other, with the same ErrNotFound as for
//     an unknown ID, so a leaked flow ID is useless in another browser and probing
//     cannot tell the cases apart.
//   - Steps in order. Advance moves a flow from one named step to the next with a
//     compare-and-set on (step, version): a step cannot be skipped (ErrStep), a
//     replayed form cannot run a step twice (ErrStep), and of two concurrent submits
//     of the same step exactly one wins, the other gets ErrConflict.
//   - Single use. Complete marks the flow done inside the caller's transaction, so
//     the flow's effect (an account, a password change) and its completion commit
//     together; a second Complete, or any later Get or Advance, gets ErrCompleted.
//
// The store does not know which steps a kind has: the handler for a kind owns that
// (its step names and what each step checks) and passes from and to explicitly.
//
// Error contract: methods return the sentinels below, errors wrapping ErrInvalid for
// a bad argument (a programming error), and otherwise failures of the database.
package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Kinds of flow used by the hall. A kind is any name of 1–32 characters from
// a-z, 0-9, '-', '_' and '.'; these are the known ones.
const (
	KindRegister     = "register"      // R1 personal registration
	KindUnitRegister = "unit-register" // R2 unit registration by the legal rep
	KindUpgrade      = "upgrade"       // R4 historical unit user upgrade
	KindRecover      = "recover"       // P1 password recovery
	KindQRLogin      = "qr-login"      // L2 QR login
)

// MaxData bounds the JSON a flow carries: it holds what the person typed in a few
// forms, never files.
const MaxData = 64 << 10

// Sentinel errors; see each method for when it returns which.
var (
	// ErrNotFound: no flow with this ID, or one of another kind or bound to
	// another browser session (the three are indistinguishable on purpose).
	ErrNotFound = errors.New("flow: not found")
	// ErrExpired: the flow's time is up; the person must start again.
	ErrExpired = errors.New("flow: expired")
	// ErrCompleted: the flow was completed already (single use).
	ErrCompleted = errors.New("flow: already completed")
	// ErrStep: the flow is not at the step the caller said it is (skip or replay).
	ErrStep = errors.New("flow: not at that step")
	// ErrConflict: the flow changed since the caller read it (a concurrent submit
	// won); read it again and show its current step.
	ErrConflict = errors.New("flow: changed concurrently")
	// ErrInvalid: a bad argument (empty binding, malformed kind or step name, data
	// that does not encode or exceeds MaxData). A programming error.
	ErrInvalid = errors.New("flow: invalid argument")
)

// Flow is one saved flow as read by Get. The caller changes it only through the
// Store, which keeps Step, Data and Version in step with the database.
type Flow struct {
	ID          string // opaque, 32 random bytes in base64url (43 characters)
	Kind        string
	Step        string
	Data        json.RawMessage
	Version     int64 // bumped by every change; the compare-and-set token
	CreatedAt   time.Time
	ExpiresAt   time.Time
	CompletedAt time.Time // zero until completed
}

// Decode unmarshals the flow's data into v (a pointer).
func (f *Flow) Decode(v any) error {
	if len(f.Data) == 0 {
		return nil
	}
	if err := json.Unmarshal(f.Data, v); err != nil {
		return fmt.Errorf("flow: decode %s data: %w", f.Kind, err)
	}
	return nil
}

// validName checks a kind or step name.
func validName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// encodeData marshals data for storage; nil becomes an empty object.
func encodeData(data any) (json.RawMessage, error) {
	if data == nil {
		return json.RawMessage("{}"), nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("%w: data: %v", ErrInvalid, err)
	}
	if len(b) > MaxData {
		return nil, fmt.Errorf("%w: data is %d bytes (max %d)", ErrInvalid, len(b), MaxData)
	}
	return b, nil
}
