package bench

import (
	"math"
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentileNearestRank(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1)
	}
	for _, c := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value is every percentile", []time.Duration{ms(7)}, 99, ms(7)},
		{"p50 of 1..100", hundred, 50, ms(50)},
		{"p99 of 1..100", hundred, 99, ms(99)},
		{"p100 is the greatest", hundred, 100, ms(100)},
		{"a tiny p is the least", hundred, 0.001, ms(1)},
		{"p50 of four takes the second", []time.Duration{ms(1), ms(2), ms(3), ms(4)}, 50, ms(2)},
		{"p99 of ten is the greatest", []time.Duration{ms(1), ms(2), ms(3), ms(4), ms(5), ms(6), ms(7), ms(8), ms(9), ms(1000)}, 99, ms(1000)},
	} {
		if got := Percentile(c.sorted, c.p); got != c.want {
			t.Errorf("%s: Percentile(p=%g) = %v, want %v", c.name, c.p, got, c.want)
		}
	}
}

func TestSummarizeKeepsErrorsAndRefusalsApart(t *testing.T) {
	a, b := &recorder{}, &recorder{}
	for i := 1; i <= 10; i++ {
		a.add(outcomeOK, ms(i))    // 1..10 ms
		b.add(outcomeOK, ms(10+i)) // 11..20 ms
	}
	b.add(outcomeRefused, ms(2))
	b.add(outcomeRefused, ms(4))
	b.add(outcomeRefused, ms(3000))
	a.fail(ms(1), "HTTP 500 (want 303)")
	st := summarize([]*recorder{a, b}, 2*time.Second)
	if st.Requests != 24 || st.OK != 20 || st.Refusals != 3 || st.Errors != 1 {
		t.Fatalf("counts = %d requests, %d ok, %d refused, %d errors; want 24, 20, 3, 1", st.Requests, st.OK, st.Refusals, st.Errors)
	}
	if st.PerSecond != 10 {
		t.Errorf("rate = %g/s, want 10 (20 successes in 2 s; refusals and errors do not count)", st.PerSecond)
	}
	if st.P50 != 10 || st.P99 != 20 {
		t.Errorf("p50, p99 = %g, %g ms; want 10, 20 (of the successes only)", st.P50, st.P99)
	}
	if st.RefusalP50 != 4 {
		t.Errorf("refusal p50 = %g ms, want 4", st.RefusalP50)
	}
	if len(st.FirstErrors) != 1 || st.FirstErrors[0] != "HTTP 500 (want 303)" {
		t.Errorf("first errors = %q", st.FirstErrors)
	}
}

func TestSpread(t *testing.T) {
	s := spreadOf(80, 70, 75)
	if s.Mean != 75 || s.Min != 70 || s.Max != 80 {
		t.Fatalf("spread = %+v", s)
	}
	if r := s.Relative(); math.Abs(r-5.0/75) > 1e-12 {
		t.Errorf("relative = %g, want ±%g", r, 5.0/75)
	}
}
