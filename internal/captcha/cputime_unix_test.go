//go:build unix

package captcha

import (
	"syscall"
	"time"
)

// CPUTime returns the CPU time (user + system) the test process has used. The
// benchmarks report it per operation beside the wall time, which on a shared
// machine says more about the load of others than about this code.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
