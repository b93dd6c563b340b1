package captcha_test

import (
	"testing"
	"time"

	"hall/internal/captcha"
	"hall/internal/captcha/captchatest"
	"hall/internal/store"
	"hall/internal/store/storetest"
)

// clock is the fake clock these tests move by hand.
type clock = storetest.Clock

func newClock() *clock {
	return storetest.NewClock(time.Date(2025, 7, 1, 2, 30, 0, 987654321, time.UTC))
}

// Bindings of two browsers (in the hall, e.g. their visitor cookies).
const (
	browserA = "visitor-cookie-of-browser-A"
	browserB = "visitor-cookie-of-browser-B"
)

func newPuzzles(t testing.TB, db *store.DB, clk *clock, cfg captcha.Config) *captcha.Puzzles {
	t.Helper()
	p, err := captcha.NewPuzzles(db, cfg, clk.Now)
	if err != nil {
		t.Fatalf("NewPuzzles: %v", err)
	}
	return p
}

func mustNew(t testing.TB, p *captcha.Puzzles, purpose, binding string) captcha.Challenge {
	t.Helper()
	ch, err := p.New(t.Context(), purpose, binding)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return ch
}

func solution(t testing.TB, db *store.DB, id string) int {
	t.Helper()
	x, _, err := captchatest.Solution(t.Context(), db, id)
	if err != nil {
		t.Fatalf("Solution: %v", err)
	}
	return x
}

// solve draws a challenge and solves it like a person.
func solve(t testing.TB, db *store.DB, p *captcha.Puzzles, purpose, binding string) string {
	t.Helper()
	ch := mustNew(t, p, purpose, binding)
	tok, err := p.Verify(t.Context(), ch.ID, binding, captchatest.HumanDrag(float64(solution(t, db, ch.ID)), 1))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return tok
}
