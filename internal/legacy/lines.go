package legacy

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// maxLineBytes bounds one line of the import file (its UTF-8 text, without the line
// end), and so each of its fields. The longest sensible line is a few hundred bytes
// (a 32-character 单位编号, an 18-character USCC, a 100-character name at up to 4
// bytes a character, a hash of at most maxHashLen), but the export may carry other
// columns, which the import ignores; 64 KB, the registry import's bound, leaves room
// for those while a file without line ends (or with one huge field) is refused
// having held at most 64 KB of it, not read whole into memory.
const maxLineBytes = 64 << 10

// msgLineTooLong is the per-line error of a line over maxLineBytes.
const msgLineTooLong = "该行过长（超过64 KB），文件可能不是导出的CSV文件"

// errLineTooLong is lineReader.next's refusal of a line over maxLineBytes; the
// reader has skipped past it and goes on with the next line.
var errLineTooLong = errors.New("legacy: line too long")

// lineReader reads an import file one physical line at a time. Unlike a CSV reader
// over the whole file, a record never spans lines: no value of the file may hold a
// line end (they are refused as control characters), so a quoted field running on
// over many lines, which would escape a per-line bound, is a CSV error of its line.
type lineReader struct {
	br   *bufio.Reader
	line int // the number of the line last returned, 1-based
}

func newLineReader(r io.Reader) *lineReader {
	// Room for the bound and a "\r\n": a longer line fills the buffer.
	return &lineReader{br: bufio.NewReaderSize(r, maxLineBytes+2)}
}

// next returns the next line without its line end, and its number.
//
// Errors: io.EOF after the last line; errLineTooLong for a line over maxLineBytes
// (whose rest is read past in buffer-sized pieces, never held); r's read errors.
func (lr *lineReader) next() (string, int, error) {
	b, err := lr.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		lr.line++
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = lr.br.ReadSlice('\n')
		}
		if err != nil && err != io.EOF {
			return "", lr.line, err
		}
		return "", lr.line, errLineTooLong
	}
	if err != nil && (err != io.EOF || len(b) == 0) {
		return "", lr.line + 1, err
	}
	lr.line++
	b = bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
	if len(b) > maxLineBytes {
		return "", lr.line, errLineTooLong
	}
	return string(b), lr.line, nil
}

// splitLine reads one line's CSV fields; nil for an empty line.
//
// Errors: a *csv.ParseError for a malformed line (a quote left open included).
func splitLine(text string) ([]string, error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err == io.EOF {
		return nil, nil
	}
	return rec, err
}
