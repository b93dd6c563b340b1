package cases

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/delegation"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestDraftValues: a draft keeps every field as typed, incomplete or wrong, but
// not the session's CSRF token.
func TestDraftValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   url.Values
		want url.Values
	}{
		{"empty", url.Values{}, url.Values{}},
		{"partial", url.Values{FieldName: {"张三"}}, url.Values{FieldName: {"张三"}}},
		{"invalid kept", url.Values{FieldIDNumber: {"123"}, FieldBase: {"abc"}}, url.Values{FieldIDNumber: {"123"}, FieldBase: {"abc"}}},
		{"repeated", url.Values{FieldTypes: {"pension", "injury"}}, url.Values{FieldTypes: {"pension", "injury"}}},
		{"csrf dropped", url.Values{"csrf_token": {"tok"}, FieldName: {"李四"}}, url.Values{FieldName: {"李四"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := draftValues(tc.in); got.Encode() != tc.want.Encode() {
				t.Fatalf("draftValues = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDrafts: the draft rules on both engines — one per person per item, saved as
// typed, resumable, refused past the size bound, authorized as Apply, deleted by a
// successful Apply and by 放弃草稿, expired after DraftRetention and swept.
func TestDrafts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newCaseFixture(t, db)
		partial := url.Values{FieldName: {"张三"}, FieldBase: {"60"}, "csrf_token": {"x"}}
		for _, tc := range []struct {
			name string
			who  Actor
			item string
			form url.Values
			want error
		}{
			{"legal rep, incomplete form", f.repA, ItemEnrolment, partial, nil},
			{"granted agent", f.agentA, ItemEnrolment, partial, nil},
			{"agent without the grant", f.noA, ItemEnrolment, partial, delegation.ErrNotAuthorized},
			{"item without online form", f.repA, "XX-999", partial, ErrNotOnline},
			{"too large", f.repA, ItemSubsidy, url.Values{FieldBank: {strings.Repeat("a", MaxDraftBytes)}}, ErrDraftTooLarge},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.SaveDraft(f.ctx, tc.who, tc.item, tc.form)
				if !errors.Is(err, tc.want) {
					t.Fatalf("SaveDraft = %v, want %v", err, tc.want)
				}
			})
		}
		d, err := f.svc.Draft(f.ctx, f.repA, ItemEnrolment)
		if err != nil || d.Values.Get(FieldName) != "张三" || d.Values.Get(FieldBase) != "60" || d.Values.Has("csrf_token") {
			t.Fatalf("resumed draft = %+v, %v", d, err)
		}
		if !d.SavedAt.Equal(caseT0) || !d.Expires().Equal(caseT0.Add(DraftRetention)) {
			t.Fatalf("saved at %v, expires %v", d.SavedAt, d.Expires())
		}
		// Saving again replaces one's own draft (one per person per item)…
		f.clk.t = caseT0.Add(time.Hour)
		if _, err := f.svc.SaveDraft(f.ctx, f.repA, ItemEnrolment, url.Values{FieldName: {"张三丰"}}); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM case_drafts WHERE unit_id = ? AND item_code = ?`, f.unit.ID,
			ItemEnrolment).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d drafts of the item (rep's and agent's), %v", n, err)
		}
		// … and the database refuses a second one.
		if _, err := db.Exec(f.ctx, `INSERT INTO case_drafts (unit_id, item_code, person_id, form, saved_at) VALUES (?, ?, ?, '', ?)`,
			f.unit.ID, ItemEnrolment, f.rep.ID, caseT0); !store.IsUniqueViolation(err) {
			t.Fatalf("second draft of the same person and item: %v", err)
		}
		// The form at the bound is kept, sealed; the database refuses a sealed form
		// longer than that of the largest form Go lets through.
		largest := url.Values{FieldBank: {strings.Repeat("a", MaxDraftBytes-len(FieldBank)-1)}}
		if len(largest.Encode()) != MaxDraftBytes {
			t.Fatalf("the largest form is %d bytes", len(largest.Encode()))
		}
		if _, err := f.svc.SaveDraft(f.ctx, f.repA, ItemSubsidy, largest); err != nil {
			t.Fatalf("a draft of %d bytes: %v", MaxDraftBytes, err)
		}
		if d, err := f.svc.Draft(f.ctx, f.repA, ItemSubsidy); err != nil || d.Values.Get(FieldBank) != largest.Get(FieldBank) {
			t.Fatalf("the largest draft reads %d bytes, %v", len(d.Values.Get(FieldBank)), err)
		}
		if _, err := db.Exec(f.ctx, `INSERT INTO case_drafts (unit_id, item_code, person_id, form, saved_at) VALUES (?, ?, ?, ?, ?)`,
			f.unit.ID, ItemLeave, f.rep.ID, make([]byte, MaxDraftBytes+sealed.Overhead+1), caseT0); err == nil {
			t.Fatal("the database stored a draft past the size bound")
		}
		d, err = f.svc.Draft(f.ctx, f.repA, ItemEnrolment)
		if err != nil || d.Values.Get(FieldName) != "张三丰" || d.Values.Has(FieldBase) {
			t.Fatalf("replaced draft = %+v, %v", d, err)
		}
		// Each person sees only their own drafts.
		if ds, err := f.svc.MyDrafts(f.ctx, f.agentA); err != nil || len(ds) != 1 || ds[0].ItemCode != ItemEnrolment {
			t.Fatalf("agent's drafts = %+v, %v", ds, err)
		}
		// The agent's grant goes: the draft can no longer be opened nor is it listed.
		if _, err := db.Exec(f.ctx, `DELETE FROM grants WHERE item_code = ? AND membership_id IN
			(SELECT id FROM memberships WHERE person_id = ?)`, ItemEnrolment, f.agent.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Draft(f.ctx, f.agentA, ItemEnrolment); !errors.Is(err, delegation.ErrNotAuthorized) {
			t.Fatalf("agent without the grant opened the draft: %v", err)
		}
		if ds, err := f.svc.MyDrafts(f.ctx, f.agentA); err != nil || len(ds) != 0 {
			t.Fatalf("agent without the grant lists %+v, %v", ds, err)
		}
		if len(f.entries(t, "case.draft.open")) == 0 {
			t.Fatal("the refused opening was not audited")
		}
		// A successful Apply deletes the applicant's draft.
		if _, err := f.svc.Apply(f.ctx, f.repA, ItemEnrolment, form(f.employeeID())); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Draft(f.ctx, f.repA, ItemEnrolment); !errors.Is(err, ErrDraftNotFound) {
			t.Fatalf("draft after Apply: %v", err)
		}
		// 放弃草稿.
		if _, err := f.svc.SaveDraft(f.ctx, f.repA, ItemSubsidy, url.Values{FieldBank: {"中国工商银行"}}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DiscardDraft(f.ctx, f.repA, ItemSubsidy); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Draft(f.ctx, f.repA, ItemSubsidy); !errors.Is(err, ErrDraftNotFound) {
			t.Fatalf("draft after discard: %v", err)
		}
		if err := f.svc.DiscardDraft(f.ctx, f.repA, ItemSubsidy); err != nil {
			t.Fatalf("discarding no draft: %v", err)
		}
		// Expiry: a draft older than DraftRetention is neither opened nor listed, and
		// the sweep deletes it; a younger one stays.
		if _, err := f.svc.SaveDraft(f.ctx, f.repA, ItemLeave, url.Values{FieldLeaveDate: {"2026-04-10"}}); err != nil {
			t.Fatal(err)
		}
		f.clk.t = f.clk.t.Add(DraftRetention - time.Minute)
		if _, err := f.svc.Draft(f.ctx, f.repA, ItemLeave); err != nil {
			t.Fatalf("draft within its retention: %v", err)
		}
		if n, err := f.svc.SweepDrafts(f.ctx); err != nil || n != 1 { // the agent's, saved an hour earlier
			t.Fatalf("swept %d, %v", n, err)
		}
		f.clk.t = f.clk.t.Add(2 * time.Minute)
		if _, err := f.svc.Draft(f.ctx, f.repA, ItemLeave); !errors.Is(err, ErrDraftNotFound) {
			t.Fatalf("expired draft opened: %v", err)
		}
		if n, err := f.svc.SweepDrafts(f.ctx); err != nil || n != 1 {
			t.Fatalf("swept %d, %v", n, err)
		}
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM case_drafts`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d drafts left, %v", n, err)
		}
	})
}
