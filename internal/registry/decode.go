package registry

import (
	"bufio"
	"bytes"
	"errors"
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

var (
	bomUTF8  = []byte{0xEF, 0xBB, 0xBF}
	errUTF16 = errors.New("registry: UTF-16 file")
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
