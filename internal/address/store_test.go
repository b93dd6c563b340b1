package address_test

import (
	"context"
	"errors"
	"testing"

	"hall/internal/address"
	"hall/internal/audit"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestLifecycle: add, change, set default, delete, each audited; the first address
// is the default; deleting the default makes the oldest remaining one the default;
// List and Default read them back; another unit's addresses are not found.
func TestLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		if _, err := f.store.Default(ctx, f.unit); !errors.Is(err, address.ErrNotFound) {
			t.Fatalf("Default of a unit without addresses: %v", err)
		}
		as := f.fill(t, 3)
		if !as[0].Default || as[1].Default || as[2].Default {
			t.Fatalf("defaults %v %v %v, want the first only", as[0].Default, as[1].Default, as[2].Default)
		}
		if as[0].RegionName() != "江苏省南京市玄武区" || as[0].Full() != "江苏省南京市玄武区中山路1号" || as[0].MaskedPhone() != "138****5678" {
			t.Fatalf("address %+v: %q %q %q", as[0], as[0].RegionName(), as[0].Full(), as[0].MaskedPhone())
		}

		in := input(9)
		in.City, in.County, in.Recipient = "3205", "320583", "李四"
		changed, err := f.store.Change(ctx, f.who, as[2].ID, in)
		if err != nil || changed.Region != "320583" || changed.Recipient != "李四" {
			t.Fatalf("Change: %+v %v", changed, err)
		}
		if err := f.store.SetDefault(ctx, f.who, as[2].ID); err != nil {
			t.Fatal(err)
		}
		d, err := f.store.Default(ctx, f.unit)
		if err != nil || d.ID != as[2].ID || d.Region != "320583" {
			t.Fatalf("Default %+v %v", d, err)
		}
		list, err := f.store.List(ctx, f.unit)
		if err != nil || len(list) != 3 || list[0].ID != as[2].ID || list[1].ID != as[0].ID || list[2].ID != as[1].ID {
			t.Fatalf("List %+v %v, want the default first, then by age", list, err)
		}

		if err := f.store.Delete(ctx, f.who, as[2].ID); err != nil {
			t.Fatal(err)
		}
		if d, _ := f.store.Default(ctx, f.unit); d.ID != as[0].ID {
			t.Fatalf("after deleting the default, the default is %d, want the oldest %d", d.ID, as[0].ID)
		}
		for _, a := range as[:2] {
			if err := f.store.Delete(ctx, f.who, a.ID); err != nil {
				t.Fatal(err)
			}
		}
		f.wantInvariant(t, f.unit)

		other := newUnit(t, db, 2)
		theirs, err := f.store.Add(ctx, address.Actor{UnitID: other, PersonID: 8}, input(0))
		if err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{
			"Get":        func() error { _, err := f.store.Get(ctx, f.unit, theirs.ID); return err }(),
			"Change":     func() error { _, err := f.store.Change(ctx, f.who, theirs.ID, input(1)); return err }(),
			"SetDefault": f.store.SetDefault(ctx, f.who, theirs.ID),
			"Delete":     f.store.Delete(ctx, f.who, theirs.ID),
		} {
			if !errors.Is(err, address.ErrNotFound) {
				t.Errorf("%s of another unit's address: %v, want ErrNotFound", name, err)
			}
		}

		entries, _, err := f.log.List(ctx, audit.Filter{UnitID: f.unit})
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, e := range entries {
			count[e.Action]++
			if e.PersonID != 7 || e.ClientIP != "192.0.2.1" {
				t.Errorf("entry %+v does not name who", e)
			}
			if e.Action == "unit.address.add" && e.Detail["phone"] != "138****5678" {
				t.Errorf("the audit keeps the phone as %q", e.Detail["phone"])
			}
		}
		want := map[string]int{"unit.address.add": 3, "unit.address.change": 1, "unit.address.default": 1, "unit.address.delete": 3}
		for action, n := range want {
			if count[action] != n {
				t.Errorf("%d %s entries, want %d (all: %v)", count[action], action, n, count)
			}
		}
	})
}

// TestUnchangedWritesNothing: saving an address as it is leaves no audit record.
func TestUnchangedWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := f.fill(t, 2)[1]
		if _, err := f.store.Change(ctx, f.who, a.ID, input(1)); err != nil {
			t.Fatal(err)
		}
		if err := f.store.SetDefault(ctx, f.who, f.fillDefault(t)); err != nil {
			t.Fatal(err)
		}
		entries, _, err := f.log.List(ctx, audit.Filter{UnitID: f.unit})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			t.Fatalf("%d audit entries, want the 2 adds", len(entries))
		}
	})
}

func (f fixture) fillDefault(t testing.TB) int64 {
	t.Helper()
	d, err := f.store.Default(context.Background(), f.unit)
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// TestLimit: the 11th address is refused with ErrLimit, by the store and by the
// database itself when a row is inserted around it.
func TestLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.fill(t, address.MaxPerUnit)
		if _, err := f.store.Add(ctx, f.who, input(11)); !errors.Is(err, address.ErrLimit) {
			t.Fatalf("the 11th: %v, want ErrLimit", err)
		}
		if err := rawInsert(ctx, db, f.unit); !store.IsConstraintViolation(err) {
			t.Fatalf("the 11th inserted directly: %v, want a constraint violation", err)
		}
		if n := f.wantInvariant(t, f.unit); n != address.MaxPerUnit {
			t.Fatalf("%d addresses", n)
		}
	})
}

// TestDatabaseKeepsOneDefault: writes that go around the store cannot leave a unit
// with two defaults or none.
func TestDatabaseKeepsOneDefault(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		as := f.fill(t, 2)
		other := newUnit(t, db, 2)
		theirs, err := f.store.Add(ctx, address.Actor{UnitID: other}, input(0))
		if err != nil {
			t.Fatal(err)
		}
		for name, q := range map[string]struct {
			sql  string
			args []any
		}{
			"a second default row":            {`INSERT INTO unit_address_defaults (unit_id, address_id) VALUES (?, ?)`, []any{f.unit, as[1].ID}},
			"delete the default row":          {`DELETE FROM unit_address_defaults WHERE unit_id = ?`, []any{f.unit}},
			"delete the default address":      {`DELETE FROM unit_addresses WHERE id = ?`, []any{as[0].ID}},
			"default another unit's address":  {`UPDATE unit_address_defaults SET address_id = ? WHERE unit_id = ?`, []any{theirs.ID, f.unit}},
			"move an address to another unit": {`UPDATE unit_addresses SET unit_id = ? WHERE id = ?`, []any{other, as[1].ID}},
		} {
			_, err := db.Exec(ctx, q.sql, q.args...)
			if err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
		f.wantInvariant(t, f.unit)
		f.wantInvariant(t, other)
		// The last address goes with its default row.
		if _, err := db.Exec(ctx, `DELETE FROM unit_addresses WHERE id = ?`, theirs.ID); err != nil {
			t.Fatal(err)
		}
		f.wantInvariant(t, other)
	})
}

// rawInsert inserts an address around the store (no lock of its own, no checks).
func rawInsert(ctx context.Context, db *store.DB, unitID int64) error {
	return db.Tx(ctx, func(tx *store.Tx) error { return rawInsertIn(unitID)(ctx, tx) })
}

// rawInsertIn is rawInsert inside a transaction.
func rawInsertIn(unitID int64) func(ctx context.Context, tx *store.Tx) error {
	return func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO unit_addresses (unit_id, recipient, phone, region_code, detail, created_at, updated_at)
			VALUES (?, '王小明', '13812345678', '320102', '中山路1号', ?, ?)`, unitID, t0, t0)
		return err
	}
}
