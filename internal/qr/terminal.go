package qr

import (
	"strings"
)

// Terminal draws content as a QR code in text, for a command-line tool that shows an
// enrolment code (`hall staff add`): two module rows per line with the half-block
// characters ▀ ▄ █ and spaces, dark modules as block (so it reads right on a dark
// terminal, where the characters are light on dark, the code is drawn inverted: light
// blocks for the code's light modules), and the four-module quiet zone around it.
// Errors: ErrContent for empty or too long content; otherwise an encoder failure.
func Terminal(content string) (string, error) {
	bits, err := Modules(content)
	if err != nil {
		return "", err
	}
	n := len(bits) + 2*quietZone
	// light reports whether module (x, y) of the padded code is light (background).
	light := func(x, y int) bool {
		x, y = x-quietZone, y-quietZone
		if x < 0 || y < 0 || y >= len(bits) || x >= len(bits) {
			return true
		}
		return !bits[y][x]
	}
	var b strings.Builder
	for y := 0; y < n; y += 2 {
		for x := range n {
			top, bottom := light(x, y), y+1 < n && light(x, y+1)
			switch {
			case top && bottom:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bottom:
				b.WriteRune('▄')
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}
