package bench

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/procfs"
)

// ReadRSS is the resident set size of process pid in bytes (the rss field of
// /proc/PID/stat, in pages, times the page size: the same count as VmRSS in
// /proc/PID/status). Linux only.
func ReadRSS(pid int) (int64, error) {
	p, err := procfs.NewProc(pid)
	if err != nil {
		return 0, err
	}
	return readRSS(p)
}

func readRSS(p procfs.Proc) (int64, error) {
	stat, err := p.Stat()
	if err != nil {
		return 0, err
	}
	return int64(stat.ResidentMemory()), nil
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

// sampleRSS starts sampling pid; pid 0, or a process that is not there, samples
// nothing.
func sampleRSS(pid int, interval time.Duration) *rssSampler {
	s := &rssSampler{done: make(chan struct{})}
	var p procfs.Proc
	var err error
	if pid != 0 {
		p, err = procfs.NewProc(pid)
	}
	if pid == 0 || err != nil {
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
			if rss, err := readRSS(p); err == nil {
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
