package rights

import (
	"math"

	"hall/internal/rights/pdfdoc"
)

// sealCaption is the line under the star. The seal is drawn from the configured
// bureau name, never from an image of a real seal: it shows that the record is
// sealed (note 3), while what makes it binding is the digital signature.
const sealCaption = "电子印章"

// drawSeal draws a round official-style seal of radius r centred at (cx, cy): a red
// ring, a five-pointed star in the middle, the bureau's name along the upper arc
// (characters upright towards the rim) and the caption below the star, blended so
// that the text under it stays readable.
func drawSeal(p *pdfdoc.Page, cx, cy, r float64, bureau string) {
	p.SetMultiply(true)
	p.SetStroke(pdfdoc.Red)
	p.SetFill(pdfdoc.Red)
	p.SetLineWidth(r * 0.05)
	p.Circle(cx, cy, r*0.96, pdfdoc.Stroke)
	p.Polygon(star(cx, cy, r*0.3), pdfdoc.Fill)

	name := []rune(bureau)
	if n := len(name); n > 0 {
		// Characters sit on an inner circle; they take an equal share of an arc
		// that grows with their number up to 250°, and shrink when it is full.
		size := r * 0.24
		inner := r*0.86 - size
		step := size * 1.1 / inner // radians per character at this size
		span := min(step*float64(n), 250*math.Pi/180)
		step = span / float64(n)
		size = min(size, step*inner/1.05)
		for i, c := range name {
			theta := math.Pi/2 + span/2 - (float64(i)+0.5)*step // from +x, counter-clockwise
			s := string(c)
			w := p.TextWidth(s, size)
			// The baseline runs clockwise along the circle: tangent = theta - 90°.
			tangent := theta - math.Pi/2
			x := cx + inner*math.Cos(theta) - w/2*math.Cos(tangent)
			y := cy - inner*math.Sin(theta) + w/2*math.Sin(tangent)
			p.TextRotated(x, y, size, tangent, s)
		}
	}
	size := r * 0.16
	p.Text(cx-p.TextWidth(sealCaption, size)/2, cy+r*0.58, size, sealCaption)
	p.SetFill(pdfdoc.Black)
	p.SetStroke(pdfdoc.Black)
	p.SetMultiply(false)
}

// star is a five-pointed star of outer radius R around (cx, cy), one point up.
func star(cx, cy, R float64) []pdfdoc.Point {
	inner := R * 0.382 // golden-ratio inner radius: the points' edges line up
	pts := make([]pdfdoc.Point, 0, 10)
	for k := range 10 {
		rad := R
		if k%2 == 1 {
			rad = inner
		}
		a := math.Pi/2 + float64(k)*math.Pi/5
		pts = append(pts, pdfdoc.Point{X: cx + rad*math.Cos(a), Y: cy - rad*math.Sin(a)})
	}
	return pts
}
