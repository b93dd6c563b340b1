package bench

import (
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestReadCPUAgreesWithRusage: ReadCPU of this process lies between the kernel's
// own count of its CPU time (getrusage, in microseconds) just before and just
// after, less up to two ticks of /proc's 1/100 s (user and system time are each
// cut to whole ticks there), and is a whole number of ticks.
func TestReadCPUAgreesWithRusage(t *testing.T) {
	burn(t, 400*time.Millisecond)
	before := rusageCPU(t)
	got, err := ReadCPU(os.Getpid())
	after := rusageCPU(t)
	const tick = 10 * time.Millisecond
	if err != nil || got <= before-2*tick || got > after {
		t.Errorf("ReadCPU = %v, %v; want from %v less two ticks of %v to %v (getrusage)", got, err, before, tick, after)
	}
	if got%tick != 0 {
		t.Errorf("ReadCPU = %v: not whole ticks of %v", got, tick)
	}
}

// TestReadCPUNanosAgreesWithRusage: ReadCPUNanos of this process, read after
// several goroutines computed at once (so that several threads worked), lies
// between the kernel's count of its CPU time just before and just after
// (getrusage: microseconds, so up to 2 µs under), and more than one thread counts
// for a share of it. The lower bound holds as long as no thread of this process has
// ended (their time is in getrusage's count and not in ReadCPUNanos): Go's runtime
// ends one only when a goroutine locked to it exits, which the tests here do not
// do.
func TestReadCPUNanosAgreesWithRusage(t *testing.T) {
	const goroutines = 4
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := 0
			for deadline := time.Now().Add(200 * time.Millisecond); time.Now().Before(deadline); {
				for range 100_000 {
					x++
				}
			}
			_ = x
		}()
	}
	wg.Wait()
	before := rusageCPU(t)
	got, err := ReadCPUNanos(os.Getpid())
	after := rusageCPU(t)
	if err != nil || got < before || got > after+2*time.Microsecond {
		t.Errorf("ReadCPUNanos = %v, %v; want from %v to %v (getrusage)", got, err, before, after)
	}
	threads, err := readThreadCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	working := 0
	for _, ns := range threads {
		if time.Duration(ns) >= 10*time.Millisecond {
			working++
		}
	}
	if working < 2 {
		t.Errorf("%d threads with 10 ms of CPU or more after %d goroutines computed at once; want at least 2: %v", working, goroutines, threads)
	}
}

// TestReadRSSIsResidentMemory: this process's RSS is over a megabyte, at most its
// peak as getrusage counts it, and grows by most of the size of a mapping whose
// pages it writes.
func TestReadRSSIsResidentMemory(t *testing.T) {
	rss, err := ReadRSS(os.Getpid())
	peak := rusageMaxRSS(t)
	// The kernel's per-CPU counters may lag a little behind each other.
	const slack = 4 << 20
	if err != nil || rss < 1<<20 || rss > peak+slack {
		t.Fatalf("ReadRSS = %d, %v; want over 1 MB and at most the peak of %d (getrusage)", rss, err, peak)
	}
	// Memory mapped apart from Go's heap, whose pages a former run may have left
	// resident for reuse: each page is resident once written.
	const size = 64 << 20
	buf, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Munmap(buf) }()
	for i := 0; i < len(buf); i += os.Getpagesize() {
		buf[i] = 1
	}
	grown, err := ReadRSS(os.Getpid())
	if err != nil || grown-rss < size*3/4 {
		t.Errorf("ReadRSS = %d, %v after writing %d bytes; was %d: want it grown by most of them", grown, err, size, rss)
	}
}

// TestReadProcessNotThere: a process that is not there is an error, not 0.
func TestReadProcessNotThere(t *testing.T) {
	// Above the kernel's pid_max (at most 2^22), so no process has it.
	const pid = 1 << 30
	if cpu, err := ReadCPU(pid); err == nil {
		t.Errorf("ReadCPU(%d) = %v, no error", pid, cpu)
	}
	if cpu, err := ReadCPUNanos(pid); err == nil {
		t.Errorf("ReadCPUNanos(%d) = %v, no error", pid, cpu)
	}
	if rss, err := ReadRSS(pid); err == nil {
		t.Errorf("ReadRSS(%d) = %d, no error", pid, rss)
	}
	if _, ok := startCPU(pid).finish(); ok {
		t.Error("a meter of a process that is not there measured something")
	}
	if minMB, maxMB := sampleRSS(pid, time.Millisecond).finish(); minMB != 0 || maxMB != 0 {
		t.Errorf("sampling a process that is not there: %v–%v MB", minMB, maxMB)
	}
}

// burn computes for about d of wall time, half of it in this process and half in
// the kernel (reading /dev/zero), so that this process has used user and system
// time both.
func burn(t *testing.T, d time.Duration) {
	t.Helper()
	x := 0
	for deadline := time.Now().Add(d / 2); time.Now().Before(deadline); {
		for range 100_000 {
			x++
		}
	}
	_ = x
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Fatal(err)
	}
	defer zero.Close()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(d / 2); time.Now().Before(deadline); {
		if _, err := zero.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
}

func rusageCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rusageMaxRSS is this process's peak RSS in bytes (Linux counts ru_maxrss in kB).
func rusageMaxRSS(t *testing.T) int64 {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return ru.Maxrss * 1024
}
