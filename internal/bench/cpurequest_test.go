package bench

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// TestCPUPerRequestNeedsOneClosedLoopClient: --cpu-per-request is refused with any
// load but a single closed-loop client and nothing beside it, and without the
// server's process.
func TestCPUPerRequestNeedsOneClosedLoopClient(t *testing.T) {
	rights, _ := ParseScenario("rights-record")
	mix, _ := ParseScenario("mix")
	idle, _ := ParseScenario("qr-idle")
	page, _ := ParseScenario("page:/catalog")
	for _, c := range []struct {
		name string
		cfg  Config
		want error // nil: valid
	}{
		{"one client", Config{Scenario: rights, Clients: []int{1}}, nil},
		{"one page client", Config{Scenario: page, Clients: []int{1}}, nil},
		{"mix without logins", Config{Scenario: mix, Clients: []int{1}}, nil},
		{"two clients", Config{Scenario: rights, Clients: []int{2}}, errCPUPerRequest},
		{"two levels", Config{Scenario: rights, Clients: []int{1, 1}}, errCPUPerRequest},
		{"open loop", Config{Scenario: rights, Rates: []float64{1}, MaxInFlight: 1}, errCPUPerRequest},
		{"mix with logins beside", Config{Scenario: mix, Clients: []int{1}, MixLogins: 1}, errCPUPerRequest},
		{"qr-idle", Config{Scenario: idle, Clients: []int{1}}, errCPUPerRequest},
	} {
		cfg := c.cfg
		cfg.URL, cfg.Duration, cfg.PID, cfg.CPUPerRequest = "http://127.0.0.1:1", time.Second, 1, true
		if err := cfg.Validate(); !errors.Is(err, c.want) {
			t.Errorf("%s: Validate = %v, want %v", c.name, err, c.want)
		}
		// Without the option every one of these is a valid load.
		cfg.CPUPerRequest = false
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s without --cpu-per-request: %v", c.name, err)
		}
	}
	cfg := Config{URL: "http://127.0.0.1:1", Scenario: rights, Clients: []int{1}, Duration: time.Second, CPUPerRequest: true}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--pid") {
		t.Errorf("without the server's process: %v, want an error naming --pid", err)
	}
}

// TestCPUPerRequestPercentiles: p50, p99 and max of the requests' CPU times are the
// nearest-rank percentiles, whatever order the requests came in.
func TestCPUPerRequestPercentiles(t *testing.T) {
	var used []time.Duration
	for i := 200; i >= 1; i-- { // 200 requests of 1..200 ms, slowest first
		used = append(used, time.Duration(i)*time.Millisecond)
	}
	c := cpuPerRequestOf(used, 3)
	if c.Measured != 200 || c.Unread != 3 || c.P50 != 100 || c.P99 != 198 || c.Max != 200 {
		t.Errorf("cpuPerRequestOf = %+v; want 200 measured, 3 unread, p50 100, p99 198, max 200 ms", c)
	}
	one := cpuPerRequestOf([]time.Duration{7 * time.Millisecond}, 0)
	if one.P50 != 7 || one.P99 != 7 || one.Max != 7 {
		t.Errorf("one request of 7 ms: %+v", one)
	}
	if none := cpuPerRequestOf(nil, 0); none.Measured != 0 || none.Max != 0 {
		t.Errorf("no request: %+v", none)
	}
}

// TestCPUPerRequestOverTH: t_h is the cores over H (one hash on one core), and the
// p99 is set against it; the greatest H gives the least t_h and the greatest ratio.
func TestCPUPerRequestOverTH(t *testing.T) {
	c := CPUPerRequest{P99: 20}
	c.setTH(Spread{Mean: 50, Min: 40, Max: 80}, 2) // t_h 40 ms, 25–50 ms
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if c.TH == nil || !near(c.TH.Mean, 40) || !near(c.TH.Min, 25) || !near(c.TH.Max, 50) {
		t.Fatalf("t_h = %+v; want 40 ms (25–50)", c.TH)
	}
	if r := c.P99OverTH; !near(r.Mean, 0.5) || !near(r.Min, 0.4) || !near(r.Max, 0.8) {
		t.Errorf("p99 / t_h = %+v; want 0.5 (0.4–0.8)", r)
	}
	if got := c.text(); !strings.Contains(got, "p99 20.0 ms") || !strings.Contains(got, "p99 = 0.50 × t_h (0.40–0.80)") {
		t.Errorf("text = %q", got)
	}
	unmeasured := CPUPerRequest{P99: 20}
	unmeasured.setTH(Spread{}, 2)
	if unmeasured.TH != nil || strings.Contains(unmeasured.text(), "t_h") {
		t.Errorf("without H: %+v, %q", unmeasured.TH, unmeasured.text())
	}
}

// TestMarkdownCPUPerRequest: the report says the CPU per request on a line of its
// own, and only when it was measured: the table is the same either way.
func TestMarkdownCPUPerRequest(t *testing.T) {
	lv := Level{Scenario: "rights-record", Clients: 1, Stats: Stats{Requests: 10, OK: 10}}
	var without, with strings.Builder
	if err := (Report{Levels: []Level{lv}}).WriteMarkdown(&without); err != nil {
		t.Fatal(err)
	}
	lv.CPUPerRequest = &CPUPerRequest{Measured: 10, P50: 12, P99: 30, Max: 31}
	if err := (Report{Levels: []Level{lv}}).WriteMarkdown(&with); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(without.String(), "per request") {
		t.Errorf("without the option:\n%s", without.String())
	}
	line := "rights-record, 1 client: server CPU per request p50 12.0 ms, p99 30.0 ms, max 31.0 ms (10 requests)."
	if !strings.HasPrefix(with.String(), without.String()) || !strings.Contains(with.String(), "\n"+line+"\n") {
		t.Errorf("with the option:\n%s\nwant the table as without it and the line %q", with.String(), line)
	}
}
