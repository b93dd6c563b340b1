package bench

import (
	"math"
	"slices"
	"time"
)

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted, the
// smallest value with at least p% of the values at or below it; 0 for no values.
// Nearest rank never invents a latency no request had.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// outcome is the kind of answer a request got.
type outcome int

const (
	outcomeOK      outcome = iota // the expected answer
	outcomeRefused                // 429 or 503: the hall said it is busy
	outcomeError                  // anything else, or no answer
)

// sample is one request's outcome and how long it took.
type sample struct {
	kind    outcome
	latency time.Duration
}

// recorder collects the samples of one client; each client has its own, so
// recording takes no lock, and merge joins them at the end of a level.
type recorder struct {
	samples []sample
	errors  []string // the first few errors, to say what went wrong
}

// maxErrorTexts bounds the errors a recorder keeps the text of.
const maxErrorTexts = 3

func (r *recorder) add(kind outcome, latency time.Duration) {
	r.samples = append(r.samples, sample{kind, latency})
}

// record records a worker's answer: its outcome, latency and, for an error, what
// went wrong.
func (r *recorder) record(kind outcome, latency time.Duration, what string) {
	if kind == outcomeError {
		r.fail(latency, what)
		return
	}
	r.add(kind, latency)
}

// fail records an error with what went wrong.
func (r *recorder) fail(latency time.Duration, what string) {
	r.add(outcomeError, latency)
	if len(r.errors) < maxErrorTexts {
		r.errors = append(r.errors, what)
	}
}

// Stats summarizes the requests of one level (or of its background logins).
type Stats struct {
	Requests    int      `json:"requests"` // requests answered or failed within the level
	OK          int      `json:"ok"`
	PerSecond   float64  `json:"per_second"` // successful requests per second
	P50         Millis   `json:"p50_ms"`     // of the successful requests
	P99         Millis   `json:"p99_ms"`
	Errors      int      `json:"errors"`
	Refusals    int      `json:"refusals"`
	RefusalP50  Millis   `json:"refusal_p50_ms"`
	Dropped     int      `json:"dropped"` // open loop: arrivals not started because too many were in flight
	FirstErrors []string `json:"first_errors,omitempty"`
}

// Millis is a duration shown in milliseconds (in JSON too).
type Millis float64

func millis(d time.Duration) Millis { return Millis(float64(d) / float64(time.Millisecond)) }

// summarize merges the recorders' samples over elapsed.
func summarize(recs []*recorder, elapsed time.Duration) Stats {
	var ok, refused []time.Duration
	var st Stats
	for _, r := range recs {
		for _, e := range r.errors {
			if len(st.FirstErrors) < maxErrorTexts {
				st.FirstErrors = append(st.FirstErrors, e)
			}
		}
		for _, s := range r.samples {
			st.Requests++
			switch s.kind {
			case outcomeOK:
				ok = append(ok, s.latency)
			case outcomeRefused:
				refused = append(refused, s.latency)
			default:
				st.Errors++
			}
		}
	}
	slices.Sort(ok)
	slices.Sort(refused)
	st.OK, st.Refusals = len(ok), len(refused)
	if elapsed > 0 {
		st.PerSecond = float64(len(ok)) / elapsed.Seconds()
	}
	st.P50, st.P99 = millis(Percentile(ok, 50)), millis(Percentile(ok, 99))
	st.RefusalP50 = millis(Percentile(refused, 50))
	return st
}

// Spread is a set of measurements of one quantity: their mean, least and greatest.
type Spread struct {
	Mean float64 `json:"mean"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

func spreadOf(values ...float64) Spread {
	if len(values) == 0 {
		return Spread{}
	}
	s := Spread{Min: values[0], Max: values[0]}
	sum := 0.0
	for _, v := range values {
		sum += v
		s.Min, s.Max = min(s.Min, v), max(s.Max, v)
	}
	s.Mean = sum / float64(len(values))
	return s
}

// Relative is the half-range as a fraction of the mean (±x): how far the
// measurements disagree.
func (s Spread) Relative() float64 {
	if s.Mean == 0 {
		return 0
	}
	return (s.Max - s.Min) / 2 / s.Mean
}
