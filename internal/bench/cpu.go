package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc (USER_HZ): 100 ticks a second on
// every Linux architecture, whatever the kernel's own tick rate.
const userHZ = 100

// ReadCPU is the CPU time process pid has used so far, user and system, across
// all its threads (utime and stime of /proc/PID/stat). Linux only.
func ReadCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime and stime (fields 14 and 15) from a /proc/PID/stat
// line. The command name (field 2) is in parentheses and may hold spaces and
// parentheses itself, so the fields are counted from its last ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("bench: unexpected /proc stat %.40q", stat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state), so utime (14) and stime (15) are f[11] and f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: short /proc stat %.40q", stat)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bench: /proc stat CPU time %q", s)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// cpuMeter measures a process's CPU time over an interval; with pid 0, or when the
// process cannot be read, it measures nothing.
type cpuMeter struct {
	pid   int
	start time.Duration
	ok    bool
}

func startCPU(pid int) cpuMeter {
	if pid == 0 {
		return cpuMeter{}
	}
	t, err := ReadCPU(pid)
	return cpuMeter{pid: pid, start: t, ok: err == nil}
}

// finish is the CPU time used since startCPU, and whether it was measured.
func (m cpuMeter) finish() (time.Duration, bool) {
	if !m.ok {
		return 0, false
	}
	t, err := ReadCPU(m.pid)
	if err != nil {
		return 0, false
	}
	return t - m.start, true
}
