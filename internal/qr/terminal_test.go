package qr

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

// TestTerminal: the text code, drawn back into an image (light characters as the
// code's light modules), decodes to the content.
func TestTerminal(t *testing.T) {
	const uri = "otpauth://totp/%E7%A4%BA%E8%8C%83:secadmin?algorithm=SHA1&digits=6&issuer=%E7%A4%BA%E8%8C%83&period=30&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	text, err := Terminal(uri)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	width := len([]rune(lines[0]))
	const px = 4
	img := image.NewGray(image.Rect(0, 0, width*px, 2*len(lines)*px))
	for y, line := range lines {
		for x, r := range []rune(line) {
			top := r == '█' || r == '▀'
			bottom := r == '█' || r == '▄'
			for dy := range px {
				for dx := range px {
					img.SetGray(x*px+dx, 2*y*px+dy, shade(top))
					img.SetGray(x*px+dx, (2*y+1)*px+dy, shade(bottom))
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(buf.Bytes())
	if err != nil || got != uri {
		t.Fatalf("decoded %q, %v", got, err)
	}
	if _, err := Terminal(""); err != ErrContent {
		t.Fatalf("empty content: %v", err)
	}
}

func shade(light bool) color.Gray {
	if light {
		return color.Gray{Y: 255}
	}
	return color.Gray{Y: 0}
}
