package registry

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func upsert(t *testing.T, db *store.DB, tb *Table, e Entry) Change {
	t.Helper()
	var ch Change
	err := db.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		ch, err = tb.Upsert(context.Background(), tx, e)
		return err
	})
	if err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	return ch
}

func TestTableLookupAndUpsert(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		tb := NewTable(db, clk.Now)
		e := activeEntry(20)

		if _, err := tb.Lookup(ctx, e.USCC); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Lookup before insert = %v, want ErrNotFound", err)
		}
		if ch := upsert(t, db, tb, e); ch != Inserted {
			t.Fatalf("first Upsert = %v", ch)
		}
		got, err := tb.Lookup(ctx, " "+strings.ToLower(e.USCC)+" ")
		if err != nil {
			t.Fatal(err)
		}
		assertSame(t, got, e)
		if !got.UpdatedAt.Equal(clk.Now().Truncate(time.Microsecond)) || got.UpdatedAt.Location() != time.UTC {
			t.Fatalf("UpdatedAt %v", got.UpdatedAt)
		}
		if !got.RegisteredAt.Equal(e.RegisteredAt) || got.RegisteredAt.Location() != time.UTC {
			t.Fatalf("RegisteredAt %v", got.RegisteredAt)
		}

		clk.Advance(time.Minute)
		if ch := upsert(t, db, tb, e); ch != Unchanged {
			t.Fatalf("same Upsert = %v", ch)
		}
		e.Status = StatusRevoked
		if ch := upsert(t, db, tb, e); ch != Updated {
			t.Fatalf("changed Upsert = %v", ch)
		}
		if got, _ := tb.Lookup(ctx, e.USCC); got.Status != StatusRevoked || !got.UpdatedAt.Equal(clk.Now().Truncate(time.Microsecond)) {
			t.Fatalf("after update %v at %v", got.Status, got.UpdatedAt)
		}

		// Refused entries do not reach the database.
		bad := activeEntry(21)
		bad.LegalRepIDNumber = flipLast(bad.LegalRepIDNumber)
		err = db.Tx(ctx, func(tx *store.Tx) error { _, err := tb.Upsert(ctx, tx, bad); return err })
		var fe *ident.FieldError
		if !errors.Is(err, ErrInvalidEntry) || !errors.As(err, &fe) || fe.Code != ident.CodeIDCheck {
			t.Fatalf("Upsert of a bad ID = %v", err)
		}
		if !strings.Contains(err.Error(), "legal_rep_id_number") {
			t.Fatalf("error %q does not name the field", err)
		}

		// Malformed input is simply not there.
		for _, s := range []string{"", "not a uscc", flipLast(e.USCC)} {
			if _, err := tb.Lookup(ctx, s); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Lookup(%q) = %v", s, err)
			}
		}

		tb.SetUnavailable(true)
		if _, err := tb.Lookup(ctx, e.USCC); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Lookup while unavailable = %v", err)
		}
		tb.SetUnavailable(false)
		if _, err := tb.Lookup(ctx, e.USCC); err != nil {
			t.Fatalf("Lookup after outage: %v", err)
		}
	})
}

func TestTableDatabaseFailureIsUnavailable(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	tb := NewTable(db, newClock().Now)
	db.Close()
	if _, err := tb.Lookup(context.Background(), activeEntry(22).USCC); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Lookup on a closed database = %v, want ErrUnavailable", err)
	}
}

func TestChangedSincePagesThroughTies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		tb := NewTable(db, clk.Now)
		start := clk.Now()
		// 25 entries stamped at one instant (one import), then 5 later.
		if _, err := importBytes(t, tb, entriesFile(t, testEntries(30, 25))); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
		if _, err := importBytes(t, tb, entriesFile(t, testEntries(31, 5))); err != nil {
			t.Fatal(err)
		}

		var all []Entry
		page, err := tb.ChangedSince(ctx, start, 10)
		for err == nil && len(page) > 0 {
			all = append(all, page...)
			last := page[len(page)-1]
			page, err = tb.ChangedAfter(ctx, last.UpdatedAt, last.USCC, 10)
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 30 {
			t.Fatalf("paged through %d entries, want 30", len(all))
		}
		seen := map[string]bool{}
		for i, e := range all {
			if seen[e.USCC] {
				t.Fatalf("%s returned twice", e.USCC)
			}
			seen[e.USCC] = true
			if i > 0 && (e.UpdatedAt.Before(all[i-1].UpdatedAt) ||
				(e.UpdatedAt.Equal(all[i-1].UpdatedAt) && e.USCC < all[i-1].USCC)) {
				t.Fatalf("entry %d out of order", i)
			}
		}
		if later, err := tb.ChangedSince(ctx, clk.Now(), 0); err != nil || len(later) != 1 {
			t.Fatalf("limit 0 is clamped to 1: got %d, %v", len(later), err)
		}
		if later, err := tb.ChangedSince(ctx, clk.Now(), 100); err != nil || len(later) != 5 {
			t.Fatalf("ChangedSince(last import) = %d, %v; want 5", len(later), err)
		}
	})
}

func TestConcurrentUpsertOfOneUnit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tb := NewTable(db, newClock().Now)
		e := activeEntry(40)
		const n = 8
		var wg sync.WaitGroup
		changes := make([]Change, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = db.Tx(context.Background(), func(tx *store.Tx) error {
					var err error
					changes[i], err = tb.Upsert(context.Background(), tx, e)
					return err
				})
			})
		}
		wg.Wait()
		inserted := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("Upsert %d: %v", i, errs[i])
			}
			if changes[i] == Inserted {
				inserted++
			}
		}
		if inserted != 1 || countRows(t, db) != 1 {
			t.Fatalf("%d inserts, %d rows", inserted, countRows(t, db))
		}
	})
}
