package address_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"hall/internal/address"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// The §9-style rules of the addresses under concurrency, on both engines. The
// Contend tests hold one writer's transaction open while a second writer runs, so
// that the database is seen to serialize them (storetest.Contend); the parallel
// tests then throw many requests at once through the store.

// TestLimitContended: a unit has 9 addresses; while the 10th is being added, an
// 11th inserted directly (around the store's own lock) waits for that transaction
// on PostgreSQL (the trigger locks the unit's row) and is then refused by the
// database; the store's own 11th is refused with ErrLimit.
func TestLimitContended(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.fill(t, 9)
		err := storetest.Contend(t, db, rawInsertIn(f.unit), func(h *store.DB) error {
			return rawInsert(context.Background(), h, f.unit)
		}, "INSERT INTO unit_addresses")
		if !store.IsConstraintViolation(err) {
			t.Fatalf("the 11th: %v, want the database's refusal", err)
		}
		if n := f.wantInvariant(t, f.unit); n != 10 {
			t.Fatalf("%d addresses, want 10", n)
		}
	})
}

// TestFirstDefaultContended: while a unit's first address is being added, a second
// one waits; the first is the one default.
func TestFirstDefaultContended(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if err := storetest.Contend(t, db, rawInsertIn(f.unit), func(h *store.DB) error {
			return rawInsert(context.Background(), h, f.unit)
		}, "INSERT INTO unit_addresses"); err != nil {
			t.Fatal(err)
		}
		f.wantInvariant(t, f.unit)
		d, err := f.store.Default(context.Background(), f.unit)
		if err != nil {
			t.Fatal(err)
		}
		list, _ := f.store.List(context.Background(), f.unit)
		if len(list) != 2 || d.ID != min(list[0].ID, list[1].ID) {
			t.Fatalf("default %d of %+v, want the first", d.ID, list)
		}
	})
}

// TestSetDefaultAgainstDeleteContended: while the default is being moved to B, a
// delete of B waits and is then refused (B is now the default and others remain),
// rather than leaving the unit without a default.
func TestSetDefaultAgainstDeleteContended(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		as := f.fill(t, 3)
		move := func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE unit_address_defaults SET address_id = ? WHERE unit_id = ?`, as[1].ID, f.unit)
			return err
		}
		err := storetest.Contend(t, db, move, func(h *store.DB) error {
			_, err := h.Exec(context.Background(), `DELETE FROM unit_addresses WHERE id = ?`, as[1].ID)
			return err
		}, "DELETE FROM unit_addresses")
		if !store.IsConstraintViolation(err) {
			t.Fatalf("deleting the new default: %v, want the database's refusal", err)
		}
		f.wantInvariant(t, f.unit)
	})
}

// TestParallelAdds: 20 parallel adds to a unit with 9 addresses: exactly one
// succeeds, the others are refused with ErrLimit.
func TestParallelAdds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.fill(t, 9)
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range errs {
			wg.Go(func() { _, errs[i] = f.store.Add(context.Background(), f.who, input(100+i)) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, address.ErrLimit):
				t.Errorf("refused with %v, want ErrLimit", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d adds succeeded, want exactly 1", ok)
		}
		if n := f.wantInvariant(t, f.unit); n != 10 {
			t.Fatalf("%d addresses, want 10", n)
		}
	})
}

// TestParallelDefaultsAndDeletes: parallel SetDefault and Delete on every address
// of a unit leave it, whatever the order, with exactly one default while it has
// addresses.
func TestParallelDefaultsAndDeletes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		as := f.fill(t, 10)
		var wg sync.WaitGroup
		for i, a := range as {
			wg.Go(func() {
				ctx := context.Background()
				if err := f.store.SetDefault(ctx, f.who, a.ID); err != nil && !errors.Is(err, address.ErrNotFound) {
					t.Errorf("SetDefault: %v", err)
				}
				if i%2 == 0 {
					if err := f.store.Delete(ctx, f.who, a.ID); err != nil {
						t.Errorf("Delete: %v", err)
					}
				}
			})
		}
		wg.Wait()
		if n := f.wantInvariant(t, f.unit); n != 5 {
			t.Fatalf("%d addresses, want 5", n)
		}
	})
}
