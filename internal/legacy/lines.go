package legacy

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"hall/internal/lines"
)

// lineReader reads an import file one physical line at a time, each bounded by
// lines.Limiter. Unlike a CSV reader over the whole file, a record never spans
// lines: no value of the file may hold a line end (they are refused as control
// characters), so a quoted field running on over many lines, which would escape a
// per-line bound, is a CSV error of its line; and a line over the bound is a
// problem of its own, the reading going on with the next line.
type lineReader struct {
	br   *bufio.Reader
	line int // the number of the line last returned, 1-based
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReader(lines.NewLimiter(r))}
}

// next returns the next line without its line end, and its number.
//
// Errors: io.EOF after the last line; lines.ErrTooLong for a line over
// lines.MaxBytes (whose rest the limiter reads past, never held); r's read errors.
func (lr *lineReader) next() (string, int, error) {
	text, err := lr.br.ReadString('\n')
	if err == io.EOF && text == "" {
		return "", lr.line + 1, io.EOF
	}
	lr.line++
	if err != nil && err != io.EOF {
		return "", lr.line, err
	}
	return strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r"), lr.line, nil
}

// splitLine reads one line's CSV fields; nil for an empty line.
//
// Errors: a *csv.ParseError for a malformed line (a quote left open included).
func splitLine(text string) ([]string, error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	return rec, err
}
