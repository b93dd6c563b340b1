package audit

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"hall/internal/store"
)

// Paging limits of List.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
	maxPage        = 1 << 20
)

// Filter selects entries for List. Zero fields do not filter.
type Filter struct {
	UnitID   int64
	PersonID int64
	StaffID  int64 // the back-office staff member who acted
	// ExcludeStaffID leaves out the entries of one staff member: an auditor's view,
	// since nobody audits themselves (internal/staff).
	ExcludeStaffID int64
	Action         string    // prefix: "login." matches "login.password", "login.sms", …
	Since          time.Time // inclusive
	Until          time.Time // exclusive
	Page           int       // from 1 (values below 1 mean 1)
	PerPage        int       // DefaultPerPage when ≤ 0, at most MaxPerPage
}

// List returns one page of the entries matching f, newest first (by time, then seq),
// and the number of matching entries. Every filter is served by an index: unit,
// person and staff member by (unit_id|person_id|staff_id, at, seq), the action prefix by a range on
// (action, at, seq), the time range by (at, seq). Errors are database failures, or a
// stored detail that is not a JSON object of strings (only possible by tampering).
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, int, error) {
	where, args := f.where()
	perPage := f.PerPage
	if perPage <= 0 {
		perPage = DefaultPerPage
	}
	perPage = min(perPage, MaxPerPage)
	page := min(max(f.Page, 1), maxPage)

	var total int64
	var err error
	if where == "" {
		// Seqs run 1…head without gaps, so the head is the count (no table scan).
		err = l.db.QueryRow(ctx, "SELECT seq FROM audit_head WHERE id = 1").Scan(&total)
	} else {
		err = l.db.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log"+where, args...).Scan(&total)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("audit: count: %w", err)
	}

	q := "SELECT " + columns + " FROM audit_log" + where + " ORDER BY at DESC, seq DESC LIMIT ? OFFSET ?"
	rows, err := l.db.Query(ctx, q, append(args, perPage, (page-1)*perPage)...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	out := make([]Entry, 0, perPage)
	for rows.Next() {
		var r record
		if err := scanRecord(rows, &r); err != nil {
			return nil, 0, fmt.Errorf("audit: list: %w", err)
		}
		e, err := r.entry()
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("audit: list: %w", err)
	}
	return out, int(total), nil
}

// where builds the WHERE clause (with a leading space, or empty) and its arguments.
func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	if f.UnitID != 0 {
		conds, args = append(conds, "unit_id = ?"), append(args, f.UnitID)
	}
	if f.PersonID != 0 {
		conds, args = append(conds, "person_id = ?"), append(args, f.PersonID)
	}
	if f.StaffID != 0 {
		conds, args = append(conds, "staff_id = ?"), append(args, f.StaffID)
	}
	if f.ExcludeStaffID != 0 {
		conds, args = append(conds, "(staff_id IS NULL OR staff_id <> ?)"), append(args, f.ExcludeStaffID)
	}
	if a := clean(f.Action, maxTarget); a != "" {
		// A byte-order range, not LIKE: SQLite's LIKE is case-insensitive and skips a
		// BINARY index; the PostgreSQL column is COLLATE "C" for the same reason.
		conds, args = append(conds, "action >= ?"), append(args, a)
		if hi, ok := prefixEnd(a); ok {
			conds, args = append(conds, "action < ?"), append(args, hi)
		}
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, "at >= ?"), append(args, store.Time(f.Since))
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, "at < ?"), append(args, store.Time(f.Until))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// prefixEnd returns the smallest string greater than every string that starts with p:
// p with its last rune incremented (dropping trailing runes that cannot be). ok is
// false when there is none (p is all U+10FFFF). p must be valid UTF-8.
func prefixEnd(p string) (string, bool) {
	for p != "" {
		r, size := utf8.DecodeLastRuneInString(p)
		p = p[:len(p)-size]
		if r == utf8.MaxRune {
			continue
		}
		r++
		if r == 0xD800 { // skip the surrogates, which UTF-8 cannot encode
			r = 0xE000
		}
		return p + string(r), true
	}
	return "", false
}

// entry converts a stored record to an Entry.
func (r *record) entry() (Entry, error) {
	d, err := decodeDetail(r.detail)
	if err != nil || r.bad {
		return Entry{}, fmt.Errorf("audit: entry %d is unreadable (tampered?)", r.seq)
	}
	return Entry{
		Seq: r.seq, At: r.at, PersonID: r.person, UnitID: r.unit, Role: r.role,
		StaffID: r.staff, Action: r.action, Target: r.target, Result: Result(r.result),
		ClientIP: r.clientIP, RequestID: r.requestID, Detail: d, PrevHash: r.prevHash,
		Hash: r.hash,
	}, nil
}
