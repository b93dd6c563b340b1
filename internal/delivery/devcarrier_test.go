package delivery_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"hall/internal/delivery"
	"hall/internal/store/storetest"
)

func TestDevCarrierTimeline(t *testing.T) {
	ctx := context.Background()
	clk := storetest.NewClock(t0)
	c := delivery.NewDevCarrier(step, clk.Now)
	wb, err := c.Create(ctx, delivery.Shipment{OrderID: "case-20260413000001", Recipient: "李收件", Mobile: "13912345678",
		Address: "江苏省南京市玄武区中山路1号"})
	if err != nil {
		t.Fatal(err)
	}
	if wb.Carrier != delivery.DevCarrierName || !strings.HasPrefix(wb.TrackingNo, "KF") {
		t.Fatalf("waybill %+v", wb)
	}
	for _, tc := range []struct {
		after time.Duration
		want  []delivery.Status
	}{
		{0, nil},
		{step - time.Second, nil},
		{step, []delivery.Status{delivery.StatusCollected}},
		{2*step + time.Minute, []delivery.Status{delivery.StatusCollected, delivery.StatusInTransit}},
		{3 * step, []delivery.Status{delivery.StatusCollected, delivery.StatusInTransit, delivery.StatusDelivering}},
		{4 * step, []delivery.Status{delivery.StatusCollected, delivery.StatusInTransit, delivery.StatusDelivering, delivery.StatusSigned}},
		{48 * time.Hour, []delivery.Status{delivery.StatusCollected, delivery.StatusInTransit, delivery.StatusDelivering, delivery.StatusSigned}},
	} {
		clk.Set(t0.Add(tc.after))
		evs, err := c.Track(ctx, wb.TrackingNo)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != len(tc.want) {
			t.Fatalf("after %s: %d events, want %d", tc.after, len(evs), len(tc.want))
		}
		for i, e := range evs {
			if e.Status != tc.want[i] || !e.At.Equal(t0.Add(time.Duration(i+1)*step)) || e.Place == "" || e.Description == "" {
				t.Errorf("after %s: event %d = %+v", tc.after, i, e)
			}
		}
	}
	// Another carrier value (another process) sees the same course.
	other := delivery.NewDevCarrier(step, clk.Now)
	if evs, err := other.Track(ctx, wb.TrackingNo); err != nil || len(evs) != 4 {
		t.Fatalf("another process: %d events, %v", len(evs), err)
	}
}

func TestDevCarrierFailsLikeARealOne(t *testing.T) {
	ctx := context.Background()
	c := delivery.NewDevCarrier(0, func() time.Time { return t0 })
	good := delivery.Shipment{OrderID: "case-1", Recipient: "李收件", Mobile: "13912345678", Address: "江苏省南京市玄武区中山路1号"}
	for _, tc := range []struct {
		name   string
		change func(*delivery.Shipment)
	}{
		{"short address", func(s *delivery.Shipment) { s.Address = "中山路1号" }},
		{"undeliverable", func(s *delivery.Shipment) { s.Address = "江苏省南京市玄武区无法送达路1号" }},
		{"no recipient", func(s *delivery.Shipment) { s.Recipient = " " }},
		{"no telephone", func(s *delivery.Shipment) { s.Mobile = "" }},
	} {
		s := good
		tc.change(&s)
		_, err := c.Create(ctx, s)
		var r *delivery.RefusedError
		if !errors.Is(err, delivery.ErrRefused) || !errors.As(err, &r) || r.Reason == "" {
			t.Errorf("%s: %v, want a refusal", tc.name, err)
		}
	}
	for _, no := range []string{"", "KF", "KF12", "SF1234567890", "KFabc1234", "KF-1770000000000"} {
		if _, err := c.Track(ctx, no); !errors.Is(err, delivery.ErrUnknownShipment) {
			t.Errorf("Track(%q) = %v, want ErrUnknownShipment", no, err)
		}
	}
	c.Down.Store(true)
	if _, err := c.Create(ctx, good); err == nil || errors.Is(err, delivery.ErrRefused) {
		t.Errorf("down: %v, want a failure worth retrying", err)
	}
	if _, err := c.Track(ctx, "KF17700000001234"); err == nil {
		t.Error("down: Track answered")
	}
}
