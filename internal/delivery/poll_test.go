package delivery_test

import (
	"sync"
	"testing"
	"time"

	"hall/internal/delivery"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestDeliveryAdvances: a case approved with a paper result gets a delivery, handed
// to the carrier at once, and each poll records what the carrier reported since.
func TestDeliveryAdvances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.approved(t, "中山路1号")
		d, ev := f.delivery(t, id)
		if d.Status != delivery.StatusPending || d.Carrier != delivery.DevCarrierName || d.TrackingNo == "" ||
			d.Address != "江苏省南京市玄武区中山路1号" || d.Recipient != "李收件" || d.MaskedPhone() != "139****5678" || d.CaseNumber == "" {
			t.Fatalf("created %+v", d)
		}
		if len(ev) != 1 || ev[0].Status != delivery.StatusPending {
			t.Fatalf("history %+v", ev)
		}
		for _, tc := range []struct {
			after  time.Duration
			want   delivery.Status
			events int
		}{
			{step / 2, delivery.StatusPending, 1},
			{step, delivery.StatusCollected, 2},
			{3 * step, delivery.StatusDelivering, 4},
			{4 * step, delivery.StatusSigned, 5},
		} {
			f.clk.Set(t0.Add(tc.after))
			if _, err := f.svc.Poll(f.ctx); err != nil {
				t.Fatal(err)
			}
			d, ev = f.delivery(t, id)
			if d.Status != tc.want || len(ev) != tc.events {
				t.Fatalf("after %s: %s with %d events, want %s with %d", tc.after, d.Status, len(ev), tc.want, tc.events)
			}
		}
		// Signed: no longer polled, and polling again records nothing.
		rep, err := f.svc.Poll(f.ctx)
		if err != nil || rep.Tracked != 0 || rep.Events != 0 {
			t.Fatalf("after signing: %+v, %v", rep, err)
		}
		// The address copied at creation does not follow later edits.
		f.request(t, id, "北京东路9号")
		if d, _ = f.delivery(t, id); d.Address != "江苏省南京市玄武区中山路1号" {
			t.Fatalf("address changed to %q", d.Address)
		}
	})
}

// TestPollIsIdempotent: polling the same carrier state again records nothing new,
// and two processes polling at once store every event once.
func TestPollIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var ids []int64
		for range 5 {
			ids = append(ids, f.approved(t, "中山路1号"))
		}
		f.clk.Set(t0.Add(2 * step))
		rep, err := f.svc.Poll(f.ctx)
		if err != nil || rep.Tracked != 5 || rep.Events != 10 {
			t.Fatalf("first poll: %+v, %v", rep, err)
		}
		if rep, err = f.svc.Poll(f.ctx); err != nil || rep.Events != 0 {
			t.Fatalf("second poll: %+v, %v", rep, err)
		}
		f.clk.Set(t0.Add(4 * step))
		other := f.service(t, db)
		var wg sync.WaitGroup
		reps := make([]delivery.Report, 2)
		errs := make([]error, 2)
		for i, svc := range []*delivery.Service{f.svc, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				reps[i], errs[i] = svc.Poll(f.ctx)
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatal(errs)
		}
		if got := reps[0].Events + reps[1].Events; got != 10 {
			t.Errorf("two polls recorded %d events, want 10 (two per delivery)", got)
		}
		var n int
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM delivery_events`).Scan(&n); err != nil || n != 25 {
			t.Errorf("%d events stored, want 25 (%v)", n, err)
		}
		for _, id := range ids {
			if d, ev := f.delivery(t, id); d.Status != delivery.StatusSigned || len(ev) != 5 {
				t.Errorf("case %d: %s with %d events", id, d.Status, len(ev))
			}
		}
	})
}

// TestCarrierDownLosesNothing: approved while the carrier is down, the delivery waits
// 待揽收 without a tracking number and the poll hands it over once the carrier is
// back; a refused address makes it 异常 with the reason.
func TestCarrierDownLosesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.carrier.Down.Store(true)
		id := f.approved(t, "中山路1号")
		d, _ := f.delivery(t, id)
		if d.Status != delivery.StatusPending || d.TrackingNo != "" || d.LastError == "" {
			t.Fatalf("while down: %+v", d)
		}
		if rep, err := f.svc.Poll(f.ctx); err != nil || rep.Failed != 1 || rep.Shipped != 0 {
			t.Fatalf("poll while down: %+v, %v", rep, err)
		}
		f.carrier.Down.Store(false)
		if rep, err := f.svc.Poll(f.ctx); err != nil || rep.Shipped != 1 {
			t.Fatalf("poll when back: %+v, %v", rep, err)
		}
		if d, _ = f.delivery(t, id); d.TrackingNo == "" || d.LastError != "" || d.Status != delivery.StatusPending {
			t.Fatalf("when back: %+v", d)
		}
		if rep, err := f.svc.Poll(f.ctx); err != nil || rep.Shipped != 0 {
			t.Fatalf("shipped twice: %+v, %v", rep, err)
		}

		bad := f.approved(t, "无法送达路1号")
		d, ev := f.delivery(t, bad)
		if d.Status != delivery.StatusException || d.TrackingNo != "" || d.LastError != "快递公司拒收：收件地址无法送达" || len(ev) != 2 {
			t.Fatalf("refused: %+v, %+v", d, ev)
		}
	})
}

// TestDeliveryOnlyWhenAsked: a case without a request gets no delivery; approving
// twice (a retried hook) creates one; another unit does not see it.
func TestDeliveryOnlyWhenAsked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		plain := f.newCase(t)
		if err := db.Tx(f.ctx, func(tx *store.Tx) error { return f.svc.CaseApproved(f.ctx, tx, plain, t0) }); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CaseDelivery(f.ctx, f.unit, plain); err != delivery.ErrNotFound {
			t.Fatalf("no request: %v", err)
		}
		id := f.approved(t, "中山路1号")
		if err := db.Tx(f.ctx, func(tx *store.Tx) error { return f.svc.CaseApproved(f.ctx, tx, id, t0) }); err != nil {
			t.Fatal(err)
		}
		list, total, err := f.svc.UnitDeliveries(f.ctx, f.unit, delivery.Filter{})
		if err != nil || total != 1 || len(list) != 1 {
			t.Fatalf("list: %d of %d, %v", len(list), total, err)
		}
		if _, _, err := f.svc.UnitDelivery(f.ctx, f.unit+1, list[0].ID); err != delivery.ErrNotFound {
			t.Fatalf("another unit: %v", err)
		}
		for _, tc := range []struct {
			f    delivery.Filter
			want int
		}{
			{delivery.Filter{Status: delivery.StatusPending}, 1},
			{delivery.Filter{Status: delivery.StatusSigned}, 0},
			{delivery.Filter{From: t0.Add(-time.Hour), To: t0.Add(time.Hour)}, 1},
			{delivery.Filter{From: t0.Add(time.Hour)}, 0},
		} {
			if _, n, err := f.svc.UnitDeliveries(f.ctx, f.unit, tc.f); err != nil || n != tc.want {
				t.Errorf("filter %+v: %d, want %d (%v)", tc.f, n, tc.want, err)
			}
		}
		// The database keeps one delivery per case and a tracking number once per carrier.
		_, err = db.Exec(f.ctx, `INSERT INTO deliveries (case_id, unit_id, recipient, mobile, address, status, created_at, updated_at)
			VALUES (?, ?, 'a', 'b', 'c', 'pending', ?, ?)`, id, f.unit, t0, t0)
		if !store.IsUniqueViolation(err) {
			t.Errorf("second delivery of a case: %v", err)
		}
		_, err = db.Exec(f.ctx, `INSERT INTO deliveries (case_id, unit_id, recipient, mobile, address, carrier, tracking_no, status, created_at, updated_at)
			VALUES (?, ?, 'a', 'b', 'c', ?, ?, 'collected', ?, ?)`, plain, f.unit, list[0].Carrier, list[0].TrackingNo, t0, t0)
		if !store.IsUniqueViolation(err) {
			t.Errorf("tracking number twice: %v", err)
		}
		_, err = db.Exec(f.ctx, `INSERT INTO deliveries (case_id, unit_id, recipient, mobile, address, status, created_at, updated_at)
			VALUES (?, ?, 'a', 'b', 'c', 'collected', ?, ?)`, plain, f.unit, t0, t0)
		if !store.IsConstraintViolation(err) {
			t.Errorf("collected without a tracking number: %v", err)
		}
		_, err = db.Exec(f.ctx, `INSERT INTO deliveries (case_id, unit_id, recipient, mobile, address, status, created_at, updated_at)
			VALUES (?, ?, 'a', 'b', 'c', 'lost', ?, ?)`, plain, f.unit, t0, t0)
		if !store.IsConstraintViolation(err) {
			t.Errorf("unknown status: %v", err)
		}
	})
}

// TestConcurrentShipping: deliveries that waited while the carrier was down are
// handed over by two processes polling at once, each stored with one waybill.
func TestConcurrentShipping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.carrier.Down.Store(true)
		for range 6 {
			f.approved(t, "中山路1号")
		}
		f.carrier.Down.Store(false)
		other := f.service(t, db)
		var wg sync.WaitGroup
		reps := make([]delivery.Report, 2)
		errs := make([]error, 2)
		for i, svc := range []*delivery.Service{f.svc, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				reps[i], errs[i] = svc.Poll(f.ctx)
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatal(errs)
		}
		if got := reps[0].Shipped + reps[1].Shipped; got != 6 {
			t.Errorf("%d waybills stored, want 6", got)
		}
		var waiting int
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM deliveries WHERE tracking_no IS NULL`).Scan(&waiting); err != nil || waiting != 0 {
			t.Errorf("%d deliveries still wait (%v)", waiting, err)
		}
	})
}
