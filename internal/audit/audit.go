// Package audit keeps the hall's audit log: who (person, unit, role, staff) did what
// (action, target), when (UTC), from where (client address) and with what result.
//
// The log is append-only and hash-chained. Every row stores the hash of the row before
// it (prev_hash) and its own hash,
//
//	hash = HMAC-SHA256(key, canonical(prev_hash, seq, at, person, unit, role, staff,
//	                                  action, target, result, client_ip, request_id, detail))
//
// where canonical is a length-prefixed, fixed-order encoding (see hash.go) and the
// first row links to a genesis hash of 64 zeros. A one-row table, audit_head, holds the
// last seq and hash; every append locks and advances it, so appends are serialized and
// seqs are contiguous (1, 2, 3, …). The database refuses UPDATE, DELETE (and, on
// PostgreSQL, TRUNCATE) on audit_log through triggers, and refuses rows that do not
// extend the head. Verify recomputes the whole chain and reports the first broken link.
//
// The triggers stop mistakes and ordinary SQL; the key stops an attacker. Someone with
// write access to the database can drop the triggers and edit rows, but without the key
// cannot recompute the hashes, so Verify finds the edit. With an empty key the chain is
// plain SHA-256 and only shows accidental or naive tampering: whoever can write the
// database can then rewrite the tail of the chain consistently. Keep the key outside
// the database (config secret).
//
// What the chain cannot show is a tail cut off consistently: drop the triggers,
// delete the newest rows and move audit_head back, and the rest is still a valid
// chain. Anchors (anchor.go) close that: `hall serve` appends the signed head to a
// file outside the database, and VerifyAnchors finds a chain that no longer reaches
// an anchored head.
//
// Appends run inside the caller's transaction (Append), so the audit row commits or
// rolls back with the change it records; Record wraps Append in a transaction of its
// own for events that write nothing else (a failed login). The head lock is held until
// the transaction ends, so call Append as the last write of a transaction.
//
// Error contract: Append and Record return an error wrapping ErrInvalidEntry when the
// entry itself is unacceptable (unknown result, malformed action, a detail key that
// looks like a secret, too many detail keys); every other error is a failure of the
// database, and the caller's transaction must then fail (fail closed). Verify returns
// an error only when the database cannot be read: a broken chain is a VerifyResult, not
// an error. List returns database errors only. WriteAnchor and VerifyAnchors document
// their own errors.
package audit

import (
	"errors"
	"time"

	"hall/internal/store"
)

// ErrInvalidEntry is wrapped by the errors Append returns for an unacceptable entry.
var ErrInvalidEntry = errors.New("audit: invalid entry")

// Result is the outcome of an audited action.
type Result string

const (
	Success Result = "success"
	Failure Result = "failure"
	Denied  Result = "denied" // refused by authorization
)

// Entry is one audit record.
//
// Who: PersonID, UnitID and StaffID are the database IDs of the acting person, the unit
// in whose name they act and the back-office staff member; 0 means none (stored as
// NULL). Role is the role in the unit ("legal_rep", "admin", "agent", …) or the staff
// role.
//
// Free-text fields (Role, Target, ClientIP, RequestID and Detail's keys and values)
// may carry outside input, so Append never refuses them: invalid UTF-8 becomes U+FFFD,
// NUL bytes are dropped and over-long values are cut (at a rune boundary). What is
// stored is what is hashed.
//
// Detail is a flat map of strings, stored as a JSON object with sorted keys. It is for
// context a reviewer needs (old and new values, the grant used, a failure reason).
// Never put passwords, SMS codes, tokens or other secrets in it: Append refuses keys
// that look like one (containing "password", "passwd", "secret", "token", "otp" or
// "captcha"). Personal data (ID numbers, mobiles) must be masked by the caller.
type Entry struct {
	Seq       int64     // assigned by Append
	At        time.Time // assigned by Append from the Log's clock: UTC, microseconds
	PersonID  int64
	UnitID    int64
	Role      string
	StaffID   int64
	Action    string // dotted lower-case name, e.g. "login.password", "grant.revoke"
	Target    string // what was acted on, e.g. "unit:42", "grant:7"
	Result    Result
	ClientIP  string
	RequestID string
	Detail    map[string]string
	PrevHash  string // hex; assigned by Append
	Hash      string // hex; assigned by Append
}

// Log appends to, verifies and lists the audit log.
type Log struct {
	db        *store.DB
	key       []byte
	anchorKey []byte // derived from key (anchor.go)
	now       func() time.Time
}

// New returns a Log on db. key is the HMAC key of the chain (empty: plain SHA-256, see
// the package comment); now is the clock (nil: time.Now).
func New(db *store.DB, key []byte, now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{db: db, key: append([]byte(nil), key...), anchorKey: deriveAnchorKey(key), now: now}
}

// genesisHash is prev_hash of the first row.
const genesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// columns lists the stored fields in the order scanRow reads them.
const columns = "seq, at, person_id, unit_id, role, staff_id, action, target, result, " +
	"client_ip, request_id, detail, prev_hash, hash"
