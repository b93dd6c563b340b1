package delivery_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hall/internal/delivery"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// countingCarrier is a real carrier that counts the shipments handed to it and
// takes a while over each, as a carrier across a network does, so that shippers
// racing for one delivery overlap inside the call.
type countingCarrier struct {
	delivery.Carrier
	creates atomic.Int32
	delay   time.Duration
}

func (c *countingCarrier) Create(ctx context.Context, s delivery.Shipment) (delivery.Waybill, error) {
	c.creates.Add(1)
	time.Sleep(c.delay)
	return c.Carrier.Create(ctx, s)
}

// pendingDelivery is a case approved with its delivery created (待揽收, no waybill)
// but not yet handed to the carrier: the approving transaction committed and
// AfterApproval has not run.
func (f *fixture) pendingDelivery(t testing.TB) int64 {
	t.Helper()
	id := f.newCase(t)
	f.request(t, id, "中山路1号")
	if err := f.db.Tx(f.ctx, func(tx *store.Tx) error { return f.svc.CaseApproved(f.ctx, tx, id, f.clk.Now()) }); err != nil {
		t.Fatal(err)
	}
	return id
}

// countingService is a Service on f's database whose carrier is f's development
// carrier, counted.
func (f *fixture) countingService(t testing.TB, cc *countingCarrier) *delivery.Service {
	t.Helper()
	svc, err := delivery.New(delivery.Deps{DB: f.db, Carrier: cc, Now: f.clk.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestShipCallsTheCarrierOnce: eight shippers of one delivery at once (the
// dispatch after approval and poll jobs, in two processes) hand it to the carrier
// exactly once; the delivery has that one waybill.
func TestShipCallsTheCarrierOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cc := &countingCarrier{Carrier: f.carrier, delay: 50 * time.Millisecond}
		svcs := []*delivery.Service{f.countingService(t, cc), f.countingService(t, cc)}
		caseID := f.pendingDelivery(t)
		start := make(chan struct{})
		var wg sync.WaitGroup
		var shipped atomic.Int32
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				svc := svcs[i%2]
				if i < 4 {
					svc.AfterApproval(f.ctx, caseID)
					return
				}
				rep, err := svc.Poll(f.ctx)
				if err != nil {
					errs <- err
				}
				shipped.Add(int32(rep.Shipped))
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := cc.creates.Load(); n != 1 {
			t.Fatalf("the carrier was asked %d times to take the shipment, want 1", n)
		}
		d, _ := f.delivery(t, caseID)
		if d.TrackingNo == "" || d.Status != delivery.StatusPending {
			t.Fatalf("after shipping: %+v", d)
		}
		if shipped.Load() > 1 {
			t.Fatalf("%d polls report the shipment", shipped.Load())
		}
		// Shipped: neither path calls the carrier again.
		svcs[0].AfterApproval(f.ctx, caseID)
		if rep, err := svcs[1].Poll(f.ctx); err != nil || rep.Shipped != 0 || cc.creates.Load() != 1 {
			t.Fatalf("again: %+v, %v, %d calls", rep, err, cc.creates.Load())
		}
	})
}

// TestClaimOfADeadProcess: a delivery claimed by a process that died during the
// carrier call is not shipped by others until the claim runs out, then it is; a
// failed call releases its claim at once, so the next poll retries.
func TestClaimOfADeadProcess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cc := &countingCarrier{Carrier: f.carrier}
		svc := f.countingService(t, cc)
		caseID := f.pendingDelivery(t)
		// The dead process's claim, as its UPDATE left it.
		if _, err := db.Exec(f.ctx, `UPDATE deliveries SET claimed_at = ? WHERE case_id = ?`, store.Time(f.clk.Now()), caseID); err != nil {
			t.Fatal(err)
		}
		f.clk.Add(delivery.ClaimTimeout - time.Second)
		if rep, err := svc.Poll(f.ctx); err != nil || rep.Shipped != 0 || cc.creates.Load() != 0 {
			t.Fatalf("while claimed: %+v, %v, %d calls", rep, err, cc.creates.Load())
		}
		f.clk.Add(2 * time.Second)
		if rep, err := svc.Poll(f.ctx); err != nil || rep.Shipped != 1 || cc.creates.Load() != 1 {
			t.Fatalf("after the claim ran out: %+v, %v, %d calls", rep, err, cc.creates.Load())
		}

		other := f.pendingDelivery(t)
		f.carrier.Down.Store(true)
		svc.AfterApproval(f.ctx, other)
		f.carrier.Down.Store(false)
		if d, _ := f.delivery(t, other); d.TrackingNo != "" || d.LastError == "" {
			t.Fatalf("after a failed call: %+v", d)
		}
		if rep, err := svc.Poll(f.ctx); err != nil || rep.Shipped != 1 {
			t.Fatalf("the next poll after a failure: %+v, %v", rep, err)
		}
	})
}

// TestDeliveryBelongsToItsCasesUnit: the database refuses a delivery request and a
// delivery whose unit is not the case's (the composite foreign keys of 0028), and
// takes the same rows with the case's unit.
func TestDeliveryBelongsToItsCasesUnit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		caseID := f.newCase(t)
		var other int64
		if err := db.Tx(f.ctx, func(tx *store.Tx) error {
			return tx.QueryRow(f.ctx, `INSERT INTO units (uscc, unit_number, name, unit_type, region, status, created_at, updated_at)
			VALUES ('91320102MA00000002', '320102000002', '别家单位', '企业', '320102', 'active', ?, ?) RETURNING id`, t0, t0).Scan(&other)
		}); err != nil {
			t.Fatal(err)
		}
		insertRequest := func(unitID int64) error {
			_, err := db.Exec(f.ctx, `INSERT INTO delivery_requests (case_id, unit_id, recipient, mobile, address, created_at)
				VALUES (?, ?, '李收件', '13912345678', '江苏省南京市玄武区中山路1号', ?)`, caseID, unitID, t0)
			return err
		}
		insertDelivery := func(unitID int64) error {
			_, err := db.Exec(f.ctx, `INSERT INTO deliveries (case_id, unit_id, recipient, mobile, address, status, created_at, updated_at)
				VALUES (?, ?, '李收件', '13912345678', '江苏省南京市玄武区中山路1号', 'pending', ?, ?)`, caseID, unitID, t0, t0)
			return err
		}
		if err := insertRequest(other); !store.IsConstraintViolation(err) {
			t.Errorf("a request for another unit's case: %v", err)
		}
		if err := insertDelivery(other); !store.IsConstraintViolation(err) {
			t.Errorf("a delivery of another unit's case: %v", err)
		}
		if err := insertRequest(f.unit); err != nil {
			t.Errorf("a request of the case's unit: %v", err)
		}
		if err := insertDelivery(f.unit); err != nil {
			t.Errorf("a delivery of the case's unit: %v", err)
		}
		// Moving a delivery to another unit is refused too.
		if _, err := db.Exec(f.ctx, `UPDATE deliveries SET unit_id = ? WHERE case_id = ?`, other, caseID); !store.IsConstraintViolation(err) {
			t.Errorf("a delivery moved to another unit: %v", err)
		}
	})
}
