// Package captchatest helps tests get past the slider captcha: it reads a
// challenge's answer straight from the database (the server never sends it),
// builds solutions that look like a hand's drag or like arrow-key presses, and
// performs such a drag with real mouse events in a browser test (Drag).
//
// It is for tests only: nothing in the hall may import it.
package captchatest

import (
	"context"
	"math"
	"math/rand/v2"

	"hall/internal/captcha"
	"hall/internal/store"
)

// Solution returns the gap position of challenge id: the x the piece must be
// released at and the y the piece is shown at. Errors: store.ErrNotFound for an
// unknown ID; otherwise database failures.
func Solution(ctx context.Context, db *store.DB, id string) (x, y int, err error) {
	err = db.QueryRow(ctx, `SELECT answer_x, answer_y FROM captcha_challenges WHERE id = ?`, id).Scan(&x, &y)
	return x, y, store.NotFound(err)
}

// HumanDrag returns a drag that ends at x the way a hand does: a short wait
// before moving, a speed that rises and falls (minimum-jerk profile) with some
// tremble, a small overshoot corrected at the end, a vertical wander, samples
// about every 16 ms (one per frame), and a pause before the release. seed makes it
// reproducible.
func HumanDrag(x float64, seed uint64) captcha.Answer {
	// #nosec G404 -- a reproducible simulated drag for tests, no secret.
	r := rand.New(rand.NewPCG(seed, 0x51de))
	move := 650 + r.Float64()*500 // ms of the main movement
	wait := 60 + r.Float64()*120  // ms before the hand moves
	over := 2 + r.Float64()*5     // px of overshoot
	target := x + over
	tr := []captcha.Point{{X: 0, Y: 0, T: 0}}
	t := wait
	drift := (r.Float64() - 0.5) * 8
	for t < wait+move {
		tau := (t - wait) / move
		s := tau * tau * tau * (10 - 15*tau + 6*tau*tau) // minimum jerk
		px := target*s + (r.Float64()-0.5)*1.2
		py := drift*s + (r.Float64()-0.5)*1.5
		tr = append(tr, captcha.Point{X: round1(math.Max(px, 0)), Y: round1(py), T: round1(t)})
		t += 14 + r.Float64()*5
	}
	// Back from the overshoot, slowly.
	for i := 1; i <= 6; i++ {
		t += 25 + r.Float64()*20
		tr = append(tr, captcha.Point{X: round1(target - over*float64(i)/6), Y: round1(drift), T: round1(t)})
	}
	t += 80 + r.Float64()*150 // hold before letting go
	tr = append(tr, captcha.Point{X: x, Y: round1(drift), T: round1(t)})
	return captcha.Answer{X: x, DurationMs: int(math.Ceil(t)), Track: tr}
}

// KeyPresses returns how a keyboard user reaches x from 0: big steps of
// captcha.KeyStep px (Shift+→) and then small ones of 1 px (→), and where that
// leaves the piece (at x).
func KeyPresses(x int) (big, small, reached int) {
	big = x / captcha.KeyStep
	small = x - big*captcha.KeyStep
	return big, small, big*captcha.KeyStep + small
}

// Keyboard returns the solution a keyboard user sends for a gap at x: the key
// steps of KeyPresses, one every 120 ms, then Enter after a short pause.
func Keyboard(x int) captcha.Answer {
	big, small, _ := KeyPresses(x)
	tr := []captcha.Point{{X: 0, Y: 0, T: 0}}
	pos, t := 0.0, 0.0
	for i := range big + small {
		step := float64(captcha.KeyStep)
		if i >= big {
			step = 1
		}
		pos += step
		tr = append(tr, captcha.Point{X: pos, T: t})
		t += 120
	}
	return captcha.Answer{X: pos, DurationMs: int(t + 300), Track: tr, Keyboard: true}
}

// Robot returns a scripted drag to x: a straight line at constant speed, sampled
// every 10 ms, which Verify must refuse.
func Robot(x float64, durationMs int) captcha.Answer {
	n := max(durationMs/10, 2)
	tr := make([]captcha.Point, 0, n+1)
	for i := range n + 1 {
		f := float64(i) / float64(n)
		tr = append(tr, captcha.Point{X: x * f, T: float64(durationMs) * f})
	}
	return captcha.Answer{X: x, DurationMs: durationMs, Track: tr}
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
