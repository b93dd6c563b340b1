package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"hall/internal/sealed"
)

// sealInPlace returns a migration's Go half that seals the clear values a table's
// columns held until then, in the same columns (BLOB or bytea, which take a sealed
// value as they took the clear bytes): for columns with no look-up and no
// constraint on their content, whose schema needs no change, such as the rights
// records' PDFs. Every row is sealed — the migration runs once, before anything
// writes sealed values there — bound to the table, the column and the row's key, as
// the owning package opens them. batch rows are read at a time: for large values
// (a PDF of a few hundred KB) it bounds what the migration holds in memory. A table
// without rows needs no keys.
func sealInPlace(t SealedTable, batch int) func(ctx context.Context, tx *Tx) error {
	var names, set []string
	for _, c := range t.Columns {
		names = append(names, c.Name)
		set = append(set, c.Name+" = ?")
	}
	read := "SELECT " + t.Key + ", " + strings.Join(names, ", ") + " FROM " + t.Table +
		" WHERE " + t.Key + " > ? ORDER BY " + t.Key + " LIMIT ?"
	write := "UPDATE " + t.Table + " SET " + strings.Join(set, ", ") + " WHERE " + t.Key + " = ?"
	return func(ctx context.Context, tx *Tx) error {
		keys := tx.db.Keys()
		var after any = ""
		if t.IntegerKey {
			after = int64(0)
		}
		for {
			rows, err := tx.Query(ctx, read, after, batch)
			if err != nil {
				return err
			}
			type clearRow struct {
				key    string
				values [][]byte
			}
			var rowsRead []clearRow
			for rows.Next() {
				r := clearRow{values: make([][]byte, len(t.Columns))}
				dest := []any{&r.key}
				for i := range r.values {
					dest = append(dest, &r.values[i])
				}
				if err := rows.Scan(dest...); err != nil {
					_ = rows.Close() // the scan's error is the one returned
					return err
				}
				rowsRead = append(rowsRead, r)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if len(rowsRead) == 0 {
				return nil
			}
			if keys == nil {
				return fmt.Errorf("%w: the %s table holds clear personal data", ErrNoKeys, t.Table)
			}
			for _, r := range rowsRead {
				var args []any
				for i, c := range t.Columns {
					args = append(args, keys.Seal(sealed.Place{Table: t.Table, Column: c.Name, Row: r.key}, r.values[i]))
				}
				if _, err := tx.Exec(ctx, write, append(args, r.key)...); err != nil {
					return fmt.Errorf("seal %s %s: %w", t.Table, r.key, err)
				}
				after = r.key
				if t.IntegerKey {
					n, err := strconv.ParseInt(r.key, 10, 64)
					if err != nil {
						return fmt.Errorf("seal %s: key %q: %w", t.Table, r.key, err)
					}
					after = n
				}
			}
		}
	}
}
