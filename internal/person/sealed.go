package person

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"hall/internal/sealed"
	"hall/internal/store"
)

// A person's ID number, name and mobile are sealed at rest (internal/sealed, SPEC
// §9, docs/data-protection.md): the persons table keeps each as a sealed value bound
// to the table, its column and the row's id, beside the blind indexes of the ID
// number and the mobile, through which every look-up and the §9 uniqueness go
// (unique (id_number_index, id_type) and (mobile_index)). Nothing in the database
// is the clear value; a query that needs a name, an ID number or a mobile reads the
// sealed bytes and opens them here.

// Sealed columns of the persons table.
const (
	ColumnIDNumber = "id_number"
	ColumnName     = "name"
	ColumnMobile   = "mobile"
)

// ErrNoKeys is returned when the database has no data keys set (store.DB.UseKeys):
// a person's identity can neither be sealed nor opened.
var ErrNoKeys = errors.New("person: no data key set on the database")

// Place is where the sealed value of a persons column of row id belongs.
func Place(column string, id int64) sealed.Place { return sealed.RowPlace("persons", column, id) }

// IDNumberIndex is the blind index of an ID number as stored (normalised by
// ident.ValidateID, or a released form).
func IDNumberIndex(keys *sealed.Keys, idNumber string) []byte {
	return keys.Index(sealed.KindIDNumber, idNumber)
}

// MobileIndex is the blind index of a mobile as stored (normalised by
// ident.NormalizeMobile, or a released form).
func MobileIndex(keys *sealed.Keys, mobile string) []byte {
	return keys.Index(sealed.KindMobile, mobile)
}

// Look-ups search a value's index under every key, not only the primary's: during a
// key rotation (`hall keys rotate`) rows not yet re-indexed still carry the index of
// a previous key. New and changed rows are always indexed under the primary key, and
// a registration's check for a taken ID number or mobile (takenBy) searches all of
// them, so the §9 uniqueness holds while the unique indexes alone would compare
// indexes of different keys.

// IDNumberMatch is the SQL condition on persons' id_number_index (qualified by alias
// when not "") that finds an ID number as stored, and its arguments.
func IDNumberMatch(keys *sealed.Keys, alias, idNumber string) (string, []any) {
	return store.IndexMatch(qualified(alias, "id_number_index"), keys.Indexes(sealed.KindIDNumber, idNumber))
}

// MobileMatch is IDNumberMatch for a mobile as stored.
func MobileMatch(keys *sealed.Keys, alias, mobile string) (string, []any) {
	return store.IndexMatch(qualified(alias, "mobile_index"), keys.Indexes(sealed.KindMobile, mobile))
}

// qualified is column qualified by alias, or column alone when alias is "".
func qualified(alias, column string) string {
	if alias == "" {
		return column
	}
	return alias + "." + column
}

// Open opens the sealed value of a persons column of row id, as read by a query that
// joins persons. Errors: ErrNoKeys; sealed's errors (wrapped with the place) when the
// value was sealed under another data key or changed in the database.
func Open(keys *sealed.Keys, column string, id int64, value []byte) (string, error) {
	if keys == nil {
		return "", ErrNoKeys
	}
	return keys.OpenString(Place(column, id), value)
}

// OpenName is Open of the name column.
func OpenName(keys *sealed.Keys, id int64, value []byte) (string, error) {
	return Open(keys, ColumnName, id, value)
}

// Row is what a new persons row holds besides what the database fills in.
type Row struct {
	IDType             string
	IDNumber           string // as stored: normalised (ident.ValidateID)
	Name               string
	Mobile             string // as stored: normalised (ident.NormalizeMobile)
	PasswordHash       string // "" for none
	PasswordChangedAt  time.Time
	MustChangePassword bool
	Level              Level // LevelRealName when empty
	CreatedAt          time.Time
}

// Insert adds a persons row inside tx and returns its id: the indexes go in with the
// row (so the §9 uniqueness refuses a taken ID number or mobile there), the sealed
// values right after, bound to the new id. Registration (CreateTx), the demo data and
// tests' fixtures insert persons through it. Errors: ErrNoKeys; the database's unique
// violation (store.IsUniqueViolation) for a taken ID number or mobile; other database
// failures.
func Insert(ctx context.Context, tx *store.Tx, r Row) (int64, error) {
	keys := tx.Keys()
	if keys == nil {
		return 0, ErrNoKeys
	}
	level := r.Level
	if level == "" {
		level = LevelRealName
	}
	var changed any
	if !r.PasswordChangedAt.IsZero() {
		changed = r.PasswordChangedAt
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO persons (id_type, id_number, id_number_index, name, mobile, mobile_index,
		password_hash, level, password_changed_at, must_change_password, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.IDType, []byte{}, IDNumberIndex(keys, r.IDNumber), []byte{}, []byte{}, MobileIndex(keys, r.Mobile),
		r.PasswordHash, string(level), changed, r.MustChangePassword, r.CreatedAt, r.CreatedAt).Scan(&id)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `UPDATE persons SET id_number = ?, name = ?, mobile = ? WHERE id = ?`,
		keys.SealString(Place(ColumnIDNumber, id), r.IDNumber), keys.SealString(Place(ColumnName, id), r.Name),
		keys.SealString(Place(ColumnMobile, id), r.Mobile), id); err != nil {
		return 0, fmt.Errorf("person: seal the new row: %w", err)
	}
	return id, nil
}

// SealedValues are a persons row's sealed columns and indexes for a row whose id is
// known before the insert (the national-scale fill gives its ids).
type SealedValues struct {
	IDNumber, IDNumberIndex, Name, Mobile, MobileIndex []byte
}

// Seal seals the identity of row id for an insert or an update.
func Seal(keys *sealed.Keys, id int64, idNumber, name, mobile string) SealedValues {
	return SealedValues{
		IDNumber: keys.SealString(Place(ColumnIDNumber, id), idNumber), IDNumberIndex: IDNumberIndex(keys, idNumber),
		Name:   keys.SealString(Place(ColumnName, id), name),
		Mobile: keys.SealString(Place(ColumnMobile, id), mobile), MobileIndex: MobileIndex(keys, mobile),
	}
}

// SealedIdentity receives a person's sealed columns as a query that joins persons
// scans them (Scan into &v.IDNumber, &v.Name, &v.Mobile, any of them); Open then
// opens the ones read.
type SealedIdentity struct {
	IDNumber, Name, Mobile SealedValue
}

// SealedValue is one sealed column as a query scanned it (a sql.Scanner): its bytes
// and whether the query read it at all. The engines give a zero-length value
// differently (SQLite nil, PostgreSQL empty bytes); neither may pass for a column
// the query did not read, so an empty value that was read fails to open as it is.
type SealedValue struct {
	Bytes   []byte
	Scanned bool
}

// Scan implements sql.Scanner.
func (v *SealedValue) Scan(src any) error {
	switch b := src.(type) {
	case []byte:
		v.Bytes = bytes.Clone(b)
	case string:
		v.Bytes = []byte(b)
	case nil:
		v.Bytes = nil
	default:
		return fmt.Errorf("person: a sealed column holds a %T", src)
	}
	v.Scanned = true
	return nil
}

// Identity is a person's opened identity: the ID number and mobile as stored
// (normalised), the name. A column the query did not read is "".
type Identity struct {
	IDNumber, Name, Mobile string
}

// Open opens the columns of person id that were scanned. Errors: those
// of Open, naming the column's place.
func (v SealedIdentity) Open(keys *sealed.Keys, id int64) (Identity, error) {
	var out Identity
	for _, c := range []struct {
		column string
		value  SealedValue
		into   *string
	}{
		{ColumnIDNumber, v.IDNumber, &out.IDNumber},
		{ColumnName, v.Name, &out.Name},
		{ColumnMobile, v.Mobile, &out.Mobile},
	} {
		if !c.value.Scanned {
			continue
		}
		s, err := Open(keys, c.column, id, c.value.Bytes)
		if err != nil {
			return Identity{}, err
		}
		*c.into = s
	}
	return out, nil
}
