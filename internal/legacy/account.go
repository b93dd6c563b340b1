package legacy

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"hall/internal/ident"
	"hall/internal/store"
)

// Sentinel errors; each function says which it returns and when.
var (
	// ErrBadCredentials: no such legacy account, or the wrong password. The two are
	// one error on purpose: the answer must not tell which accounts exist.
	ErrBadCredentials = errors.New("legacy: unknown account or wrong password")
	// ErrUpgraded: the account was upgraded already (single use).
	ErrUpgraded = errors.New("legacy: account already upgraded")
	// ErrNotFound: no such account (by ID).
	ErrNotFound = errors.New("legacy: account not found")
)

// States of an account.
const (
	StateActive   = "active"
	StateUpgraded = "upgraded"
)

// Account is a legacy hall account as imported.
type Account struct {
	ID         int64
	UnitNumber string
	USCC       string
	UnitName   string
	State      string
	UpgradedAt *time.Time
}

// NumberMsg is the message for a 单位编号 that cannot be one.
const NumberMsg = "请输入正确的原单位编号（4至32位字母、数字或“-”）"

// NormalizeNumber is a legacy 单位编号 as stored: full-width folded, white space and
// invisible characters removed anywhere, letters upper-cased. ok is false when the
// result is not 4–32 characters of A–Z, 0–9 and '-'.
func NormalizeNumber(s string) (n string, ok bool) {
	if len(s) > 256 {
		return "", false
	}
	var b strings.Builder
	for _, r := range ident.Fold(s) {
		switch {
		case unicode.IsSpace(r) || ident.IsTrimmable(r):
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		case (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '-':
		default:
			return "", false
		}
		b.WriteRune(r)
	}
	n = b.String()
	return n, len(n) >= 4 && len(n) <= 32
}

// Store reads legacy accounts and checks their passwords.
type Store struct {
	db  *store.DB
	key []byte // keys the choice of the hash an unknown number is verified against
	ids idRange
}

// NewStore returns the legacy account store on db. key (shared by every instance,
// derived from the throttle's key) chooses which stored hash an unknown number is
// verified against; nil draws a random one, as development without keys does.
func NewStore(db *store.DB, key []byte) *Store {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	}
	return &Store{db: db, key: key}
}

const accountColumns = `id, unit_number, uscc, unit_name, state, upgraded_at`

func scanAccount(row interface{ Scan(...any) error }, hash *string) (Account, error) {
	var a Account
	var at sql.NullTime
	dest := []any{&a.ID, &a.UnitNumber, &a.USCC, &a.UnitName, &a.State, &at}
	if hash != nil {
		dest = append(dest, hash)
	}
	if err := row.Scan(dest...); err != nil {
		return Account{}, err
	}
	if at.Valid {
		t := at.Time
		a.UpgradedAt = &t
	}
	return a, nil
}

// Get returns the account id.
//
// Errors: ErrNotFound; otherwise database failures.
func (s *Store) Get(ctx context.Context, id int64) (Account, error) {
	a, err := scanAccount(s.db.QueryRow(ctx, `SELECT `+accountColumns+` FROM legacy_accounts WHERE id = ?`, id), nil)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, ErrNotFound
	}
	if err != nil {
		return Account{}, fmt.Errorf("legacy: get account: %w", err)
	}
	return a, nil
}

// Check verifies a legacy login: the 单位编号 as typed and its password. An unknown
// or malformed number costs one verification of a stored hash, like a wrong
// password, and gives the same ErrBadCredentials. The state is told only after the
// right password: ErrUpgraded for an account used already.
//
// The caller throttles per account (the normalised number) and admits the work
// (web.AdmitLogin) before calling; Check hashes outside any transaction.
//
// Errors: ErrBadCredentials, ErrUpgraded, ctx's error; otherwise database failures.
func (s *Store) Check(ctx context.Context, number, password string) (Account, error) {
	// An over-long password is refused, but only after the one verification every
	// answer costs (of its first maxPasswordBytes), so that its answer takes as long
	// for a known number as for an unknown one.
	overlong := len(password) > maxPasswordBytes
	if overlong {
		password = password[:maxPasswordBytes]
	}
	n, ok := NormalizeNumber(number)
	if !ok {
		n = number // the unknown's dummy hash is chosen by what was typed
	}
	var a Account
	var phc string
	var err error
	if ok {
		a, err = scanAccount(s.db.QueryRow(ctx, `SELECT `+accountColumns+`, password_hash FROM legacy_accounts
			WHERE unit_number = ?`, n), &phc)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Account{}, fmt.Errorf("legacy: check: %w", err)
		}
		ok = err == nil
	}
	if err := ctx.Err(); err != nil {
		return Account{}, err
	}
	var h Hash
	if ok {
		if h, err = ParseHash(phc); err != nil {
			return Account{}, fmt.Errorf("legacy: account %d: %w", a.ID, err)
		}
	} else {
		d, err := s.dummyHash(ctx, n)
		if err != nil {
			return Account{}, err
		}
		if d != nil {
			d.Verify(password) // the time a real account costs; the result does not matter
		}
		return Account{}, ErrBadCredentials
	}
	if !h.Verify(password) || overlong {
		return Account{}, ErrBadCredentials
	}
	if a.State != StateActive {
		return a, ErrUpgraded
	}
	return a, nil
}

// maxPasswordBytes bounds the password a legacy check verifies.
const maxPasswordBytes = 512

// rangeMaxAge is how long the ID range of the accounts is used before it is read
// again. An import by `hall import legacy` runs in a process of its own and tells
// no serving instance; until they read the range again, the accounts it added lie
// above it and are not chosen as dummies (no account is ever deleted, so every ID
// in the old range still leads to one).
const rangeMaxAge = time.Minute

// idRange is the lowest and highest legacy account ID, read once and kept for
// rangeMaxAge, so that an unknown number costs one query as a known one does, not
// a scan of the table's ends on every attempt. An empty table is not kept: the
// first import shows at once.
type idRange struct {
	mu        sync.Mutex
	low, high int64
	readAt    time.Time // zero: not read, or forgotten
	now       func() time.Time
}

// get is the range (ok false: no account), from the database when the kept one
// is missing or older than rangeMaxAge.
func (r *idRange) get(ctx context.Context, db *store.DB) (low, high int64, ok bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now
	if r.now != nil {
		now = r.now
	}
	if t := now(); !r.readAt.IsZero() && t.Sub(r.readAt) < rangeMaxAge && !t.Before(r.readAt) {
		return r.low, r.high, true, nil
	}
	var l, h sql.NullInt64
	if err := db.QueryRow(ctx, `SELECT MIN(id), MAX(id) FROM legacy_accounts`).Scan(&l, &h); err != nil {
		return 0, 0, false, err
	}
	if !l.Valid {
		r.readAt = time.Time{}
		return 0, 0, false, nil
	}
	r.low, r.high, r.readAt = l.Int64, h.Int64, now()
	return r.low, r.high, true, nil
}

// forget drops the kept range: the next unknown number reads it again.
func (r *idRange) forget() {
	r.mu.Lock()
	r.readAt = time.Time{}
	r.mu.Unlock()
}

// Imported tells the store that accounts were written (an import in this
// process): the next unknown number chooses its dummy among them at once.
func (s *Store) Imported() { s.ids.forget() }

// dummyHash is the hash an unknown number is verified against, so that its answer
// costs what a known number's costs: a stored account's hash, chosen by a keyed
// hash of the number among the IDs (the range kept by idRange, so that one query
// is made per attempt, as for a known number). An export may mix formats and costs (bcrypt
// cost 10 beside PBKDF2 at 600,000 iterations): the unknown numbers then cost as
// the accounts do, in the same proportions, and each number always the same — a
// number tried twice does not give itself away by a different time. With no account
// at all there is nothing to hide and nothing is verified (nil).
func (s *Store) dummyHash(ctx context.Context, number string) (*Hash, error) {
	low, high, ok, err := s.ids.get(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("legacy: dummy hash: %w", err)
	}
	if !ok {
		return nil, nil
	}
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(number)) //nolint:errcheck // a hash never fails to write
	// #nosec G115 -- IDs are positive and MAX ≥ MIN: the span is positive.
	span := uint64(high-low) + 1
	// #nosec G115 -- the remainder is below span, which fits the ID range.
	id := low + int64(binary.BigEndian.Uint64(m.Sum(nil))%span)
	var phc string
	err = s.db.QueryRow(ctx, `SELECT password_hash FROM legacy_accounts WHERE id >= ? ORDER BY id LIMIT 1`, id).Scan(&phc)
	if err != nil {
		return nil, fmt.Errorf("legacy: dummy hash: %w", err)
	}
	h, err := ParseHash(phc)
	if err != nil {
		return nil, fmt.Errorf("legacy: dummy hash: %w", err)
	}
	return &h, nil
}

// MarkUpgradedTx moves the account from active to upgraded, for unitID, inside the
// transaction that opens the unit's account.
//
// Errors: ErrUpgraded when it is not active any more (a concurrent upgrade);
// otherwise database failures.
func (s *Store) MarkUpgradedTx(ctx context.Context, tx *store.Tx, id, unitID int64, now time.Time) error {
	res, err := tx.Exec(ctx, `UPDATE legacy_accounts SET state = 'upgraded', upgraded_at = ?, unit_id = ?, updated_at = ?
		WHERE id = ? AND state = 'active'`, store.Time(now), unitID, store.Time(now), id)
	if err != nil {
		return fmt.Errorf("legacy: mark upgraded: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("legacy: mark upgraded: %w", err)
	} else if n == 0 {
		return ErrUpgraded
	}
	return nil
}
