package audit

import (
	"context"
	"crypto/subtle"
	"fmt"

	"hall/internal/store"
)

// Reason says why a link of the chain is broken.
type Reason string

const (
	ReasonHash Reason = "hash mismatch"                         // the row's content does not give its hash
	ReasonPrev Reason = "prev_hash does not match previous row" // the row is not linked to the one before
	ReasonGap  Reason = "gap in sequence"                       // a seq is missing (a row was removed)
	ReasonHead Reason = "head does not match"                   // audit_head disagrees with the last row
)

// VerifyResult is the outcome of Verify.
type VerifyResult struct {
	OK bool
	// Count is the number of rows found good: all rows when OK; otherwise the rows
	// before the first broken one (for ReasonHead, all rows read).
	Count int64
	// BrokenAt is the seq of the first broken link (0 when OK). For ReasonGap it is the
	// missing seq; for ReasonHead it is the head's seq, or the first seq the head and the
	// rows disagree about.
	BrokenAt int64
	Reason   Reason
}

// String is the line `hall audit verify` prints.
func (r VerifyResult) String() string {
	if r.OK {
		return fmt.Sprintf("audit log OK: %d entries, chain intact", r.Count)
	}
	return fmt.Sprintf("audit log BROKEN at seq %d: %s (%d entries verified)",
		r.BrokenAt, r.Reason, r.Count)
}

// verifyPage is how many rows Verify reads per query.
const verifyPage = 1000

// Verify walks the whole log in seq order, a page at a time (constant memory), and
// recomputes every hash and link. It checks that seqs run 1, 2, 3, … without gaps,
// that each prev_hash is the previous row's hash (the genesis hash for seq 1), that
// each hash is right for its row and key, and that audit_head names the last row. It
// returns the first broken link, or OK with the number of rows. Appends may run
// concurrently: rows committed after Verify began are checked as far as the head it
// last read. Errors are database failures only.
func (l *Log) Verify(ctx context.Context) (VerifyResult, error) {
	w := walker{db: l.db, hs: l.newHasher(), lastHash: genesisHash}
	headSeq, headHash, err := w.head(ctx)
	if err != nil {
		return VerifyResult{}, err
	}
	if broken, err := w.walk(ctx, 0); err != nil || broken != nil {
		return w.result(broken), err
	}
	if w.last > headSeq {
		// Rows appeared after the head was read: appends committed during the walk, or
		// rows inserted behind the head's back. Every committed row has advanced the
		// head in its own transaction, so a fresh head must reach the last row seen.
		if headSeq, headHash, err = w.head(ctx); err != nil {
			return VerifyResult{}, err
		}
		if headSeq < w.last {
			return w.result(&VerifyResult{BrokenAt: headSeq + 1, Reason: ReasonHead}), nil
		}
		if broken, err := w.walk(ctx, headSeq); err != nil || broken != nil {
			return w.result(broken), err
		}
	}
	switch {
	case w.last < headSeq: // rows the head counts are missing at the end
		return w.result(&VerifyResult{BrokenAt: w.last + 1, Reason: ReasonHead}), nil
	case !equalHex(w.lastHash, headHash):
		return w.result(&VerifyResult{BrokenAt: headSeq, Reason: ReasonHead}), nil
	}
	return VerifyResult{OK: true, Count: w.count}, nil
}

// walker carries the state of one Verify.
type walker struct {
	db       *store.DB
	hs       *hasher
	last     int64  // seq of the last good row (0 before the first)
	lastHash string // its hash (genesis before the first)
	count    int64
}

func (w *walker) head(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := w.db.QueryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &hash)
	if err != nil {
		return 0, "", fmt.Errorf("audit: read head: %w", store.NotFound(err))
	}
	return seq, hash, nil
}

// walk checks the rows after w.last, up to seq upTo (0: to the end), and returns the
// first broken link or nil.
func (w *walker) walk(ctx context.Context, upTo int64) (*VerifyResult, error) {
	for {
		q := "SELECT " + columns + " FROM audit_log WHERE seq > ?"
		args := []any{w.last}
		if upTo > 0 {
			q += " AND seq <= ?"
			args = append(args, upTo)
		}
		q += " ORDER BY seq LIMIT ?"
		args = append(args, verifyPage)
		n, broken, err := w.page(ctx, q, args)
		if err != nil || broken != nil || n < verifyPage {
			return broken, err
		}
	}
}

// page checks one page of rows and returns how many it read.
func (w *walker) page(ctx context.Context, q string, args []any) (int, *VerifyResult, error) {
	rows, err := w.db.Query(ctx, q, args...)
	if err != nil {
		return 0, nil, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()
	n := 0
	var r record
	for rows.Next() {
		if err := scanRecord(rows, &r); err != nil {
			return n, nil, fmt.Errorf("audit: verify: %w", err)
		}
		n++
		if broken := w.check(&r); broken != nil {
			return n, broken, nil
		}
	}
	if err := rows.Err(); err != nil {
		return n, nil, fmt.Errorf("audit: verify: %w", err)
	}
	return n, nil, nil
}

// check verifies one row against the previous one and advances the walker.
func (w *walker) check(r *record) *VerifyResult {
	switch {
	case r.seq != w.last+1:
		return &VerifyResult{BrokenAt: w.last + 1, Reason: ReasonGap}
	case !equalHex(r.prevHash, w.lastHash):
		return &VerifyResult{BrokenAt: r.seq, Reason: ReasonPrev}
	case r.bad || !equalHex(w.hs.sum(r), r.hash):
		return &VerifyResult{BrokenAt: r.seq, Reason: ReasonHash}
	}
	w.last, w.lastHash = r.seq, r.hash
	w.count++
	return nil
}

// result fills in the count of good rows. It is called with nil only beside an error.
func (w *walker) result(broken *VerifyResult) VerifyResult {
	if broken == nil {
		return VerifyResult{}
	}
	broken.Count = w.count
	return *broken
}

// equalHex compares two hashes in constant time.
func equalHex(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
