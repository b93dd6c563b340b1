package storetest

import (
	"context"
	"testing"

	"hall/internal/sealed"
	"hall/internal/store"
)

// BeginRotation starts a change of data key on db as the operator does before
// `hall keys rotate`: db then seals under a new data key, which it returns, and
// still opens what the tests' data key (Keys), and the previous keys given (such as
// a service's own test key, sealedtest.Key), sealed. EndRotation leaves the new key
// alone once the rows are re-sealed. Keys that cannot be made fail the test.
func BeginRotation(t testing.TB, db *store.DB, previous ...[]byte) (newKey []byte) {
	t.Helper()
	newKey = sealed.NewKey()
	rotating, err := sealed.NewKeys(newKey, append([][]byte{dataKey()}, previous...)...)
	if err != nil {
		t.Fatal(err)
	}
	db.UseKeys(rotating)
	return newKey
}

// EndRotation leaves db with newKey alone (BeginRotation's), as the operator does
// once the rotation is done: from then on what a previous key sealed no longer
// opens. Keys that cannot be made fail the test.
func EndRotation(t testing.TB, db *store.DB, newKey []byte) {
	t.Helper()
	settled, err := sealed.NewKeys(newKey)
	if err != nil {
		t.Fatal(err)
	}
	db.UseKeys(settled)
}

// RotateToNewKey rotates db from the tests' data key (Keys), and the previous keys
// given (such as a service's own test key, sealedtest.Key), onto a new data key as
// `hall keys rotate` does (store.RotateKeys, batch rows at a time), then leaves db
// with the new key alone, as the operator does once the rotation is done
// (BeginRotation, EndRotation). It returns how many rows of table the rotation
// re-sealed; a failed rotation fails the test.
func RotateToNewKey(t testing.TB, db *store.DB, batch int, table string, previous ...[]byte) int {
	t.Helper()
	newKey := BeginRotation(t, db, previous...)
	sum, err := db.RotateKeys(context.Background(), batch, nil)
	if err != nil {
		t.Fatalf("rotation: %v", err)
	}
	EndRotation(t, db, newKey)
	for _, p := range sum.Tables {
		if p.Table == table {
			return p.Resealed
		}
	}
	t.Fatalf("the rotation passed over %s: %+v", table, sum)
	return 0
}
