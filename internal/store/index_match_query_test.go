package store_test

import (
	"bytes"
	"context"
	"testing"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestIndexMatchQueries: IndexMatch's conditions run on both engines and find the
// rows under any of the indexes, alias-qualified or not; with no indexes the query
// is still valid and finds nothing, beside OR as well.
func TestIndexMatchQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		bytesType := map[store.Engine]string{store.SQLite: "BLOB", store.Postgres: "BYTEA"}[db.Engine]
		if _, err := db.Exec(ctx, "CREATE TABLE index_match_rows (id BIGINT PRIMARY KEY, ix "+bytesType+" NOT NULL)"); err != nil {
			t.Fatal(err)
		}
		index := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
		for id := int64(1); id <= 4; id++ {
			if _, err := db.Exec(ctx, "INSERT INTO index_match_rows (id, ix) VALUES (?, ?)", id, index(byte(id))); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			name, from, column, or string
			indexes                []byte
			want                   int
		}{
			{"one index", "index_match_rows", "ix", "", []byte{2}, 1},
			{"three indexes, one not stored", "index_match_rows", "ix", "", []byte{1, 3, 9}, 2},
			{"alias-qualified", "index_match_rows r", "r.ix", "", []byte{4, 2}, 2},
			{"none", "index_match_rows", "ix", "", nil, 0},
			{"none, beside OR", "index_match_rows r", "r.ix", " OR r.id = 3", nil, 1},
		} {
			var indexes [][]byte
			for _, b := range c.indexes {
				indexes = append(indexes, index(b))
			}
			match, args := store.IndexMatch(c.column, indexes)
			var n int
			if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM "+c.from+" WHERE "+match+c.or, args...).Scan(&n); err != nil {
				t.Errorf("%s: %q: %v", c.name, match, err)
			} else if n != c.want {
				t.Errorf("%s: %q found %d rows, want %d", c.name, match, n, c.want)
			}
		}
	})
}
