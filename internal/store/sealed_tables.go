package store

import "hall/internal/sealed"

// SealedTable describes a table that keeps sealed values (internal/sealed): its key
// column, whose value is each value's row in its place (in decimal when integer),
// and its sealed columns, each with its blind index in <column>_index when it has an
// index kind. The key rotation (`hall keys rotate`) re-seals and re-indexes exactly
// these; a table that starts sealing a column adds it here in the same change.
//
// IndexOnly lists a table's blind indexes kept without the value they index
// (neither clear nor sealed): a short-lived row keyed by a mobile that nothing needs
// to read back keeps only the index. The key rotation (RotateKeys) cannot recompute
// such an index, as there is nothing to compute it from, and passes over the table:
// once the instances index under the new key, its rows under the old index are
// found by nobody and are swept as they expire (a day at most). The cost is that of
// migration 0046: a code sent just before must be asked for again, and the day's
// counts per mobile restart.
type SealedTable struct {
	Table      string
	Key        string
	IntegerKey bool
	Columns    []SealedColumn
	IndexOnly  []IndexOnlyColumn
	// Batch bounds the rows a rotation reads at a time (0: the caller's batch), for
	// tables whose values are large.
	Batch int
}

// IndexOnlyColumn is a blind index without its value: <Name>_index holds the index
// of kind IndexKind (sealed.KindMobile, sealed.KindIDNumber) of a value the table
// does not keep.
type IndexOnlyColumn struct {
	Name      string
	IndexKind string
}

// SealedTables lists every table with sealed values or index-only columns.
//
// Files are sealed too, and are no rows: the scans and case material files under
// DATA-DIR/scans (internal/scans, Place: the recording table counter_scans or
// case_materials, column "file", the file's ID), each sealed whole in its file. The
// key rotation (store.RotateKeys) re-seals rows only (docs/data-protection.md).
var SealedTables = []SealedTable{sealedPersons, sealedOutbox, sealedFlows, sealedAppeals, sealedVerifySessions,
	sealedCodeFlows, sealedMobileRate, sealedRegistry, sealedRightsFiles, sealedCounterRequests, sealedDelegationNotices,
	sealedCases, sealedCaseDrafts, sealedDeliveryRequests, sealedDeliveries, sealedSkillCandidates}

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
	// sealedCodeFlows: the one-time codes' flows, internal/sms (migration 0046):
	// the mobile's index only.
	sealedCodeFlows = SealedTable{Table: "sms_flows", Key: "id", IntegerKey: true, IndexOnly: []IndexOnlyColumn{
		{Name: "mobile", IndexKind: sealed.KindMobile}}}
	// sealedMobileRate: the send rate per mobile, internal/sms (migration 0046),
	// keyed by the mobile's index only.
	sealedMobileRate = SealedTable{Table: "sms_mobile_rate", Key: "mobile_index", IndexOnly: []IndexOnlyColumn{
		{Name: "mobile", IndexKind: sealed.KindMobile}}}
	// sealedRegistry: the development registry, internal/registry (migrations
	// 0047–0048), keyed by the USCC; nothing looks its legal representatives up.
	sealedRegistry = SealedTable{Table: "registry_entries", Key: "uscc", Columns: []SealedColumn{
		{Name: "legal_rep_id_number"}, {Name: "legal_rep_name"}}}
	// sealedRightsFiles: the rights records' signed PDFs, internal/rights (migration
	// 0050, sealed in place), each a few hundred KB: a rotation reads few at a time.
	sealedRightsFiles = SealedTable{Table: "rights_record_files", Key: "record_id", IntegerKey: true,
		Columns: []SealedColumn{{Name: "pdf"}}, Batch: 16}
	// sealedCounterRequests: the counter requests' forms and outcomes (JSON),
	// internal/counter (migrations 0052–0053); found by status, kind, unit and
	// appeal, never by their content.
	sealedCounterRequests = SealedTable{Table: "counter_requests", Key: "id", IntegerKey: true, Columns: []SealedColumn{
		{Name: "data"}, {Name: "outcome"}}}
	// sealedDelegationNotices: the queued delegation text messages,
	// internal/delegation (migrations 0052–0053); found by id and state only.
	sealedDelegationNotices = SealedTable{Table: "delegation_notices", Key: "id", IntegerKey: true, Columns: []SealedColumn{
		{Name: "text"}}}
	// sealedCases: the cases' forms, subjects and counter applicants,
	// internal/cases (migrations 0054–0055). The subject's index keeps one open
	// case per unit, item and subject (a partial unique index that leaves out the
	// empty index of a case about nobody in particular).
	sealedCases = SealedTable{Table: "cases", Key: "id", IntegerKey: true, Columns: []SealedColumn{
		{Name: "form"}, {Name: "subject", IndexKind: sealed.KindCaseSubject, EmptyUnindexed: true},
		{Name: "counter_applicant"}}}
	// sealedCaseDrafts: the drafts' typed forms, internal/cases (migrations
	// 0054–0055), found by unit, person and item only.
	sealedCaseDrafts = SealedTable{Table: "case_drafts", Key: "id", IntegerKey: true, Columns: []SealedColumn{{Name: "form"}}}
	// sealedDeliveryRequests and sealedDeliveries: the recipient a case's paper
	// result is posted to, internal/delivery (migrations 0056–0057), keyed by the
	// case (one request and one delivery per case at most); nothing looks them up.
	sealedDeliveryRequests = SealedTable{Table: "delivery_requests", Key: "case_id", IntegerKey: true,
		Columns: []SealedColumn{{Name: "recipient"}, {Name: "mobile"}, {Name: "address"}}}
	sealedDeliveries = SealedTable{Table: "deliveries", Key: "case_id", IntegerKey: true,
		Columns: []SealedColumn{{Name: "recipient"}, {Name: "mobile"}, {Name: "address"}}}
	// sealedSkillCandidates: the candidates of skill assessment plans,
	// internal/skills (migrations 0058–0059); the ID number indexed, unique per plan.
	sealedSkillCandidates = SealedTable{Table: "skill_candidates", Key: "id", IntegerKey: true, Columns: []SealedColumn{
		{Name: "name"}, {Name: "id_number", IndexKind: sealed.KindIDNumber}, {Name: "mobile"}}}
)
