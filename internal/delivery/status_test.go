package delivery_test

import (
	"testing"

	"hall/internal/delivery"
)

func TestAdvance(t *testing.T) {
	const (
		pending    = delivery.StatusPending
		collected  = delivery.StatusCollected
		transit    = delivery.StatusInTransit
		delivering = delivery.StatusDelivering
		signed     = delivery.StatusSigned
		exception  = delivery.StatusException
	)
	for _, tc := range []struct {
		from, to delivery.Status
		want     delivery.Status
		moved    bool
	}{
		{pending, collected, collected, true},
		{collected, transit, transit, true},
		{transit, delivering, delivering, true},
		{delivering, signed, signed, true},
		{pending, signed, signed, true},            // a poll may miss steps
		{pending, delivering, delivering, true},    // likewise
		{transit, transit, transit, false},         // another hub on the way
		{delivering, collected, delivering, false}, // reported late: kept in history only
		{signed, exception, signed, false},         // final
		{signed, collected, signed, false},
		{pending, exception, exception, true},
		{delivering, exception, exception, true},
		{exception, delivering, delivering, true}, // the carrier recovered it
		{exception, signed, signed, true},
		{exception, pending, exception, false},
		{collected, pending, collected, false},
		{pending, "lost", pending, false}, // unknown codes move nothing
		{"lost", signed, "lost", false},
	} {
		got, moved := delivery.Advance(tc.from, tc.to)
		if got != tc.want || moved != tc.moved {
			t.Errorf("Advance(%s, %s) = %s, %v; want %s, %v", tc.from, tc.to, got, moved, tc.want, tc.moved)
		}
	}
}

func TestFold(t *testing.T) {
	for _, tc := range []struct {
		events []delivery.Status
		want   delivery.Status
	}{
		{nil, delivery.StatusPending},
		{[]delivery.Status{delivery.StatusPending, delivery.StatusCollected, delivery.StatusInTransit}, delivery.StatusInTransit},
		{[]delivery.Status{delivery.StatusCollected, delivery.StatusException, delivery.StatusInTransit}, delivery.StatusInTransit},
		{[]delivery.Status{delivery.StatusSigned, delivery.StatusDelivering}, delivery.StatusSigned},
	} {
		if got := delivery.Fold(tc.events); got != tc.want {
			t.Errorf("Fold(%v) = %s, want %s", tc.events, got, tc.want)
		}
	}
}

func TestStatusLabels(t *testing.T) {
	want := []string{"待揽收", "已揽收", "运输中", "派送中", "已签收", "异常"}
	for i, s := range delivery.Statuses {
		if s.Label() != want[i] || !s.Valid() {
			t.Errorf("%s: label %q, want %q", s, s.Label(), want[i])
		}
	}
	if delivery.StatusSigned.Open() || !delivery.StatusException.Open() {
		t.Error("only 已签收 is closed")
	}
}
