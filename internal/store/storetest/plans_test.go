package storetest_test

import (
	"slices"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestFullScans reads the plans of queries on the hall's own tables: a search by an
// indexed column is not a full scan, a filter on a column no index starts with is,
// through an alias too, and a table the caller calls small is not reported.
func TestFullScans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		large := func(table string) bool { return table != "units" && table != "staff" }
		for _, c := range []struct {
			name  string
			query string
			args  []any
			want  []string // tables reported
		}{
			{"search by primary key", `SELECT name FROM persons WHERE id = ?`, []any{1}, nil},
			{"search by an indexed column", `SELECT id FROM persons WHERE id_number_index = ?`, []any{[]byte("an index")}, nil},
			{"filter on a column without an index", `SELECT id FROM persons WHERE password_hash = ?`, []any{"$argon2id$"}, []string{"persons"}},
			{"through an alias", `SELECT p.id FROM persons p WHERE p.password_hash = ?`, []any{"$argon2id$"}, []string{"persons"}},
			{"a join's unindexed side", `SELECT m.id FROM memberships m JOIN persons p ON p.id = m.person_id WHERE p.password_hash = ?`,
				[]any{"$argon2id$"}, []string{"persons"}},
			{"a small table scanned", `SELECT id FROM units WHERE name = ?`, []any{"某单位"}, nil},
			{"an update by an unindexed column", `UPDATE persons SET level = level WHERE password_hash = ?`, []any{"$argon2id$"}, []string{"persons"}},
			// SQLite builds an automatic index over the whole of persons for the join.
			{"a join on an unindexed column", `SELECT p.id FROM staff s JOIN persons p ON p.password_hash = s.name`, nil, []string{"persons"}},
			{"a constant row", `SELECT EXISTS (SELECT 1 FROM persons WHERE id = ?)`, []any{1}, nil},
			{"a common table expression", `WITH x AS MATERIALIZED (SELECT id FROM persons WHERE id = ?) SELECT id FROM x`, []any{1}, nil},
			// Under a Limit, an index read in order with a filter may still read it all.
			// PostgreSQL may count through a bitmap of a whole index: the index read
			// without a condition, then every row of the table.
			{"a count of every row", `SELECT COUNT(*) FROM counter_requests WHERE 1 = 1`, nil, []string{"counter_requests"}},
			{"a filtered scan under a limit", `SELECT id FROM persons WHERE password_hash = ? ORDER BY id DESC LIMIT 1`, []any{"$argon2id$"}, []string{"persons"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				scans, err := storetest.FullScans(t.Context(), db, c.query, c.args, large)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, s := range scans {
					got = append(got, s.Table)
				}
				slices.Sort(got)
				got = slices.Compact(got)
				if !slices.Equal(got, c.want) {
					t.Errorf("full scans %v (%+v), want %v", got, scans, c.want)
				}
			})
		}
	})
}
