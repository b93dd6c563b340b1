package counter

import (
	"errors"
	"fmt"

	"hall/internal/sealed"
)

// A counter request's form and outcome are JSON holding what the clerk typed and
// what approval produced — names, ID numbers, mobiles — so they are sealed at rest
// (internal/sealed, docs/data-protection.md): counter_requests keeps data and
// outcome as sealed values bound to the table, their column and the request's id,
// sealed by every write and opened by every read here. The back office finds
// requests by status, kind, unit and appeal, never by the form's content, so there
// is no blind index. The USCC is a unit's public code and stays clear (it keys the
// one-open-request-per-unit rule).

// Sealed columns of the counter_requests table.
const (
	ColumnData    = "data"
	ColumnOutcome = "outcome"
)

// ErrNoKeys is returned when the database has no data keys set (store.DB.UseKeys):
// a request's form and outcome can neither be sealed nor opened.
var ErrNoKeys = errors.New("counter: no data key set on the database")

// Place is where the sealed value of a counter_requests column of request id
// belongs.
func Place(column string, id int64) sealed.Place {
	return sealed.RowPlace("counter_requests", column, id)
}

// sealJSON seals the JSON value of column for request id. Errors: ErrNoKeys.
func sealJSON(keys *sealed.Keys, column string, id int64, value []byte) ([]byte, error) {
	if keys == nil {
		return nil, ErrNoKeys
	}
	return keys.Seal(Place(column, id), value), nil
}

// openJSON opens the sealed value of column of request id as read. Errors: ErrNoKeys;
// sealed's errors (wrapped with the place) when the value was
// sealed under another data key, for another request or column, or changed in the
// database.
func openJSON(keys *sealed.Keys, column string, id int64, value []byte) ([]byte, error) {
	if keys == nil {
		return nil, ErrNoKeys
	}
	opened, err := keys.Open(Place(column, id), value)
	if err != nil {
		return nil, fmt.Errorf("counter: %w", err)
	}
	return opened, nil
}
