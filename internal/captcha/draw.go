package captcha

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"sync"
)

// Geometry of every puzzle, in image pixels. The piece is a square body with a
// round knob on its top and on its right side, each a circle whose centre lies
// knobOut outside the edge so that the knob has a neck, as on a jigsaw piece.
const (
	// Width and Height of the background image.
	Width  = 300
	Height = 150

	bodySize = 40              // side of the square body
	knobR    = 7               // knob radius
	knobOut  = 4               // knob centre outside the edge
	knobExt  = knobR + knobOut // how far a knob sticks out
	piecePad = 2               // room for the outline and anti-aliasing
	// PieceSize is the width and height of the piece image.
	PieceSize = 2*piecePad + bodySize + knobExt

	// The gap stays well away from the left edge: the piece, which starts at
	// x = 0, never overlaps it at the start, and every solution is a real drag
	// of at least minGapX pixels.
	minGapX = 90
	maxGapX = Width - PieceSize - 6
	minGapY = 6
	maxGapY = Height - PieceSize - 6
	// MaxX is the largest x the piece can be dragged to.
	MaxX = Width - PieceSize
)

// shape holds, for each pixel of the piece image, the coverage of the shape (0…1,
// anti-aliased) and the strength of its outline (0…1).
type shape struct {
	cover, line [PieceSize * PieceSize]float32
}

// pieceShape is the one shape of every piece, computed once.
var pieceShape = sync.OnceValue(func() *shape {
	s := new(shape)
	bx0, by0 := float64(piecePad), float64(piecePad+knobExt) // body top-left
	bc := [2]float64{bx0 + bodySize/2, by0 + bodySize/2}
	knobs := [2][2]float64{
		{bx0 + bodySize/2, by0 - knobOut},            // top knob
		{bx0 + bodySize + knobOut, by0 + bodySize/2}, // right knob
	}
	for j := range PieceSize {
		for i := range PieceSize {
			px, py := float64(i)+0.5, float64(j)+0.5
			d := sdBox(px-bc[0], py-bc[1], bodySize/2)
			for _, k := range knobs {
				d = math.Min(d, math.Hypot(px-k[0], py-k[1])-knobR)
			}
			s.cover[j*PieceSize+i] = float32(clamp01(0.5 - d))
			// A line about 1.5 px wide just inside the edge.
			s.line[j*PieceSize+i] = float32(clamp01(1 - math.Abs(d+0.9)/0.9))
		}
	}
	return s
})

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

// puzzle is one drawn challenge: the background with the gap, the piece, and the
// gap's position (the answer).
type puzzle struct {
	bg    *image.RGBA
	piece *image.NRGBA
	x, y  int
}

// drawPuzzle draws a new background from r, cuts the piece at a random position
// and then marks the gap. r must be seeded from crypto/rand: the gap position is
// the secret.
func drawPuzzle(r *rand.Rand) puzzle {
	bg := drawBackground(r)
	x, y := placeGap(r)
	p := puzzle{bg: bg, x: x, y: y}
	p.piece = cutPiece(bg, p.x, p.y)
	markGap(bg, p.x, p.y)
	return p
}

// placeGap picks the gap's top-left corner, uniformly in the allowed area.
func placeGap(r *rand.Rand) (x, y int) {
	return minGapX + r.IntN(maxGapX-minGapX+1), minGapY + r.IntN(maxGapY-minGapY+1)
}

// drawBackground draws the picture before the gap is cut.
func drawBackground(r *rand.Rand) *image.RGBA {
	bg := image.NewRGBA(image.Rect(0, 0, Width, Height))
	drawGradient(bg, r)
	drawShapes(bg, r)
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
// over m, so that the gap's surroundings differ from picture to picture.
func drawShapes(m *image.RGBA, r *rand.Rand) {
	for range 6 + r.IntN(4) {
		w, h := 20+r.IntN(90), 12+r.IntN(60)
		x0, y0 := r.IntN(Width)-w/2, r.IntN(Height)-h/2
		c := randomColor(r, 0.25, 0.9)
		c.A = uint8(60 + r.IntN(100))
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

// fillDisc blends a disc (or, when ring, a 3-pixel ring) of colour c into m with
// anti-aliased edges.
func fillDisc(m *image.RGBA, cx, cy, rad float64, ring bool, c color.NRGBA, alpha float64) {
	b := image.Rect(int(cx-rad-1), int(cy-rad-1), int(cx+rad+2), int(cy+rad+2)).Intersect(m.Rect)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy) - rad
			if ring {
				d = math.Abs(d+1.5) - 1.5
			}
			a := clamp01(0.5-d) * alpha
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

// drawNoise adds grey noise of a few levels in 2×2 blocks: it breaks the flat
// areas that make the gap trivial to find by subtracting neighbours, while the
// blocks and the same value on all three channels keep the PNG small and quick
// to compress.
func drawNoise(m *image.RGBA, r *rand.Rand) {
	const amp = 6
	var bits uint64
	left := 0
	row := make([]int, Width/2)
	for y := 0; y < Height; y += 2 {
		for i := range row {
			if left == 0 {
				bits, left = r.Uint64(), 16
			}
			row[i] = int(bits&0xf)%(2*amp+1) - amp
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

// cutPiece copies the piece at (x, y) out of bg, with the shape as alpha and a
// light outline.
func cutPiece(bg *image.RGBA, x, y int) *image.NRGBA {
	p := image.NewNRGBA(image.Rect(0, 0, PieceSize, PieceSize))
	draw.Draw(p, p.Rect, bg, image.Pt(x, y), draw.Src)
	s := pieceShape()
	for i := range PieceSize * PieceSize {
		o := 4 * i
		if l := float64(s.line[i]) * 0.9; l > 0 {
			p.Pix[o+0] = blend8(p.Pix[o+0], 0xff, l)
			p.Pix[o+1] = blend8(p.Pix[o+1], 0xff, l)
			p.Pix[o+2] = blend8(p.Pix[o+2], 0xff, l)
		}
		p.Pix[o+3] = uint8(math.Round(float64(s.cover[i]) * 255))
	}
	return p
}

// markGap darkens the gap at (x, y) in bg and outlines it lightly, so a person
// sees where the piece belongs.
func markGap(bg *image.RGBA, x, y int) {
	s := pieceShape()
	for j := range PieceSize {
		for i := range PieceSize {
			k := j*PieceSize + i
			c, l := float64(s.cover[k]), float64(s.line[k])*0.6
			if c == 0 && l == 0 {
				continue
			}
			o := bg.PixOffset(x+i, y+j)
			for ch := range 3 {
				v := bg.Pix[o+ch]
				v = blend8(v, 0x10, 0.55*c)
				bg.Pix[o+ch] = blend8(v, 0xff, l)
			}
		}
	}
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
