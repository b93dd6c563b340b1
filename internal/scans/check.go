package scans

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Content types a scan may have.
const (
	TypePDF  = "application/pdf"
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
)

// Limits on a scan.
const (
	// MaxBytes bounds one file: a 300 dpi A4 colour scan as JPEG is 1–3 MB, as PDF a
	// little more; 10 MiB leaves room without letting an upload fill the disk.
	MaxBytes = 10 << 20
	// minBytes: nothing smaller is a document.
	minBytes = 64
	// MaxNameRunes bounds the file name shown in the back office.
	MaxNameRunes = 100
	// maxPixels bounds a decoded image (width × height): an A3 page at 300 dpi is
	// 17.4 million pixels, and a small file that claims to be 60000 × 60000 pixels
	// must not take gigabytes to check.
	maxPixels = 20_000_000
	// maxScans bounds the scans of a progressive JPEG (a scanner writes one to ten):
	// the decoder walks the whole image for each, so thousands of tiny scans would
	// cost seconds of CPU per upload.
	maxScans = 32
)

// Refusals. Each has a Chinese message for the page (Message).
var (
	ErrEmpty    = errors.New("scans: empty or too small")
	ErrTooLarge = errors.New("scans: larger than MaxBytes")
	ErrType     = errors.New("scans: not a PDF, JPEG or PNG file")
	ErrDamaged  = errors.New("scans: damaged or not what it claims to be")
	ErrActive   = errors.New("scans: holds more than a document (scripts, attachments, data after the end)")
	ErrName     = errors.New("scans: file name holds a path or characters that are not text")
)

var messages = map[error]string{
	ErrEmpty:    "文件为空或过小，请重新扫描",
	ErrTooLarge: "文件不能超过10MB，请降低扫描分辨率后重试",
	ErrType:     "只能上传PDF、JPG或PNG格式的扫描件",
	ErrDamaged:  "文件已损坏或与其格式不符，请重新扫描",
	ErrActive:   "文件含有脚本、附件或其他非扫描内容，不能上传",
	ErrName:     "文件名不能包含路径或特殊字符",
}

// Message is the Chinese sentence for a refusal of this package, "" for other errors.
func Message(err error) string {
	for e, m := range messages {
		if errors.Is(err, e) {
			return m
		}
	}
	return ""
}

// Check decides by content, never by name or declared type, whether b is a scan the
// hall keeps, and returns its content type. The first bytes must be the format's
// signature and http.DetectContentType must agree; an image must decode completely
// within maxPixels and end where its format ends (a JPEG or PNG with a ZIP, an HTML
// page or anything else appended — the classic polyglot — is refused); a PDF must
// begin with %PDF-, end with %%EOF and carry no active content (JavaScript, launch
// actions, embedded files, forms with scripts), which a scan never has.
//
// Errors: ErrEmpty, ErrTooLarge, ErrType, ErrDamaged, ErrActive.
func Check(b []byte) (string, error) {
	switch {
	case len(b) < minBytes:
		return "", ErrEmpty
	case len(b) > MaxBytes:
		return "", ErrTooLarge
	}
	sniffed := http.DetectContentType(b)
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")) && sniffed == TypePDF:
		return TypePDF, checkPDF(b)
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) && sniffed == TypeJPEG:
		return TypeJPEG, checkJPEG(b)
	case bytes.HasPrefix(b, pngSignature) && sniffed == TypePNG:
		return TypePNG, checkPNG(b)
	}
	return "", ErrType
}

var pngSignature = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}

// checkPNG walks the chunks: every CRC right, IEND last and nothing after it, the
// size within maxPixels, and the image decodes.
func checkPNG(b []byte) error {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return ErrDamaged
	}
	rest := b[len(pngSignature):]
	for {
		if len(rest) < 12 {
			return ErrDamaged
		}
		n := binary.BigEndian.Uint32(rest[:4])
		if uint64(n)+12 > uint64(len(rest)) {
			return ErrDamaged
		}
		kind, data := rest[4:8], rest[8:8+n]
		crc := binary.BigEndian.Uint32(rest[8+n : 12+n])
		if crc32.ChecksumIEEE(rest[4:8+n]) != crc {
			return ErrDamaged
		}
		rest = rest[12+n:]
		if string(kind) == "IEND" {
			if len(data) != 0 {
				return ErrDamaged
			}
			break
		}
	}
	if len(rest) != 0 {
		return ErrActive
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		return ErrDamaged
	}
	return nil
}

// checkJPEG decodes the image and finds where its data ends (the EOI marker after
// the scan data); anything but padding after it is refused.
func checkJPEG(b []byte) error {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return ErrDamaged
	}
	end, ok := jpegEnd(b)
	if !ok {
		return ErrDamaged
	}
	if _, err := jpeg.Decode(bytes.NewReader(b[:end])); err != nil {
		return ErrDamaged
	}
	for _, c := range b[end:] {
		if c != 0 && c != 0xFF {
			return ErrActive
		}
	}
	return nil
}

// jpegEnd returns the offset just after the EOI marker that ends the image: it walks
// the marker segments to the first scan, then the entropy-coded data (where 0xFF is
// followed by 0x00 stuffing or a restart marker) to EOI. Progressive JPEGs have
// several scans, each followed by more segments; more than maxScans is refused.
func jpegEnd(b []byte) (int, bool) {
	i := 2 // after SOI
	scans := 0
	for i+2 <= len(b) {
		if b[i] != 0xFF {
			return 0, false
		}
		marker := b[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0xD9: // EOI
			return i + 2, true
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7): // no length
			i += 2
			continue
		}
		if i+4 > len(b) {
			return 0, false
		}
		n := int(binary.BigEndian.Uint16(b[i+2 : i+4]))
		if n < 2 || i+2+n > len(b) {
			return 0, false
		}
		i += 2 + n
		if marker != 0xDA { // not SOS
			continue
		}
		if scans++; scans > maxScans {
			return 0, false
		}
		// Entropy-coded data up to the next marker that is not stuffing or a restart.
		for i+1 < len(b) {
			if b[i] == 0xFF && b[i+1] != 0x00 && !(b[i+1] >= 0xD0 && b[i+1] <= 0xD7) {
				break
			}
			i++
		}
	}
	return 0, false
}

// pdfActive are the PDF names of content a scan never has: scripts, actions that run
// or open something, attachments, forms and multimedia. Names may be written with
// #xx escapes (/J#61vaScript), so they are compared after unescaping.
var pdfActive = []string{"/javascript", "/js", "/launch", "/embeddedfile", "/embeddedfiles", "/openaction",
	"/aa", "/acroform", "/xfa", "/richmedia", "/submitform", "/importdata", "/gotor", "/gotoe", "/uri"}

// checkPDF checks the frame of a PDF (header, %%EOF near the end, the count of
// objects) and refuses active content by its names. It does not parse the PDF: a
// name inside a compressed object stream is not seen, which is why the allowed
// content is a scan made by the counter's own scanner, and why the file is only ever
// served back to staff as a download, never rendered in the back office's origin.
func checkPDF(b []byte) error {
	tail := b[max(0, len(b)-1024):]
	if !bytes.Contains(tail, []byte("%%EOF")) || !bytes.Contains(b, []byte(" obj")) {
		return ErrDamaged
	}
	// Anything but white space after the last %%EOF is data a reader skips.
	last := bytes.LastIndex(b, []byte("%%EOF"))
	if len(bytes.TrimSpace(b[last+5:])) != 0 {
		return ErrActive
	}
	lower := bytes.ToLower(b)
	for i := 0; i < len(lower); i++ {
		if lower[i] != '/' {
			continue
		}
		name := pdfName(lower[i:])
		for _, a := range pdfActive {
			if name == a {
				return ErrActive
			}
		}
	}
	if bytes.Contains(lower, []byte("<script")) || bytes.Contains(lower, []byte("<html")) {
		return ErrActive
	}
	return nil
}

// pdfName reads the PDF name at the start of b ("/Name", with #xx escapes decoded).
func pdfName(b []byte) string {
	var s strings.Builder
	s.WriteByte('/')
	for i := 1; i < len(b) && i < 64; i++ {
		c := b[i]
		switch {
		case c == '#' && i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			s.WriteByte(unhex(b[i+1])<<4 | unhex(b[i+2]))
			i += 2
		case c <= ' ' || strings.IndexByte("/()<>[]{}%", c) >= 0:
			return strings.ToLower(s.String())
		default:
			s.WriteByte(c)
		}
	}
	return strings.ToLower(s.String())
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// CheckName returns the file name an upload declared, for display only (a scan is
// stored under an opaque ID and never under its name): trimmed, at most MaxNameRunes.
// Errors: ErrName for a name with a path (/ or \), a drive or parent reference, a
// leading dot, or control characters.
func CheckName(name string) (string, error) {
	n := strings.TrimSpace(name)
	switch {
	case n == "", !utf8.ValidString(n), utf8.RuneCountInString(n) > MaxNameRunes,
		strings.ContainsAny(n, `/\:`), strings.HasPrefix(n, "."), strings.Contains(n, ".."),
		strings.IndexFunc(n, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0:
		return "", ErrName
	}
	return n, nil
}
