package delivery

import (
	"errors"
	"fmt"

	"hall/internal/sealed"
)

// The recipient of a delivery request and of a delivery — name, mobile and the
// address copied when the unit chose it — is sealed at rest (internal/sealed,
// docs/data-protection.md): delivery_requests and deliveries keep each as a sealed
// value bound to the table, its column and the row's case_id. A case has one request
// and one delivery at most and its id is known before either row is written, so the
// values are sealed in the INSERT itself. Nothing looks deliveries up by these
// values, so they have no blind index; what reads them scans the sealed bytes into a
// sealedRecipient and opens them with the keys of the database it read them from.

// Sealed columns of delivery_requests and deliveries.
const (
	ColumnRecipient = "recipient"
	ColumnMobile    = "mobile"
	ColumnAddress   = "address"
)

// The tables whose recipients are sealed.
const (
	tableRequests   = "delivery_requests"
	tableDeliveries = "deliveries"
)

// ErrNoKeys is returned when the database has no data keys set (store.DB.UseKeys):
// a recipient can neither be sealed nor opened.
var ErrNoKeys = errors.New("delivery: no data key set on the database")

// Place is where the sealed value of column of the row of case caseID in table
// (delivery_requests or deliveries) belongs.
func Place(table, column string, caseID int64) sealed.Place {
	return sealed.RowPlace(table, column, caseID)
}

// sealedRecipient receives a row's sealed columns as a query scans them (Scan into
// &v.Recipient, &v.Mobile, &v.Address).
type sealedRecipient struct {
	Recipient, Mobile, Address []byte
}

// sealRecipient seals recipient, mobile and address for the row of case caseID in
// table. Errors: ErrNoKeys.
func sealRecipient(keys *sealed.Keys, table string, caseID int64, recipient, mobile, address string) (sealedRecipient, error) {
	if keys == nil {
		return sealedRecipient{}, ErrNoKeys
	}
	return sealedRecipient{
		Recipient: keys.SealString(Place(table, ColumnRecipient, caseID), recipient),
		Mobile:    keys.SealString(Place(table, ColumnMobile, caseID), mobile),
		Address:   keys.SealString(Place(table, ColumnAddress, caseID), address),
	}, nil
}

// open opens v, read from the row of case caseID in table. Errors: ErrNoKeys; the
// errors of sealed.Keys.Open (sealed.ErrAuthentication for a value moved from
// another row or column), wrapped with the column's name.
func (v sealedRecipient) open(keys *sealed.Keys, table string, caseID int64) (recipient, mobile, address string, err error) {
	if keys == nil {
		return "", "", "", ErrNoKeys
	}
	out := []*string{&recipient, &mobile, &address}
	for i, c := range []struct {
		column string
		value  []byte
	}{{ColumnRecipient, v.Recipient}, {ColumnMobile, v.Mobile}, {ColumnAddress, v.Address}} {
		s, err := keys.OpenString(Place(table, c.column, caseID), c.value)
		if err != nil {
			return "", "", "", fmt.Errorf("delivery: open %s: %w", Place(table, c.column, caseID), err)
		}
		*out[i] = s
	}
	return recipient, mobile, address, nil
}
