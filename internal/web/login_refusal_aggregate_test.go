package web

import (
	"fmt"
	"testing"
	"time"
)

// TestRefusalAggregator: one record per key and period, with the count of the
// refusals left out since the last record; memory stays bounded.
func TestRefusalAggregator(t *testing.T) {
	t0 := time.Date(2026, 5, 6, 1, 0, 0, 0, time.UTC)
	steps := []struct {
		key         string
		at          time.Duration
		wantRecord  bool
		wantRepeats int
	}{
		{"paused\x00a", 0, true, 0},
		{"paused\x00a", time.Second, false, 0},
		{"paused\x00a", 30 * time.Second, false, 0},
		{"captcha_required\x00a", 31 * time.Second, true, 0}, // another reason
		{"paused\x00b", 32 * time.Second, true, 0},           // another address
		{"paused\x00a", RefusalAuditEvery - time.Nanosecond, false, 0},
		{"paused\x00a", RefusalAuditEvery, true, 3},
		{"paused\x00a", RefusalAuditEvery + time.Second, false, 0},
		{"paused\x00a", 3 * RefusalAuditEvery, true, 1},
	}
	var a refusalAggregator
	for i, s := range steps {
		rec, rep := a.note(s.key, t0.Add(s.at))
		if rec != s.wantRecord || rep != s.wantRepeats {
			t.Errorf("step %d (%q at %s): record %v repeats %d, want %v %d", i, s.key, s.at, rec, rep, s.wantRecord, s.wantRepeats)
		}
	}

	// A flood from ever new addresses: the memory never exceeds its bound, and
	// every new address is recorded once.
	var b refusalAggregator
	for i := range refusalAuditMaxKeys + 500 {
		if rec, _ := b.note(fmt.Sprintf("paused\x00%d", i), t0); !rec {
			t.Fatalf("address %d not recorded", i)
		}
		if len(b.seen) > refusalAuditMaxKeys {
			t.Fatalf("%d addresses remembered, bound %d", len(b.seen), refusalAuditMaxKeys)
		}
	}
}
