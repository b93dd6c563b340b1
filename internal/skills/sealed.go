package skills

import (
	"context"
	"errors"
	"fmt"

	"hall/internal/sealed"
	"hall/internal/store"
)

// A candidate's name, ID number and mobile are sealed at rest (internal/sealed,
// docs/data-protection.md): skill_candidates keeps each as a sealed value bound to
// the table, its column and the row's id, beside the blind index of the ID number,
// through which a plan's list is searched for a person and by which the database
// keeps one person once per plan (unique (plan_id, id_number_index)). The row is
// inserted first, with the index, and its values sealed for the id it got in the
// same transaction.
//
// During a key rotation rows not yet re-indexed carry a previous key's index, which
// the unique key does not compare with the primary's: listed searches under every
// key (sealed.Keys.Indexes) before each insert.

// Sealed columns of skill_candidates.
const (
	ColumnName     = "name"
	ColumnIDNumber = "id_number"
	ColumnMobile   = "mobile"
)

// ErrNoKeys is returned when the database has no data keys set (store.DB.UseKeys):
// a candidate can neither be sealed nor opened.
var ErrNoKeys = errors.New("skills: no data key set on the database")

// Place is where the sealed value of a skill_candidates column of candidate id
// belongs.
func Place(column string, id int64) sealed.Place {
	return sealed.RowPlace("skill_candidates", column, id)
}

// listed reports whether plan planID lists the person with ID number idNumber (as
// stored), under the index of any key.
func listed(ctx context.Context, tx *store.Tx, planID int64, idNumber string) (bool, error) {
	keys := tx.Keys()
	if keys == nil {
		return false, ErrNoKeys
	}
	match, matchArgs := store.IndexMatch("id_number_index", keys.Indexes(sealed.KindIDNumber, idNumber))
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM skill_candidates WHERE plan_id = ? AND `+match,
		append([]any{planID}, matchArgs...)...).Scan(&n); err != nil {
		return false, fmt.Errorf("skills: search candidates: %w", err)
	}
	return n > 0, nil
}

// sealedCandidate receives a row's sealed columns as a query scans them (Scan into
// &v.Name, &v.IDNumber, &v.Mobile).
type sealedCandidate struct {
	Name, IDNumber, Mobile []byte
}

// openInto opens v, read from the row of c.ID, into c's Name, IDNumber and Mobile.
// Errors: ErrNoKeys; the errors of sealed.Keys.Open (sealed.ErrAuthentication for a
// value moved from another row or column), wrapped with the place.
func (v sealedCandidate) openInto(keys *sealed.Keys, c *Candidate) error {
	if keys == nil {
		return ErrNoKeys
	}
	for _, f := range []struct {
		column string
		value  []byte
		into   *string
	}{{ColumnName, v.Name, &c.Name}, {ColumnIDNumber, v.IDNumber, &c.IDNumber}, {ColumnMobile, v.Mobile, &c.Mobile}} {
		s, err := keys.OpenString(Place(f.column, c.ID), f.value)
		if err != nil {
			return fmt.Errorf("skills: open %s: %w", Place(f.column, c.ID), err)
		}
		*f.into = s
	}
	return nil
}
