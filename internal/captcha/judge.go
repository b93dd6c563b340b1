package captcha

import (
	"fmt"
	"math"
)

// Limits of a plausible track. They are not configuration: they describe what the
// widget (slider-captcha.js) sends and what a hand does, and a change here goes
// with a change there.
const (
	startSlack = 6.0   // the first point lies within this of x = 0
	endSlack   = 3.0   // the last point lies within this of the released x
	edgeSlack  = 3.0   // points stay within [-edgeSlack, MaxX+edgeSlack]
	maxYOffset = 150.0 // a drag wanders at most this far up or down
	backSlack  = 5.0   // ms a timestamp may go back (rounding of coalesced events)
	endTSlack  = 50.0  // ms the last point may lie after the reported duration
	maxSpeed   = 5.0   // px/ms: faster steps are jumps, not movement (a flick peaks near 2)
	// A drag at constant speed in a straight line is a script. Two measures, each
	// far from what hands do (a hand speeds up and slows down: its speed varies by
	// about 65 % around the mean, and its position strays about 15 % of the
	// distance from the straight time line):
	minSpeedCV = 0.15 // time-weighted variation of the speed while moving
	minTimeDev = 0.05 // largest distance from the constant-speed line, over the distance
	// A script that moves the pointer in equal steps has an irregular speed when
	// its events are delivered late (automation protocols, a busy event loop); a
	// hand sampled once per frame moves further per frame at its fastest than at
	// its start and end.
	minStepCV = 0.15 // variation of the distance between successive moving samples
	// keyTolerance is how far (either way) a keyboard solution may be from the
	// gap. The arrow keys move the piece by one pixel, so a person reaches the
	// exact place; a drag gets Config.Tolerance because a hand cannot.
	keyTolerance = 2.0
)

// judge returns "" when a is an acceptable solution for a gap at answerX, and
// otherwise why not (for the log; the person only hears "验证失败").
func judge(cfg Config, answerX int, a Answer) string {
	d := float64(a.DurationMs)
	switch {
	case d < float64(cfg.MinDuration.Milliseconds()):
		return fmt.Sprintf("too fast (%d ms)", a.DurationMs)
	case d > float64(cfg.MaxDuration.Milliseconds()):
		return fmt.Sprintf("too slow (%d ms)", a.DurationMs)
	case math.Abs(a.X-float64(answerX)) > cfg.Tolerance:
		return fmt.Sprintf("off by %.1f px", a.X-float64(answerX))
	case a.Keyboard && math.Abs(a.X-float64(answerX)) > math.Min(keyTolerance, cfg.Tolerance):
		return fmt.Sprintf("keyboard answer off by %.1f px", a.X-float64(answerX))
	case len(a.Track) < cfg.MinPoints:
		return fmt.Sprintf("track of %d points", len(a.Track))
	}
	tr := a.Track
	first, last := tr[0], tr[len(tr)-1]
	switch {
	case math.Abs(first.X) > startSlack:
		return fmt.Sprintf("track starts at x=%.1f", first.X)
	case math.Abs(last.X-a.X) > endSlack:
		return fmt.Sprintf("track ends at x=%.1f, released at %.1f", last.X, a.X)
	case first.T < 0 || last.T > d+endTSlack:
		return "track times outside the duration"
	}
	for i, p := range tr {
		if p.X < -edgeSlack || p.X > MaxX+edgeSlack || math.Abs(p.Y) > maxYOffset {
			return fmt.Sprintf("point %d off the slider", i)
		}
		if i > 0 && p.T < tr[i-1].T-backSlack {
			return fmt.Sprintf("time goes back at point %d", i)
		}
	}
	if a.Keyboard {
		return judgeKeys(tr)
	}
	return judgeDrag(tr)
}

// judgeKeys accepts a track of key steps: on the line, whole pixels, at most
// KeyStep at a time. Key presses come at any rhythm (auto-repeat is regular), so
// their timing is not judged beyond the duration.
//
// A keyboard answer is thus rated like a guess: nothing in key steps tells a
// hand from a script, so the mark only trades the movement checks for a
// narrower window (keyTolerance instead of Config.Tolerance), and it still
// uses the challenge up, right or wrong, and counts against the browser's
// MaxPerBinding pictures like any other. A script that marks its answers as
// keyboard gains nothing over one that drags: it needs the gap as much, and
// more exactly.
func judgeKeys(tr []Point) string {
	for i, p := range tr {
		if p.Y != 0 {
			return fmt.Sprintf("key step %d leaves the line", i)
		}
		if math.Abs(p.X-math.Round(p.X)) > 0.01 {
			return fmt.Sprintf("key step %d not on a whole pixel", i)
		}
		if i > 0 && math.Abs(p.X-tr[i-1].X) > KeyStep+0.01 {
			return fmt.Sprintf("key step %d of %.0f px", i, p.X-tr[i-1].X)
		}
	}
	return ""
}

// judgeDrag refuses jumps, movement in even steps and movement at constant speed.
func judgeDrag(tr []Point) string {
	var moveT, moveX float64 // time and distance spent moving
	segs := 0
	for i := 1; i < len(tr); i++ {
		dx, dt := math.Abs(tr[i].X-tr[i-1].X), tr[i].T-tr[i-1].T
		if dx == 0 {
			continue
		}
		if dx/math.Max(dt, 1) > maxSpeed {
			return fmt.Sprintf("jump of %.0f px in %.1f ms at point %d", dx, dt, i)
		}
		if dt > 0 {
			moveT += dt
			moveX += dx
			segs++
		}
	}
	if segs < 3 || moveT <= 0 {
		return fmt.Sprintf("only %d moves", segs)
	}
	// Time-weighted coefficient of variation of the speed while moving.
	mean := moveX / moveT
	var vv float64
	for i := 1; i < len(tr); i++ {
		dx, dt := math.Abs(tr[i].X-tr[i-1].X), tr[i].T-tr[i-1].T
		if dx == 0 || dt <= 0 {
			continue
		}
		v := dx / dt
		vv += dt * (v - mean) * (v - mean)
	}
	if cv := math.Sqrt(vv/moveT) / mean; cv < minSpeedCV {
		return fmt.Sprintf("constant speed (variation %.3f)", cv)
	}
	// Largest distance from the line that goes from the first point to the last at
	// constant speed.
	first, last := tr[0], tr[len(tr)-1]
	dist, span := last.X-first.X, last.T-first.T
	if math.Abs(dist) < 1 || span <= 0 {
		return "no movement"
	}
	var dev float64
	for _, p := range tr {
		want := first.X + dist*(p.T-first.T)/span
		dev = math.Max(dev, math.Abs(p.X-want))
	}
	if r := dev / math.Abs(dist); r < minTimeDev {
		return fmt.Sprintf("constant-speed line (deviation %.3f)", r)
	}
	// Variation of the step length.
	stepMean := moveX / float64(segs)
	var ss float64
	for i := 1; i < len(tr); i++ {
		dx, dt := math.Abs(tr[i].X-tr[i-1].X), tr[i].T-tr[i-1].T
		if dx == 0 || dt <= 0 {
			continue
		}
		ss += (dx - stepMean) * (dx - stepMean)
	}
	if cv := math.Sqrt(ss/float64(segs)) / stepMean; cv < minStepCV {
		return fmt.Sprintf("even steps (variation %.3f)", cv)
	}
	return ""
}
