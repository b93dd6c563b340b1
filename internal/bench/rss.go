package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ReadRSS is the resident set size of process pid in bytes (VmRSS of
// /proc/PID/status). Linux only.
func ReadRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("bench: unexpected VmRSS line %q", sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		return kb * 1024, err
	}
	return 0, fmt.Errorf("bench: no VmRSS in /proc/%d/status", pid)
}

// ErrNoListener is FindListener's answer when no process of this user listens on the
// port (or /proc is not there).
var ErrNoListener = errors.New("bench: no process found listening on the port")

// FindListener finds the process listening on TCP port: the socket in LISTEN state
// in /proc/net/tcp or tcp6, then the process holding that socket among those whose
// file descriptors this user may read.
func FindListener(port int) (int, error) {
	inodes := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		// #nosec G304 -- a fixed /proc table.
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for i, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			if i == 0 || len(f) < 10 || f[3] != "0A" { // 0A: TCP_LISTEN
				continue
			}
			_, hexPort, ok := strings.Cut(f[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); ok && err == nil && int(p) == port {
				inodes["socket:["+f[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return 0, ErrNoListener
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/fd")
	for _, dir := range procs {
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue // another user's process
		}
		for _, fd := range fds {
			if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && inodes[target] {
				return strconv.Atoi(filepath.Base(filepath.Dir(dir)))
			}
		}
	}
	return 0, ErrNoListener
}

// rssSampler reads a process's RSS every interval until stopped, keeping the least
// and the greatest.
type rssSampler struct {
	mu       sync.Mutex
	min, max int64
	stop     context.CancelFunc
	done     chan struct{}
}

// sampleRSS starts sampling pid; pid 0 samples nothing.
func sampleRSS(pid int, interval time.Duration) *rssSampler {
	s := &rssSampler{done: make(chan struct{})}
	if pid == 0 {
		close(s.done)
		s.stop = func() {}
		return s
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if rss, err := ReadRSS(pid); err == nil {
				s.mu.Lock()
				if s.min == 0 || rss < s.min {
					s.min = rss
				}
				s.max = max(s.max, rss)
				s.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// finish stops the sampling and returns the least and greatest RSS in MB (0, 0 when
// nothing was read).
func (s *rssSampler) finish() (minMB, maxMB float64) {
	s.stop()
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return float64(s.min) / (1 << 20), float64(s.max) / (1 << 20)
}
