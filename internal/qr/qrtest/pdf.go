// Package qrtest reads the QR code printed on a page of a PDF, for tests: the page
// is rendered by poppler's pdftoppm and decoded with qr.Decode, as a phone's camera
// would read the printed record.
package qrtest

import (
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"testing"

	"hall/internal/qr"
)

// resolutions are the dots per inch the page is rendered at, tried in turn: the
// decoder's finder-pattern detector now and then misses a code on one rendering of
// a full page (other marks beside it, the grid of the pixels) and finds it on
// another, as a phone finds it by moving a little.
var resolutions = []int{150, 200, 300}

// DecodePDFPage returns the text of the QR code on page (from 1) of the PDF file at
// path, failing the test when pdftoppm is missing (scripts/test installs
// poppler-utils) or no rendering decodes.
func DecodePDFPage(t testing.TB, path string, page int) string {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Fatalf("pdftoppm (poppler-utils) is needed: %v", err)
	}
	var errs []error
	for _, dpi := range resolutions {
		n := strconv.Itoa(page)
		// #nosec G204 -- the tester's own file and fixed arguments.
		png, err := exec.Command("pdftoppm", "-png", "-r", strconv.Itoa(dpi), "-f", n, "-l", n, path).Output()
		if err != nil {
			t.Fatalf("pdftoppm %s: %v", path, err)
		}
		text, err := qr.Decode(png)
		if err == nil {
			return text
		}
		errs = append(errs, fmt.Errorf("%d dpi: %w", dpi, err))
	}
	t.Fatalf("no QR code read on page %d of %s: %v", page, path, errors.Join(errs...))
	return ""
}
