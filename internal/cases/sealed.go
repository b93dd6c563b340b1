package cases

import (
	"context"
	"errors"
	"fmt"
	"time"

	"hall/internal/sealed"
	"hall/internal/store"
)

// A case's form (the JSON of the application: employees' ID numbers and names),
// its subject (whom it is about: an employee's ID number, a year) and the name
// told at the counter, and a draft's typed form, are sealed at rest
// (internal/sealed, SPEC §9, docs/data-protection.md): each is a sealed value
// bound to its table, its column and the row's id, sealed and opened with the
// database's keys. The one open case per unit, item and subject (§9) is kept by
// the database through the subject's blind index (the partial unique index
// cases_open_subject on subject_index), and every look-up by subject searches
// that index under every key (subjectMatch), as persons' look-ups do, so that a
// case still indexed under a previous key during a rotation is found.

// Sealed columns of the cases and case_drafts tables.
const (
	casesTable             = "cases"
	draftsTable            = "case_drafts"
	columnForm             = "form"
	columnSubject          = "subject"
	columnCounterApplicant = "counter_applicant"
)

// ErrNoKeys is returned when the database has no data keys set (store.DB.UseKeys):
// a case's or a draft's form can neither be sealed nor opened.
var ErrNoKeys = errors.New("cases: no data key set on the database")

// casePlace is where the sealed value of a cases column of case id belongs.
func casePlace(column string, id int64) sealed.Place { return sealed.RowPlace(casesTable, column, id) }

// draftPlace is where the sealed form of draft id belongs.
func draftPlace(id int64) sealed.Place { return sealed.RowPlace(draftsTable, columnForm, id) }

// subjectIndex is the blind index of a subject as cases.subject_index keeps it:
// empty for a case about nobody in particular (subject ""), which the partial
// unique index leaves out (store's sealedCases says the same to the migration
// and the key rotation).
func subjectIndex(keys *sealed.Keys, subject string) []byte {
	if subject == "" {
		return []byte{}
	}
	return keys.Index(sealed.KindCaseSubject, subject)
}

// subjectMatch is the SQL condition on cases' subject_index that finds subject
// under every key, and its arguments.
func subjectMatch(keys *sealed.Keys, subject string) (string, []any) {
	indexes := [][]byte{subjectIndex(keys, subject)}
	if subject != "" {
		indexes = keys.Indexes(sealed.KindCaseSubject, subject)
	}
	return store.IndexMatch("subject_index", indexes)
}

// txKeys are tx's keys. Errors: ErrNoKeys.
func txKeys(tx *store.Tx) (*sealed.Keys, error) {
	keys := tx.Keys()
	if keys == nil {
		return nil, ErrNoKeys
	}
	return keys, nil
}

// newCase is what a new cases row holds besides what the database fills in:
// filed online (Apply, the demo's enrolment) or entered at the counter.
type newCase struct {
	Number           string
	UnitID           int64
	ItemCode         string
	ApplicantID      int64
	ApplicantRole    string
	State            State
	Form             []byte // the form's JSON
	Subject          string // "" for nobody in particular
	PromisedDate     string
	AcceptedBy       any // a staff id, or nil
	Channel          Channel
	EnteredBy        any    // a staff id, or nil
	CounterApplicant string // the name told at the counter; "" online
	CounterNonce     any    // the counter form's token, or nil
	InstitutionID    any    // an institution's id, or nil
	At               time.Time
}

// insertCase adds a cases row inside tx and returns its id: the subject's index
// goes in with the row (so that the partial unique index refuses a second open
// case for the subject there), the sealed values right after, bound to the new
// id. Errors: ErrNoKeys; the database's unique violation (store.IsUniqueViolation:
// an open case for the subject, a counter nonce used); other database failures.
func insertCase(ctx context.Context, tx *store.Tx, c newCase) (int64, error) {
	keys, err := txKeys(tx)
	if err != nil {
		return 0, err
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO cases (number, unit_id, item_code, applicant_id, applicant_role, state,
		form, subject, subject_index, counter_applicant, promised_date, accepted_by, channel, entered_by, counter_nonce,
		institution_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Number, c.UnitID, c.ItemCode, c.ApplicantID, c.ApplicantRole, string(c.State), []byte{}, []byte{},
		subjectIndex(keys, c.Subject), []byte{}, c.PromisedDate, c.AcceptedBy, string(c.Channel), c.EnteredBy,
		c.CounterNonce, c.InstitutionID, c.At, c.At).Scan(&id); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `UPDATE cases SET form = ?, subject = ?, counter_applicant = ? WHERE id = ?`,
		keys.Seal(casePlace(columnForm, id), c.Form), keys.SealString(casePlace(columnSubject, id), c.Subject),
		keys.SealString(casePlace(columnCounterApplicant, id), c.CounterApplicant), id); err != nil {
		return 0, fmt.Errorf("cases: seal the new case: %w", err)
	}
	return id, nil
}

// openCaseColumn opens the sealed value of a cases column of case id as a query
// read it. Errors: ErrNoKeys; sealed's errors (wrapped with the place) when the
// value was sealed under another data key, moved or changed in the database.
func openCaseColumn(keys *sealed.Keys, column string, id int64, value []byte) ([]byte, error) {
	if keys == nil {
		return nil, ErrNoKeys
	}
	return keys.Open(casePlace(column, id), value)
}
