package delivery

import (
	"context"
	"errors"
	"time"
)

// Carrier is the courier company's system.
type Carrier interface {
	// Create hands a shipment to the carrier and returns its name and the tracking
	// number. A repeated Create with the same OrderID may return the same waybill
	// (the HTTP protocol asks the carrier to) or a new one; the hall keeps the first
	// it stored. Errors: an error matching ErrRefused when the carrier will not take
	// the shipment (an address it cannot deliver to: retrying will not help); any
	// other error is a failure worth retrying (down, timeout, bad answer).
	Create(ctx context.Context, s Shipment) (Waybill, error)
	// Track is the shipment's events so far, in any order. Errors: an error matching
	// ErrUnknownShipment when the carrier does not know the number; others are
	// failures worth retrying.
	Track(ctx context.Context, trackingNo string) ([]TrackEvent, error)
}

// Shipment is what the carrier is asked to post.
type Shipment struct {
	OrderID   string // the hall's reference, stable across retries: "case-<申办流水号>"
	Recipient string
	Mobile    string
	Address   string
}

// Waybill is the carrier's acceptance of a shipment.
type Waybill struct {
	Carrier    string // the carrier's name as pages show it
	TrackingNo string
}

// TrackEvent is one event the carrier reports.
type TrackEvent struct {
	Status      Status
	At          time.Time
	Place       string
	Description string
}

// Errors of a Carrier.
var (
	ErrRefused         = errors.New("delivery: the carrier refused the shipment")
	ErrUnknownShipment = errors.New("delivery: the carrier does not know the tracking number")
)

// RefusedError is a shipment the carrier refused, with its reason in Chinese; it
// matches ErrRefused.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string {
	return "delivery: the carrier refused the shipment: " + e.Reason
}
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }
