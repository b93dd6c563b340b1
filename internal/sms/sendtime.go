package sms

import (
	"context"
	"sync/atomic"
	"time"
)

// sendTimer keeps a moving average of the sender's successful send times, so that a
// withheld send can take as long as a real one: the answer's timing must not tell a
// mobile that is texted from one that is not. It is shared by the goroutines of one
// process; each process learns its own gateway's time.
type sendTimer struct {
	avg atomic.Int64 // nanoseconds; 0 until the first send
}

// maxSendWait bounds the wait of a withheld send, so a gateway that hung once does
// not slow every later answer.
const maxSendWait = 3 * time.Second

// observe adds one successful send time to the average (weight 1/8: it follows a
// gateway that becomes slower or faster within a few sends).
func (t *sendTimer) observe(d time.Duration) {
	d = min(d, maxSendWait)
	for {
		old := t.avg.Load()
		next := int64(d)
		if old != 0 {
			next = old + (int64(d)-old)/8
		}
		if t.avg.CompareAndSwap(old, next) {
			return
		}
	}
}

// wait sleeps about one average send time, or until ctx ends.
func (t *sendTimer) wait(ctx context.Context) {
	d := time.Duration(t.avg.Load())
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}
