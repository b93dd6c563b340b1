package demo

import (
	"context"
	"slices"
	"testing"

	"hall/internal/config"
	"hall/internal/services"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestLoadWaitsForAnotherProcess: while one process loads a data set, another
// process's load (two `hall serve --demo` starting at once) waits for it and then
// finds the set there instead of inserting it again and failing on its unique keys.
func TestLoadWaitsForAnotherProcess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		build := func(h *store.DB) Deps {
			t.Helper()
			cfg := config.Defaults()
			cfg.DataDir = t.TempDir() // not ./data in the source tree
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			svc, err := services.Build(cfg, h, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			return Deps{Services: svc}
		}
		d := build(db)
		// As `hall serve` does: the catalog first, since the demo agent's grants name
		// catalog items.
		if err := d.Catalog.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		first := loaders[0]
		var second Summary
		err := storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			loaded, err := loadOne(ctx, d, tx, first)
			if err == nil && !loaded {
				t.Errorf("the first process did not load %s", first.Name)
			}
			return err
		}, func(h *store.DB) error {
			var err error
			second, err = LoadNow(context.Background(), build(h))
			return err
		}, "pg_advisory_xact_lock")
		if err != nil {
			t.Fatalf("the second process's load: %v", err)
		}
		if slices.Contains(second.Loaded, first.Name) || !slices.Contains(second.Present, first.Name) {
			t.Fatalf("the second process loaded %v, found %v; want %s found", second.Loaded, second.Present, first.Name)
		}
		var markers int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM demo_loads WHERE name = ?`, first.Name).Scan(&markers); err != nil || markers != 1 {
			t.Fatalf("%d markers of %s, %v", markers, first.Name, err)
		}
	})
}
