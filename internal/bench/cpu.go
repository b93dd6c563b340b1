package bench

import (
	"math"
	"time"

	"github.com/prometheus/procfs"
)

// ReadCPU is the CPU time process pid has used so far, user and system, across
// all its threads (utime and stime of /proc/PID/stat). Linux only.
func ReadCPU(pid int) (time.Duration, error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return 0, err
	}
	return readCPU(p)
}

// readCPU reads p's CPU time. procfs gives it in seconds, counted in ticks of
// 1/100 s; rounding to the nanosecond gives back the whole ticks exactly.
func readCPU(p procfs.Proc) (time.Duration, error) {
	stat, err := p.Stat()
	if err != nil {
		return 0, err
	}
	return time.Duration(math.Round(stat.CPUTime() * float64(time.Second))), nil
}

// cpuMeter measures a process's CPU time over an interval; with pid 0, or when the
// process cannot be read, it measures nothing.
type cpuMeter struct {
	proc  procfs.Proc
	start time.Duration
	ok    bool
}

func startCPU(pid int) cpuMeter {
	if pid == 0 {
		return cpuMeter{}
	}
	p, err := procfs.NewProc(pid)
	if err != nil {
		return cpuMeter{}
	}
	t, err := readCPU(p)
	return cpuMeter{proc: p, start: t, ok: err == nil}
}

// finish is the CPU time used since startCPU, and whether it was measured.
func (m cpuMeter) finish() (time.Duration, bool) {
	if !m.ok {
		return 0, false
	}
	t, err := readCPU(m.proc)
	if err != nil {
		return 0, false
	}
	return t - m.start, true
}
