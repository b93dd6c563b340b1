package demo

import (
	"context"
	"fmt"
	"time"

	"hall/internal/address"
	"hall/internal/cases"
	"hall/internal/delivery"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/store"
	"hall/internal/unit"
)

const deliveriesSeed = 20261206

func init() {
	loaders = append(loaders, Loader{Name: "deliveries", Seed: deliveriesSeed, Load: loadDeliveries, After: shipDeliveries})
}

// demoShipment is one demo delivery of the first demo unit: a 人员参保登记 of an
// invented employee whose 《参保登记证明》 is posted to an invented address, handed to
// the development carrier some steps before the demo is loaded.
type demoShipment struct {
	employee  string
	recipient string
	region    string // county code
	detail    string
	// steps is how many of the carrier's steps ago the shipment was handed over:
	// 5 is past its last event (已签收), 2.2 a while into 运输中 (派送中 at 3), 0 not handed
	// over by the demo (待揽收, until the poll job hands it over and a step passes).
	steps float64
}

var demoShipments = []demoShipment{
	{employee: "刘思远", recipient: "王晓燕", region: "320106", detail: "虎踞路185号河西商务中心12楼人事部", steps: 5},
	{employee: "孙嘉怡", recipient: "王晓燕", region: "320106", detail: "虎踞路185号河西商务中心12楼人事部", steps: 2.2},
	{employee: "马浩然", recipient: "赵建国", region: "320102", detail: "中山路88号紫金大厦B座603室", steps: 0},
}

// loadDeliveries gives the first demo unit a few approved 人员参保登记 whose paper
// result goes by post, so that 单位快递 (U5) has something to show: each filed with
// its request for the post (delivery.RecordRequest, as filing does) and approved
// with its delivery created (Deliveries.CaseApproved, as approving does). With a
// real carrier configured (--carrier-url) there is nothing to load: invented
// shipments must not reach it.
func loadDeliveries(ctx context.Context, d Deps, tx *store.Tx, g *Gen) error {
	if d.DevCarrier == nil {
		return nil
	}
	c, err := newCast(NewGen(accountsSeed))
	if err != nil {
		return err
	}
	var unitID, repID int64
	if err := tx.QueryRow(ctx, `SELECT u.id, m.person_id FROM units u
		JOIN memberships m ON m.unit_id = u.id AND m.role = 'legal_rep' AND m.status = 'active' WHERE u.uscc = ?`, c.unitA.USCC).Scan(&unitID, &repID); err != nil {
		return fmt.Errorf("the first demo unit: %w", err)
	}
	demoStaff, err := d.Staff.CreateDemo(ctx, tx)
	if err != nil {
		return err
	}
	now := d.Now().UTC()
	step := devStep(d.DevCarrier)
	for i, s := range demoShipments {
		shipped := now.Add(-time.Duration(s.steps * float64(step)))
		approvedAt := shipped.Add(-time.Duration(len(demoShipments)-i) * time.Minute)
		filed := approvedAt.Add(-time.Hour) // cases.DemoEnrolment approves an hour after filing
		male := i%2 == 0
		form := cases.EnrolmentForm{Name: s.employee,
			IDNumber:   ident.GenerateResidentID(g.R, s.region, time.Date(1990+g.R.IntN(10), time.Month(1+g.R.IntN(12)), 1+g.R.IntN(28), 0, 0, 0, 0, time.UTC), male),
			StartMonth: insurance.MonthOf(filed), Base: int64(5000+g.R.IntN(40)*100) * 100, Types: cases.EnrolmentTypes}
		to := address.Address{UnitID: unitID, Recipient: s.recipient, Phone: ident.GenerateMobile(g.R), Region: s.region, Detail: s.detail}
		if _, err := cases.DemoEnrolment(ctx, tx, unitID, repID, string(unit.RoleLegalRep), demoStaff.Clerk, demoStaff.Reviewer, form, filed,
			func(ctx context.Context, tx *store.Tx, caseID int64, at time.Time) error {
				if err := delivery.RecordRequest(ctx, tx, unitID, caseID, to, filed); err != nil {
					return err
				}
				return d.Deliveries.CaseApproved(ctx, tx, caseID, at)
			}); err != nil {
			return err
		}
	}
	return nil
}

// shipDeliveries hands the demo deliveries to the development carrier as if each
// had been handed over when its case was approved (a carrier on a clock set back
// by its age: the tracking number carries the time), then polls as the delivery
// job does, so their statuses are where their ages put them: 已签收, 运输中, 待揽收.
// The development carrier goes on advancing them from there, as it does any
// shipment.
func shipDeliveries(ctx context.Context, d Deps) error {
	if d.DevCarrier == nil {
		return nil
	}
	now := d.Now().UTC()
	step := devStep(d.DevCarrier)
	ids, err := demoCaseIDs(ctx, d.DB)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if i >= len(demoShipments) || demoShipments[i].steps == 0 {
			continue
		}
		at := now.Add(-time.Duration(demoShipments[i].steps * float64(step)))
		clock := func() time.Time { return at }
		svc, err := delivery.New(delivery.Deps{DB: d.DB, Carrier: delivery.NewDevCarrier(step, clock), Now: clock, Log: d.Log})
		if err != nil {
			return err
		}
		svc.AfterApproval(ctx, id)
	}
	_, err = d.Deliveries.Poll(ctx)
	return err
}

// demoCaseIDs are the demo's cases whose delivery is not handed over yet: those the
// demo reviewer approved (staff.CreateDemo), in the order loadDeliveries filed them.
func demoCaseIDs(ctx context.Context, db *store.DB) ([]int64, error) {
	rows, err := db.Query(ctx, `SELECT case_id FROM deliveries WHERE tracking_no IS NULL AND status = 'pending'
		AND case_id IN (SELECT e.case_id FROM case_events e JOIN staff s ON s.id = e.actor_id
		WHERE e.actor_kind = 'staff' AND e.step = 'approve' AND s.login = 'demo.reviewer') ORDER BY case_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// devStep is the development carrier's step between statuses.
func devStep(c *delivery.DevCarrier) time.Duration {
	if c.Step <= 0 {
		return delivery.DefaultDevStep
	}
	return c.Step
}
