package bench

import (
	"os"
	"testing"
	"time"
)

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
