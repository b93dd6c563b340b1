package delivery_test

import (
	"context"
	"path/filepath"
	"testing"

	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// migrate applies the migrations of db's engine numbered from "from" up to "below".
func migrate(t *testing.T, db *store.DB, from, below int) {
	t.Helper()
	ms, err := store.Migrations(db.Engine)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version < from || m.Version >= below {
			continue
		}
		if err := db.Tx(context.Background(), func(tx *store.Tx) error {
			_, err := tx.Exec(context.Background(), m.SQL)
			return err
		}); err != nil {
			t.Fatalf("migration %04d: %v", m.Version, err)
		}
	}
}

// insertClearPerson inserts r as the persons table held it before migration 0040
// sealed a person's ID number, name and mobile.
func insertClearPerson(ctx context.Context, tx *store.Tx, r person.Row) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO persons (id_type, id_number, name, mobile, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, r.IDType, r.IDNumber, r.Name, r.Mobile, r.CreatedAt, r.CreatedAt).Scan(&id)
	return id, err
}

// TestMigration0028KeepsDeliveries: a database with deliveries, their history and
// a request moves to 0028 (on SQLite by rebuilding the three tables) with every
// row kept, the history still tied to its delivery, and new deliveries numbered
// after the old.
func TestMigration0028KeepsDeliveries(t *testing.T) {
	open := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "hall.db") },
		"postgres": func(t *testing.T) string { return storetest.PostgresURL(t) },
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, open[engine](t), "")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() }) // test cleanup; a close error changes no result
			migrate(t, db, 1, 28)
			f := newFixtureWith(t, db, insertClearPerson)
			first := f.approved(t, "中山路1号")
			before, beforeEvents := f.delivery(t, first)
			waiting := f.newCase(t)
			f.request(t, waiting, "北京东路9号")

			migrate(t, db, 28, 29)
			after, afterEvents := f.delivery(t, first)
			if after != before || len(afterEvents) != len(beforeEvents) || afterEvents[0] != beforeEvents[0] {
				t.Fatalf("the delivery changed: %+v %+v, now %+v %+v", before, beforeEvents, after, afterEvents)
			}
			if r, ok, err := f.svc.Requested(f.ctx, f.unit, waiting); err != nil || !ok || r.Address != "江苏省南京市玄武区北京东路9号" {
				t.Fatalf("the request: %+v %v %v", r, ok, err)
			}
			if _, err := db.Exec(ctx, `INSERT INTO delivery_events (delivery_id, status, at) VALUES (?, 'collected', ?)`,
				before.ID+1000, t0); !store.IsConstraintViolation(err) {
				t.Fatalf("history of no delivery: %v", err)
			}
			next := f.approved(t, "珠江路3号")
			if d, _ := f.delivery(t, next); d.ID <= before.ID || d.TrackingNo == "" {
				t.Fatalf("a new delivery after the migration: %+v", d)
			}
		})
	}
}
