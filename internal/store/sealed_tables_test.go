package store_test

import (
	"context"
	"strings"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestSealedTablesMatchSchema: every column SealedTables names (the key, the sealed
// columns, their indexes and the index-only columns) exists in the migrated schema
// of both engines, and no sealed or indexed column is still kept in clear as
// clear_<name>, so the key rotation, which goes by this list, finds what it names.
func TestSealedTablesMatchSchema(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, table := range store.SealedTables {
			columns := []string{table.Key}
			for _, c := range table.Columns {
				columns = append(columns, c.Name)
				if c.IndexKind != "" {
					columns = append(columns, c.Name+"_index")
				}
			}
			for _, c := range table.IndexOnly {
				columns = append(columns, c.Name+"_index")
			}
			if len(columns) == 1 {
				t.Errorf("%s: neither sealed nor index-only columns", table.Table)
			}
			q := "SELECT " + strings.Join(columns, ", ") + " FROM " + table.Table + " WHERE 1 = 0"
			rows, err := db.Query(ctx, q)
			if err != nil {
				t.Errorf("%s: %v", table.Table, err)
				continue
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range table.Columns {
				names = append(names, c.Name)
			}
			for _, c := range table.IndexOnly {
				names = append(names, c.Name)
			}
			for _, name := range names {
				rows, err := db.Query(ctx, "SELECT clear_"+name+" FROM "+table.Table+" WHERE 1 = 0")
				if err == nil {
					_ = rows.Close()
					t.Errorf("%s still has clear_%s", table.Table, name)
				}
			}
			for _, c := range table.IndexOnly {
				rows, err := db.Query(ctx, "SELECT "+c.Name+" FROM "+table.Table+" WHERE 1 = 0")
				if err == nil {
					_ = rows.Close()
					t.Errorf("%s: index-only %s is still a column", table.Table, c.Name)
				}
			}
		}
	})
}
