package validity

import (
	"testing"
	"time"
)

// TestEndAtTheDayBoundary: Shanghai midnight is 16:00 UTC the day before. A period
// typed as ending on 2026-12-10 is stored as 2026-12-10 16:00 UTC and shows as
// 2026-12-10 everywhere; a minute either side of the boundary shows the time.
func TestEndAtTheDayBoundary(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		until        time.Time
		end, lastDay string
		day          string // Day(until): the Shanghai date of the instant itself
	}{
		{utc("2026-12-10 16:00"), "2026-12-10", "2026-12-10", "2026-12-11"}, // 00:00 on 11 Dec in Shanghai
		{utc("2026-12-10 15:59"), "2026-12-10 23:59", "2026-12-10", "2026-12-10"},
		{utc("2026-12-10 16:01"), "2026-12-11 00:01", "2026-12-11", "2026-12-11"},
		{utc("2026-12-10 00:00"), "2026-12-10 08:00", "2026-12-10", "2026-12-10"},
		{utc("2026-12-09 16:00"), "2026-12-09", "2026-12-09", "2026-12-10"},
		{utc("2026-12-31 16:00"), "2026-12-31", "2026-12-31", "2027-01-01"}, // across a year
	} {
		if got := End(tc.until); got != tc.end {
			t.Errorf("End(%v) = %q, want %q", tc.until, got, tc.end)
		}
		if got := LastDay(tc.until); got != tc.lastDay {
			t.Errorf("LastDay(%v) = %q, want %q", tc.until, got, tc.lastDay)
		}
		if got := Day(tc.until); got != tc.day {
			t.Errorf("Day(%v) = %q, want %q", tc.until, got, tc.day)
		}
	}
}

// TestEndOf: the last day typed, read in Shanghai at any hour of it, ends at the
// following Shanghai midnight, which End shows as the day typed.
func TestEndOf(t *testing.T) {
	for _, day := range []time.Time{
		time.Date(2026, 12, 10, 0, 0, 0, 0, Location),
		time.Date(2026, 12, 10, 23, 59, 0, 0, Location),
		time.Date(2026, 12, 9, 16, 0, 0, 0, time.UTC),   // 00:00 on 10 Dec in Shanghai
		time.Date(2026, 12, 10, 15, 59, 0, 0, time.UTC), // 23:59 on 10 Dec in Shanghai
	} {
		end := EndOf(day)
		if want := time.Date(2026, 12, 10, 16, 0, 0, 0, time.UTC); !end.Equal(want) {
			t.Errorf("EndOf(%v) = %v, want %v", day, end.UTC(), want)
		}
		if got := End(end); got != "2026-12-10" {
			t.Errorf("End(EndOf(%v)) = %q", day, got)
		}
	}
}

func TestPeriod(t *testing.T) {
	from := time.Date(2026, 5, 10, 16, 30, 0, 0, time.UTC) // 00:30 on 11 May in Shanghai
	until := time.Date(2026, 6, 10, 16, 0, 0, 0, time.UTC) // 00:00 on 11 June
	clipped := time.Date(2026, 6, 10, 7, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		from, until *time.Time
		want        string
	}{
		{nil, nil, "长期有效"},
		{&from, nil, "2026-05-11 起长期有效"},
		{nil, &until, "至 2026-06-10"},
		{&from, &until, "2026-05-11 至 2026-06-10"},
		{&from, &clipped, "2026-05-11 至 2026-06-10 15:30"},
	} {
		if got := Period(tc.from, tc.until); got != tc.want {
			t.Errorf("Period(%v, %v) = %q, want %q", tc.from, tc.until, got, tc.want)
		}
	}
}
