package captcha

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"slices"
)

// Geometry of every puzzle, in image pixels. A piece is a square body whose sides
// each carry a round knob (a circle whose centre lies knobOut outside the edge, so
// that the knob has a neck, as on a jigsaw piece), a notch of the same size, or
// nothing; the piece image has room for knobs on all four sides.
const (
	// Width and Height of the background image.
	Width  = 300
	Height = 150

	bodySize = 34              // side of the square body
	knobR    = 6               // knob radius
	knobOut  = 3               // knob centre outside the edge (inside for a notch)
	knobExt  = knobR + knobOut // how far a knob sticks out
	piecePad = 2               // room for the outline, the jitter and anti-aliasing
	// PieceSize is the width and height of the piece image.
	PieceSize = 2*piecePad + bodySize + 2*knobExt

	// The gap stays well away from the left edge: the piece, which starts at
	// x = 0, never overlaps it at the start, and every solution is a real drag
	// of at least minGapX pixels. The decoys lie in the same range, so that
	// their position tells nothing.
	minGapX = PieceSize + 20
	maxGapX = Width - PieceSize - 6
	minGapY = 6
	maxGapY = Height - PieceSize - 6
	// MaxX is the largest x the piece can be dragged to.
	MaxX = Width - PieceSize

	// decoys is how many more cut-outs (at most) of other outlines share the gap's row.
	decoys = 3
)

// outline says what each side of a piece carries, in the order top, right,
// bottom, left: a knob (tab), a notch or nothing (0).
type outline [4]int8

const (
	tab   = 1
	notch = -1
)

// randomOutline returns an outline with a knob or notch on at least two sides.
func randomOutline(r *rand.Rand) outline {
	for {
		var o outline
		for i := range o {
			// #nosec G115 -- r.IntN bounds the value inside the target type (0..2 minus 1; 70..179).
			o[i] = int8(r.IntN(3)) - 1
		}
		if o.features() >= 2 {
			return o
		}
	}
}

// decoyOutline returns the outline of a decoy for a gap of outline gap: gap's
// with exactly two sides changed, so that a person tells them apart at a glance
// (a knob on the left, not on the right) while the two share most of their
// contour; it has at least two knobs or notches, like every outline, and differs
// from the decoys before.
func decoyOutline(r *rand.Rand, gap outline, before ...outline) outline {
	for {
		o := gap
		for _, side := range r.Perm(4)[:2] {
			o[side] = int8((int(o[side])+1+1+r.IntN(2))%3) - 1 // one of the two other kinds
		}
		if o.features() >= 2 && !slices.Contains(before, o) {
			return o
		}
	}
}

// features counts the sides with a knob or a notch.
func (o outline) features() int {
	n := 0
	for _, k := range o {
		if k != 0 {
			n++
		}
	}
	return n
}

// extent returns the columns of the piece image, from and to, that a shape of
// outline o may cover with any pose.
func (o outline) extent() (from, to int) {
	from, to = piecePad+knobExt-2, piecePad+knobExt+bodySize+2
	if o[3] == tab {
		from -= knobExt
	}
	if o[1] == tab {
		to += knobExt
	}
	return from, to
}

// pose is how one drawing of an outline differs from another: a small turn, a
// small change of size and a wobble of the contour. The piece and each cut-out get
// their own, so that the piece is the gap's outline to the eye but not a pixel
// template of it.
type pose struct {
	sin, cos, scale float64
	wobble          [3]wave
}

// wave is one term of the contour's wobble: amp pixels, k times around.
type wave struct{ k, amp, phase float64 }

const (
	// Every cut-out is turned by gapTurn radians, clockwise or not, give or take
	// maxTurnJitter; the piece only by the jitter. A person sees the same
	// outline turned a little; a template of the piece's outline no longer lies
	// on the gap's edges.
	gapTurn       = 0.25 // 14°
	maxTurnJitter = 0.07 // 4°
	minScale      = 0.9
	maxScale      = 1.07
	maxWobble     = 0.5 // pixels per wave
	// pieceShrink makes the piece smaller than its gap, by 2 to 3 pixels on each
	// side: it sits inside the hole with the hole's dark edge around it, which a
	// person reads as a fit, while its outline runs beside the gap's edges, not on
	// them.
	pieceShrink = 0.87
)

// randomPose returns a pose turned by turn radians, give or take maxTurnJitter.
func randomPose(r *rand.Rand, turn float64) pose {
	a := turn + (2*r.Float64()-1)*maxTurnJitter
	p := pose{sin: math.Sin(a), cos: math.Cos(a), scale: minScale + r.Float64()*(maxScale-minScale)}
	for i := range p.wobble {
		p.wobble[i] = wave{k: float64(3 + 2*i + r.IntN(2)), amp: r.Float64() * maxWobble, phase: r.Float64() * 2 * math.Pi}
	}
	return p
}

// shape holds, for each pixel of the piece image, the signed distance to the
// contour (negative inside), the coverage (0…1, the edge ramp soft pixels wide)
// and the strength of a line just inside the contour (0…1).
type shape struct {
	dist, cover, line [PieceSize * PieceSize]float32
}

// farOut is a distance from the piece's centre beyond every contour: the knob's
// tip lies at bodySize/2+knobExt = 26 pixels, 27.8 at the largest scale, plus
// the wobble.
const farOut = 31

// drawShape computes the shape of outline o in pose ps.
func drawShape(o outline, ps pose, soft float64) *shape {
	s := new(shape)
	const c = PieceSize / 2.0
	const h = bodySize / 2.0
	normals := [4][2]float64{{0, -1}, {1, 0}, {0, 1}, {-1, 0}}
	for j := range PieceSize {
		for i := range PieceSize {
			dx, dy := float64(i)+0.5-c, float64(j)+0.5-c
			k := j*PieceSize + i
			if dx*dx+dy*dy > farOut*farOut { // far beyond any knob: the corners
				s.dist[k] = farOut
				continue
			}
			qx := (ps.cos*dx + ps.sin*dy) / ps.scale
			qy := (-ps.sin*dx + ps.cos*dy) / ps.scale
			d := sdBox(qx, qy, h)
			for side, k := range o {
				if k == 0 {
					continue
				}
				off := h + knobOut*float64(k)
				kd := math.Hypot(qx-normals[side][0]*off, qy-normals[side][1]*off) - knobR
				if k == tab {
					d = math.Min(d, kd)
				} else {
					d = math.Max(d, -kd)
				}
			}
			d *= ps.scale
			if d < 4 {
				a := math.Atan2(qy, qx)
				for _, w := range ps.wobble {
					d += w.amp * math.Sin(w.k*a+w.phase)
				}
			}
			s.dist[k] = float32(d)
			s.cover[k] = float32(clamp01(0.5 - d/soft))
			s.line[k] = float32(clamp01(1 - math.Abs(d+0.9)/0.9))
		}
	}
	return s
}

// sdBox is the signed distance from (x, y) to an axis-aligned square of half side h
// centred at the origin: negative inside.
func sdBox(x, y, h float64) float64 {
	qx, qy := math.Abs(x)-h, math.Abs(y)-h
	out := math.Hypot(math.Max(qx, 0), math.Max(qy, 0))
	return out + math.Min(math.Max(qx, qy), 0)
}

func clamp01(v float64) float64 {
	switch {
	case v < 0:
		return 0
	case v > 1:
		return 1
	}
	return v
}

// puzzle is one drawn challenge: the background with the gap and the decoys, the
// piece, and the gap's position (the answer).
type puzzle struct {
	bg    *image.RGBA
	piece *image.NRGBA
	x, y  int
	// For the tests: every cut-out on the row, the gap first, and the piece's
	// shape.
	cuts         []cut
	pieceOutline outline
	pieceShape   *shape
}

// cut is one cut-out drawn on the background: the gap or a decoy.
type cut struct {
	x       int
	outline outline
	shape   *shape
}

// drawPuzzle draws a new background from r, cuts the gap and the decoys into it
// along one row, and draws the piece in the gap's outline. r must be seeded from
// crypto/rand: the gap position is the secret.
//
// The defence against image analysis is in how they are drawn: the decoys are
// cut exactly like the gap, so finding cut-outs leaves a choice of up to four;
// a cut-out is a smooth patch in a grainy picture, barely darker or lighter, so
// edges and darkness do not single it out, and shadows and hatching lie on the
// row beside the cut-outs; the piece is drawn in its own colours, not copied
// from the picture, so matching its pixels finds nothing; and the piece and every
// cut-out have their own turn, size and contour wobble, so the piece's outline is
// no exact template of the gap. A person compares the outlines: only one cut-out
// has the piece's knobs and notches.
func drawPuzzle(r *rand.Rand) puzzle {
	bg, outlines, xs, y := drawPicture(r)
	p := puzzle{bg: bg, x: xs[0], y: y}
	for i, x := range xs {
		turn := gapTurn
		if r.IntN(2) == 0 {
			turn = -turn
		}
		c := cut{x: x, outline: outlines[i], shape: drawShape(outlines[i], randomPose(r, turn), gapSoftness)}
		markGap(bg, c, y, r)
		p.cuts = append(p.cuts, c)
	}
	ps := randomPose(r, 0)
	ps.scale *= pieceShrink
	p.pieceOutline, p.pieceShape = outlines[0], drawShape(outlines[0], ps, 1)

	p.piece = drawPiece(p.pieceShape, r)
	return p
}

// drawPicture draws the picture before the cuts, and chooses the outlines and
// places of the cut-outs (the gap's first) and their row.
func drawPicture(r *rand.Rand) (bg *image.RGBA, outlines []outline, xs []int, y int) {
	bg = drawBackground(r)
	outlines = []outline{randomOutline(r)}
	for range decoys {
		outlines = append(outlines, decoyOutline(r, outlines[0], outlines[1:]...))
	}
	xs, y = placeGaps(r, outlines)
	drawRowDistractors(bg, r, y, xs, outlines)
	return bg, outlines, xs, y
}

// placeGaps picks the row and, for each outline, a column in the allowed range:
// the cut-outs go in a random order along the row with the free room shared out
// at random between them, at least 3 pixels apart. The first outline is the
// gap's; as its place in the order is random and every cut-out is drawn the same
// way, nothing in the positions tells the gap from the decoys. When the outlines
// are too wide to fit side by side, the last decoys are left out.
func placeGaps(r *rand.Rand, outlines []outline) (xs []int, y int) {
	y = minGapY + r.IntN(maxGapY-minGapY+1)
	var order []int
	free := -1
	for n := len(outlines); free < 0; n-- {
		for range 8 {
			if order = r.Perm(n); n == 1 {
				free = maxGapX - minGapX
			} else {
				free = room(outlinesIn(outlines, order))
			}
			if free >= 0 {
				break
			}
		}
	}
	n := len(order)
	// Stars and bars: n cuts of the free room, uniformly.
	cuts := make([]int, n)
	for i := range cuts {
		cuts[i] = r.IntN(free + 1)
	}
	slices.Sort(cuts)
	xs = make([]int, n)
	x, prev := minGapX, 0
	for i, k := range order {
		if i > 0 {
			_, to := outlines[order[i-1]].extent()
			from, _ := outlines[k].extent()
			x += to + 3 - from
		}
		x += cuts[i] - prev
		prev = cuts[i]
		xs[k] = x
	}
	return xs, y
}

// room is how many columns are left over when cut-outs of outlines, in this
// order, stand side by side from minGapX: negative when they do not fit before
// maxGapX.
func room(outlines []outline) int {
	x := minGapX
	for i := 1; i < len(outlines); i++ {
		_, to := outlines[i-1].extent()
		from, _ := outlines[i].extent()
		x += to + 3 - from
	}
	return maxGapX - x
}

// apart reports whether cut-outs of outlines at columns xs leave at least 3
// pixels between each other.
func apart(xs []int, outlines []outline) bool {
	for i := range xs {
		for j := range xs {
			if i == j || xs[i] > xs[j] {
				continue
			}
			_, rightI := outlines[i].extent()
			leftJ, _ := outlines[j].extent()
			if xs[i]+rightI+3 > xs[j]+leftJ {
				return false
			}
		}
	}
	return true
}

func outlinesIn(outlines []outline, order []int) []outline {
	out := make([]outline, len(order))
	for i, k := range order {
		out[i] = outlines[k]
	}
	return out
}

// drawBackground draws the picture before the cut-outs.
func drawBackground(r *rand.Rand) *image.RGBA {
	bg := image.NewRGBA(image.Rect(0, 0, Width, Height))
	drawGradient(bg, r)
	drawShapes(bg, r)
	drawHatching(bg, r)
	drawStrokes(bg, r)
	drawNoise(bg, r)
	return bg
}

// drawGradient fills m with a linear gradient between two random colours at a
// random angle.
func drawGradient(m *image.RGBA, r *rand.Rand) {
	c0 := randomColor(r, 0.35, 0.75)
	c1 := randomColor(r, 0.35, 0.75)
	a := r.Float64() * 2 * math.Pi
	dx, dy := math.Cos(a), math.Sin(a)
	// Project the corners to find the range of t.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range [4][2]float64{{0, 0}, {Width, 0}, {0, Height}, {Width, Height}} {
		t := c[0]*dx + c[1]*dy
		lo, hi = math.Min(lo, t), math.Max(hi, t)
	}
	span := hi - lo
	for y := range Height {
		row := m.Pix[y*m.Stride:]
		for x := range Width {
			t := ((float64(x)*dx + float64(y)*dy) - lo) / span
			o := 4 * x
			row[o+0] = lerp8(c0.R, c1.R, t)
			row[o+1] = lerp8(c0.G, c1.G, t)
			row[o+2] = lerp8(c0.B, c1.B, t)
			row[o+3] = 0xff
		}
	}
}

// drawShapes scatters translucent rectangles (with image/draw), discs and rings
// over m, so that the gap's surroundings differ from picture to picture and
// sharp vertical edges cross the gap's row at many places.
func drawShapes(m *image.RGBA, r *rand.Rand) {
	for range 8 + r.IntN(4) {
		w, h := 10+r.IntN(80), 12+r.IntN(60)
		x0, y0 := r.IntN(Width)-w/2, r.IntN(Height)-h/2
		c := randomColor(r, 0.2, 0.95)
		// #nosec G115 -- r.IntN bounds the value inside the target type (0..2 minus 1; 70..179).
		c.A = uint8(70 + r.IntN(110))
		draw.Draw(m, image.Rect(x0, y0, x0+w, y0+h), image.NewUniform(c), image.Point{}, draw.Over)
	}
	for range 8 + r.IntN(6) {
		cx, cy := r.Float64()*Width, r.Float64()*Height
		rad := 6 + r.Float64()*30
		ring := r.IntN(3) == 0
		c := randomColor(r, 0.2, 0.95)
		alpha := 0.25 + 0.5*r.Float64()
		fillDisc(m, cx, cy, rad, ring, c, alpha)
	}
}

// drawRowDistractors puts shadows and hatching on the cut-outs' row (y to
// y+PieceSize), where a solver looks, beside the cut-outs at xs (of outlines) and
// not over them, so that a person still sees every cut-out clearly: the
// darkest and the most textured place along the row is then as often one of
// these as a cut-out.
func drawRowDistractors(m *image.RGBA, r *rand.Rand, y int, xs []int, outlines []outline) {
	// free reports whether columns from lo to hi stay off every cut-out's body
	// but for a few pixels.
	free := func(lo, hi float64) bool {
		for i, x := range xs {
			from, to := outlines[i].extent()
			if hi > float64(x+from+6) && lo < float64(x+to-6) {
				return false
			}
		}
		return true
	}
	for range 2 {
		for range 20 {
			cx, rad := r.Float64()*Width, 16+r.Float64()*14
			if free(cx-rad, cx+rad) {
				fillDisc(m, cx, float64(y)+r.Float64()*PieceSize, rad, false, shadowColor, 0.35+0.3*r.Float64())
				break
			}
		}
	}
	for range 2 {
		for range 20 {
			w, h := 24+r.IntN(30), 30+r.IntN(30)
			x0 := r.IntN(Width) - w/2
			if free(float64(x0), float64(x0+w)) {
				hatch(m, image.Rect(0, 0, w, h).Add(image.Pt(x0, y+r.IntN(PieceSize)-h/2)), r)
				break
			}
		}
	}
}

var shadowColor = color.NRGBA{R: 0x10, G: 0x10, B: 0x18, A: 0xff}

// drawHatching fills a few rectangles of m with sharp stripes: texture whose
// edges are as strong as a cut-out's outline.
func drawHatching(m *image.RGBA, r *rand.Rand) {
	for range 2 + r.IntN(3) {
		w, h := 30+r.IntN(60), 20+r.IntN(50)
		hatch(m, image.Rect(0, 0, w, h).Add(image.Pt(r.IntN(Width)-w/2, r.IntN(Height)-h/2)), r)
	}
}

// hatch lightens or darkens stripes of random angle and width in b.
func hatch(m *image.RGBA, b image.Rectangle, r *rand.Rand) {
	b = b.Intersect(m.Rect)
	a := r.Float64() * math.Pi
	dx, dy := math.Cos(a), math.Sin(a)
	period := 4 + r.Float64()*5
	amp := 18 + r.IntN(22)
	if r.IntN(2) == 0 {
		amp = -amp
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		pix := m.Pix[y*m.Stride:]
		for x := b.Min.X; x < b.Max.X; x++ {
			t := math.Mod(float64(x)*dx+float64(y)*dy+1000, period)
			if t > period/2 {
				continue
			}
			o := 4 * x
			pix[o+0] = add8(pix[o+0], amp)
			pix[o+1] = add8(pix[o+1], amp)
			pix[o+2] = add8(pix[o+2], amp)
		}
	}
}

// drawStrokes draws light and dark line segments, some of them arcs of the
// size of a knob, across m.
func drawStrokes(m *image.RGBA, r *rand.Rand) {
	for range 8 + r.IntN(6) {
		x0, y0 := r.Float64()*Width, r.Float64()*Height
		a := r.Float64() * 2 * math.Pi
		l := 15 + r.Float64()*60
		x1, y1 := x0+l*math.Cos(a), y0+l*math.Sin(a)
		c := color.NRGBA{R: 0xf4, G: 0xf4, B: 0xf0, A: 0xff}
		if r.IntN(2) == 0 {
			c = color.NRGBA{R: 0x18, G: 0x18, B: 0x20, A: 0xff}
		}
		drawSegment(m, x0, y0, x1, y1, 0.6+r.Float64()*1.2, c, 0.35+0.4*r.Float64())
	}
}

// drawSegment blends an anti-aliased line of half width hw from (x0, y0) to
// (x1, y1) into m.
func drawSegment(m *image.RGBA, x0, y0, x1, y1, hw float64, c color.NRGBA, alpha float64) {
	b := image.Rect(int(math.Min(x0, x1)-hw-1), int(math.Min(y0, y1)-hw-1),
		int(math.Max(x0, x1)+hw+2), int(math.Max(y0, y1)+hw+2))
	vx, vy := x1-x0, y1-y0
	ll := vx*vx + vy*vy
	paint(m, b, c, alpha, func(px, py float64) float64 {
		px, py = px-x0, py-y0
		t := clamp01((px*vx + py*vy) / ll)
		return math.Hypot(px-t*vx, py-t*vy) - hw
	})
}

// fillDisc blends a disc (or, when ring, a 3-pixel ring) of colour c into m with
// anti-aliased edges.
func fillDisc(m *image.RGBA, cx, cy, rad float64, ring bool, c color.NRGBA, alpha float64) {
	b := image.Rect(int(cx-rad-1), int(cy-rad-1), int(cx+rad+2), int(cy+rad+2))
	paint(m, b, c, alpha, func(px, py float64) float64 {
		d := math.Hypot(px-cx, py-cy) - rad
		if ring {
			d = math.Abs(d+1.5) - 1.5
		}
		return d
	})
}

// paint blends colour c at alpha into the pixels of m within b that a shape
// covers, anti-aliased: dist is the signed distance from a pixel's centre to the
// shape's edge, negative inside.
func paint(m *image.RGBA, b image.Rectangle, c color.NRGBA, alpha float64, dist func(x, y float64) float64) {
	b = b.Intersect(m.Rect)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			a := clamp01(0.5-dist(float64(x)+0.5, float64(y)+0.5)) * alpha
			if a <= 0 {
				continue
			}
			o := m.PixOffset(x, y)
			m.Pix[o+0] = blend8(m.Pix[o+0], c.R, a)
			m.Pix[o+1] = blend8(m.Pix[o+1], c.G, a)
			m.Pix[o+2] = blend8(m.Pix[o+2], c.B, a)
		}
	}
}

// drawNoise adds grey grain of 16 levels (±15) in 2×2 blocks: it makes the
// picture busy with small edges everywhere, against which the smoothed cut-outs
// stand out to the eye but not to an edge detector, while the blocks and the
// same value on all three channels keep the PNG small and quick to compress.
func drawNoise(m *image.RGBA, r *rand.Rand) {
	const amp = 15
	var bits uint64
	left := 0
	row := make([]int, Width/2)
	for y := 0; y < Height; y += 2 {
		for i := range row {
			if left == 0 {
				bits, left = r.Uint64(), 16
			}
			row[i] = 2*int(bits&0xf) - amp
			bits >>= 4
			left--
		}
		for dy := range 2 {
			pix := m.Pix[(y+dy)*m.Stride:]
			for x := range Width {
				n, o := row[x/2], 4*x
				pix[o+0] = add8(pix[o+0], n)
				pix[o+1] = add8(pix[o+1], n)
				pix[o+2] = add8(pix[o+2], n)
			}
		}
	}
}

// Drawing of the cut-outs and the piece.
const (
	gapSoftness = 1.6 // pixels of the cut-out's edge ramp
	shadeDepth  = 4.0 // pixels of the shade inside a cut-out's upper left edge
)

// markGap cuts c into bg at row y: inside the cut-out the picture is smoothed
// (a 9×9 box blur wipes out its grain and hatching but keeps its colours),
// darkened or lightened a little, shaded inside its upper left edge, and a line
// runs along its contour, light on a dark cut-out and dark on a light one. A
// person sees a smooth slot of that outline in a grainy picture at once (the eye
// separates textures without effort); to a detector of edges, darkness or
// pixel patterns a cut-out is a quiet place, no stronger than any other. Each
// cut-out gets its own tone and line strength from r.
func markGap(bg *image.RGBA, c cut, y int, r *rand.Rand) {
	tone, line := uint8(0x10), uint8(0xff)
	depth := 0.05 + 0.07*r.Float64()
	if r.IntN(2) == 0 {
		tone, line = 0xff, 0x10
	}
	rim := 0.15 + 0.15*r.Float64()
	smooth := boxBlur(bg, image.Rect(c.x, y, c.x+PieceSize, y+PieceSize), 4)
	s := c.shape
	for j := range PieceSize {
		for i := range PieceSize {
			k := j*PieceSize + i
			cv, l := float64(s.cover[k]), float64(s.line[k])*rim
			if cv == 0 && l == 0 {
				continue
			}
			shade := 0.0
			if d := float64(s.dist[k]); d < 0 && d > -shadeDepth && i+j < PieceSize {
				shade = 0.12 * (1 + d/shadeDepth)
			}
			o := bg.PixOffset(c.x+i, y+j)
			for ch := range 3 {
				v := blend8(bg.Pix[o+ch], smooth[4*k+ch], cv)
				v = blend8(v, tone, depth*cv)
				v = blend8(v, 0x10, shade*cv)
				bg.Pix[o+ch] = blend8(v, line, l)
			}
		}
	}
}

// boxBlur returns the pixels of b (PieceSize square) of m averaged over squares
// of 2·rad+1 pixels (clipped at m's edges), four bytes a pixel.
func boxBlur(m *image.RGBA, b image.Rectangle, rad int) []uint8 {
	w, h := b.Dx(), b.Dy()
	out := make([]uint8, 4*w*h)
	// Sums along rows over the taller area, then along columns.
	ext := image.Rect(b.Min.X, b.Min.Y-rad, b.Max.X, b.Max.Y+rad).Intersect(m.Rect)
	rows := make([][3]float64, w*ext.Dy())
	for y := ext.Min.Y; y < ext.Max.Y; y++ {
		for i := range w {
			x := b.Min.X + i
			var sum [3]float64
			n := 0
			for xx := max(x-rad, 0); xx <= min(x+rad, m.Rect.Max.X-1); xx++ {
				o := m.PixOffset(xx, y)
				sum[0] += float64(m.Pix[o])
				sum[1] += float64(m.Pix[o+1])
				sum[2] += float64(m.Pix[o+2])
				n++
			}
			for ch := range 3 {
				sum[ch] /= float64(n)
			}
			rows[(y-ext.Min.Y)*w+i] = sum
		}
	}
	for j := range h {
		y := b.Min.Y + j
		for i := range w {
			var sum [3]float64
			n := 0
			for yy := max(y-rad, ext.Min.Y); yy <= min(y+rad, ext.Max.Y-1); yy++ {
				v := rows[(yy-ext.Min.Y)*w+i]
				sum[0] += v[0]
				sum[1] += v[1]
				sum[2] += v[2]
				n++
			}
			for ch := range 3 {
				out[4*(j*w+i)+ch] = uint8(sum[ch]/float64(n) + 0.5)
			}
		}
	}
	return out
}

// drawPiece draws the piece in shape s as a pale tile of its own random colour
// and grain, lighter at the top, with a dark line around it so that it stands
// out on any picture. Its pixels owe nothing to the picture where the gap is, and
// it has no light rim like the cut-outs', so neither matching its pixels nor its
// rim finds the gap.
func drawPiece(s *shape, r *rand.Rand) *image.NRGBA {
	p := image.NewNRGBA(image.Rect(0, 0, PieceSize, PieceSize))
	base := randomColor(r, 0.15, 0.3)
	lift := 0.55 + 0.3*r.Float64() // towards white: a pale tile
	for j := range PieceSize {
		for i := range PieceSize {
			k := j*PieceSize + i
			d, cv := float64(s.dist[k]), float64(s.cover[k])
			stroke := 0.65 * clamp01(1-math.Abs(d-0.6)/1.1)
			alpha := cv + (1-cv)*stroke
			if alpha <= 0 {
				continue
			}
			t := float64(j) / PieceSize
			grain := r.IntN(9) - 4
			o := 4 * k
			for ch, v := range [3]uint8{base.R, base.G, base.B} {
				v = add8(blend8(blend8(v, 0xff, lift), 0x30, 0.25*t), grain)
				// The dark line outside the contour.
				p.Pix[o+ch] = uint8((float64(v)*cv + 0x28*(1-cv)*stroke) / alpha)
			}
			p.Pix[o+3] = uint8(math.Round(alpha * 255))
		}
	}
	return p
}

// randomColor returns an opaque colour of random hue with a saturation and value
// between lo and hi.
func randomColor(r *rand.Rand, lo, hi float64) color.NRGBA {
	h := r.Float64() * 6
	s := lo + r.Float64()*(hi-lo)
	v := lo + r.Float64()*(hi-lo)
	c := v * s
	x := c * (1 - math.Abs(math.Mod(h, 2)-1))
	var rr, gg, bb float64
	switch int(h) {
	case 0:
		rr, gg = c, x
	case 1:
		rr, gg = x, c
	case 2:
		gg, bb = c, x
	case 3:
		gg, bb = x, c
	case 4:
		rr, bb = x, c
	default:
		rr, bb = c, x
	}
	m := v - c
	return color.NRGBA{R: to8(rr + m), G: to8(gg + m), B: to8(bb + m), A: 0xff}
}

func to8(v float64) uint8 { return uint8(math.Round(clamp01(v) * 255)) }

// lerp8 and blend8 round by adding ½ before truncating: their results are never
// negative, and math.Round costs more in these per-pixel loops.
func lerp8(a, b uint8, t float64) uint8 {
	return uint8(float64(a) + (float64(b)-float64(a))*t + 0.5)
}

func blend8(dst, src uint8, a float64) uint8 {
	return uint8(float64(dst)*(1-a) + float64(src)*a + 0.5)
}

func add8(v uint8, n int) uint8 { return uint8(max(0, min(255, int(v)+n))) }
