package storetest

import (
	"context"
	"testing"

	"hall/internal/sealed"
	"hall/internal/store"
)

// RotateToNewKey rotates db from the tests' data key (Keys), and the previous keys
// given (such as a service's own test key, sealedtest.Key), onto a new data key as
// `hall keys rotate` does (store.RotateKeys, batch rows at a time), then leaves db
// with the new key alone, as the operator does once the rotation is done. It
// returns how many rows of table the rotation re-sealed; a failed rotation fails
// the test.
func RotateToNewKey(t testing.TB, db *store.DB, batch int, table string, previous ...[]byte) int {
	t.Helper()
	newKey := sealed.NewKey()
	rotating, err := sealed.NewKeys(newKey, append([][]byte{dataKey()}, previous...)...)
	if err != nil {
		t.Fatal(err)
	}
	db.UseKeys(rotating)
	sum, err := db.RotateKeys(context.Background(), batch, nil)
	if err != nil {
		t.Fatalf("rotation: %v", err)
	}
	settled, err := sealed.NewKeys(newKey)
	if err != nil {
		t.Fatal(err)
	}
	db.UseKeys(settled)
	for _, p := range sum.Tables {
		if p.Table == table {
			return p.Resealed
		}
	}
	t.Fatalf("the rotation passed over %s: %+v", table, sum)
	return 0
}
