package cases

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"hall/internal/insurance"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// clearIn reports the first of values that row holds in clear, or "".
func clearIn(row string, values ...string) string {
	for _, v := range values {
		if v != "" && (strings.Contains(row, v) || strings.Contains(row, url.QueryEscape(v))) {
			return v
		}
	}
	return ""
}

// TestCasesSealedAtRest: what `select *` shows of cases and case_drafts holds no
// employee's ID number or name of a filed form, no subject, no name told at the
// counter and no typed draft, on both engines, while the service reads each back;
// a sealed value moved to another case, draft or column does not open there.
func TestCasesSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		emp, other := f.employeeID(), f.employeeID()
		filed := form(emp)
		filed.Set(FieldName, "欧阳明月")
		online, err := f.svc.Apply(f.ctx, f.repA, ItemEnrolment, filed)
		if err != nil {
			t.Fatal(err)
		}
		second, err := f.svc.Apply(f.ctx, f.repA, ItemEnrolment, form(other))
		if err != nil {
			t.Fatal(err)
		}
		counter, err := f.svc.EnterCounter(f.ctx, f.clerk, f.counterEntry())
		if err != nil {
			t.Fatal(err)
		}
		typed := url.Values{FieldName: {"司马青云"}, FieldIDNumber: {f.employeeID()}}
		if _, err := f.svc.SaveDraft(f.ctx, f.repA, ItemEnrolment, typed); err != nil {
			t.Fatal(err)
		}
		agentTyped := url.Values{FieldName: {"诸葛晓风"}}
		if _, err := f.svc.SaveDraft(f.ctx, f.agentA, ItemEnrolment, agentTyped); err != nil {
			t.Fatal(err)
		}

		rows := storetest.RawRows(t, db, "SELECT * FROM cases ORDER BY id")
		if len(rows) != 3 {
			t.Fatalf("%d cases rows, want 3", len(rows))
		}
		for _, row := range rows {
			if v := clearIn(row, emp, other, "欧阳明月", "张三", "孙窗口"); v != "" {
				t.Errorf("a cases row holds %q in clear", v)
			}
		}
		for _, row := range storetest.RawRows(t, db, "SELECT * FROM case_drafts ORDER BY id") {
			if v := clearIn(row, typed.Get(FieldName), typed.Get(FieldIDNumber), "诸葛晓风"); v != "" {
				t.Errorf("a case_drafts row holds %q in clear", v)
			}
		}

		got, _, err := f.svc.UnitCase(f.ctx, f.unit.ID, online.ID)
		if e, ok := got.Enrolment(); err != nil || !ok || e.IDNumber != emp || e.Name != "欧阳明月" {
			t.Fatalf("the online case reads %+v, %v", e, err)
		}
		if got, _, err := f.svc.UnitCase(f.ctx, f.unit.ID, counter.ID); err != nil || got.ApplicantName != "孙窗口" {
			t.Fatalf("the counter case reads applicant %q, %v", got.ApplicantName, err)
		}
		if d, err := f.svc.Draft(f.ctx, f.repA, ItemEnrolment); err != nil || d.Values.Get(FieldIDNumber) != typed.Get(FieldIDNumber) {
			t.Fatalf("the draft reads %+v, %v", d, err)
		}

		// The second case's form copied onto the first does not open there; nor does
		// the counter case's form copied into its applicant's name. Each is refused as
		// unreadable, the cause logged with the case's id.
		var logged bytes.Buffer
		f.svc.d.Log = slog.New(slog.NewTextHandler(&logged, nil))
		if _, err := db.Exec(f.ctx, `UPDATE cases SET form = (SELECT form FROM cases WHERE id = ?) WHERE id = ?`,
			second.ID, online.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.UnitCase(f.ctx, f.unit.ID, online.ID); !errors.Is(err, ErrCaseUnreadable) {
			t.Errorf("a case with a moved form: %v, want %v", err, ErrCaseUnreadable)
		}
		if !strings.Contains(logged.String(), fmt.Sprintf("case=%d ", online.ID)) ||
			!strings.Contains(logged.String(), sealed.ErrAuthentication.Error()) {
			t.Errorf("the unreadable case is not logged with its id and cause: %q", logged.String())
		}
		if _, err := db.Exec(f.ctx, `UPDATE cases SET counter_applicant = form WHERE id = ?`, counter.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.UnitCase(f.ctx, f.unit.ID, counter.ID); !errors.Is(err, ErrCaseUnreadable) {
			t.Errorf("a counter case with its form as the applicant: %v, want %v", err, ErrCaseUnreadable)
		}
		if _, _, err := f.svc.StaffCase(f.ctx, f.clerk, counter.ID); !errors.Is(err, ErrCaseUnreadable) {
			t.Errorf("the back office's read of a counter case with its form as the applicant: %v, want %v", err, ErrCaseUnreadable)
		}
		// The unit's list still shows every case, the two that do not open by their
		// clear columns and marked, the other as it was filed.
		listed, total, err := f.svc.UnitCases(f.ctx, f.unit.ID, CaseFilter{})
		if err != nil || total != 3 || len(listed) != 3 {
			t.Fatalf("the unit's cases with two unreadable: %d of %d, %v; want 3 of 3", len(listed), total, err)
		}
		for _, c := range listed {
			want := c.ID == online.ID || c.ID == counter.ID
			if c.Unreadable != want || c.Number == "" || c.State == "" {
				t.Errorf("case %d listed as %+v; want Unreadable %v with its number and state", c.ID, c, want)
			}
			if want && (c.Form != nil || c.ApplicantName != "") {
				t.Errorf("unreadable case %d listed with form %q, applicant %q", c.ID, c.Form, c.ApplicantName)
			}
			if !want {
				if e, ok := c.Enrolment(); !ok || e.IDNumber != other {
					t.Errorf("the readable case listed with %+v", e)
				}
			}
		}
		// The agent's draft copied onto the legal representative's.
		if _, err := db.Exec(f.ctx, `UPDATE case_drafts SET form = (SELECT form FROM case_drafts WHERE person_id = ?)
			WHERE person_id = ?`, f.agent.ID, f.rep.ID); err != nil {
			t.Fatal(err)
		}
		logged.Reset()
		d, err := f.svc.Draft(f.ctx, f.repA, ItemEnrolment)
		if !errors.Is(err, ErrDraftUnreadable) || d.SavedAt.IsZero() || d.Values != nil {
			t.Errorf("a draft with a moved form: %+v, %v; want its SavedAt alone and %v", d, err, ErrDraftUnreadable)
		}
		if !strings.Contains(logged.String(), "draft unreadable") || !strings.Contains(logged.String(), sealed.ErrAuthentication.Error()) {
			t.Errorf("the unreadable draft is not logged with its cause: %q", logged.String())
		}

		// Its owner is not stuck with it: saving a draft replaces it, 放弃草稿
		// deletes it, and an application files past it.
		retyped := url.Values{FieldName: {"上官云裳"}}
		if _, err := f.svc.SaveDraft(f.ctx, f.repA, ItemEnrolment, retyped); err != nil {
			t.Fatalf("saving a draft over an unreadable one: %v", err)
		}
		if d, err := f.svc.Draft(f.ctx, f.repA, ItemEnrolment); err != nil || d.Values.Get(FieldName) != "上官云裳" {
			t.Fatalf("the draft saved over an unreadable one reads %+v, %v", d, err)
		}
		if _, err := db.Exec(f.ctx, `UPDATE case_drafts SET form = ? WHERE person_id = ?`, []byte("not sealed"), f.rep.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Draft(f.ctx, f.repA, ItemEnrolment); !errors.Is(err, ErrDraftUnreadable) {
			t.Fatalf("a draft whose form is not sealed: %v, want %v", err, ErrDraftUnreadable)
		}
		if err := f.svc.DiscardDraft(f.ctx, f.repA, ItemEnrolment); err != nil {
			t.Fatalf("discarding an unreadable draft: %v", err)
		}
		if _, err := f.svc.Draft(f.ctx, f.repA, ItemEnrolment); !errors.Is(err, ErrDraftNotFound) {
			t.Fatalf("the unreadable draft after 放弃草稿: %v, want %v", err, ErrDraftNotFound)
		}
		if _, err := f.svc.SaveDraft(f.ctx, f.repA, ItemEnrolment, retyped); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(f.ctx, `UPDATE case_drafts SET form = (SELECT form FROM case_drafts WHERE person_id = ?)
			WHERE person_id = ?`, f.agent.ID, f.rep.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemEnrolment, form(f.employeeID())); err != nil {
			t.Fatalf("applying past an unreadable draft: %v", err)
		}
		if _, err := f.svc.Draft(f.ctx, f.repA, ItemEnrolment); !errors.Is(err, ErrDraftNotFound) {
			t.Fatalf("the unreadable draft after the application: %v, want %v", err, ErrDraftNotFound)
		}
	})
}

// insertOpen inserts, bypassing Apply's own check, a submitted enrolment case of
// the fixture's unit about subject, as the number given.
func (f *caseFixture) insertOpen(ctx context.Context, tx *store.Tx, number, subject string) error {
	data, err := json.Marshal(EnrolmentForm{IDNumber: subject, Name: "张三"})
	if err != nil {
		return err
	}
	_, err = insertCase(ctx, tx, newCase{Number: number, UnitID: f.unit.ID, ItemCode: ItemEnrolment, ApplicantID: f.rep.ID,
		ApplicantRole: "legal_rep", State: StateSubmitted, Form: data, Subject: subject, Channel: ChannelOnline,
		At: store.Time(caseT0)})
	return err
}

// TestOneOpenCasePerSubject: the §9 invariant "one open case per unit, item and
// subject" is the database's with the subject sealed — a second open case for an
// employee is refused by the unique index on the subject's blind index however it
// is inserted, a case about nobody in particular is not held to it, a finished
// case frees its subject; two such cases inserted at once are one too many
// (Contend: the second waits for the first on PostgreSQL and is refused) — and of
// applications for one employee racing freely one is filed, on both engines.
func TestOneOpenCasePerSubject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		emp := f.employeeID()
		first, err := f.svc.Apply(f.ctx, f.repA, ItemEnrolment, form(emp))
		if err != nil {
			t.Fatal(err)
		}
		insert := func(number, subject string) error {
			return db.Tx(f.ctx, func(tx *store.Tx) error { return f.insertOpen(f.ctx, tx, number, subject) })
		}
		if err := insert("20260413000081", emp); !store.IsUniqueViolation(err) {
			t.Fatalf("a second open case for the employee, inserted past Apply's check: %v", err)
		}
		for _, number := range []string{"20260413000082", "20260413000083"} {
			if err := insert(number, ""); err != nil {
				t.Fatalf("a case about nobody in particular: %v", err)
			}
		}
		if _, err := f.svc.Withdraw(f.ctx, f.repA, first.ID); err != nil {
			t.Fatal(err)
		}
		if err := insert("20260413000084", emp); err != nil {
			t.Fatalf("an open case for the employee once the first was withdrawn: %v", err)
		}

		held := f.employeeID()
		err = storetest.Contend(t, db, func(ctx context.Context, tx *store.Tx) error {
			return f.insertOpen(ctx, tx, "20260413000085", held)
		}, func(other *store.DB) error {
			return other.Tx(f.ctx, func(tx *store.Tx) error { return f.insertOpen(f.ctx, tx, "20260413000086", held) })
		}, "INSERT INTO cases")
		if !store.IsUniqueViolation(err) {
			t.Fatalf("a case for the employee inserted while another was being: %v, want a unique violation", err)
		}

		raced := f.employeeID()
		errs := make([]error, 4)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.svc.Apply(f.ctx, f.repA, ItemEnrolment, form(raced))
			}()
		}
		wg.Wait()
		filed := 0
		for _, err := range errs {
			switch {
			case err == nil:
				filed++
			case !errors.Is(err, ErrPending):
				t.Fatalf("an application of the race: %v", err)
			}
		}
		if filed != 1 {
			t.Fatalf("%d of %d applications for one employee at once were filed: %v", filed, len(errs), errs)
		}
	})
}

// TestMigrationSealsClearCases: a database whose cases and drafts were kept in
// clear (the schema before 0054) is sealed by migration 0054's Go half — every
// form, subject and name told at the counter opens to what it was, the subject's
// index keeps the employee's open case the only one, a case about nobody in
// particular stays out of it, and no clear value is left — and a migration
// without a data key is refused, leaving the schema where it was.
func TestMigrationSealsClearCases(t *testing.T) {
	storetest.EachBefore(t, 54, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newCaseFixture(t, db)
		emp := f.employeeID()
		data, err := json.Marshal(EnrolmentForm{IDNumber: emp, Name: "欧阳明月", StartMonth: insurance.Month(202604),
			Base: 600000, Types: []insurance.Type{insurance.TypePension}})
		if err != nil {
			t.Fatal(err)
		}
		at := store.Time(caseT0)
		var online, counter int64
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO cases (number, unit_id, item_code, applicant_id, applicant_role, state,
				form, subject, created_at, updated_at) VALUES ('20260413000001', ?, ?, ?, 'legal_rep', 'submitted', ?, ?, ?, ?)
				RETURNING id`, f.unit.ID, ItemEnrolment, f.rep.ID, string(data), emp, at, at).Scan(&online); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `INSERT INTO cases (number, unit_id, item_code, applicant_id, applicant_role, state,
				form, accepted_by, channel, entered_by, counter_applicant, created_at, updated_at)
				VALUES ('20260413000002', ?, ?, ?, 'legal_rep', 'accepted', '{}', ?, 'counter', ?, '孙窗口', ?, ?) RETURNING id`,
				f.unit.ID, counterItemCode, f.rep.ID, f.clerk.StaffID, f.clerk.StaffID, at, at).Scan(&counter)
		})
		if err != nil {
			t.Fatal(err)
		}
		typed := url.Values{FieldName: {"司马青云"}, FieldIDNumber: {f.employeeID()}}
		if _, err := db.Exec(ctx, `INSERT INTO case_drafts (unit_id, item_code, person_id, form, saved_at)
			VALUES (?, ?, ?, ?, ?)`, f.unit.ID, ItemEnrolment, f.rep.ID, typed.Encode(), at); err != nil {
			t.Fatal(err)
		}

		storetest.MigrateSealing(t, db, 54)

		got, _, err := f.svc.UnitCase(ctx, f.unit.ID, online)
		if e, ok := got.Enrolment(); err != nil || !ok || e.IDNumber != emp || e.Name != "欧阳明月" || got.State != StateSubmitted {
			t.Errorf("the online case after the migration: %+v %+v, %v", got, e, err)
		}
		if got, _, err := f.svc.UnitCase(ctx, f.unit.ID, counter); err != nil || got.ApplicantName != "孙窗口" ||
			string(got.Form) != "{}" {
			t.Errorf("the counter case after the migration: %q %s, %v", got.ApplicantName, got.Form, err)
		}
		if d, err := f.svc.Draft(ctx, f.repA, ItemEnrolment); err != nil || d.Values.Encode() != typed.Encode() {
			t.Errorf("the draft after the migration: %+v, %v", d, err)
		}
		var index []byte
		if err := db.QueryRow(ctx, `SELECT subject_index FROM cases WHERE id = ?`, counter).Scan(&index); err != nil || len(index) != 0 {
			t.Errorf("the counter case's subject index: %x, %v; want empty", index, err)
		}
		if _, err := f.svc.Apply(ctx, f.repA, ItemEnrolment, form(emp)); !errors.Is(err, ErrPending) {
			t.Errorf("an application for the migrated case's employee: %v, want %v", err, ErrPending)
		}
		err = db.Tx(ctx, func(tx *store.Tx) error { return f.insertOpen(ctx, tx, "20260413000003", emp) })
		if !store.IsUniqueViolation(err) {
			t.Errorf("a second open case for the migrated case's employee: %v", err)
		}
		for _, row := range storetest.RawRows(t, db, "SELECT * FROM cases ORDER BY id") {
			if v := clearIn(row, emp, "欧阳明月", "孙窗口"); v != "" {
				t.Errorf("a cases row still holds %q in clear", v)
			}
		}
		for _, row := range storetest.RawRows(t, db, "SELECT * FROM case_drafts ORDER BY id") {
			if v := clearIn(row, typed.Get(FieldName), typed.Get(FieldIDNumber)); v != "" {
				t.Errorf("a case_drafts row still holds %q in clear", v)
			}
		}
	})
}

// TestCasesKeyRotation: during a key rotation an employee's open case indexed
// under the previous key still keeps a second one out (the look-up searches
// every key's index), and `hall keys rotate` (store.RotateKeys) re-seals every
// case and draft and re-indexes the subjects, leaving the index of a case about
// nobody in particular empty, so that two such cases stay allowed; afterwards the
// new key alone reads everything, on both engines.
func TestCasesKeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		emp := f.employeeID()
		online, err := f.svc.Apply(f.ctx, f.repA, ItemEnrolment, form(emp))
		if err != nil {
			t.Fatal(err)
		}
		counter, err := f.svc.EnterCounter(f.ctx, f.clerk, f.counterEntry())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveDraft(f.ctx, f.repA, ItemLeave, url.Values{FieldName: {"司马青云"}}); err != nil {
			t.Fatal(err)
		}
		newKey := storetest.BeginRotation(t, db)
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemEnrolment, form(emp)); !errors.Is(err, ErrPending) {
			t.Fatalf("an application for an employee whose case is indexed under the previous key: %v, want %v", err, ErrPending)
		}
		if _, err := db.RotateKeys(f.ctx, 10, nil); err != nil {
			t.Fatal(err)
		}
		storetest.EndRotation(t, db, newKey)
		if got, _, err := f.svc.UnitCase(f.ctx, f.unit.ID, online.ID); err != nil || got.Form == nil {
			t.Fatalf("the online case under the new key alone: %v", err)
		}
		if got, _, err := f.svc.UnitCase(f.ctx, f.unit.ID, counter.ID); err != nil || got.ApplicantName != "孙窗口" {
			t.Fatalf("the counter case under the new key alone: %q, %v", got.ApplicantName, err)
		}
		if d, err := f.svc.Draft(f.ctx, f.repA, ItemLeave); err != nil || d.Values.Get(FieldName) != "司马青云" {
			t.Fatalf("the draft under the new key alone: %+v, %v", d, err)
		}
		var index []byte
		if err := db.QueryRow(f.ctx, `SELECT subject_index FROM cases WHERE id = ?`, counter.ID).Scan(&index); err != nil || len(index) != 0 {
			t.Fatalf("the counter case's subject index after the rotation: %x, %v; want empty", index, err)
		}
		err = db.Tx(f.ctx, func(tx *store.Tx) error { return f.insertOpen(f.ctx, tx, "20260413000091", emp) })
		if !store.IsUniqueViolation(err) {
			t.Fatalf("a second open case for the employee after the rotation: %v", err)
		}
		for _, number := range []string{"20260413000092", "20260413000093"} {
			if err := db.Tx(f.ctx, func(tx *store.Tx) error { return f.insertOpen(f.ctx, tx, number, "") }); err != nil {
				t.Fatalf("a case about nobody in particular after the rotation: %v", err)
			}
		}
	})
}
