package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// keysetRow is a row of the test's table: its key.
type keysetRow struct {
	at time.Time
	id int64
}

// TestKeysetPages: a list read by keyset, oldest first and newest first, by time and
// id (rows of the same instant among them) and by id alone, gives every row once and
// in order going on from the first page by Next, the same pages going back from the
// last by Prev, no Prev on the first page and no Next on the last; a page read on
// from the last row is the last page; a page read back that reaches the start is the
// first page, full.
func TestKeysetPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		column := "TIMESTAMP"
		if db.Engine == store.Postgres {
			column = "TIMESTAMPTZ"
		}
		if _, err := db.Exec(ctx, "CREATE TABLE keyset_rows (id BIGINT PRIMARY KEY, at "+column+" NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
		// Seven rows, ids not in time order, three of them at the same instant.
		var rows []keysetRow
		for i, offset := range []time.Duration{5, 1, 3, 3, 3, 0, 7} {
			r := keysetRow{at: store.Time(base.Add(offset * time.Second)), id: int64(i + 1)}
			rows = append(rows, r)
			if _, err := db.Exec(ctx, "INSERT INTO keyset_rows (id, at) VALUES (?, ?)", r.id, r.at); err != nil {
				t.Fatal(err)
			}
		}
		for _, k := range []store.Keyset{{Time: "at", ID: "id"}, {Time: "at", ID: "id", Desc: true}, {ID: "id"},
			{ID: "id", Desc: true}} {
			t.Run(fmt.Sprintf("%s,%s desc=%v", k.Time, k.ID, k.Desc), func(t *testing.T) {
				keysetWalk(t, db, k, rows)
			})
		}
	})
}

func keysetWalk(t *testing.T, db *store.DB, k store.Keyset, rows []keysetRow) {
	t.Helper()
	ctx := context.Background()
	want := slices.Clone(rows)
	slices.SortFunc(want, func(a, b keysetRow) int {
		c := 0
		if k.Time != "" {
			c = a.at.Compare(b.at)
		}
		if c == 0 {
			c = int(a.id - b.id)
		}
		if k.Desc {
			c = -c
		}
		return c
	})
	key := func(r keysetRow) store.Cursor {
		if k.Time == "" {
			return store.Cursor{ID: r.id}
		}
		return store.Cursor{At: r.at, ID: r.id}
	}
	read := func(cond string, args []any, order string, limit int) ([]keysetRow, error) {
		rs, err := db.Query(ctx, "SELECT id, at FROM keyset_rows WHERE "+cond+order+" LIMIT ?", append(args, limit)...)
		if err != nil {
			return nil, err
		}
		defer rs.Close()
		var out []keysetRow
		for rs.Next() {
			var r keysetRow
			if err := rs.Scan(&r.id, &r.at); err != nil {
				return nil, err
			}
			r.at = r.at.UTC()
			out = append(out, r)
		}
		return out, rs.Err()
	}
	ids := func(rs []keysetRow) []int64 {
		var out []int64
		for _, r := range rs {
			out = append(out, r.id)
		}
		return out
	}
	// On from the first page.
	var pages [][]int64
	var seen []int64
	cursor, first := store.Cursor{}, true
	for {
		p, err := store.ReadPage(k, cursor, false, 3, read, key)
		if err != nil {
			t.Fatal(err)
		}
		if first != p.Prev.IsZero() {
			t.Fatalf("page %d: Prev %v", len(pages)+1, p.Prev)
		}
		pages, seen, first = append(pages, ids(p.Rows)), append(seen, ids(p.Rows)...), false
		if p.Next.IsZero() {
			break
		}
		cursor = p.Next
		if len(pages) > len(rows) {
			t.Fatal("the pages do not end")
		}
	}
	if !slices.Equal(seen, ids(want)) || len(pages) != 3 {
		t.Fatalf("pages %v, want the rows %v in pages of 3", pages, ids(want))
	}
	// Back from the last page: the same pages.
	last, err := store.ReadPage(k, key(want[5]), false, 3, read, key)
	if err != nil || !slices.Equal(ids(last.Rows), pages[2]) || !last.Next.IsZero() {
		t.Fatalf("last page %v next %v, %v; want %v", ids(last.Rows), last.Next, err, pages[2])
	}
	cursor = last.Prev
	for i := 1; i >= 0; i-- {
		p, err := store.ReadPage(k, cursor, true, 3, read, key)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(p.Rows), pages[i]) || p.Next.IsZero() || (i == 0) != p.Prev.IsZero() {
			t.Fatalf("back to page %d: %v prev %v next %v, want %v", i+1, ids(p.Rows), p.Prev, p.Next, pages[i])
		}
		cursor = p.Prev
	}
	// On from the last row (its page's rows were decided since): the last page, with
	// no 下一页 to the empty page after it.
	p, err := store.ReadPage(k, key(want[len(want)-1]), false, 3, read, key)
	if err != nil || !slices.Equal(ids(p.Rows), ids(want[len(want)-3:])) || !p.Next.IsZero() || p.Prev.IsZero() {
		t.Fatalf("on from the last row: %v prev %v next %v, %v; want %v", ids(p.Rows), p.Prev, p.Next, err,
			ids(want[len(want)-3:]))
	}
	// Back from the second row: fewer than a page before it, so the first page, full.
	p, err = store.ReadPage(k, key(want[1]), true, 3, read, key)
	if err != nil || !slices.Equal(ids(p.Rows), pages[0]) || !p.Prev.IsZero() {
		t.Fatalf("back from the second row: %v prev %v, %v; want the first page %v", ids(p.Rows), p.Prev, err, pages[0])
	}
}

// TestParseCursor: String and ParseCursor agree, with a time and without, and
// ParseCursor refuses what String cannot write.
func TestParseCursor(t *testing.T) {
	at := store.Time(time.Date(2026, 3, 1, 8, 0, 0, 123456000, time.UTC))
	for _, c := range []store.Cursor{{}, {ID: 42}, {At: at, ID: 7}} {
		got, err := store.ParseCursor(c.String())
		if err != nil || !got.At.Equal(c.At) || got.ID != c.ID {
			t.Errorf("ParseCursor(%q) = %+v, %v; want %+v", c.String(), got, err, c)
		}
	}
	for _, bad := range []string{"x", "0", "-3", "12_", "_3", "a_3", "12_0", "9223372036854775807_3", "-62135596800000001_3", "253402300800000000_3"} {
		if _, err := store.ParseCursor(bad); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("ParseCursor(%q): %v, want ErrBadCursor", bad, err)
		}
	}
}

// FuzzParseCursor: an address's cursor (outside input) never panics ParseCursor, and
// what it accepts is a row's key within the years the keyset's bounds cover, which
// String writes back to text ParseCursor reads as the same cursor.
func FuzzParseCursor(f *testing.F) {
	for _, seed := range []string{"", "42", "1733500000000000_42", "x", "12_0", "+5", "9223372036854775807_3", "-1_1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := store.ParseCursor(s)
		if err != nil {
			if !errors.Is(err, store.ErrBadCursor) {
				t.Fatalf("ParseCursor(%q): %v, not ErrBadCursor", s, err)
			}
			return
		}
		if s != "" && c.ID <= 0 {
			t.Fatalf("ParseCursor(%q) = %+v: no row has that id", s, c)
		}
		if y := c.At.Year(); !c.At.IsZero() && (y < 1 || y > 9999) {
			t.Fatalf("ParseCursor(%q) = %+v: a time outside the years 1–9999", s, c)
		}
		again, err := store.ParseCursor(c.String())
		if err != nil || again.ID != c.ID || !again.At.Equal(c.At) {
			t.Fatalf("ParseCursor(%q) = %+v, whose String %q reads as %+v, %v", s, c, c.String(), again, err)
		}
	})
}
