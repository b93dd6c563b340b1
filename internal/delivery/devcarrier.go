package delivery

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// DevCarrierName is the development carrier's name, which pages show beside every
// tracking number it gives: it posts nothing.
const DevCarrierName = "开发用快递"

// DefaultDevStep is the development carrier's default step between statuses.
const DefaultDevStep = 10 * time.Minute

// devPrefix starts every development tracking number.
const devPrefix = "KF"

// devCourse is the development carrier's course: the status reached after each
// step, with its place and description.
var devCourse = []TrackEvent{
	{Status: StatusCollected, Place: "开发用快递 揽收网点", Description: "快递员已揽收（开发环境模拟，未实际寄出）"},
	{Status: StatusInTransit, Place: "开发用快递 转运中心", Description: "快件已到达转运中心，正发往目的地"},
	{Status: StatusDelivering, Place: "开发用快递 派送网点", Description: "快递员正在派送"},
	{Status: StatusSigned, Place: "收件地址", Description: "已签收，签收人：本人"},
}

// DevCarrier is the development implementation of Carrier (开发用快递): it keeps
// nothing and posts nothing. A tracking number carries its creation time, and Track
// derives the events from it: 已揽收 one Step after creation, then 运输中, 派送中 and
// 已签收 a Step apart, so a delivery's course is the same whichever process asks.
// Like a real carrier it refuses an address it cannot deliver to: one shorter than
// 8 characters, or one containing “无法送达” (how a test asks for a refusal).
type DevCarrier struct {
	Step time.Duration    // DefaultDevStep when zero
	Now  func() time.Time // time.Now when nil; tests advance their own clock
	// Down, when set, makes every call fail as an unreachable carrier would.
	Down atomic.Bool
}

// NewDevCarrier returns the development carrier; step and now may be zero.
func NewDevCarrier(step time.Duration, now func() time.Time) *DevCarrier {
	return &DevCarrier{Step: step, Now: now}
}

var errDevDown = errors.New("delivery: development carrier: unavailable (Down is set)")

func (c *DevCarrier) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

func (c *DevCarrier) step() time.Duration {
	if c.Step <= 0 {
		return DefaultDevStep
	}
	return c.Step
}

// Create gives the shipment a tracking number: "KF", the creation time in Unix
// seconds and four digits of the order. Errors: a *RefusedError for an address it
// cannot deliver to or a missing recipient or telephone; an unavailable carrier
// when Down is set; ctx's error.
func (c *DevCarrier) Create(ctx context.Context, s Shipment) (Waybill, error) {
	if err := ctx.Err(); err != nil {
		return Waybill{}, err
	}
	if c.Down.Load() {
		return Waybill{}, errDevDown
	}
	switch {
	case strings.TrimSpace(s.Recipient) == "" || strings.TrimSpace(s.Mobile) == "":
		return Waybill{}, &RefusedError{Reason: "收件人或联系电话缺失"}
	case utf8.RuneCountInString(strings.TrimSpace(s.Address)) < 8 || strings.Contains(s.Address, "无法送达"):
		return Waybill{}, &RefusedError{Reason: "收件地址无法送达"}
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(s.OrderID))
	return Waybill{Carrier: DevCarrierName,
		TrackingNo: fmt.Sprintf("%s%d%04d", devPrefix, c.now().Unix(), h.Sum32()%10000)}, nil
}

// Track is the course of tracking number no up to now. Errors: ErrUnknownShipment
// for a number it did not give; an unavailable carrier when Down is set; ctx's error.
func (c *DevCarrier) Track(ctx context.Context, no string) ([]TrackEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.Down.Load() {
		return nil, errDevDown
	}
	created, ok := devCreated(no)
	if !ok {
		return nil, ErrUnknownShipment
	}
	now := c.now()
	var out []TrackEvent
	for i, e := range devCourse {
		at := created.Add(time.Duration(i+1) * c.step())
		if at.After(now) {
			break
		}
		e.At = at
		out = append(out, e)
	}
	return out, nil
}

// devCreated is the creation time a development tracking number carries.
func devCreated(no string) (time.Time, bool) {
	digits, ok := strings.CutPrefix(no, devPrefix)
	if !ok || len(digits) < 5 || len(digits) > 24 {
		return time.Time{}, false
	}
	secs, err := strconv.ParseInt(digits[:len(digits)-4], 10, 64)
	if err != nil || secs <= 0 {
		return time.Time{}, false
	}
	if _, err := strconv.Atoi(digits[len(digits)-4:]); err != nil {
		return time.Time{}, false
	}
	return time.Unix(secs, 0).UTC(), true
}
