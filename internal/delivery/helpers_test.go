package delivery_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"hall/internal/address"
	"hall/internal/delivery"
	"hall/internal/person"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// t0 is when the fixture's cases are approved.
var t0 = time.Date(2026, 4, 13, 2, 0, 0, 0, time.UTC)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

// fixture is a delivery service with the development carrier on db, with one unit
// and its applicant.
type fixture struct {
	ctx     context.Context
	db      *store.DB
	clk     *clock
	carrier *delivery.DevCarrier
	svc     *delivery.Service
	unit    int64
	person  int64
	cases   int
}

const step = 10 * time.Minute

// applicant is the person the fixture's cases are for.
var applicant = person.Row{IDType: "resident", IDNumber: "11010519491231002X", Name: "王小明", Mobile: "13812345678",
	CreatedAt: t0}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	return newFixtureWith(t, db, person.Insert)
}

// newFixtureWith is newFixture with the applicant inserted by insertPerson: a
// database migrated only part of the way takes the persons row as its schema was
// then (insertClearPerson before 0040).
func newFixtureWith(t testing.TB, db *store.DB, insertPerson func(context.Context, *store.Tx, person.Row) (int64, error)) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), db: db, clk: storetest.NewClock(t0)}
	f.carrier = delivery.NewDevCarrier(step, f.clk.Now)
	f.svc = f.service(t, db)
	err := db.Tx(f.ctx, func(tx *store.Tx) (err error) {
		if err := tx.QueryRow(f.ctx, `INSERT INTO units (uscc, unit_number, name, unit_type, region, status, created_at, updated_at)
			VALUES ('91320102MA00000001', '320102000001', '示例单位', '企业', '320102', 'active', ?, ?) RETURNING id`, t0, t0).Scan(&f.unit); err != nil {
			return err
		}
		f.person, err = insertPerson(f.ctx, tx, applicant)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// service is another Service on db with the fixture's carrier and clock, as a second
// process would have.
func (f *fixture) service(t testing.TB, db *store.DB) *delivery.Service {
	t.Helper()
	svc, err := delivery.New(delivery.Deps{DB: db, Carrier: f.carrier, Now: f.clk.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// newCase inserts a case of the unit (its state does not matter to deliveries).
func (f *fixture) newCase(t testing.TB) int64 {
	t.Helper()
	f.cases++
	var id int64
	err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		return tx.QueryRow(f.ctx, `INSERT INTO cases (number, unit_id, item_code, applicant_id, applicant_role, state, form, created_at, updated_at)
		VALUES (?, ?, 'SB-002', ?, 'legal_rep', 'submitted', '{}', ?, ?) RETURNING id`,
			fmt.Sprintf("20260413%06d", f.cases), f.unit, f.person, t0, t0).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// addr is an address of the unit as the picker gives it.
func (f *fixture) addr(detail string) address.Address {
	return address.Address{UnitID: f.unit, Recipient: "李收件", Phone: "13912345678", Region: "320102", Detail: detail}
}

// request records that case id asks for its paper result at detail.
func (f *fixture) request(t testing.TB, id int64, detail string) {
	t.Helper()
	if err := f.db.Tx(f.ctx, func(tx *store.Tx) error {
		return delivery.RecordRequest(f.ctx, tx, f.unit, id, f.addr(detail), f.clk.Now())
	}); err != nil {
		t.Fatal(err)
	}
}

// approved is a case that asked for its paper result at detail, approved at the
// clock's time: the delivery created in the transaction and handed to the carrier.
func (f *fixture) approved(t testing.TB, detail string) int64 {
	t.Helper()
	id := f.newCase(t)
	f.request(t, id, detail)
	if err := f.db.Tx(f.ctx, func(tx *store.Tx) error { return f.svc.CaseApproved(f.ctx, tx, id, f.clk.Now()) }); err != nil {
		t.Fatal(err)
	}
	f.svc.AfterApproval(f.ctx, id)
	return id
}

func (f *fixture) delivery(t testing.TB, caseID int64) (delivery.Delivery, []delivery.Event) {
	t.Helper()
	d, err := f.svc.CaseDelivery(f.ctx, f.unit, caseID)
	if err != nil {
		t.Fatal(err)
	}
	d, ev, err := f.svc.UnitDelivery(f.ctx, f.unit, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d, ev
}
