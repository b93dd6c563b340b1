//go:build unix

package bench

import (
	"fmt"
	"syscall"
)

// RaiseFileLimit makes sure this process may hold need open files (each held long
// poll is a connection): it raises the soft limit up to the hard one if needed, and
// says so when even the hard limit is too low. (Go already raises the soft limit to
// the hard one at start; this also reports the figure.)
func RaiseFileLimit(need uint64) (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	if l.Cur < need && l.Cur < l.Max {
		l.Cur = min(l.Max, max(need, l.Cur))
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, err
		}
	}
	if l.Cur < need {
		return l.Cur, fmt.Errorf("bench: %d open files needed, the limit is %d (raise the hard limit: ulimit -Hn)", need, l.Cur)
	}
	return l.Cur, nil
}
