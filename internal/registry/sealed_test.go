package registry

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestRegistrySealedAtRest: after an insert and an update of the legal
// representative, no column of the raw rows holds the ID number or the name, on
// both engines, while Lookup and ChangedSince read them back; a sealed value moved
// to another entry does not open, and Lookup reports that as unavailable.
func TestRegistrySealedAtRest(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		tb := NewTable(db, clk.Now)
		e, other := activeEntry(47), activeEntry(48)
		other.LegalRepName = "赵静怡"
		upsert(t, db, tb, e)
		upsert(t, db, tb, other)
		storetest.HoldsNone(t, db, "registry_entries", e.LegalRepIDNumber, e.LegalRepName, other.LegalRepIDNumber, other.LegalRepName)

		old := e
		clk.Advance(time.Minute)
		e.LegalRepIDNumber = ident.GenerateResidentID(rand.New(rand.NewPCG(49, 3)), "320104", time.Date(1979, 2, 3, 0, 0, 0, 0, time.UTC), false)
		e.LegalRepName = "钱思远"
		if ch := upsert(t, db, tb, e); ch != Updated {
			t.Fatalf("Upsert of a new legal rep = %v, want Updated", ch)
		}
		storetest.HoldsNone(t, db, "registry_entries", old.LegalRepIDNumber, old.LegalRepName, e.LegalRepIDNumber, e.LegalRepName)
		got, err := tb.Lookup(ctx, e.USCC)
		if err != nil {
			t.Fatal(err)
		}
		assertSame(t, got, e)
		changed, err := tb.ChangedSince(ctx, clk.Now(), MaxChanges)
		if err != nil || len(changed) != 1 {
			t.Fatalf("ChangedSince = %d entries, %v; want 1", len(changed), err)
		}
		assertSame(t, changed[0], e)

		// The other entry's sealed name copied onto this one.
		if _, err := db.Exec(ctx, `UPDATE registry_entries SET legal_rep_name =
			(SELECT legal_rep_name FROM registry_entries WHERE uscc = ?) WHERE uscc = ?`, other.USCC, e.USCC); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.Lookup(ctx, e.USCC); !errors.Is(err, ErrUnavailable) || !errors.Is(err, sealed.ErrAuthentication) {
			t.Fatalf("Lookup of a moved value = %v, want ErrUnavailable and sealed.ErrAuthentication", err)
		}
		if got, err := tb.Lookup(ctx, other.USCC); err != nil || got.LegalRepName != other.LegalRepName {
			t.Fatalf("Lookup of the other entry = %+v, %v", got, err)
		}
	})
}

// TestUpsertWithoutKeys: without data keys an entry is not written in clear but
// refused.
func TestUpsertWithoutKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Unmigrated(t, store.SQLite)
	db.UseKeys(storetest.Keys())
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db.UseKeys(nil)
	tb := NewTable(db, newClock().Now)
	err := db.Tx(ctx, func(tx *store.Tx) error {
		_, err := tb.Upsert(ctx, tx, activeEntry(50))
		return err
	})
	if !errors.Is(err, ErrNoKeys) {
		t.Fatalf("Upsert without keys = %v, want ErrNoKeys", err)
	}
	if n := countRows(t, db); n != 0 {
		t.Fatalf("%d rows written without keys", n)
	}
}

// TestMigrationSealsClearRegistry: a database whose registry entries were kept in
// clear (schema 0046) is sealed by migration 0047's Go half — every entry reads back
// its old legal representative, and no clear value is left — and a migration
// without a data key is refused, leaving the schema where it was.
func TestMigrationSealsClearRegistry(t *testing.T) {
	storetest.EachBefore(t, 47, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := store.Time(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		entries := testEntries(46, 3)
		var clear []string
		for _, e := range entries {
			clear = append(clear, e.LegalRepIDNumber, e.LegalRepName)
			if _, err := db.Exec(ctx, `INSERT INTO registry_entries (uscc, name, unit_type, legal_rep_id_type,
				legal_rep_id_number, legal_rep_name, registered_at, address, region, status, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.USCC, e.Name, string(e.UnitType), string(e.LegalRepIDType),
				e.LegalRepIDNumber, e.LegalRepName, e.RegisteredAt, e.Address, e.Region, string(e.Status), now); err != nil {
				t.Fatal(err)
			}
		}
		storetest.MigrateSealing(t, db, 47)
		tb := NewTable(db, nil)
		for i, e := range entries {
			got, err := tb.Lookup(ctx, e.USCC)
			if err != nil {
				t.Fatalf("entry %d after the migration: %v", i, err)
			}
			assertSame(t, got, e)
		}
		storetest.HoldsNone(t, db, "registry_entries", clear...)
	})
}
