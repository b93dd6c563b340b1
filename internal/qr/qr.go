// Package qr draws QR code images for pages (QR login, face verification links,
// rights-record verify links) and reads them back in tests.
//
// Codes are drawn black on white with error-correction level M and the four-module
// quiet zone the standard asks for: the pages show them on screen to a phone camera,
// where contrast and a clean margin matter more than surviving damage, and level M
// keeps a typical hall URL (60–120 bytes) at version 4–7, large modules at any size.
// Images are 1-bit paletted PNGs of a few hundred bytes, small enough to inline as a
// data: URL (the CSP allows data: images), which saves a request and keeps the
// opaque ID out of any image URL.
package qr

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"sync"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// Limits on what PNG draws. MaxContent is far above any URL the hall puts in a code
// and well inside what a phone scans reliably; MaxPixels bounds the image side.
const (
	MaxContent = 1024
	MinPixels  = 64
	MaxPixels  = 2048
	quietZone  = 4 // modules of white margin on each side (ISO/IEC 18004)
)

// ErrContent is returned by PNG and DataURL for empty or over-long content.
var ErrContent = errors.New("qr: content empty or longer than MaxContent bytes")

// PNG draws content as a QR code px pixels wide (px clamped to MinPixels–MaxPixels;
// one pixel less when the leftover does not split evenly between the margins).
// Modules are a whole number of pixels, so that the edges stay sharp when the
// browser scales the image; what px does not divide goes to the white margin, which
// is never narrower than the four-module quiet zone. A code too dense for px (under
// one pixel per module) comes out larger than px.
//
// Errors: ErrContent for empty or too long content; otherwise an encoder failure.
func PNG(content string, px int) ([]byte, error) {
	px = min(max(px, MinPixels), MaxPixels)
	bits, err := Modules(content)
	if err != nil {
		return nil, err
	}
	n := len(bits)
	block := max(px/(n+2*quietZone), 1)
	// Spread what is left of px over the margins, so the image is close to px wide.
	border := max(quietZone*block+(px-(n+2*quietZone)*block)/2, quietZone*block)
	side := n*block + 2*border
	img := image.NewPaletted(image.Rect(0, 0, side, side), bilevel) // all white (index 0)
	for y, row := range bits {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := range block {
				line := img.Pix[(border+y*block+dy)*img.Stride:]
				off := border + x*block
				for dx := range block {
					line[off+dx] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := encoder.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qr: png: %w", err)
	}
	return buf.Bytes(), nil
}

// Modules returns the modules of content's code, rows first ([y][x], true =
// dark), without the quiet zone: for drawing the code as vectors, as the rights
// record's PDF does, where it stays sharp at any print size. The drawer must leave
// a white margin of four modules around it. Errors: as PNG.
func Modules(content string) ([][]bool, error) {
	if content == "" || len(content) > MaxContent {
		return nil, ErrContent
	}
	code, err := qrcode.NewWith(content,
		qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium),
		qrcode.WithEncodingMode(qrcode.EncModeByte))
	if err != nil {
		return nil, fmt.Errorf("qr: encode: %w", err)
	}
	var m matrix
	if err := code.Save(&m); err != nil {
		return nil, fmt.Errorf("qr: draw: %w", err)
	}
	return m.bits, nil
}

// DataURL returns PNG(content, px) as a "data:image/png;base64,…" URL typed as
// template.URL, so html/template puts it into <img src> as it is (a plain string
// with the data: scheme would be replaced by "#ZgotmplZ"). The content is ours (a
// link the hall built), never text from a request, which is what makes the type
// assertion safe. Errors: those of PNG.
func DataURL(content string, px int) (template.URL, error) {
	b, err := PNG(content, px)
	if err != nil {
		return "", err
	}
	// #nosec G203 -- a data: URL of PNG bytes the hall just encoded, base64 only.
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b)), nil
}

// bilevel is the two-colour palette: a code costs a few hundred bytes as a 1-bit
// PNG, which matters for an inline data: URL.
var bilevel = color.Palette{color.White, color.Black}

// encoder reuses its compressor state between images (it is safe for concurrent
// use through the pool): a fresh zlib writer per image would allocate more than the
// image itself.
var encoder = png.Encoder{CompressionLevel: png.DefaultCompression, BufferPool: &bufferPool{}}

type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() *png.EncoderBuffer {
	e, _ := b.p.Get().(*png.EncoderBuffer)
	return e
}

func (b *bufferPool) Put(e *png.EncoderBuffer) { b.p.Put(e) }

// matrix is a qrcode.Writer that keeps the modules, rows first ([y][x], true =
// dark). The library's image writer (writer/standard) draws every module as an
// anti-aliased vector rectangle, which costs milliseconds per code; filling bytes of
// a paletted image costs microseconds, and QR login draws a code per page view.
type matrix struct{ bits [][]bool }

var _ qrcode.Writer = (*matrix)(nil)

func (m *matrix) Write(mat qrcode.Matrix) error {
	m.bits = mat.Bitmap()
	return nil
}

func (m *matrix) Close() error { return nil }
