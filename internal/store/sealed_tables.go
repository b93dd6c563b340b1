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
//
// Files are sealed too, and are no rows: the scans and case material files under
// DATA-DIR/scans (internal/scans, Place: the recording table counter_scans or
// case_materials, column "file", the file's ID), each sealed whole in its file. A
// key rotation re-seals them as well (docs/data-protection.md).
var SealedTables = []SealedTable{sealedPersons, sealedOutbox, sealedRightsFiles}

var (
	// sealedPersons: internal/person (migrations 0040–0041).
	sealedPersons = SealedTable{Table: "persons", Key: "id", IntegerKey: true, Columns: []SealedColumn{
		{Name: "id_number", IndexKind: sealed.KindIDNumber}, {Name: "name"}, {Name: "mobile", IndexKind: sealed.KindMobile}}}
	// sealedOutbox: the development SMS outbox, internal/sms (migration 0039).
	sealedOutbox = SealedTable{Table: "sms_outbox", Key: "id", IntegerKey: true, Columns: []SealedColumn{
		{Name: "mobile", IndexKind: sealed.KindMobile}, {Name: "text"}}}
	// sealedRightsFiles: the rights records' signed PDFs, internal/rights (migration
	// 0050, sealed in place), each a few hundred KB: a rotation reads few at a time.
	sealedRightsFiles = SealedTable{Table: "rights_record_files", Key: "record_id", IntegerKey: true,
		Columns: []SealedColumn{{Name: "pdf"}}}
)
