package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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

// tcpListen is TCP_LISTEN, a socket's st in /proc/net/tcp.
const tcpListen = 0x0A

// ErrNoListener is FindListener's answer when no process of this user listens on the
// port (or /proc is not there).
var ErrNoListener = errors.New("bench: no process found listening on the port")

// FindListener finds the process listening on TCP port: the socket in LISTEN state
// in /proc/net/tcp or tcp6 (procfs's NetTCP and NetTCP6), then the process holding
// that socket among those whose file descriptors this user may read.
func FindListener(port int) (int, error) {
	if port < 1 || port > 65535 {
		return 0, ErrNoListener
	}
	proc, err := procfs.NewDefaultFS()
	if err != nil {
		return 0, ErrNoListener
	}
	inodes := map[string]bool{}
	// procfs would have /proc/net/tcp read through netlink instead; the listening
	// sockets of one port are all this needs, and the tables still give them.
	//lint:ignore SA1019 the /proc tables suffice here (see above).
	tcp4, err4 := proc.NetTCP()
	//lint:ignore SA1019 the /proc tables suffice here (see above).
	tcp6, err6 := proc.NetTCP6()
	for _, table := range []struct {
		lines procfs.NetTCP
		err   error
	}{{tcp4, err4}, {tcp6, err6}} {
		if table.err != nil {
			continue // no IPv6, or no /proc
		}
		for _, line := range table.lines {
			// #nosec G115 -- port is 1–65535, checked above.
			if line.St == tcpListen && line.LocalPort == uint64(port) {
				inodes[fmt.Sprintf("socket:[%d]", line.Inode)] = true
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
