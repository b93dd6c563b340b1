package store

import (
	"bytes"
	"reflect"
	"testing"
)

// TestIndexMatch: one placeholder per index and the indexes as arguments, in order;
// no indexes make a condition that matches nothing and takes no argument.
func TestIndexMatch(t *testing.T) {
	first, second, third := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{3}, 32)
	cases := []struct {
		name     string
		column   string
		indexes  [][]byte
		wantCond string
		wantArgs []any
	}{
		{"one index", "mobile_index", [][]byte{first}, "mobile_index IN (?)", []any{first}},
		{"three indexes", "subject_index", [][]byte{first, second, third}, "subject_index IN (?, ?, ?)",
			[]any{first, second, third}},
		{"alias-qualified column", "p.id_number_index", [][]byte{first, second}, "p.id_number_index IN (?, ?)",
			[]any{first, second}},
		{"none", "mobile_index", nil, "1 = 0", nil},
		{"none, empty slice", "p.id_number_index", [][]byte{}, "1 = 0", nil},
	}
	for _, c := range cases {
		cond, args := IndexMatch(c.column, c.indexes)
		if cond != c.wantCond || !reflect.DeepEqual(args, c.wantArgs) {
			t.Errorf("%s: IndexMatch(%q, %d indexes) = %q, %v; want %q, %v", c.name, c.column, len(c.indexes),
				cond, args, c.wantCond, c.wantArgs)
		}
	}
}
