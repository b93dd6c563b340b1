package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"hall/internal/sealed"
)

// afterMigration is Go work that a migration needs in its own transaction, right
// after its SQL: what SQL cannot do, such as sealing values under the data key,
// which the database does not have.
var afterMigration = map[int]func(ctx context.Context, tx *Tx) error{
	// persons (0040): the ID number, name and mobile; the first two looked up.
	40: sealClear(sealedPersons),
	// flows (0042): each flow's JSON data, bound to the flow's text id.
	42: sealClear(sealedFlows),
	// appeals and verify_sessions (0044): the appellant's identity and mobiles, a
	// verification's expected person; none looked up.
	44: sealClearEach(sealedAppeals, sealedVerifySessions),
	// the development registry (0047): the legal representative's ID number and
	// name, bound to the entry's USCC.
	47: sealClear(sealedRegistry),
	// rights records' signed PDFs (0050): sealed where they are, 16 at a time.
	50: sealInPlace(sealedRightsFiles, sealedRightsFiles.Batch),
	// counter requests and delegation text messages (0052): a request's form and
	// outcome, each JSON sealed whole, and a notice's text; none looked up.
	52: sealClearEach(sealedCounterRequests, sealedDelegationNotices),
	// cases and their drafts (0054): the forms, the subjects with their index, the
	// names told at the counter.
	54: sealClearEach(sealedCases, sealedCaseDrafts),
	// delivery requests and deliveries (0056): the recipient's name, mobile and
	// address, bound to the row's case; none looked up.
	56: sealClearEach(sealedDeliveryRequests, sealedDeliveries),
	// skill assessment candidates (0058): the name, ID number and mobile; the ID
	// number indexed, as a plan's list is searched by it.
	58: sealClear(sealedSkillCandidates),
}

// ErrNoKeys is returned by Migrate when a migration has personal data to seal and
// no keys were set (UseKeys).
var ErrNoKeys = errors.New("store: personal data to seal and no data key set")

// sealBatch is how many rows sealClear reads at a time (a variable for the test
// that crosses batches).
var sealBatch = 1000

// SealedColumn is a column that a migration seals: its clear values were kept as
// clear_<Name> by the migration's SQL, and are sealed into <Name>; with an IndexKind,
// their blind index goes into <Name>_index too.
type SealedColumn struct {
	Name      string
	IndexKind string // sealed.KindMobile, sealed.KindIDNumber, sealed.KindCaseSubject, or "" for none
	// EmptyUnindexed: an empty value's index is empty too (a value is indexed
	// otherwise), for a column whose empty value means "none" and must stay out
	// of a partial unique index on <Name>_index <> '' (cases.subject).
	EmptyUnindexed bool
}

// Index is the blind index of value as column c stores it (IndexKind set): under
// the primary key, and empty for an empty value of an EmptyUnindexed column.
func (c SealedColumn) Index(keys *sealed.Keys, value string) []byte {
	if c.EmptyUnindexed && value == "" {
		return []byte{}
	}
	return keys.Index(c.IndexKind, value)
}

// sealClear returns a migration's Go half that seals every row's clear columns of
// the table (each of t.Columns, kept as clear_<name> by the migration's SQL), bound to the table, the column and the row's key (the key column's value: in
// decimal when integer, as it is otherwise), and computes the blind indexes of the
// values as stored (already normalised). The places and kinds are those the owning
// package seals and looks up with (person.Place, for one); its tests open what this
// wrote. A table without rows needs no keys.
func sealClear(t SealedTable) func(ctx context.Context, tx *Tx) error {
	table, key, integerKey, columns := t.Table, t.Key, t.IntegerKey, t.Columns
	var clear, set []string
	for _, c := range columns {
		clear = append(clear, "clear_"+c.Name)
		set = append(set, c.Name+" = ?")
		if c.IndexKind != "" {
			set = append(set, c.Name+"_index = ?")
		}
	}
	read := "SELECT " + key + ", " + strings.Join(clear, ", ") + " FROM " + table +
		" WHERE " + key + " > ? ORDER BY " + key + " LIMIT ?"
	write := "UPDATE " + table + " SET " + strings.Join(set, ", ") + " WHERE " + key + " = ?"
	return func(ctx context.Context, tx *Tx) error {
		keys := tx.db.Keys()
		var after any = ""
		if integerKey {
			after = int64(0)
		}
		for {
			rows, err := tx.Query(ctx, read, after, sealBatch)
			if err != nil {
				return err
			}
			type clearRow struct {
				key    string
				values []string
			}
			var batch []clearRow
			for rows.Next() {
				r := clearRow{values: make([]string, len(columns))}
				dest := []any{&r.key}
				for i := range r.values {
					dest = append(dest, &r.values[i])
				}
				if err := rows.Scan(dest...); err != nil {
					_ = rows.Close() // the scan's error is the one returned
					return err
				}
				batch = append(batch, r)
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
				return fmt.Errorf("%w: the %s table holds clear personal data", ErrNoKeys, table)
			}
			for _, r := range batch {
				var args []any
				for i, c := range columns {
					place := sealed.Place{Table: table, Column: c.Name, Row: r.key}
					args = append(args, keys.SealString(place, r.values[i]))
					if c.IndexKind != "" {
						args = append(args, c.Index(keys, r.values[i]))
					}
				}
				if _, err := tx.Exec(ctx, write, append(args, r.key)...); err != nil {
					return fmt.Errorf("seal %s %s: %w", table, r.key, err)
				}
				after = r.key
				if integerKey {
					n, err := strconv.ParseInt(r.key, 10, 64)
					if err != nil {
						return fmt.Errorf("seal %s: key %q: %w", table, r.key, err)
					}
					after = n
				}
			}
		}
	}
}

// sealClearEach is sealClear of each table in turn, for a migration that seals
// several tables.
func sealClearEach(tables ...SealedTable) func(ctx context.Context, tx *Tx) error {
	return func(ctx context.Context, tx *Tx) error {
		for _, t := range tables {
			if err := sealClear(t)(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	}
}
