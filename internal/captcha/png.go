package captcha

import (
	"bytes"
	"image"
	"image/png"
	"sync"
)

// encoder writes PNGs fast: the images are small and short-lived, and speed
// matters more than the last kilobyte.
var encoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &bufferPool{}}

type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() *png.EncoderBuffer {
	if v, ok := b.p.Get().(*png.EncoderBuffer); ok {
		return v
	}
	return nil
}

func (b *bufferPool) Put(e *png.EncoderBuffer) { b.p.Put(e) }

func encodePNG(m image.Image) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(32 << 10)
	if err := encoder.Encode(&buf, m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
