package counter

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// sealedRegistration submits a unit registration with an administrator nominee and
// returns it with the form and the personal values it typed.
func (f *fixture) sealedRegistration(t *testing.T, repName, adminName string) (Request, UnitRegistrationInput, []string) {
	t.Helper()
	e := f.entry(ident.GenerateResidentID(f.rnd, "320104", time.Date(1981, 3, 9, 0, 0, 0, 0, time.UTC), true), repName)
	f.upsert(t, e)
	admin := f.person(t, adminName)
	in := registration(e, ident.GenerateMobile(f.rnd))
	in.Admin = &delegation.Nominee{Name: admin.Name, IDType: admin.IDType, IDNumber: admin.IDNumber, Mobile: admin.Mobile}
	in.AdminValidUntil = t0.AddDate(1, 0, 0)
	q, err := f.svc.SubmitUnitRegistration(f.ctx, f.clerk, in, "持营业执照副本及授权委托书办理", uploads(allScans...))
	if err != nil {
		t.Fatal(err)
	}
	return q, in, []string{e.LegalRepIDNumber, e.LegalRepName, in.LegalRepMobile, admin.Name, admin.IDNumber, admin.Mobile, in.Address}
}

// openedRegistration is the form of request id as Get opens it.
func (f *fixture) openedRegistration(t *testing.T, id int64) (Request, UnitRegistrationInput, error) {
	t.Helper()
	q, _, err := f.svc.Get(f.ctx, f.reviewer, id)
	if err != nil {
		return Request{}, UnitRegistrationInput{}, err
	}
	var in UnitRegistrationInput
	if err := json.Unmarshal(q.Data, &in); err != nil {
		t.Fatalf("request %d: %v", id, err)
	}
	return q, in, nil
}

// TestCounterRequestsSealedAtRest: what `select * from counter_requests` shows
// holds none of the names, ID numbers, mobiles and address the clerk typed, nor the
// unit number approval produced, on both engines, while Get opens the form and the
// outcome; a form moved to another request, or a request's outcome moved into its
// form, does not open there.
func TestCounterRequestsSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		first, firstIn, firstClear := f.sealedRegistration(t, "欧阳明远", "管丽华")
		second, secondIn, secondClear := f.sealedRegistration(t, "司马文静", "诸葛亮亮")
		out, err := f.svc.Approve(f.ctx, f.reviewer, first.ID, "材料齐全，与登记信息一致")
		if err != nil {
			t.Fatal(err)
		}
		unitNumber := out.Request.Outcome["unit_number"]
		if unitNumber == "" {
			t.Fatalf("outcome %+v without a unit number", out.Request.Outcome)
		}
		rows := storetest.RawRows(t, db, "SELECT * FROM counter_requests ORDER BY id")
		if len(rows) != 2 {
			t.Fatalf("%d rows, want 2", len(rows))
		}
		for _, row := range rows {
			for _, clear := range append(append([]string{unitNumber}, firstClear...), secondClear...) {
				if strings.Contains(row, clear) {
					t.Errorf("a counter_requests row holds %q in clear", clear)
				}
			}
		}
		for _, c := range []struct {
			id int64
			in UnitRegistrationInput
		}{{first.ID, firstIn}, {second.ID, secondIn}} {
			q, in, err := f.openedRegistration(t, c.id)
			if err != nil || in.LegalRep != c.in.LegalRep || in.LegalRepMobile != c.in.LegalRepMobile || *in.Admin != *c.in.Admin {
				t.Errorf("request %d opens to %+v, %v; want %+v", c.id, in, err, c.in)
			}
			if c.id == first.ID && q.Outcome["unit_number"] != unitNumber {
				t.Errorf("request %d's outcome opens to %+v", c.id, q.Outcome)
			}
		}

		// The second request's form copied onto the first does not open there, nor
		// does the second's outcome copied into its own form.
		if _, err := db.Exec(f.ctx, `UPDATE counter_requests SET data = (SELECT data FROM counter_requests WHERE id = ?)
			WHERE id = ?`, second.ID, first.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.openedRegistration(t, first.ID); !errors.Is(err, ErrUnreadable) {
			t.Errorf("a request with a moved form: %v, want %v", err, ErrUnreadable)
		}
		// The list still shows it, marked, beside the others.
		third, _, _ := f.sealedRegistration(t, "上官云飞", "慕容秋水")
		listed, err := f.svc.List(f.ctx, f.reviewer, Filter{})
		if err != nil || len(listed.Rows) != 3 {
			t.Fatalf("the list with an unreadable request: %d rows, %v; want 3", len(listed.Rows), err)
		}
		for _, q := range listed.Rows {
			if want := q.ID == first.ID; q.Unreadable != want || (want && q.Data != nil) || (!want && q.Data == nil) || q.Kind == "" {
				t.Errorf("request %d listed as Unreadable %v with data %q; want Unreadable %v", q.ID, q.Unreadable, q.Data, want)
			}
		}
		if _, err := db.Exec(f.ctx, `UPDATE counter_requests SET data = outcome WHERE id = ?`, second.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.openedRegistration(t, second.ID); !errors.Is(err, ErrUnreadable) {
			t.Errorf("a request with its outcome in its form: %v, want %v", err, ErrUnreadable)
		}
		if _, _, err := f.openedRegistration(t, third.ID); err != nil {
			t.Errorf("the readable request: %v", err)
		}
		// Deciding on it still refuses with the cause: nothing is approved from a
		// form that does not open.
		if _, err := f.svc.Approve(f.ctx, f.reviewer, second.ID, "材料齐全"); !errors.Is(err, sealed.ErrAuthentication) {
			t.Errorf("approving a request whose form does not open: %v, want %v", err, sealed.ErrAuthentication)
		}
	})
}
