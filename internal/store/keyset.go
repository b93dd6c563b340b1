package store

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Cursor is where a page of a list read by keyset starts: the key of the last row the
// previous page showed (or, going back, of the first row of the page after). A list
// read this way costs the same on its thousandth page as on its first, where a LIMIT
// … OFFSET reads and drops every row before the page.
type Cursor struct {
	// At is the row's time column; zero for a list ordered by id alone.
	At time.Time
	ID int64
}

// ErrBadCursor is returned by ParseCursor for text that String did not write.
var ErrBadCursor = errors.New("store: bad page cursor")

// IsZero reports whether c is no row: the list's start.
func (c Cursor) IsZero() bool { return c.ID == 0 }

// String is c as a page address carries it: the time in microseconds since 1970
// and the id, "1733500000000000_42", or the id alone.
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	id := strconv.FormatInt(c.ID, 10)
	if c.At.IsZero() {
		return id
	}
	return strconv.FormatInt(c.At.UnixMicro(), 10) + "_" + id
}

// ParseCursor reads what String wrote; "" is the zero Cursor. Errors: ErrBadCursor,
// also for a time outside the years 1–9999.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	at, id, timed := strings.Cut(s, "_")
	if !timed {
		id, at = at, ""
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return Cursor{}, ErrBadCursor
	}
	c := Cursor{ID: n}
	if timed {
		micro, err := strconv.ParseInt(at, 10, 64)
		if err != nil {
			return Cursor{}, ErrBadCursor
		}
		c.At = Time(time.UnixMicro(micro))
		// A time no row has (an edited address) would reach the database as a
		// timestamp it may not hold (PostgreSQL's end at year 294276).
		if c.At.Before(keysetEarliest) || c.At.After(keysetLatest) {
			return Cursor{}, ErrBadCursor
		}
	}
	return c, nil
}

// Keyset is the order of a list read page by page from a Cursor: by a time column
// and the id, or by the id alone (Time ""), oldest first or newest first (Desc). An
// index on the list's equality filters followed by these columns serves every page.
type Keyset struct {
	Time string
	ID   string
	Desc bool
}

// The bounds a first page starts from: beyond every row, so that every page, the
// first too, is the same range search of the index (SQLite's plan shows an ordered
// read from the start of an index as a scan even when the LIMIT stops it early).
var (
	keysetEarliest = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	keysetLatest   = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
)

// Page is the condition (to AND to the list's other conditions), its arguments and
// the ORDER BY clause of the rows after c in the keyset's order, or before c when
// back (the previous page; its rows come in the opposite order: Backwards puts them
// right). A zero c is the list's start (back: its end).
func (k Keyset) Page(c Cursor, back bool) (cond string, args []any, order string) {
	ascending := k.Desc == back
	if c.IsZero() {
		c = Cursor{At: keysetLatest, ID: math.MaxInt64}
		if ascending {
			c = Cursor{At: keysetEarliest, ID: 0}
		}
	}
	op, dir := " < ", " DESC"
	if ascending {
		op, dir = " > ", ""
	}
	if k.Time == "" {
		return k.ID + op + "?", []any{c.ID}, " ORDER BY " + k.ID + dir
	}
	return "(" + k.Time + ", " + k.ID + ")" + op + "(?, ?)", []any{Time(c.At), c.ID},
		" ORDER BY " + k.Time + dir + ", " + k.ID + dir
}

// Paged is one page of a list read by keyset, with where its neighbours start: Prev
// (read back from it) and Next (read on from it), zero where there is none.
type Paged[T any] struct {
	Rows       []T
	Prev, Next Cursor
}

// ReadPage reads the page of at most per rows after c in k's order (before c, when
// back) through read, which runs the list's query with cond ANDed to its own
// conditions, args after its own, order as its ORDER BY and LIMIT limit; key is a
// row's Cursor. A page read back that reaches the list's start is the first page,
// full. A page read on that finds no row (its rows were decided or removed since the
// link was made, or the address was edited) is the list's last page, so that the
// reader is never left on an empty page without a way back. Errors: read's.
func ReadPage[T any](k Keyset, c Cursor, back bool, per int,
	read func(cond string, args []any, order string, limit int) ([]T, error), key func(T) Cursor) (Paged[T], error) {
	if c.IsZero() {
		back = false
	}
	cond, args, order := k.Page(c, back)
	rows, err := read(cond, args, order, per+1)
	if err != nil {
		return Paged[T]{}, err
	}
	if !back && len(rows) == 0 && !c.IsZero() {
		// Back from beyond the list's end (an id no row has, not zero: zero is the
		// start); nothing is after these rows, so no 下一页 to the empty page.
		end := Cursor{At: keysetLatest, ID: math.MaxInt64}
		if k.Desc {
			end = Cursor{At: keysetEarliest, ID: -1}
		}
		p, err := ReadPage(k, end, true, per, read, key)
		p.Next = Cursor{}
		return p, err
	}
	more := len(rows) > per
	if more {
		rows = rows[:per]
	}
	if back && !more {
		return ReadPage(k, Cursor{}, false, per, read, key)
	}
	if back {
		slices.Reverse(rows)
	}
	p := Paged[T]{Rows: rows}
	if len(rows) > 0 && (back || !c.IsZero()) {
		p.Prev = key(rows[0])
	}
	if len(rows) > 0 && (back || more) {
		p.Next = key(rows[len(rows)-1])
	}
	return p, nil
}
