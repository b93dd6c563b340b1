package captcha

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
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

// TestPieceMatchesGap draws puzzles and compares, pixel by pixel, the decoded
// images with the picture before the cut (redrawn from the same seed): inside the
// shape the piece is the picture (lightened only on the outline) and the
// background is darkened; outside the shape the piece is transparent and the
// background untouched.
func TestPieceMatchesGap(t *testing.T) {
	for n := range byte(4) {
		pz := drawPuzzle(seeded(n))
		orig := drawBackground(seeded(n))
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
		var inside, outside int
		for j := range PieceSize {
			for i := range PieceSize {
				p := nrgba(piece, i, j)
				o := orig.RGBAAt(pz.x+i, pz.y+j)
				g := nrgba(bg, pz.x+i, pz.y+j)
				k := j*PieceSize + i
				switch {
				case pieceShape().cover[k] == 1 && pieceShape().line[k] == 0:
					inside++
					if p.A != 0xff || p.R != o.R || p.G != o.G || p.B != o.B {
						t.Fatalf("puzzle %d: piece pixel (%d,%d) = %v, want the picture's %v", n, i, j, p, o)
					}
					if want := blend8(o.R, 0x10, 0.55); g.R != want {
						t.Fatalf("puzzle %d: gap pixel (%d,%d) red %d, want darkened %d", n, i, j, g.R, want)
					}
				case pieceShape().cover[k] == 0 && pieceShape().line[k] == 0:
					outside++
					if p.A != 0 {
						t.Fatalf("puzzle %d: piece pixel (%d,%d) outside the shape has alpha %d", n, i, j, p.A)
					}
					if g.R != o.R || g.G != o.G || g.B != o.B {
						t.Fatalf("puzzle %d: background (%d,%d) outside the gap changed", n, i, j)
					}
				}
			}
		}
		// The square body alone is 1,600 pixels; the corners beside the knobs are
		// outside.
		if inside < 1300 || outside < 400 {
			t.Fatalf("puzzle %d: %d pixels inside, %d outside: shape looks wrong", n, inside, outside)
		}
		// Landmarks: body centre and knob centres are opaque, the top-left and
		// bottom-right corners transparent.
		c := piecePad + bodySize/2
		for _, pt := range []image.Point{{c, piecePad + knobExt + bodySize/2}, {c, piecePad + knobR}, {piecePad + bodySize + knobOut, piecePad + knobExt + bodySize/2}} {
			if a := nrgba(piece, pt.X, pt.Y).A; a != 0xff {
				t.Errorf("puzzle %d: piece at %v has alpha %d, want opaque", n, pt, a)
			}
		}
		for _, pt := range []image.Point{{0, 0}, {1, 1}, {PieceSize - 1, PieceSize - 1}, {PieceSize - 2, 2}} {
			if a := nrgba(piece, pt.X, pt.Y).A; a != 0 {
				t.Errorf("puzzle %d: piece at %v has alpha %d, want transparent", n, pt, a)
			}
		}
	}
}

func TestGapPositionsSpread(t *testing.T) {
	r := seeded(99)
	seenX := map[int]bool{}
	minY, maxY := Height, 0
	for range 5000 {
		x, y := placeGap(r)
		if x < minGapX || x > maxGapX || y < minGapY || y > maxGapY {
			t.Fatalf("gap at (%d, %d) outside %d…%d × %d…%d", x, y, minGapX, maxGapX, minGapY, maxGapY)
		}
		seenX[x] = true
		minY, maxY = min(minY, y), max(maxY, y)
	}
	if len(seenX) != maxGapX-minGapX+1 || minY != minGapY || maxY != maxGapY {
		t.Errorf("5000 gaps used %d of %d x positions and y %d…%d", len(seenX), maxGapX-minGapX+1, minY, maxY)
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
