package captcha

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func seeded(n byte) *rand.Rand {
	var seed [32]byte
	seed[0] = n
	return rand.New(rand.NewChaCha8(seed))
}

func decodePNG(t testing.TB, b []byte) image.Image {
	t.Helper()
	m, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	return m
}

func nrgba(m image.Image, x, y int) color.NRGBA {
	return color.NRGBAModel.Convert(m.At(x, y)).(color.NRGBA)
}

// TestPieceMatchesGap draws puzzles and compares the decoded images with the
// picture before the cuts (redrawn from the same seed): outside the cut-outs the
// background is the picture, inside each cut-out it is darker, the piece is
// opaque inside its shape and transparent outside, and it has the gap's outline
// and fits inside it.
func TestPieceMatchesGap(t *testing.T) {
	for n := range byte(8) {
		pz := drawPuzzle(seeded(n))
		orig, _, _, _ := drawPicture(seeded(n))
		bgPNG, err := encodePNG(pz.bg)
		if err != nil {
			t.Fatal(err)
		}
		piecePNG, err := encodePNG(pz.piece)
		if err != nil {
			t.Fatal(err)
		}
		bg, piece := decodePNG(t, bgPNG), decodePNG(t, piecePNG)
		if got := bg.Bounds(); got != image.Rect(0, 0, Width, Height) {
			t.Fatalf("background is %v", got)
		}
		if got := piece.Bounds(); got != image.Rect(0, 0, PieceSize, PieceSize) {
			t.Fatalf("piece is %v", got)
		}
		if pz.x < minGapX || pz.x > maxGapX || pz.y < minGapY || pz.y > maxGapY {
			t.Fatalf("gap at (%d, %d) outside the allowed area", pz.x, pz.y)
		}
		if len(pz.cuts) < 3 || pz.cuts[0].x != pz.x {
			t.Fatalf("puzzle %d: cuts %+v", n, pz.cuts)
		}
		// Which pixels of the background some cut-out touches.
		touched := map[image.Point]bool{}
		for _, c := range pz.cuts {
			for k := range PieceSize * PieceSize {
				if c.shape.cover[k] > 0 || c.shape.line[k] > 0 {
					touched[image.Pt(c.x+k%PieceSize, pz.y+k/PieceSize)] = true
				}
			}
		}
		for y := range Height {
			for x := range Width {
				g, o := nrgba(bg, x, y), orig.RGBAAt(x, y)
				if !touched[image.Pt(x, y)] && (g.R != o.R || g.G != o.G || g.B != o.B) {
					t.Fatalf("puzzle %d: background (%d,%d) outside the cut-outs changed", n, x, y)
				}
			}
		}
		// Each cut-out is changed from the picture all over: shaded and striped.
		for ci, c := range pz.cuts {
			var inside int
			var change float64
			for k := range PieceSize * PieceSize {
				if c.shape.cover[k] < 1 || c.shape.line[k] > 0 {
					continue
				}
				inside++
				x, y := c.x+k%PieceSize, pz.y+k/PieceSize
				change += math.Abs(lum(nrgba(bg, x, y)) - lum(orig.RGBAAt(x, y)))
			}
			// The body alone is 34×34 = 1,156 pixels; each notch takes ~120, and
			// the soft edge a ring of 2 pixels.
			if inside < 400 || change < 5*float64(inside) {
				t.Errorf("puzzle %d, cut %d: %d pixels inside, changed by %.1f on average", n, ci, inside, change/float64(inside))
			}
		}
		// The piece: opaque inside its shape, transparent well outside.
		var opaque int
		for k := range PieceSize * PieceSize {
			i, j := k%PieceSize, k/PieceSize
			a := nrgba(piece, i, j).A
			switch {
			case pz.pieceShape.cover[k] == 1:
				opaque++
				if a != 0xff {
					t.Fatalf("puzzle %d: piece pixel (%d,%d) inside has alpha %d", n, i, j, a)
				}
			case pz.pieceShape.dist[k] > 2.5 && a != 0:
				t.Fatalf("puzzle %d: piece pixel (%d,%d) outside has alpha %d", n, i, j, a)
			}
		}
		if opaque < 500 {
			t.Errorf("puzzle %d: piece of %d opaque pixels", n, opaque)
		}
		// The piece has the gap's outline, which no decoy has, and placed on the
		// gap it lies inside the hole.
		if pz.pieceOutline != pz.cuts[0].outline {
			t.Errorf("puzzle %d: piece %v, gap %v", n, pz.pieceOutline, pz.cuts[0].outline)
		}
		for _, c := range pz.cuts[1:] {
			if c.outline == pz.cuts[0].outline {
				t.Errorf("puzzle %d: a decoy has the gap's outline %v", n, c.outline)
			}
		}
		if f := within(pz.pieceShape, pz.cuts[0].shape); f < 0.8 {
			t.Errorf("puzzle %d: %.2f of the piece lies inside the gap", n, f)
		}
	}
}

// within is the share of a's area inside b.
func within(a, b *shape) float64 {
	var both, all float64
	for k := range a.cover {
		both += math.Min(float64(a.cover[k]), float64(b.cover[k]))
		all += float64(a.cover[k])
	}
	return both / all
}

func lum(c interface{ RGBA() (r, g, b, a uint32) }) float64 {
	r, g, b, _ := c.RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
}

func TestOutlinesDiffer(t *testing.T) {
	r := seeded(7)
	seen := map[outline]bool{}
	for range 2000 {
		gap := randomOutline(r)
		seen[gap] = true
		var ds []outline
		for range decoys {
			ds = append(ds, decoyOutline(r, gap, ds...))
		}
		for i, d := range ds {
			diff := 0
			for side := range 4 {
				if d[side] != gap[side] {
					diff++
				}
			}
			if diff != 2 || d.features() < 2 || slices.Contains(ds[:i], d) {
				t.Fatalf("decoy %v of gap %v: differs on %d sides, %d features, decoys %v", d, gap, diff, d.features(), ds)
			}
		}
		if gap.features() < 2 {
			t.Fatalf("outline %v has %d knobs or notches", gap, gap.features())
		}
	}
	// 81 outlines less the 9 with fewer than two features.
	if len(seen) != 72 {
		t.Errorf("2000 gaps used %d outlines, want all 72", len(seen))
	}
}

func TestGapPositionsSpread(t *testing.T) {
	r := seeded(99)
	seenX := map[int]bool{}
	minY, maxY := Height, 0
	var leftmost, chance float64
	const n = 5000
	for range n {
		outlines := []outline{randomOutline(r)}
		for range decoys {
			outlines = append(outlines, decoyOutline(r, outlines[0], outlines[1:]...))
		}
		xs, y := placeGaps(r, outlines)
		if len(xs) < 3 || !apart(xs, outlines) {
			t.Fatalf("cut-outs at %v of %v", xs, outlines)
		}
		for _, x := range xs {
			if x < minGapX || x > maxGapX || y < minGapY || y > maxGapY {
				t.Fatalf("cut-out at (%d, %d) outside %d…%d × %d…%d", x, y, minGapX, maxGapX, minGapY, maxGapY)
			}
		}
		if xs[0] == slices.Min(xs) {
			leftmost++
		}
		chance += 1 / float64(len(xs))
		seenX[xs[0]] = true
		minY, maxY = min(minY, y), max(maxY, y)
	}
	// With four cut-outs side by side a few columns cannot hold the gap (nor,
	// alike, a decoy); the gap still uses most of them, at both ends.
	if len(seenX) < (maxGapX-minGapX+1)*3/4 || !seenX[minGapX] || !seenX[maxGapX] || minY != minGapY || maxY != maxGapY {
		t.Errorf("5000 gaps used %d of %d x positions and y %d…%d", len(seenX), maxGapX-minGapX+1, minY, maxY)
	}
	// The gap's place among the cut-outs tells nothing: it is the leftmost one
	// as often as chance has it (one time in four with three decoys).
	if math.Abs(leftmost-chance)/n > 0.03 {
		t.Errorf("the gap was the leftmost cut-out in %.0f of %d puzzles, chance %.0f", leftmost, n, chance)
	}
	// Well away from the start (the piece never covers the gap at x = 0) and
	// inside the picture.
	if minGapX < PieceSize+20 || maxGapX > MaxX || maxGapY+PieceSize > Height {
		t.Errorf("gap range %d…%d × %d…%d: too near the start or past the edge", minGapX, maxGapX, minGapY, maxGapY)
	}
}

// BenchmarkDraw measures drawing and encoding one puzzle (New without the
// database).
func BenchmarkDraw(b *testing.B) {
	r := seeded(1)
	var size int
	cpu0 := CPUTime()
	for b.Loop() {
		pz := drawPuzzle(r)
		bg, err := encodePNG(pz.bg)
		if err != nil {
			b.Fatal(err)
		}
		piece, err := encodePNG(pz.piece)
		if err != nil {
			b.Fatal(err)
		}
		size += len(bg) + len(piece)
	}
	b.ReportMetric(float64(size)/float64(b.N), "png-bytes/op")
	b.ReportMetric(float64((CPUTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}
