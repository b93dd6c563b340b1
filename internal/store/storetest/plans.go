package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"hall/internal/store"
)

// FullScan is a step of a query's plan that reads a whole table (or the whole of one
// of its indexes) instead of searching it.
type FullScan struct {
	// Table is the table read, by its name in the schema.
	Table string
	// Step is the plan's own words for the step.
	Step string
}

// FullScans explains q with args on db and returns the steps of its plan that read
// a whole table for which large reports true. It does not run q.
//
// On SQLite the plan is EXPLAIN QUERY PLAN's: a SCAN of a table (by itself or through
// one of its indexes) is a full scan; a SEARCH is not. On PostgreSQL the plan is asked
// with sequential scans disabled, so that the planner picks an index whenever one can
// serve even on the small tables of a test database: a Seq Scan that remains is one
// no index can avoid, and an Index Scan or Index Only Scan without an index
// condition reads the whole index unless a Limit stops it early (the newest rows of an
// ordered index: no filter on the scan, nothing between it and the Limit that reads
// all its input first); a Bitmap Index Scan without an index condition reads the
// whole index and its Bitmap Heap Scan every row of the table, whatever is above. On SQLite an automatic index or a Bloom filter built for the
// query reads the whole table too.
func FullScans(ctx context.Context, db *store.DB, q string, args []any, large func(table string) bool) ([]FullScan, error) {
	if db.Engine == store.Postgres {
		return postgresFullScans(ctx, db, q, args, large)
	}
	return sqliteFullScans(ctx, db, q, args, large)
}

// sqliteWholeTable reads the table (or its alias) of an EXPLAIN QUERY PLAN step that
// reads a whole table: "SCAN t", "SCAN t USING INDEX i", "SCAN t USING COVERING INDEX
// i", and the steps that build a temporary index or Bloom filter from the whole of t on
// every run ("SEARCH t USING AUTOMATIC COVERING INDEX (c=?)", "BLOOM FILTER ON t").
var sqliteWholeTable = regexp.MustCompile(`^(?:SCAN (\w+)|SEARCH (\w+) USING AUTOMATIC|BLOOM FILTER ON (\w+))`)

func sqliteFullScans(ctx context.Context, db *store.DB, q string, args []any, large func(string) bool) ([]FullScan, error) {
	tables, err := sqliteTables(ctx, db)
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil, fmt.Errorf("storetest: explain: %w", err)
	}
	defer rows.Close()
	aliases := tableAliases(q)
	var out []FullScan
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, fmt.Errorf("storetest: explain: %w", err)
		}
		m := sqliteWholeTable.FindStringSubmatch(detail)
		if m == nil {
			continue
		}
		table := strings.ToLower(m[1] + m[2] + m[3])
		if named, ok := aliases[table]; ok {
			table = named
		}
		// A plan also scans what is no table of the schema — SCAN CONSTANT ROW, a
		// common table expression, a subquery's result — which holds what the query
		// made of tables already read.
		if tables[table] && large(table) {
			out = append(out, FullScan{Table: table, Step: detail})
		}
	}
	return out, rows.Err()
}

// sqliteTables are the names of the schema's tables, in lower case.
func sqliteTables(ctx context.Context, db *store.DB) (map[string]bool, error) {
	rows, err := db.Query(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		return nil, fmt.Errorf("storetest: list tables: %w", err)
	}
	defer rows.Close()
	tables := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("storetest: list tables: %w", err)
		}
		tables[strings.ToLower(name)] = true
	}
	return tables, rows.Err()
}

// tableReference finds "FROM t a", "JOIN t AS a" and "UPDATE t": the names a plan
// may call a table by.
var tableReference = regexp.MustCompile(`(?i)\b(?:from|join|update|into)\s+(\w+)(?:\s+(?:as\s+)?(\w+))?`)

// notAliases are the words that may follow a table's name in the hall's queries
// without being its alias.
var notAliases = map[string]bool{"where": true, "join": true, "left": true, "inner": true, "on": true,
	"order": true, "group": true, "limit": true, "set": true, "values": true, "using": true, "cross": true,
	"union": true, "having": true, "returning": true, "natural": true, "outer": true, "full": true,
	"right": true, "default": true, "select": true, "offset": true, "for": true, "except": true, "intersect": true}

// tableAliases maps every alias (and every table name, to itself) of q to its table.
func tableAliases(q string) map[string]string {
	out := map[string]string{}
	for _, m := range tableReference.FindAllStringSubmatch(q, -1) {
		table := strings.ToLower(m[1])
		out[table] = table
		if alias := strings.ToLower(m[2]); alias != "" && !notAliases[alias] {
			out[alias] = table
		}
	}
	return out
}

// postgresPlan is a node of EXPLAIN (FORMAT JSON)'s plan.
type postgresPlan struct {
	NodeType     string `json:"Node Type"`
	RelationName string `json:"Relation Name"`
	IndexName    string `json:"Index Name"`
	IndexCond    string `json:"Index Cond"`
	Filter       string `json:"Filter"`
	// ParentRelationship is "InitPlan" or "SubPlan" for a plan run apart from its
	// parent's rows.
	ParentRelationship string         `json:"Parent Relationship"`
	Plans              []postgresPlan `json:"Plans"`
}

// streamingNodes pass their input's rows on as they come, so that a Limit above them
// stops the scans below them too.
var streamingNodes = map[string]bool{"Result": true, "Nested Loop": true, "Append": true, "Merge Append": true,
	"Subquery Scan": true, "Unique": true}

func postgresFullScans(ctx context.Context, db *store.DB, q string, args []any, large func(string) bool) ([]FullScan, error) {
	var text string
	// A transaction that writes nothing: the setting lasts only for it, and EXPLAIN
	// without ANALYZE does not run the statement.
	err := db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+q, args...).Scan(&text)
	})
	if err != nil {
		return nil, fmt.Errorf("storetest: explain: %w", err)
	}
	var plans []struct {
		Plan postgresPlan `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(text), &plans); err != nil {
		return nil, fmt.Errorf("storetest: read the plan: %w", err)
	}
	var out []FullScan
	// limited: a Limit above p stops p after its first rows, through nodes that pass
	// rows on as they come (not a Sort, an Aggregate, a Hash, and not into a plan run
	// apart). Only an index scan with neither condition nor filter is then the newest
	// rows of an ordered index; one with a filter may read all of it looking for a match.
	// heap is the table of the Bitmap Heap Scan above p (a Bitmap Index Scan names
	// only its index).
	var walk func(p postgresPlan, limited bool, heap string)
	walk = func(p postgresPlan, limited bool, heap string) {
		if p.ParentRelationship == "InitPlan" || p.ParentRelationship == "SubPlan" {
			limited = false
		}
		switch {
		case p.NodeType == "Seq Scan" && large(p.RelationName):
			out = append(out, FullScan{Table: p.RelationName, Step: "Seq Scan on " + p.RelationName})
		case (p.NodeType == "Index Scan" || p.NodeType == "Index Only Scan") && p.IndexCond == "" &&
			(!limited || p.Filter != "") && large(p.RelationName):
			out = append(out, FullScan{Table: p.RelationName, Step: p.NodeType + " using " + p.IndexName + " on " +
				p.RelationName + " without an index condition"})
		case p.NodeType == "Bitmap Index Scan" && p.IndexCond == "" && large(heap):
			out = append(out, FullScan{Table: heap, Step: "Bitmap Index Scan using " + p.IndexName + " on " + heap +
				" without an index condition"})
		}
		if p.NodeType == "Bitmap Heap Scan" {
			heap = p.RelationName
		}
		passes := p.NodeType == "Limit" || (limited && streamingNodes[p.NodeType])
		for _, c := range p.Plans {
			walk(c, passes, heap)
		}
	}
	for _, p := range plans {
		walk(p.Plan, false, "")
	}
	return out, nil
}
