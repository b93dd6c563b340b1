package captcha_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"hall/internal/captcha"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

func TestChallengesPerBinding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		clk := newClock()
		p := newPuzzles(t, db, clk, captcha.Config{MaxPerBinding: 3})
		var first captcha.Challenge
		for i := range 3 {
			ch := mustNew(t, p, captcha.PurposeLogin, browserA)
			if i == 0 {
				first = ch
			}
			clk.Add(10 * time.Second)
		}
		_, err := p.New(ctx, captcha.PurposeLogin, browserA)
		if !errors.Is(err, captcha.ErrTooMany) {
			t.Fatalf("fourth New: %v, want ErrTooMany", err)
		}
		// The refusal knows when the first of the three leaves the window.
		var tooMany *captcha.TooManyError
		if !errors.As(err, &tooMany) || !tooMany.Until.Equal(first.CreatedAt.Add(p.Config().TTL)) {
			t.Errorf("fourth New: %#v, want a *TooManyError until %s", err, first.CreatedAt.Add(p.Config().TTL))
		}
		if msg := captcha.Message(err); msg != "操作过于频繁，请稍后再试" {
			t.Errorf("message %q", msg)
		}
		mustNew(t, p, captcha.PurposeLogin, browserB) // another browser is not affected
		clk.Add(2 * time.Minute)
		mustNew(t, p, captcha.PurposeLogin, browserA) // a TTL later it may again
	})
}

func TestNewRefusesBadArguments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPuzzles(t, db, newClock(), captcha.Config{})
		for _, c := range []struct{ purpose, binding string }{
			{captcha.PurposeLogin, ""},
			{"", browserA},
			{"Login", browserA},
			{"login/../x", browserA},
			{"a-very-long-purpose-name-of-more-than-32", browserA},
		} {
			if _, err := p.New(t.Context(), c.purpose, c.binding); !errors.Is(err, captcha.ErrInvalid) {
				t.Errorf("New(%q, %q): %v, want ErrInvalid", c.purpose, c.binding, err)
			}
		}
	})
}

// BenchmarkNew draws, encodes and stores one challenge on SQLite (target < 5 ms).
// cpu-µs/op counts all the process's threads, SQLite's included.
func BenchmarkNew(b *testing.B) {
	db := storetest.SQLite(b)
	p, err := captcha.NewPuzzles(db, captcha.Config{}, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	cpu0 := captcha.CPUTime()
	for b.Loop() {
		i++ // a browser each time, so that MaxPerBinding never refuses
		if _, err := p.New(b.Context(), captcha.PurposeLogin, fmt.Sprintf("bench-browser-%d", i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((captcha.CPUTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}
