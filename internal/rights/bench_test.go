package rights

import (
	"context"
	"runtime"
	"testing"
	"time"

	"hall/internal/store/storetest"
)

// measured is what measure saw: the wall time of fn, the bytes it allocated, and
// the highest heap in use while it ran, above the heap before it.
type measured struct {
	elapsed         time.Duration
	allocated, peak uint64
}

// measure runs fn while sampling the heap every 5 ms.
func measure(fn func()) measured {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop, peaks := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				peaks <- peak
				return
			case <-tick.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
		}
	}()
	start := time.Now()
	fn()
	elapsed := time.Since(start)
	close(stop)
	peak := <-peaks
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	peak = max(peak, after.HeapInuse)
	m := measured{elapsed: elapsed, allocated: after.TotalAlloc - before.TotalAlloc}
	if peak > before.HeapInuse {
		m.peak = peak - before.HeapInuse
	}
	return m
}

// benchmarkIssue issues records of a unit of the given size on SQLite, 12 months,
// three types; it reports the PDF's size and pages.
func benchmarkIssue(b *testing.B, employees int) {
	ctx := context.Background()
	f := newFixture(b, storetest.SQLite(b), employees, 11)
	form := Form{From: "2025-12", To: "2026-11", Types: allTypes}
	var rec Record
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var err error
		if rec, _, err = f.svc.Issue(ctx, f.unit.ID, Actor{PersonID: f.legalRep}, form); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rec.Size)/1024, "KB/pdf")
	b.ReportMetric(float64(rec.Pages), "pages")
	b.ReportMetric(float64(rec.Employees), "rows")
}

// BenchmarkIssue50 is QUALITY.md's record: two pages, about 50 employees, built,
// signed (RSA-2048) and stored.
func BenchmarkIssue50(b *testing.B) { benchmarkIssue(b, 48) }

// BenchmarkIssue3000 is the largest demo unit's record, about 65 pages.
func BenchmarkIssue3000(b *testing.B) { benchmarkIssue(b, 3000) }
