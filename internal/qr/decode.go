package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // screenshots may be JPEG
	_ "image/png"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"
)

// maxDecodePixels bounds the images Decode accepts (width × height), so a small file
// that declares a huge canvas cannot make it allocate gigabytes. A full-page
// screenshot at device scale 2 is well below it.
const maxDecodePixels = 6000 * 6000

// Errors returned by Decode.
var (
	// ErrImage: the bytes are not a PNG or JPEG image, or it is too large.
	ErrImage = errors.New("qr: not a readable image")
	// ErrNoCode: the image holds no QR code that could be read.
	ErrNoCode = errors.New("qr: no QR code found")
)

// Decode reads the QR code in a PNG (or JPEG) image and returns its text. It is made
// for tests that read the code off a page screenshot, so it copes with scaling,
// anti-aliasing and surrounding page content: it asks the decoder to try harder and
// falls back from the local-threshold binarizer to the global-histogram one, which
// does better on blurred edges.
//
// Errors: ErrImage when the bytes are not a decodable image of acceptable size,
// ErrNoCode (wrapping the decoder's reason) when no code can be read.
func Decode(b []byte) (text string, err error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrImage, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxDecodePixels {
		return "", fmt.Errorf("%w: %dx%d pixels", ErrImage, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrImage, err)
	}
	// The decoder is a port of ZXing and handles hostile input with index checks
	// that have failed before; a test helper must report, not crash.
	defer func() {
		if p := recover(); p != nil {
			text, err = "", fmt.Errorf("%w: decoder panic: %v", ErrNoCode, p)
		}
	}()
	src := gozxing.NewLuminanceSourceFromImage(img)
	// The detector looks for finder patterns and now and then misses them in a
	// clean, generated image (seen about once in a few hundred random codes); the
	// PURE_BARCODE mode reads an upright code with a quiet zone directly, which is
	// what the hall's own QR images are, so it is the last attempt.
	try := []map[gozxing.DecodeHintType]any{
		{gozxing.DecodeHintType_TRY_HARDER: true},
		{gozxing.DecodeHintType_TRY_HARDER: true},
		{gozxing.DecodeHintType_PURE_BARCODE: true},
	}
	var last error
	for i, bin := range []gozxing.Binarizer{
		gozxing.NewHybridBinarizer(src),
		gozxing.NewGlobalHistgramBinarizer(src),
		gozxing.NewHybridBinarizer(src),
	} {
		bmp, err := gozxing.NewBinaryBitmap(bin)
		if err != nil {
			last = err
			continue
		}
		res, err := gzqr.NewQRCodeReader().Decode(bmp, try[i])
		if err == nil {
			return res.GetText(), nil
		}
		last = err
	}
	return "", fmt.Errorf("%w: %v", ErrNoCode, last)
}
