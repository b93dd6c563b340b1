package delivery_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"hall/internal/delivery"
	"hall/internal/sealed"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestDeliveriesSealedAtRest: what `select *` shows of delivery_requests and
// deliveries holds no recipient's name, mobile or address, on both engines, while
// the service reads each as requested and the carrier was given it in clear; a
// sealed value moved to another case's row, to another column, or from the request
// to the delivery of the same case does not open there; a request that does not
// open is reported unreadable, and approving its case succeeds, creates no
// delivery and logs why.
func TestDeliveriesSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		first, second := f.approved(t, "中山路1号"), f.approved(t, "珠江路3号")
		waiting := f.newCase(t)
		f.request(t, waiting, "北京东路9号")
		clear := []string{"李收件", "13912345678", "江苏省", "南京市", "中山路", "珠江路", "北京东路"}
		for _, table := range []string{"delivery_requests", "deliveries"} {
			rows := storetest.RawRows(t, db, "SELECT * FROM "+table)
			if len(rows) < 2 {
				t.Fatalf("%s: %d rows", table, len(rows))
			}
			for _, row := range rows {
				for _, v := range clear {
					if strings.Contains(row, v) {
						t.Errorf("a %s row holds %q in clear", table, v)
					}
				}
			}
		}
		for caseID, detail := range map[int64]string{first: "中山路1号", second: "珠江路3号"} {
			d, _ := f.delivery(t, caseID)
			want := f.addr(detail)
			if d.Recipient != want.Recipient || d.Phone != want.Phone || d.Address != want.Full() || d.TrackingNo == "" {
				t.Errorf("delivery of case %d: %+v, want %+v", caseID, d, want)
			}
		}
		if r, ok, err := f.svc.Requested(f.ctx, f.unit, waiting); err != nil || !ok || r.Address != f.addr("北京东路9号").Full() {
			t.Errorf("the request: %+v %v %v", r, ok, err)
		}

		// The second delivery's address copied onto the first does not open there.
		if _, err := db.Exec(f.ctx, `UPDATE deliveries SET address = (SELECT address FROM deliveries WHERE case_id = ?)
			WHERE case_id = ?`, second, first); err != nil {
			t.Fatal(err)
		}
		if d, err := f.svc.CaseDelivery(f.ctx, f.unit, first); err != nil || !d.Unreadable || d.Address != "" || d.Recipient != "" {
			t.Errorf("a delivery with a moved address: %+v, %v; want it unreadable, its values empty", d, err)
		}
		// The list shows it marked beside the readable one, rather than failing.
		listed, total, err := f.svc.UnitDeliveries(f.ctx, f.unit, delivery.Filter{})
		if err != nil || total != 2 || len(listed) != 2 {
			t.Fatalf("the list with a moved address: %d of %d, %v; want 2 of 2", len(listed), total, err)
		}
		for _, d := range listed {
			if want := d.CaseID == first; d.Unreadable != want || (!want && d.Address != f.addr("珠江路3号").Full()) {
				t.Errorf("delivery of case %d listed as %+v; want Unreadable %v", d.CaseID, d, want)
			}
		}
		// The request's mobile copied onto its own case's delivery does not open there.
		if _, err := db.Exec(f.ctx, `UPDATE deliveries SET mobile = (SELECT mobile FROM delivery_requests WHERE case_id = ?)
			WHERE case_id = ?`, second, second); err != nil {
			t.Fatal(err)
		}
		if d, err := f.svc.CaseDelivery(f.ctx, f.unit, second); err != nil || !d.Unreadable || d.Phone != "" {
			t.Errorf("a delivery with its request's mobile: %+v, %v; want it unreadable", d, err)
		}
		// A request's mobile copied into its recipient does not open there: it is
		// reported unreadable, so that the case's pages still show.
		if _, err := db.Exec(f.ctx, `UPDATE delivery_requests SET recipient = mobile WHERE case_id = ?`, waiting); err != nil {
			t.Fatal(err)
		}
		if r, ok, err := f.svc.Requested(f.ctx, f.unit, waiting); err != nil || !ok || r != (delivery.Request{Unreadable: true}) {
			t.Errorf("a request with its mobile as recipient: %+v %v %v, want unreadable", r, ok, err)
		}
		// Approving a case whose request does not open succeeds, creates no
		// delivery, and the log says why (by the case, without the values).
		var log bytes.Buffer
		svc, err := delivery.New(delivery.Deps{DB: db, Carrier: f.carrier, Now: f.clk.Now,
			Log: slog.New(slog.NewTextHandler(&log, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(f.ctx, func(tx *store.Tx) error { return svc.CaseApproved(f.ctx, tx, waiting, f.clk.Now()) }); err != nil {
			t.Errorf("approving with a request that does not open: %v", err)
		}
		if _, err := f.svc.CaseDelivery(f.ctx, f.unit, waiting); !errors.Is(err, delivery.ErrNotFound) {
			t.Errorf("the delivery of a case whose request does not open: %v, want %v", err, delivery.ErrNotFound)
		}
		if got := log.String(); !strings.Contains(got, "approved without a delivery") ||
			!strings.Contains(got, "case="+strconv.FormatInt(waiting, 10)) || !strings.Contains(got, sealed.ErrAuthentication.Error()) {
			t.Errorf("the log of the approval: %q", got)
		} else {
			for _, v := range clear {
				if strings.Contains(got, v) {
					t.Errorf("the log holds %q", v)
				}
			}
		}
	})
}

// TestUnreadableDeliveryIsNotRetriedForEver: a pending delivery whose recipient
// does not open (moved from another delivery here) is stopped as an exception the
// unit sees, with whom to ask, by the first poll that reaches it; the carrier is
// not called with it, and later polls leave it alone.
func TestUnreadableDeliveryIsNotRetriedForEver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.carrier.Down.Store(true)
		broken, readable := f.approved(t, "中山路1号"), f.approved(t, "珠江路3号")
		if _, err := db.Exec(f.ctx, `UPDATE deliveries SET recipient = (SELECT recipient FROM deliveries WHERE case_id = ?)
			WHERE case_id = ?`, readable, broken); err != nil {
			t.Fatal(err)
		}
		f.carrier.Down.Store(false)
		if rep, err := f.svc.Poll(f.ctx); err != nil || rep.Shipped != 1 || rep.Failed != 0 {
			t.Fatalf("poll: %+v, %v; want the readable one shipped, none failed", rep, err)
		}
		d, ev := f.delivery(t, broken)
		if d.Status != delivery.StatusException || d.TrackingNo != "" || !strings.Contains(d.LastError, "收件信息无法读取") || !d.Unreadable {
			t.Fatalf("the unreadable delivery after a poll: %+v", d)
		}
		if last := ev[len(ev)-1]; last.Status != delivery.StatusException || last.Description != d.LastError {
			t.Errorf("its history ends with %+v, want the exception", last)
		}
		if rep, err := f.svc.Poll(f.ctx); err != nil || rep.Failed != 0 || rep.Shipped != 0 {
			t.Errorf("a later poll: %+v, %v; want nothing to do", rep, err)
		}
		if d, _ := f.delivery(t, readable); d.TrackingNo == "" || d.Unreadable {
			t.Errorf("the readable delivery: %+v", d)
		}
	})
}
