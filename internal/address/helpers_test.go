package address_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hall/internal/address"
	"hall/internal/audit"
	"hall/internal/store"
	"hall/internal/unit"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fixture is a store on db with one unit.
type fixture struct {
	db    *store.DB
	store *address.Store
	log   *audit.Log
	unit  int64
	who   address.Actor
}

func newFixture(t testing.TB, db *store.DB) fixture {
	t.Helper()
	now := func() time.Time { return t0 }
	log := audit.New(db, []byte("address-test-key-address-test-key"), now)
	f := fixture{db: db, store: address.New(db, log, now), log: log}
	f.unit = newUnit(t, db, 1)
	f.who = address.Actor{UnitID: f.unit, PersonID: 7, Role: unit.RoleLegalRep, ClientIP: "192.0.2.1", RequestID: "req"}
	return f
}

// newUnit inserts a unit row (only the columns the addresses need).
func newUnit(t testing.TB, db *store.DB, n int) int64 {
	t.Helper()
	var id int64
	ctx := context.Background()
	err := db.Tx(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO units (uscc, unit_number, name, unit_type, region, status, created_at, updated_at)
		VALUES (?, ?, ?, '企业', '320102', 'active', ?, ?) RETURNING id`,
			fmt.Sprintf("91320102MA%08d", n), fmt.Sprintf("3201020%05d", n), fmt.Sprintf("示例单位%d", n), t0, t0).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// input is a valid address; n makes its detail differ.
func input(n int) address.Input {
	return address.Input{Recipient: "王小明", Phone: "13812345678", Province: "32", City: "3201", County: "320102",
		Detail: fmt.Sprintf("中山路%d号", n+1)}
}

// fill adds n addresses to the fixture's unit.
func (f fixture) fill(t testing.TB, n int) []address.Address {
	t.Helper()
	var out []address.Address
	for i := range n {
		a, err := f.store.Add(context.Background(), f.who, input(i))
		if err != nil {
			t.Fatalf("address %d: %v", i+1, err)
		}
		out = append(out, a)
	}
	return out
}

// defaults counts the unit's default rows (the invariant: 1 while it has addresses).
func (f fixture) defaults(t testing.TB, unitID int64) (addresses, defaults int) {
	t.Helper()
	ctx := context.Background()
	if err := f.db.QueryRow(ctx, `SELECT COUNT(*) FROM unit_addresses WHERE unit_id = ?`, unitID).Scan(&addresses); err != nil {
		t.Fatal(err)
	}
	if err := f.db.QueryRow(ctx, `SELECT COUNT(*) FROM unit_address_defaults d JOIN unit_addresses a
		ON a.id = d.address_id AND a.unit_id = d.unit_id WHERE d.unit_id = ?`, unitID).Scan(&defaults); err != nil {
		t.Fatal(err)
	}
	return addresses, defaults
}

// wantInvariant fails unless the unit has at most 10 addresses and exactly one
// default while it has any.
func (f fixture) wantInvariant(t testing.TB, unitID int64) int {
	t.Helper()
	n, d := f.defaults(t, unitID)
	if n > address.MaxPerUnit || (n > 0 && d != 1) || (n == 0 && d != 0) {
		t.Fatalf("%d addresses with %d defaults", n, d)
	}
	return n
}
