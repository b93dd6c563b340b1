package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The server's CPU per request (--cpu-per-request): with a single closed-loop
// client and nothing else driving the server, the server's CPU time read to the
// nanosecond (ReadCPUNanos) just before and just after a request is what that
// request cost it, together with whatever else the process did meanwhile (garbage
// collection of earlier requests' allocations, the sweeps and other background
// work, the runtime's scheduler). Per-level means hide the slow requests; this
// gives their distribution, for bars set at a percentile (QUALITY.md: a rights
// record ≤ t_h of CPU at p99).

// errCPUPerRequest is the refusal of --cpu-per-request with a load that would
// mix several requests' CPU in one reading.
var errCPUPerRequest = errors.New("bench: --cpu-per-request needs a single closed-loop client (--clients 1, no --rate, and --mix-logins 0 for mix; not qr-idle): with more requests at once, the server's CPU between one request's start and end is not that request's")

// CPUPerRequest is the server's CPU time per successful request of a level.
type CPUPerRequest struct {
	Measured int    `json:"measured"` // successful requests whose CPU was read
	Unread   int    `json:"unread"`   // successful requests whose CPU could not be read
	P50      Millis `json:"p50_ms"`
	P99      Millis `json:"p99_ms"`
	Max      Millis `json:"max_ms"`
	// TH is t_h, one argon2id hash on one core (the cores over H, H measured with
	// one hasher per core), and P99OverTH the p99 over it (its spread from H's);
	// rights-record only, when H was measured.
	TH        *Spread `json:"t_h_ms,omitempty"`
	P99OverTH *Spread `json:"p99_over_t_h,omitempty"`
}

// cpuPerRequestOf summarizes the CPU times of the measured requests; it sorts used.
func cpuPerRequestOf(used []time.Duration, unread int) CPUPerRequest {
	slices.Sort(used)
	c := CPUPerRequest{Measured: len(used), Unread: unread,
		P50: millis(Percentile(used, 50)), P99: millis(Percentile(used, 99))}
	if len(used) > 0 {
		c.Max = millis(used[len(used)-1])
	}
	return c
}

// setTH sets t_h and the p99's ratio to it from H (hashes per second with one
// hasher on each of cores): t_h = cores / H, so the greatest H gives the least t_h.
func (c *CPUPerRequest) setTH(h Spread, cores int) {
	if h.Min <= 0 || cores < 1 {
		return
	}
	ms := float64(cores) * 1000
	c.TH = &Spread{Mean: ms / h.Mean, Min: ms / h.Max, Max: ms / h.Min}
	p99 := float64(c.P99)
	c.P99OverTH = &Spread{Mean: p99 / c.TH.Mean, Min: p99 / c.TH.Max, Max: p99 / c.TH.Min}
}

// cpuMeasuredWorker reads the server's CPU before and after each request of its
// worker and keeps what each successful one used.
type cpuMeasuredWorker struct {
	worker
	pid    int
	used   []time.Duration
	unread int
}

func (w *cpuMeasuredWorker) do(ctx context.Context) (outcome, time.Duration, string) {
	before, errBefore := readThreadCPU(w.pid)
	kind, latency, what := w.worker.do(ctx)
	after, errAfter := readThreadCPU(w.pid)
	if kind == outcomeOK {
		if errBefore != nil || errAfter != nil {
			w.unread++
		} else {
			w.used = append(w.used, after.since(before))
		}
	}
	return kind, latency, what
}

// text says the distribution in words, for the summary line and the report.
func (c CPUPerRequest) text() string {
	s := fmt.Sprintf("server CPU per request p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d requests", c.P50, c.P99, c.Max, c.Measured)
	if c.Unread > 0 {
		s += fmt.Sprintf(", %d more not read", c.Unread)
	}
	s += ")"
	if c.TH != nil {
		s += fmt.Sprintf("; t_h %.1f ms (%.1f–%.1f), p99 = %.2f × t_h (%.2f–%.2f)",
			c.TH.Mean, c.TH.Min, c.TH.Max, c.P99OverTH.Mean, c.P99OverTH.Min, c.P99OverTH.Max)
	}
	return s
}
