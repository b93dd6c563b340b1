package counter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/sealed"
	"hall/internal/sealed/sealedtest"
	"hall/internal/staff"
	"hall/internal/staff/stafftest"
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
	if q.Unreadable {
		if q.Data != nil || q.Outcome != nil || q.Kind != KindUnitRegister || q.USCC == "" {
			t.Errorf("unreadable request %d read as %+v; want its clear columns only", id, q)
		}
		return q, UnitRegistrationInput{}, ErrUnreadable
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
		// does the second's outcome copied into its own form. Each is logged by its
		// id and cause, through the service's logger.
		var logged bytes.Buffer
		f.svc.d.Log = slog.New(slog.NewTextHandler(&logged, nil))
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
		if !strings.Contains(logged.String(), fmt.Sprintf("request=%d ", first.ID)) ||
			!strings.Contains(logged.String(), sealed.ErrAuthentication.Error()) {
			t.Errorf("the unreadable request is not logged with its id and cause: %q", logged.String())
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
		// Approving it refuses with the cause: nothing is approved from a form that
		// does not open. Rejecting it takes it out of the queue, audited as such, so
		// that the clerk can take the business again.
		if _, err := f.svc.Approve(f.ctx, f.reviewer, second.ID, "材料齐全"); !errors.Is(err, ErrUnreadable) ||
			!errors.Is(err, sealed.ErrAuthentication) {
			t.Errorf("approving a request whose form does not open: %v, want %v with %v", err, ErrUnreadable, sealed.ErrAuthentication)
		}
		rejected, err := f.svc.Reject(f.ctx, f.reviewer, second.ID, "数据无法读取，请重新受理")
		if err != nil || rejected.Status != StatusRejected || !rejected.Unreadable {
			t.Fatalf("rejecting the unreadable request: %+v, %v", rejected, err)
		}
		var status, detail string
		if err := db.QueryRow(f.ctx, "SELECT status FROM counter_requests WHERE id = ?", second.ID).Scan(&status); err != nil ||
			status != string(StatusRejected) {
			t.Errorf("the rejected unreadable request is %q, %v", status, err)
		}
		if err := db.QueryRow(f.ctx, "SELECT detail FROM audit_log WHERE action = 'counter.reject' AND target = ?",
			target(second.ID)).Scan(&detail); err != nil || !strings.Contains(detail, `"unreadable":"true"`) {
			t.Errorf("the rejection's audit detail: %q, %v; want it marked unreadable", detail, err)
		}
		waiting, err := f.svc.List(f.ctx, f.reviewer, Filter{Status: StatusSubmitted})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range waiting.Rows {
			if q.ID == second.ID {
				t.Error("the rejected unreadable request is still waiting")
			}
		}
	})
}

// TestDecisionWithoutKeys: without a data key a request's form and outcome neither
// open nor seal: Get, Approve and Reject refuse with ErrNoKeys and the request stays
// waiting.
func TestDecisionWithoutKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		q, _, _ := f.sealedRegistration(t, "钱学文", "孙丽娜")
		db.UseKeys(nil)
		if _, _, err := f.svc.Get(f.ctx, f.reviewer, q.ID); !errors.Is(err, ErrNoKeys) {
			t.Errorf("Get without a data key: %v, want %v", err, ErrNoKeys)
		}
		if _, err := f.svc.Approve(f.ctx, f.reviewer, q.ID, "材料齐全，与登记信息一致"); !errors.Is(err, ErrNoKeys) {
			t.Errorf("Approve without a data key: %v, want %v", err, ErrNoKeys)
		}
		if _, err := f.svc.Reject(f.ctx, f.reviewer, q.ID, "材料不全，请补充"); !errors.Is(err, ErrNoKeys) {
			t.Errorf("Reject without a data key: %v, want %v", err, ErrNoKeys)
		}
		var status string
		if err := db.QueryRow(f.ctx, "SELECT status FROM counter_requests WHERE id = ?", q.ID).Scan(&status); err != nil ||
			status != string(StatusSubmitted) {
			t.Errorf("the request is %q, %v; want it still waiting", status, err)
		}
	})
}

// TestMigrationSealsClearCounterRequests: a database whose counter requests were
// kept in clear (the schema before 0052) is sealed by migration 0052's Go half —
// every request's form and outcome open to what they were, kind, status and USCC
// kept, and no clear value is left — and a migration without a data key is refused,
// leaving the schema where it was.
func TestMigrationSealsClearCounterRequests(t *testing.T) {
	storetest.EachBefore(t, 52, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := store.Time(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		clerk := stafftest.Insert(t, db, "clerk0", "职员", staff.RolesOf(staff.RoleClerk), now)
		reviewer := stafftest.Insert(t, db, "review0", "职员", staff.RolesOf(staff.RoleReviewer), now)
		rnd := rand.New(rand.NewPCG(52, 53))
		type clearRequest struct {
			id             int64
			uscc           string
			data, outcome  string
			personalValues []string
		}
		var clear []clearRequest
		for i := range 3 {
			in := UnitRegistrationInput{USCC: ident.GenerateUSCC(rnd, "320102"), Name: "示范商贸有限公司", UnitType: "enterprise",
				LegalRep:       Identity{ident.IDTypeResident, ident.NumberedResidentID(i), "上官婉" + strings.Repeat("儿", i+1)},
				LegalRepMobile: ident.NumberedMobile(i)}
			data, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			c := clearRequest{uscc: in.USCC, data: string(data), outcome: "{}",
				personalValues: []string{in.LegalRep.IDNumber, in.LegalRep.Name, in.LegalRepMobile}}
			if i == 1 {
				// Decided: an outcome with the values approval wrote.
				c.outcome = `{"legal_rep_mobile":"` + ident.MaskMobile(in.LegalRepMobile) + `","unit_number":"U3201020000` + "7" + `"}`
				c.personalValues = append(c.personalValues, "U32010200007")
			}
			err = db.Tx(ctx, func(tx *store.Tx) error {
				if i == 1 {
					return tx.QueryRow(ctx, `INSERT INTO counter_requests (kind, status, uscc, data, submitted_by, submitted_at,
						submit_reason, decided_by, decided_at, decision_reason, outcome)
						VALUES ('unit_register', 'approved', ?, ?, ?, ?, '核对营业执照', ?, ?, '材料齐全', ?) RETURNING id`,
						c.uscc, c.data, clerk, now, reviewer, now, c.outcome).Scan(&c.id)
				}
				return tx.QueryRow(ctx, `INSERT INTO counter_requests (kind, uscc, data, submitted_by, submitted_at, submit_reason)
					VALUES ('unit_register', ?, ?, ?, ?, '核对营业执照') RETURNING id`, c.uscc, c.data, clerk, now).Scan(&c.id)
			})
			if err != nil {
				t.Fatal(err)
			}
			clear = append(clear, c)
		}
		storetest.MigrateSealing(t, db, 52)
		f := newFixture(t, db)
		for _, c := range clear {
			q, _, err := f.svc.Get(ctx, f.reviewer, c.id)
			if err == nil && q.Unreadable {
				err = ErrUnreadable
			}
			if err != nil {
				t.Errorf("request %d after the migration: %v", c.id, err)
				continue
			}
			outcome, err := json.Marshal(q.Outcome)
			if err != nil {
				t.Fatal(err)
			}
			if string(q.Data) != c.data || string(outcome) != c.outcome || q.USCC != c.uscc || q.Kind != KindUnitRegister {
				t.Errorf("request %d after the migration: %s %s %q %q; want %s %s %q", c.id, q.Data, outcome, q.USCC, q.Kind,
					c.data, c.outcome, c.uscc)
			}
		}
		for _, row := range storetest.RawRows(t, db, "SELECT * FROM counter_requests ORDER BY id") {
			for _, c := range clear {
				for _, v := range c.personalValues {
					if strings.Contains(row, v) {
						t.Errorf("a counter_requests row still holds %q in clear", v)
					}
				}
			}
		}
	})
}

// TestKeyRotationCoversCounterRequests: `hall keys rotate` (store.RotateKeys) moves
// the requests' forms and outcomes onto the new data key: the rotation re-seals
// the request, and afterwards the new key alone opens it.
func TestKeyRotationCoversCounterRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		q, in, _ := f.sealedRegistration(t, "慕容雪", "东方晓")
		out, err := f.svc.Approve(f.ctx, f.reviewer, q.ID, "材料齐全，与登记信息一致")
		if err != nil {
			t.Fatal(err)
		}
		// The outbox seals under the tests' own key (sealedtest): a previous key too.
		if n := storetest.RotateToNewKey(t, db, 10, "counter_requests", sealedtest.Key()); n != 1 {
			t.Errorf("the rotation re-sealed %d counter requests, want 1", n)
		}
		got, opened, err := f.openedRegistration(t, q.ID)
		if err != nil || opened.LegalRep != in.LegalRep || got.Outcome["unit_number"] != out.Request.Outcome["unit_number"] {
			t.Errorf("the request under the new key alone: %+v %+v, %v", got, opened, err)
		}
	})
}
