package store

import "hall/internal/sealed"

// SealedTable describes a table that keeps sealed values (internal/sealed): its key
// column, whose value is each value's row in its place (in decimal when integer),
// and its sealed columns, each with its blind index in <column>_index when it has an
// index kind. The key rotation (`hall keys rotate`) re-seals and re-indexes exactly
// these; a table that starts sealing a column adds it here in the same change.
type SealedTable struct {
	Table      string
	Key        string
	IntegerKey bool
	Columns    []SealedColumn
}

// SealedTables lists every table with sealed values.
var SealedTables = []SealedTable{sealedPersons, sealedOutbox, sealedFlows, sealedAppeals, sealedVerifySessions}

var (
	// sealedPersons: internal/person (migrations 0040–0041).
	sealedPersons = SealedTable{Table: "persons", Key: "id", IntegerKey: true, Columns: []SealedColumn{
		{Name: "id_number", IndexKind: sealed.KindIDNumber}, {Name: "name"}, {Name: "mobile", IndexKind: sealed.KindMobile}}}
	// sealedOutbox: the development SMS outbox, internal/sms (migration 0039).
	sealedOutbox = SealedTable{Table: "sms_outbox", Key: "id", IntegerKey: true, Columns: []SealedColumn{
		{Name: "mobile", IndexKind: sealed.KindMobile}, {Name: "text"}}}
	// sealedFlows: the JSON of the multi-step flows, internal/flow (migrations
	// 0042–0043), keyed by the flow's text id and never looked up by its content.
	sealedFlows = SealedTable{Table: "flows", Key: "id", Columns: []SealedColumn{{Name: "data"}}}
	// sealedAppeals: user appeals, internal/person and internal/counter (migrations
	// 0044–0045); found by id and status only, so no index.
	sealedAppeals = SealedTable{Table: "appeals", Key: "id", IntegerKey: true, Columns: []SealedColumn{
		{Name: "id_number"}, {Name: "name"}, {Name: "mobile"}, {Name: "contact_mobile"}}}
	// sealedVerifySessions: the expected person of a face verification session,
	// internal/verify (migrations 0044–0045); keyed by the session's text id.
	sealedVerifySessions = SealedTable{Table: "verify_sessions", Key: "id", Columns: []SealedColumn{
		{Name: "id_number"}, {Name: "name"}}}
)
