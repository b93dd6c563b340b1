package account

import (
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"hall/internal/qrlogin"
	"hall/internal/services"
	"hall/internal/web/webtest"
)

// TestQRLoginWaitMemory measures what one waiting 扫码登录 page keeps in the heap
// of the process: the growth of the live heap, after a collection, when a
// thousand pages wait on real connections (web.Detach, qrlogin.Await), over the
// heap with their tickets created and nothing waiting. The figure includes the
// test's own end of each connection (its net.TCPConn, about 200 bytes). It was
// about 2.3 KB; the bound fails the test if a waiting page comes to keep about
// twice that, on which the process holding ten thousand pages in 150 MB depends
// (docs/benchmarks.md).
func TestQRLoginWaitMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a thousand connections")
	}
	ts, base := webtest.Serve(t, func(svc *services.Services) {
		svc.Config.QRWaitMax = time.Minute
		svc.Config.QRMaxWaiters = 10_000
		b, err := services.Build(svc.Config, svc.DB, svc.Log, nil)
		if err != nil {
			t.Fatal(err)
		}
		*svc = *b
	})
	const pages = 1000
	paths, cookies := make([]string, pages), make([]string, pages)
	for i := range pages {
		binding := fmt.Sprintf("memory-test-binding-%06d", i)
		tk, err := ts.QRLogin.Create(context.Background(), qrlogin.Request{Kind: qrlogin.KindUnit, Binding: binding,
			ClientAddr: fmt.Sprintf("198.18.%d.%d", i>>8, i&0xff), UserAgent: "Mozilla/5.0"})
		if err != nil {
			t.Fatal(err)
		}
		paths[i], cookies[i] = waitPath(tk.ID), "hall_b="+binding
	}

	before := liveHeap()
	conns := make([]net.Conn, pages)
	defer func() {
		for _, c := range conns {
			if c != nil {
				_ = c.Close()
			}
		}
	}()
	for i := range pages {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		if _, err := io.WriteString(c, "GET "+paths[i]+" HTTP/1.1\r\nHost: hall.test\r\nAccept: application/json\r\nCookie: "+cookies[i]+"\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ts.QRLogin.Waiting() != pages; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d polls waiting", ts.QRLogin.Waiting(), pages)
		}
	}
	time.Sleep(time.Second) // the first reads of the waits, queued, are done
	after := liveHeap()

	perPage := (int64(after.alloc) - int64(before.alloc)) / pages
	t.Logf("%d waiting pages: live heap %d → %d KB (in use %d → %d KB): %d bytes a waiting page",
		pages, before.alloc>>10, after.alloc>>10, before.inuse>>10, after.inuse>>10, perPage)
	if perPage > maxBytesPerWaitingPage {
		t.Errorf("a waiting page keeps %d bytes of heap, want at most %d", perPage, maxBytesPerWaitingPage)
	}

	ts.QRLogin.EndWaits()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := ts.QRLogin.WaitsEnded(ctx); err != nil {
		t.Fatalf("%d waits left after EndWaits", ts.QRLogin.Waiting())
	}
}

// maxBytesPerWaitingPage bounds TestQRLoginWaitMemory's figure.
const maxBytesPerWaitingPage = 5000

type heapSize struct{ alloc, inuse uint64 }

// liveHeap is the heap after two collections: what is reachable.
func liveHeap() heapSize {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return heapSize{alloc: m.HeapAlloc, inuse: m.HeapInuse}
}
