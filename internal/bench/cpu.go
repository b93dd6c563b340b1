package bench

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"syscall"
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

// ReadCPUNanos is the CPU time process pid's threads have used so far, to the
// nanosecond: the sum over the threads of /proc/PID/task/TID/schedstat's time on
// the CPU (the kernel's own count, not sampled in ticks as /proc/PID/stat's is).
// /proc/PID/schedstat alone would not do: it is the main thread's. A thread that
// has ended is no longer listed, so its time is missing: the figure is a lower
// bound of the process's CPU time (Go's runtime seldom ends a thread). Linux only.
func ReadCPUNanos(pid int) (time.Duration, error) {
	threads, err := readThreadCPU(pid)
	if err != nil {
		return 0, err
	}
	return threads.since(nil), nil
}

// threadCPU is the CPU time of each thread of a process, by thread id, in
// nanoseconds.
type threadCPU map[int]uint64

// readThreadCPU reads the CPU time of pid's threads. A thread that ends between
// the listing and the reading of its schedstat is left out.
func readThreadCPU(pid int) (threadCPU, error) {
	threads, err := procfs.AllThreads(pid)
	if err != nil {
		return nil, err
	}
	out := make(threadCPU, len(threads))
	for _, t := range threads {
		st, err := t.Schedstat()
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[t.PID] = st.RunningNanoseconds
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("bench: process %d has no thread left", pid)
	}
	return out, nil
}

// since is the CPU time the threads used after before was read: each thread's
// growth, and the whole time of a thread that started since (with before nil, the
// whole time of every thread). A thread that ended in between is missing with
// what it used since before, so the figure is then a lower bound; taking the
// growth thread by thread keeps that loss to the interval (a difference of two
// sums would lose the ended thread's whole life, and could be negative).
func (t threadCPU) since(before threadCPU) time.Duration {
	var sum uint64
	for tid, ns := range t {
		if b, ok := before[tid]; ok && b <= ns {
			sum += ns - b
		} else {
			sum += ns // started since (or its id was reused: it cannot have gone back)
		}
	}
	// #nosec G115 -- nanoseconds on the CPU of one process: far below 2^63 (292 years).
	return time.Duration(sum)
}
