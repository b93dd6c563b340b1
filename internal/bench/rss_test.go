package bench

import (
	"net"
	"os"
	"runtime"
	"testing"
)

func TestFindListenerAndRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	pid, err := FindListener(ln.Addr().(*net.TCPAddr).Port)
	if err != nil || pid != os.Getpid() {
		t.Fatalf("FindListener = %d, %v; want this process, %d", pid, err, os.Getpid())
	}
	rss, err := ReadRSS(pid)
	if err != nil || rss < 1<<20 {
		t.Fatalf("ReadRSS = %d, %v; want this process's resident memory (over 1 MB)", rss, err)
	}
	ln.Close()
	if pid, err := FindListener(ln.Addr().(*net.TCPAddr).Port); err == nil {
		t.Errorf("a closed port still has a listener: %d", pid)
	}
}

// TestFindListenerIPv6: a listener on an IPv6 address is in /proc/net/tcp6, and
// found there.
func TestFindListenerIPv6(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer ln.Close()
	if pid, err := FindListener(ln.Addr().(*net.TCPAddr).Port); err != nil || pid != os.Getpid() {
		t.Errorf("FindListener = %d, %v; want this process, %d", pid, err, os.Getpid())
	}
}
