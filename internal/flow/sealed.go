package flow

import (
	"encoding/json"
	"errors"
	"fmt"

	"hall/internal/sealed"
)

// A flow's data holds what a person typed in its forms (ID numbers, names, mobiles),
// so it is sealed at rest (internal/sealed, SPEC §9, docs/data-protection.md): the
// flows table keeps the JSON as one sealed value bound to the table, the data column
// and the flow's id, sealed by every write and opened by every read here. Nothing
// looks a flow up by its data, so it needs no blind index.

// ErrNoKeys is returned when the database has no data keys set (store.DB.UseKeys):
// a flow's data can neither be sealed nor opened.
var ErrNoKeys = errors.New("flow: no data key set on the database")

// Place is where the sealed data of flow id belongs.
func Place(id string) sealed.Place { return sealed.Place{Table: "flows", Column: "data", Row: id} }

// sealData seals the JSON data of flow id. Errors: ErrNoKeys.
func sealData(keys *sealed.Keys, id string, data []byte) ([]byte, error) {
	if keys == nil {
		return nil, ErrNoKeys
	}
	return keys.Seal(Place(id), data), nil
}

// openData opens the sealed data of flow id, of kind. Errors: ErrNoKeys; sealed's
// refusals (sealed.ErrMalformed, ErrUnknownKey, ErrAuthentication: the data was
// sealed under another data key, changed in the database, or moved from another
// flow's row), which callers treat as a failure of the database. The error names
// the flow's kind and not its place: the place holds the flow's id, which opens the
// flow in its browser, and the error may be logged.
func openData(keys *sealed.Keys, id, kind string, value []byte) (json.RawMessage, error) {
	if keys == nil {
		return nil, ErrNoKeys
	}
	data, err := keys.Open(Place(id), value)
	if err == nil {
		return data, nil
	}
	return nil, fmt.Errorf("flow: the data of a %s flow does not open: %w", kind, sealed.Refusal(err))
}
