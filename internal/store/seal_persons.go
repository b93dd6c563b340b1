package store

import (
	"context"
	"errors"
	"fmt"

	"hall/internal/sealed"
)

// afterMigration is Go work that a migration needs in its own transaction, right
// after its SQL: what SQL cannot do, such as sealing values under the data key,
// which the database does not have.
var afterMigration = map[int]func(ctx context.Context, tx *Tx) error{
	40: sealPersons,
}

// ErrNoKeys is returned by Migrate when a migration has personal data to seal and
// no keys were set (UseKeys).
var ErrNoKeys = errors.New("store: personal data to seal and no data key set")

// sealPersonsBatch is how many persons sealPersons reads at a time.
const sealPersonsBatch = 1000

// sealPersons is migration 0040's Go half: it seals every person's clear ID number,
// name and mobile (kept as clear_* by the migration's SQL) into the sealed columns,
// bound to the persons table, the column and the row's id, and computes the blind
// indexes of the ID number and the mobile as stored (already normalised). The
// places and kinds are the ones the person package seals and looks up with
// (person.Place, sealed.KindIDNumber, sealed.KindMobile); a test of that package
// opens what this wrote. A database without persons needs no keys.
func sealPersons(ctx context.Context, tx *Tx) error {
	keys := tx.db.Keys()
	var after int64
	for {
		rows, err := tx.Query(ctx, `SELECT id, clear_id_number, clear_name, clear_mobile FROM persons
			WHERE id > ? ORDER BY id LIMIT ?`, after, sealPersonsBatch)
		if err != nil {
			return err
		}
		type clearPerson struct {
			id                     int64
			idNumber, name, mobile string
		}
		var batch []clearPerson
		for rows.Next() {
			var p clearPerson
			if err := rows.Scan(&p.id, &p.idNumber, &p.name, &p.mobile); err != nil {
				_ = rows.Close() // the scan's error is the one returned
				return err
			}
			batch = append(batch, p)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		if keys == nil {
			return fmt.Errorf("%w: the persons table holds clear ID numbers, names and mobiles", ErrNoKeys)
		}
		for _, p := range batch {
			place := func(column string) sealed.Place { return sealed.RowPlace("persons", column, p.id) }
			if _, err := tx.Exec(ctx, `UPDATE persons SET id_number = ?, id_number_index = ?, name = ?,
				mobile = ?, mobile_index = ? WHERE id = ?`,
				keys.SealString(place("id_number"), p.idNumber), keys.Index(sealed.KindIDNumber, p.idNumber),
				keys.SealString(place("name"), p.name),
				keys.SealString(place("mobile"), p.mobile), keys.Index(sealed.KindMobile, p.mobile), p.id); err != nil {
				return fmt.Errorf("seal person %d: %w", p.id, err)
			}
			after = p.id
		}
	}
}
