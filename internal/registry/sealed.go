package registry

import (
	"errors"
	"fmt"

	"hall/internal/sealed"
)

// The development registry's table keeps each entry's legal representative sealed
// at rest (internal/sealed, docs/data-protection.md): legal_rep_id_number and
// legal_rep_name are sealed values bound to registry_entries, their column and the
// entry's USCC, which is known before the row is written. Nothing looks an entry up
// by its legal representative in SQL (Lookup goes by USCC, Upsert compares in Go),
// so there is no blind index. The USCC, the unit's name and the rest are the
// unit's public registration facts and stay clear.

// Sealed columns of the registry_entries table.
const (
	ColumnLegalRepIDNumber = "legal_rep_id_number"
	ColumnLegalRepName     = "legal_rep_name"
)

// ErrNoKeys is returned when the database has no data keys set (store.DB.UseKeys):
// a legal representative can neither be sealed nor opened.
var ErrNoKeys = errors.New("registry: no data key set on the database")

// Place is where the sealed value of a registry_entries column of the entry uscc
// belongs.
func Place(column, uscc string) sealed.Place {
	return sealed.Place{Table: "registry_entries", Column: column, Row: uscc}
}

// sealLegalRep seals the legal representative of the entry uscc for a write.
// Errors: ErrNoKeys.
func sealLegalRep(keys *sealed.Keys, uscc, idNumber, name string) (sealedIDNumber, sealedName []byte, err error) {
	if keys == nil {
		return nil, nil, ErrNoKeys
	}
	return keys.SealString(Place(ColumnLegalRepIDNumber, uscc), idNumber), keys.SealString(Place(ColumnLegalRepName, uscc), name), nil
}

// OpenLegalRep opens the legal representative of the entry uscc as read from
// registry_entries (the development OIDC directory reads them). Errors: ErrNoKeys;
// sealed's errors, wrapped with the column, when a value was sealed under another
// data key, for another entry, or changed in the database.
func OpenLegalRep(keys *sealed.Keys, uscc string, idNumber, name []byte) (openedIDNumber, openedName string, err error) {
	if keys == nil {
		return "", "", ErrNoKeys
	}
	if openedIDNumber, err = keys.OpenString(Place(ColumnLegalRepIDNumber, uscc), idNumber); err != nil {
		return "", "", fmt.Errorf("registry: open %s of an entry: %w", ColumnLegalRepIDNumber, err)
	}
	if openedName, err = keys.OpenString(Place(ColumnLegalRepName, uscc), name); err != nil {
		return "", "", fmt.Errorf("registry: open %s of an entry: %w", ColumnLegalRepName, err)
	}
	return openedIDNumber, openedName, nil
}
