package store

import "strings"

// IndexMatch is the SQL condition "column IN (?, ?, …)" with one placeholder per
// blind index, and its arguments (the indexes, in order). A look-up of a sealed
// value by its blind index searches the index under every data key
// (sealed.Keys.Indexes), so that a row still indexed under a previous key is found
// while a rotation has not re-indexed it yet. column may be qualified by a table's
// alias ("p.id_number_index").
//
// With no indexes the condition is "1 = 0", which matches no row and takes no
// argument: a value searched under no index is found nowhere, and "IN ()" is a
// syntax error on PostgreSQL (SQLite alone accepts it). Either form is a single
// comparison, so it may stand beside AND or OR without parentheses.
func IndexMatch(column string, indexes [][]byte) (string, []any) {
	if len(indexes) == 0 {
		return "1 = 0", nil
	}
	args := make([]any, len(indexes))
	for i, index := range indexes {
		args[i] = index
	}
	return column + " IN (?" + strings.Repeat(", ?", len(indexes)-1) + ")", args
}
