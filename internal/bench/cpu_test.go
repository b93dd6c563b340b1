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

// TestThreadCPUSince: the CPU used between two readings is each thread's growth,
// plus the whole time of a thread that started in between; a thread that ended is
// missing (the figure is a lower bound then).
func TestThreadCPUSince(t *testing.T) {
	before := threadCPU{1: 100, 2: 50, 3: 70}
	after := threadCPU{1: 130, 2: 50, 4: 9} // 3 ended, 4 started
	if got, want := after.since(before), time.Duration(30+0+9); got != want {
		t.Errorf("since = %v, want %v", got, want)
	}
	if got, want := after.since(nil), time.Duration(130+50+9); got != want {
		t.Errorf("since(nil) = %v, want the sum %v", got, want)
	}
	// A thread id reused by a new thread with less time than the old one had.
	if got, want := (threadCPU{1: 20}).since(threadCPU{1: 100}), time.Duration(20); got != want {
		t.Errorf("reused id: since = %v, want the new thread's %v", got, want)
	}
}
