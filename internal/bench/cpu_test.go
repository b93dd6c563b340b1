package bench

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// A command name with a space and parentheses of its own; utime 250 and
	// stime 75 ticks are 3.25 s.
	stat := "4242 (hall (serve) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 9 0 100 123456 789"
	if got, err := parseStatCPU(stat); err != nil || got != 3250*time.Millisecond {
		t.Errorf("parseStatCPU = %v, %v; want 3.25s", got, err)
	}
	for _, bad := range []string{"", "4242 hall S 1", "4242 (hall) S 1 2 3", strings.Replace(stat, " 250 ", " x ", 1)} {
		if _, err := parseStatCPU(bad); err == nil {
			t.Errorf("parseStatCPU(%q) accepted", bad)
		}
	}
}

// TestReadCPUOfThisProcess: this process's CPU time grows while it computes (on
// a shared machine it may get only part of a core, so it computes until 50 ms
// have been counted, for at most ten seconds).
func TestReadCPUOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	m := startCPU(os.Getpid())
	deadline := time.Now().Add(10 * time.Second)
	x := 0
	for time.Now().Before(deadline) {
		for range 1_000_000 {
			x++
		}
		if used, ok := m.finish(); !ok {
			t.Fatal("this process's CPU time not read")
		} else if used >= 50*time.Millisecond {
			return
		}
	}
	used, _ := m.finish()
	t.Errorf("%v of CPU measured over ten seconds of computing (%d)", used, x)
}

// TestCPUMeterWithoutProcess: a meter without a process measures nothing.
func TestCPUMeterWithoutProcess(t *testing.T) {
	if _, ok := startCPU(0).finish(); ok {
		t.Error("a meter without a process measured something")
	}
}
