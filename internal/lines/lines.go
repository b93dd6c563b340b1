// Package lines bounds the lines of the CSV files the hall imports (the registry,
// the core system's exports, the legacy hall's accounts), so that a file without
// line ends, or with one huge field, is refused having held at most one bound of
// it rather than read whole into memory.
package lines

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxBytes bounds one line's text, without its line end ("\n" or "\r\n", or a "\r"
// at the end of the file). The longest sensible line of any import is a few
// thousand bytes; 64 KB leaves room for columns an import ignores.
const MaxBytes = 64 << 10

// TooLongMessage is the per-line error of a line over MaxBytes.
var TooLongMessage = fmt.Sprintf("该行过长（超过%d KB），文件可能不是CSV格式", MaxBytes>>10)

// ErrTooLong is a Limiter's refusal of a line over MaxBytes.
var ErrTooLong = errors.New("lines: line too long")

// Limiter reads r and fails with ErrTooLong as soon as a line grows beyond
// MaxBytes, counting lines so that the error can say which. After ErrTooLong the
// next Read goes on past the rest of that line (read in pieces, never held) with
// the line after it, for a reader that reports the line and checks the others; a
// CSV reader whose record may span lines stops there instead.
type Limiter struct {
	r        io.Reader
	cur      int  // bytes since the last line end
	line     int  // 1-based number of the line being read
	skipping bool // past ErrTooLong: the rest of the line is dropped
	// rest is what a Read took from r after the refused byte (the lines after the
	// over-long one may start in it), with r's error that came with it.
	rest    []byte
	restErr error
}

// NewLimiter reads r under the line bound.
func NewLimiter(r io.Reader) *Limiter { return &Limiter{r: r, line: 1} }

// Line is the 1-based number of the line being read: right after ErrTooLong, the
// over-long one.
func (l *Limiter) Line() int { return l.line }

func (l *Limiter) Read(p []byte) (int, error) {
	for {
		n, err := l.next(p)
		if l.skipping {
			end := bytes.IndexByte(p[:n], '\n')
			if end < 0 {
				if err != nil || n == 0 {
					return 0, err
				}
				continue
			}
			l.skipping, l.cur = false, 0
			l.line++
			if n = copy(p, p[end+1:n]); n == 0 && err == nil {
				continue
			}
		}
		for i := 0; i < n; i++ {
			if p[i] == '\n' {
				l.line++
				l.cur = 0
				continue
			}
			// One byte over is a "\r" before the line end (or the file's end): a
			// byte after it is the refusal.
			if l.cur++; l.cur > MaxBytes+1 || (l.cur == MaxBytes+1 && p[i] != '\r') {
				l.skipping = true
				l.rest = append(append([]byte(nil), p[i+1:n]...), l.rest...)
				if err != nil {
					l.restErr = err
				}
				return i, ErrTooLong
			}
		}
		return n, err
	}
}

// next reads what is left of the read that ended in ErrTooLong, then r.
func (l *Limiter) next(p []byte) (int, error) {
	if len(l.rest) == 0 && l.restErr == nil {
		return l.r.Read(p)
	}
	n := copy(p, l.rest)
	if l.rest = l.rest[n:]; len(l.rest) > 0 {
		return n, nil
	}
	err := l.restErr
	l.rest, l.restErr = nil, nil
	return n, err
}
