package registry

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Encodings Import recognises.
const (
	EncodingUTF8    = "UTF-8"
	EncodingGB18030 = "GB18030"
)

// sniffLen is how much of a file decides its encoding. A header row plus a few
// hundred data rows fit; Chinese text in GB18030 is practically never valid UTF-8
// for more than a character or two, so the first unit name already decides.
const sniffLen = 64 << 10

// maxLineBytes bounds one physical line, so that a file without newlines cannot
// make the CSV reader hold it all in memory.
const maxLineBytes = 64 << 10

// LineTooLongMessage is the per-line error of a line over the bound, for the
// importers that read through a LineLimiter.
var LineTooLongMessage = fmt.Sprintf("该行过长（超过%d KB），文件可能不是CSV格式", maxLineBytes>>10)

var (
	bomUTF8  = []byte{0xEF, 0xBB, 0xBF}
	errUTF16 = errors.New("registry: UTF-16 file")
	// ErrLineTooLong is a LineLimiter's refusal of a line over the bound; the rest
	// of the file cannot be read line by line after it.
	ErrLineTooLong = errors.New("registry: line too long")
)

// ErrUTF16 is DecodeCSV's refusal of a UTF-16 file.
var ErrUTF16 = errUTF16

// DecodeCSV is decodeInput for the other CSV importers (internal/insurance): the
// same files a registry import accepts, UTF-8 or GB18030.
func DecodeCSV(r io.Reader) (io.Reader, string, error) { return decodeInput(r) }

// decodeInput sniffs r's encoding and returns a reader of UTF-8 text without a
// UTF-8 byte-order mark. It returns errUTF16 for a file starting with a UTF-16
// byte-order mark, and r's own read errors.
func decodeInput(r io.Reader) (io.Reader, string, error) {
	br := bufio.NewReaderSize(r, sniffLen)
	head, err := br.Peek(sniffLen)
	atEOF := err == io.EOF
	if err != nil && !atEOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", err
	}
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		_, _ = br.Discard(len(bomUTF8))
		return br, EncodingUTF8, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, "", errUTF16
	}
	if !atEOF {
		head = trimPartialRune(head)
	}
	if utf8.Valid(head) {
		return br, EncodingUTF8, nil
	}
	// GB18030 maps ASCII to itself, so line numbers and commas stay where they
	// were. Its byte-order mark (84 31 95 33) decodes to U+FEFF, which the header
	// parser trims.
	return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), EncodingGB18030, nil
}

// trimPartialRune drops a UTF-8 sequence cut off by the end of the sniffed prefix.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			break
		}
	}
	return b
}

// LineLimiter fails with ErrLineTooLong when a line grows beyond 64 KB, and counts
// lines so the error can say which. The CSV importers (this package's and
// internal/insurance's) read through one, so that a file without newlines (or with
// one huge field) is refused having held at most one bound of it.
type LineLimiter struct {
	r    io.Reader
	max  int
	cur  int // bytes since the last newline
	line int // 1-based number of the current line; start at 1
	err  error
}

// NewLineLimiter reads r under the line bound.
func NewLineLimiter(r io.Reader) *LineLimiter {
	return &LineLimiter{r: r, max: maxLineBytes, line: 1}
}

// Line is the 1-based number of the line being read: after ErrLineTooLong, the
// over-long one.
func (l *LineLimiter) Line() int { return l.line }

func (l *LineLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			l.line++
			l.cur = 0
			continue
		}
		if l.cur++; l.cur > l.max {
			l.err = ErrLineTooLong
			return i, l.err
		}
	}
	return n, err
}
