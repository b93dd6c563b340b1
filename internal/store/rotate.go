package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"hall/internal/sealed"
)

// A key rotation (`hall keys rotate`) moves every sealed value and blind index onto
// the primary data key, while the hall serves: the serving instances are configured
// with the new key as primary and the old one among the previous keys first, so
// that they seal and index under the new key, open values under either, and look
// rows up by the indexes of both (sealed.Keys.Indexes); then RotateKeys re-seals the
// rows still under a previous key, a batch at a time, each batch in its own short
// transaction; once it reports nothing left under a previous key, the old key can
// leave the configuration.
//
// A row changed by the hall between the rotation's read and its write is not
// overwritten: the write names the values it read, and a row whose values changed
// is read again (the hall wrote it under the primary key, perhaps only in part).

// ErrUnreadable is returned by RotateKeys, after it has rotated everything else, when
// some values open under none of the keys (sealed under a key no longer configured,
// or changed in the database): they are counted in the summary and left as they are.
var ErrUnreadable = errors.New("store: sealed values that open under none of the data keys")

// RotationProgress is what RotateKeys reports after each batch of a table.
type RotationProgress struct {
	Table             string
	Rows              int // rows of the table, counted when its turn began
	Scanned, Resealed int // rows read and rows re-sealed so far
}

// RotationSummary is the outcome of RotateKeys, per table and in total.
type RotationSummary struct {
	Tables     []RotationProgress
	Resealed   int
	Unreadable int
}

// rotationRetries bounds how often one row is read again when the hall keeps
// changing it between the rotation's read and write.
const rotationRetries = 5

// RotateKeys re-seals every value of SealedTables that is not under the primary key
// and recomputes its index, batch rows at a time (at least 1), telling progress (nil:
// nothing) after each batch. Errors: ErrNoKeys; ErrUnreadable (after the rest was
// rotated); ctx's error; database failures.
func (db *DB) RotateKeys(ctx context.Context, batch int, progress func(RotationProgress)) (RotationSummary, error) {
	keys := db.Keys()
	if keys == nil {
		return RotationSummary{}, ErrNoKeys
	}
	batch = max(batch, 1)
	var sum RotationSummary
	for _, t := range SealedTables {
		if len(t.Columns) == 0 {
			// Index-only columns (SealedTable.IndexOnly) keep no value to compute a
			// new index from: once the hall indexes under the new key, their rows are
			// no longer found and are swept as they expire.
			continue
		}
		rows := batch
		if t.Batch > 0 {
			rows = min(rows, t.Batch)
		}
		p, unreadable, err := db.rotateTable(ctx, keys, t, rows, progress)
		sum.Tables = append(sum.Tables, p)
		sum.Resealed += p.Resealed
		sum.Unreadable += unreadable
		if err != nil {
			return sum, fmt.Errorf("rotate %s: %w", t.Table, err)
		}
	}
	if sum.Unreadable > 0 {
		return sum, fmt.Errorf("%w: %d rows", ErrUnreadable, sum.Unreadable)
	}
	return sum, nil
}

// rotationRow is one row as the rotation read it: its key and its sealed values.
type rotationRow struct {
	key    string
	values [][]byte
}

func (db *DB) rotateTable(ctx context.Context, keys *sealed.Keys, t SealedTable, batch int, progress func(RotationProgress)) (RotationProgress, int, error) {
	p := RotationProgress{Table: t.Table}
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM "+t.Table).Scan(&p.Rows); err != nil {
		return p, 0, err
	}
	columns := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		columns[i] = c.Name
	}
	selected := t.Key + ", " + strings.Join(columns, ", ")
	var after any = ""
	if t.IntegerKey {
		after = int64(0)
	}
	unreadable := 0
	for {
		rows, err := db.readRotationRows(ctx, "SELECT "+selected+" FROM "+t.Table+" WHERE "+t.Key+" > ? ORDER BY "+t.Key+" LIMIT ?",
			len(columns), after, batch)
		if err != nil {
			return p, unreadable, err
		}
		if len(rows) == 0 {
			return p, unreadable, nil
		}
		for _, r := range rows {
			done, err := db.rotateRow(ctx, keys, t, selected, r)
			switch {
			case sealed.Unreadable(err):
				unreadable++
			case err != nil:
				return p, unreadable, err
			case done:
				p.Resealed++
			}
			p.Scanned++
		}
		last := rows[len(rows)-1].key
		after = last
		if t.IntegerKey {
			n, err := strconv.ParseInt(last, 10, 64)
			if err != nil {
				return p, unreadable, fmt.Errorf("key %q: %w", last, err)
			}
			after = n
		}
		if progress != nil {
			progress(p)
		}
	}
}

// readRotationRows reads rows of a key and n sealed values.
func (db *DB) readRotationRows(ctx context.Context, q string, n int, args ...any) ([]rotationRow, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rotationRow
	for rows.Next() {
		r := rotationRow{values: make([][]byte, n)}
		dest := []any{&r.key}
		for i := range r.values {
			dest = append(dest, &r.values[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// rotateRow re-seals one row's values that are under a previous key, and reports
// whether it wrote. Its write names the values it read; when the hall changed them
// meanwhile, the row is read again. Errors: sealed's errors when a value opens under
// none of the keys; database failures.
func (db *DB) rotateRow(ctx context.Context, keys *sealed.Keys, t SealedTable, selected string, r rotationRow) (bool, error) {
	for range rotationRetries {
		stale := false
		for _, v := range r.values {
			// An empty value (nil from SQLite) is no sealed value: it fails to open
			// below and is counted unreadable.
			if keys.NeedsResealing(v) {
				stale = true
			}
		}
		if !stale {
			return false, nil
		}
		var set, where []string
		var args, whereArgs []any
		for i, c := range t.Columns {
			v := r.values[i]
			if v == nil {
				v = []byte{} // every sealed column is NOT NULL: SQLite scans an empty one as nil
			}
			where, whereArgs = append(where, c.Name+" = ?"), append(whereArgs, v)
			place := sealed.Place{Table: t.Table, Column: c.Name, Row: r.key}
			clear, err := keys.Open(place, v)
			if err != nil {
				return false, err
			}
			set, args = append(set, c.Name+" = ?"), append(args, keys.Seal(place, clear))
			if c.IndexKind != "" {
				set, args = append(set, c.Name+"_index = ?"), append(args, c.Index(keys, string(clear)))
			}
		}
		args = append(append(args, r.key), whereArgs...)
		res, err := db.Exec(ctx, "UPDATE "+t.Table+" SET "+strings.Join(set, ", ")+" WHERE "+t.Key+" = ? AND "+
			strings.Join(where, " AND "), args...)
		if err != nil {
			return false, err
		}
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			return true, nil
		}
		// Changed (or deleted) since read: read it again.
		again, err := db.readRotationRows(ctx, "SELECT "+selected+" FROM "+t.Table+" WHERE "+t.Key+" = ?", len(t.Columns), r.key)
		if err != nil {
			return false, err
		}
		if len(again) == 0 {
			return false, nil
		}
		if equalValues(again[0].values, r.values) {
			return false, fmt.Errorf("%s %s: the rotation's write changed nothing and the row is as it was read", t.Table, r.key)
		}
		r = again[0]
	}
	return false, fmt.Errorf("%s %s: changed by the hall %d times during its rotation", t.Table, r.key, rotationRetries)
}

func equalValues(a, b [][]byte) bool {
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
