package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"hall/internal/store"
)

// Limits on stored values. Free text beyond them is cut; detail beyond maxDetailKeys
// keys is refused (it is a programming error, not outside input).
const (
	maxAction      = 64
	maxRole        = 64
	maxTarget      = 256
	maxClientIP    = 64
	maxRequestID   = 128
	maxDetailKeys  = 32
	maxDetailKey   = 64
	maxDetailValue = 1024
)

// Append adds e to the log inside tx, so that the row commits or rolls back with the
// change it records, and returns its seq. It locks the head row until tx ends (on
// SQLite the write transaction already serializes), so make it the last write of tx.
// e.Seq, e.At, e.PrevHash and e.Hash are ignored: Append assigns them. Errors: see the
// package comment (ErrInvalidEntry, otherwise database failures).
func (l *Log) Append(ctx context.Context, tx *store.Tx, e Entry) (int64, error) {
	if tx == nil {
		return 0, errors.New("audit: Append needs a transaction")
	}
	r, err := l.prepare(e)
	if err != nil {
		return 0, err
	}
	head := "SELECT seq, hash FROM audit_head WHERE id = 1"
	if tx.Engine() == store.Postgres {
		head += " FOR UPDATE"
	}
	if err := tx.QueryRow(ctx, head).Scan(&r.seq, &r.prevHash); err != nil {
		return 0, fmt.Errorf("audit: read head: %w", store.NotFound(err))
	}
	r.seq++
	r.hash = l.newHasher().sum(&r)
	_, err = tx.Exec(ctx, "INSERT INTO audit_log ("+columns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.seq, r.at, nullID(r.person), nullID(r.unit), r.role, nullID(r.staff), r.action,
		r.target, r.result, r.clientIP, r.requestID, r.detail, r.prevHash, r.hash)
	if err != nil {
		return 0, fmt.Errorf("audit: insert seq %d: %w", r.seq, err)
	}
	res, err := tx.Exec(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", r.seq, r.hash)
	if err != nil {
		return 0, fmt.Errorf("audit: advance head to %d: %w", r.seq, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return 0, fmt.Errorf("audit: advance head to %d: %d rows (%v)", r.seq, n, err)
	}
	return r.seq, nil
}

// Record appends e in a transaction of its own, for events that write nothing else
// (a failed login, a denied request).
func (l *Log) Record(ctx context.Context, e Entry) (int64, error) {
	var seq int64
	err := l.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		seq, err = l.Append(ctx, tx, e)
		return err
	})
	return seq, err
}

// prepare validates e and turns it into the record that will be stored and hashed
// (without seq, prev_hash and hash).
func (l *Log) prepare(e Entry) (record, error) {
	if !validAction(e.Action) {
		return record{}, fmt.Errorf("%w: action %q (want 1–%d of a-z 0-9 . _ -)", ErrInvalidEntry, e.Action, maxAction)
	}
	switch e.Result {
	case Success, Failure, Denied:
	default:
		return record{}, fmt.Errorf("%w: result %q", ErrInvalidEntry, e.Result)
	}
	if e.PersonID < 0 || e.UnitID < 0 || e.StaffID < 0 {
		return record{}, fmt.Errorf("%w: negative ID", ErrInvalidEntry)
	}
	detail, err := encodeDetail(e.Detail)
	if err != nil {
		return record{}, err
	}
	return record{
		at:        store.Time(l.now()),
		person:    e.PersonID,
		unit:      e.UnitID,
		role:      clean(e.Role, maxRole),
		staff:     e.StaffID,
		action:    e.Action,
		target:    clean(e.Target, maxTarget),
		result:    string(e.Result),
		clientIP:  clean(e.ClientIP, maxClientIP),
		requestID: clean(e.RequestID, maxRequestID),
		detail:    detail,
	}, nil
}

func validAction(a string) bool {
	if a == "" || len(a) > maxAction {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// secretWords are refused inside detail keys (compared in lower case).
var secretWords = []string{"password", "passwd", "secret", "token", "otp", "captcha"}

// encodeDetail returns d as a JSON object with sorted keys ("{}" when empty), after
// cleaning keys and values. Two keys that clean to the same text are refused.
func encodeDetail(d map[string]string) (string, error) {
	if len(d) == 0 {
		return "{}", nil
	}
	if len(d) > maxDetailKeys {
		return "", fmt.Errorf("%w: %d detail keys (at most %d)", ErrInvalidEntry, len(d), maxDetailKeys)
	}
	m := make(map[string]string, len(d))
	for k, v := range d {
		ck := clean(k, maxDetailKey)
		if ck == "" {
			return "", fmt.Errorf("%w: empty detail key", ErrInvalidEntry)
		}
		lk := strings.ToLower(ck)
		for _, w := range secretWords {
			if strings.Contains(lk, w) {
				return "", fmt.Errorf("%w: detail key %q looks like a secret", ErrInvalidEntry, ck)
			}
		}
		if _, dup := m[ck]; dup {
			return "", fmt.Errorf("%w: detail key %q given twice", ErrInvalidEntry, ck)
		}
		m[ck] = clean(v, maxDetailValue)
	}
	b, err := json.Marshal(m) // sorted keys; valid UTF-8 in, so the text is exact
	if err != nil {
		return "", fmt.Errorf("audit: encode detail: %w", err)
	}
	return string(b), nil
}

// decodeDetail parses stored detail text.
func decodeDetail(s string) (map[string]string, error) {
	m := map[string]string{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	return m, nil
}

// clean makes outside text storable the same way on both engines: valid UTF-8, no
// NUL (PostgreSQL text cannot hold it), at most max bytes cut at a rune boundary.
func clean(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// nullID stores 0 as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
