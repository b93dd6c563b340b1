package captcha_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"hall/internal/captcha"
	"hall/internal/captcha/captchatest"
)

var defaults = captcha.Config{}.WithDefaults()

// edit returns a copy of a changed by f, so table rows do not share tracks.
func edit(a captcha.Answer, f func(*captcha.Answer)) captcha.Answer {
	a.Track = append([]captcha.Point(nil), a.Track...)
	f(&a)
	return a
}

func TestJudgeHumanDragsPass(t *testing.T) {
	// Many invented hands, many gap positions: none may be refused.
	for seed := range uint64(500) {
		x := captcha.PieceSize + 20 + int(seed*37%163) // the gap's range
		a := captchatest.HumanDrag(float64(x)+float64(seed%7)-3, seed)
		if why := captcha.Judge(defaults, x, a); why != "" {
			t.Fatalf("seed %d, gap %d: human drag refused: %s", seed, x, why)
		}
	}
}

func TestJudgeKeyboardPasses(t *testing.T) {
	for x := captcha.PieceSize + 20; x <= captcha.Width-captcha.PieceSize-6; x++ {
		a := captchatest.Keyboard(x)
		if why := captcha.Judge(defaults, x, a); why != "" {
			t.Fatalf("gap %d: keyboard solution refused: %s", x, why)
		}
	}
}

func TestJudgeRefuses(t *testing.T) {
	const gap = 173
	human := captchatest.HumanDrag(gap, 42)
	keys := captchatest.Keyboard(gap)
	cases := []struct {
		name string
		a    captcha.Answer
		want string // substring of the reason
	}{
		{"wrong position", captchatest.HumanDrag(gap+5, 42), "off by"},
		{"far off", captchatest.HumanDrag(gap-60, 42), "off by"},
		{"too fast", edit(human, func(a *captcha.Answer) { a.DurationMs = 250 }), "too fast"},
		{"too slow", edit(human, func(a *captcha.Answer) { a.DurationMs = 61_000 }), "too slow"},
		{"no track", edit(human, func(a *captcha.Answer) { a.Track = nil }), "track of 0"},
		{"four points", edit(human, func(a *captcha.Answer) {
			a.Track = []captcha.Point{{X: 0}, {X: 60, T: 300}, {X: 120, T: 500}, {X: gap, T: 700}}
		}), "track of 4"},
		{"starts in the middle", edit(human, func(a *captcha.Answer) { a.Track[0].X = 40 }), "starts at"},
		{"ends elsewhere", edit(human, func(a *captcha.Answer) { a.Track[len(a.Track)-1].X = gap - 20 }), "ends at"},
		{"track longer than duration", edit(human, func(a *captcha.Answer) { a.DurationMs = int(a.Track[len(a.Track)-1].T) - 200 }), "outside the duration"},
		{"time goes back", edit(human, func(a *captcha.Answer) { a.Track[5].T = a.Track[4].T - 40 }), "time goes back"},
		{"off the slider", edit(human, func(a *captcha.Answer) { a.Track[3].X = captcha.MaxX + 20 }), "off the slider"},
		{"wanders too far", edit(human, func(a *captcha.Answer) { a.Track[3].Y = 400 }), "off the slider"},
		{"constant speed", captchatest.Robot(gap, 900), "constant speed"},
		{"constant speed, then a hold", edit(captchatest.Robot(gap, 600), func(a *captcha.Answer) {
			a.Track = append(a.Track, captcha.Point{X: gap, T: 900})
			a.DurationMs = 900
		}), "constant speed"},
		{"jittered speed on a straight time line", jittered(gap, 900), "constant-speed line"},
		{"even steps delivered irregularly", lateSteps(gap), "even steps"},
		{"jump", edit(human, func(a *captcha.Answer) {
			a.Track = []captcha.Point{{X: 0}, {X: 1, T: 100}, {X: 2, T: 200}, {X: 3, T: 300}, {X: gap, T: 301}, {X: gap, T: 600}}
			a.DurationMs = 600
		}), "jump"},
		{"keyboard steps too big", edit(keys, func(a *captcha.Answer) {
			a.Track = []captcha.Point{{}}
			for x := 20; x <= 160; x += 20 {
				a.Track = append(a.Track, captcha.Point{X: float64(x), T: float64(x * 5)})
			}
			a.Track = append(a.Track, captcha.Point{X: 170, T: 900}, captcha.Point{X: gap - 1, T: 1000})
			a.X, a.DurationMs = gap-1, 1200
		}), "key step 1 of 20 px"},
		{"keyboard jump", edit(keys, func(a *captcha.Answer) { a.Track[3].X += 25 }), "key step 3"},
		{"keyboard off the line", edit(keys, func(a *captcha.Answer) { a.Track[2].Y = 1 }), "leaves the line"},
		{"keyboard half pixels", edit(keys, func(a *captcha.Answer) { a.Track[2].X += 0.5 }), "whole pixel"},
		{"keyboard too fast", edit(keys, func(a *captcha.Answer) {
			for i := range a.Track {
				a.Track[i].T = float64(i)
			}
			a.DurationMs = 200
		}), "too fast"},
		{"keyboard wrong position", captchatest.Keyboard(gap + 8), "off by"},
		// A drag this far off passes (TestJudgeKeyboardWindow); keys must be exact.
		{"keyboard 3 px off", captchatest.Keyboard(gap + 3), "keyboard answer off by"},
		{"keyboard 3 px short", captchatest.Keyboard(gap - 3), "keyboard answer off by"},
		{"scripted straight drag claimed as keys", edit(captchatest.Robot(gap, 900), func(a *captcha.Answer) { a.Keyboard = true }), "key step"},
		{"mouse track claimed as keys", edit(human, func(a *captcha.Answer) { a.Keyboard = true }), "key step"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			why := captcha.Judge(defaults, gap, c.a)
			if why == "" {
				t.Fatalf("accepted, want refusal %q", c.want)
			}
			if !strings.Contains(why, c.want) {
				t.Errorf("refused with %q, want %q", why, c.want)
			}
		})
	}
}

// jittered is a scripted drag whose speed varies randomly from sample to sample
// around a constant mean: the speed varies, but the position never strays from the
// constant-speed line.
func jittered(x float64, durationMs int) captcha.Answer {
	const n = 60
	tr := []captcha.Point{{}}
	for i := 1; i <= n; i++ {
		f := float64(i) / n
		wobble := 0.0
		if i < n {
			wobble = []float64{-1.5, 1.5}[i%2]
		}
		tr = append(tr, captcha.Point{X: x*f + wobble, T: float64(durationMs) * f})
	}
	return captcha.Answer{X: x, DurationMs: durationMs, Track: tr}
}

// TestJudgeKeyboardWindow: the keyboard mark skips the movement checks, so it
// must buy a script nothing: of every place a keyboard answer can name, it is
// accepted at no more than 2·keyTolerance+1 = 5 around the gap, fewer than the 9
// a drag is accepted at. A script guessing with keys is a guesser with a
// narrower window.
func TestJudgeKeyboardWindow(t *testing.T) {
	for _, gap := range []int{76, 131, 173, 238} {
		var keys, drags int
		for x := 0; x <= captcha.MaxX; x++ {
			if captcha.Judge(defaults, gap, captchatest.Keyboard(x)) == "" {
				keys++
			}
			if captcha.Judge(defaults, gap, captchatest.HumanDrag(float64(x), uint64(x))) == "" {
				drags++
			}
		}
		if keys != 5 || drags != 9 {
			t.Errorf("gap %d: keyboard answers accepted at %d places, drags at %d; want 5 and 9", gap, keys, drags)
		}
	}
}

func TestJudgeTolerance(t *testing.T) {
	cfg := captcha.Config{Tolerance: 8}.WithDefaults()
	const gap = 150
	for _, c := range []struct {
		off  float64
		pass bool
	}{{0, true}, {3.9, true}, {-4, true}, {8, true}, {-8, true}, {8.5, false}, {-12, false}} {
		a := captchatest.HumanDrag(gap+c.off, 7)
		if got := captcha.Judge(cfg, gap, a) == ""; got != c.pass {
			t.Errorf("offset %.1f with tolerance 8: pass=%v, want %v", c.off, got, c.pass)
		}
	}
	if captcha.Judge(defaults, gap, captchatest.HumanDrag(gap+6, 7)) == "" {
		t.Error("offset 6 passed with the default tolerance of 4")
	}
}

func TestJudgeDurationLimits(t *testing.T) {
	cfg := captcha.Config{MinDuration: time.Second, MaxDuration: 10 * time.Second}.WithDefaults()
	a := captchatest.Keyboard(60) // key steps until 600 ms
	for _, c := range []struct {
		ms   int
		pass bool
	}{{999, false}, {1000, true}, {10_000, true}, {10_001, false}} {
		b := edit(a, func(b *captcha.Answer) { b.DurationMs = c.ms })
		if got := captcha.Judge(cfg, 60, b) == ""; got != c.pass {
			t.Errorf("%d ms: pass=%v, want %v", c.ms, got, c.pass)
		}
	}
}

// lateSteps is what an automation protocol makes of a scripted straight drag in 25
// equal steps: the browser stamps the events when they arrive, irregularly.
func lateSteps(x float64) captcha.Answer {
	times := []float64{0, 20.3, 40.6, 87.8, 106.4, 139.1, 159.4, 175.4, 191.3, 207.5, 222.3, 236.8, 253.3,
		269.9, 286.9, 324.7, 340.2, 358.6, 377.9, 392.2, 411.2, 427, 443.5, 459.3, 475.3, 494.1}
	tr := make([]captcha.Point, 0, len(times)+1)
	for i, t := range times {
		tr = append(tr, captcha.Point{X: math.Round(x*float64(i)/25*10) / 10, T: t})
	}
	tr = append(tr, captcha.Point{X: x, T: 509.9})
	return captcha.Answer{X: x, DurationMs: 510, Track: tr}
}
