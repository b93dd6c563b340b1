package sms

import (
	"context"
	"testing"
	"time"
)

// TestSendTimer: a withheld send waits about as long as recent real sends took,
// follows a gateway that gets faster, never waits past maxSendWait, and stops
// waiting when the request goes away.
func TestSendTimer(t *testing.T) {
	var st sendTimer
	took := func() time.Duration {
		start := time.Now()
		st.wait(context.Background())
		return time.Since(start)
	}
	if d := took(); d > 20*time.Millisecond {
		t.Fatalf("no sends yet, waited %s", d)
	}
	st.observe(80 * time.Millisecond)
	if d := took(); d < 75*time.Millisecond || d > time.Second {
		t.Fatalf("after one 80 ms send, waited %s", d)
	}
	for range 40 {
		st.observe(10 * time.Millisecond)
	}
	if d := time.Duration(st.avg.Load()); d < 10*time.Millisecond || d > 12*time.Millisecond {
		t.Fatalf("after forty 10 ms sends the average is %s", d)
	}
	var slow sendTimer
	slow.observe(time.Hour)
	if d := time.Duration(slow.avg.Load()); d != maxSendWait {
		t.Fatalf("a hung send counts as %s, want %s", d, maxSendWait)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	slow.wait(ctx)
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("waited %s after the request went away", d)
	}
}
