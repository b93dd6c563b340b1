package scans

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// scanImage is a small grey page with some marks, like a scanned document.
func scanImage() image.Image {
	img := image.NewGray(image.Rect(0, 0, 120, 80))
	for y := range 80 {
		for x := range 120 {
			img.SetGray(x, y, color.Gray{Y: uint8(200 + (x*y)%50)})
		}
	}
	return img
}

func pngFile(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, scanImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegFile(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, scanImage(), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pdfFile is a one-page PDF as a scanner writes it (an image XObject on a page),
// with extra put into the page dictionary.
func pdfFile(extra string) []byte {
	return []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" +
		"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
		"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
		"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + extra + ">>\nendobj\n" +
		"xref\n0 4\n0000000000 65535 f \ntrailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n180\n%%EOF\n")
}

func zipFile(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, _ := w.Create("payload.html")
	_, _ = f.Write([]byte("<html><script>alert(1)</script></html>"))
	_ = w.Close()
	return b.Bytes()
}

// TestCheck: what is kept and what is refused, by content only.
func TestCheck(t *testing.T) {
	p, j := pngFile(t), jpegFile(t)
	badCRC := bytes.Clone(p)
	badCRC[len(pngSignature)+12+5] ^= 0xFF // a byte of the IHDR data
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), bytes.Repeat([]byte{0}, 200)...)
	pe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
	cases := []struct {
		name     string
		file     []byte
		wantType string
		wantErr  error
	}{
		{"PNG scan", p, TypePNG, nil},
		{"JPEG scan", j, TypeJPEG, nil},
		{"PDF scan", pdfFile("/Resources << /XObject << /Im0 4 0 R >> >> "), TypePDF, nil},
		{"JPEG with trailing padding", append(bytes.Clone(j), 0, 0, 0), TypeJPEG, nil},
		{"renamed ELF executable", elf, "", ErrType},
		{"renamed Windows executable", pe, "", ErrType},
		{"HTML page", []byte("<!DOCTYPE html><html><body>" + strings.Repeat("x", 100) + "</body></html>"), "", ErrType},
		{"ZIP archive", zipFile(t), "", ErrType},
		{"GIF image", append([]byte("GIF89a"), bytes.Repeat([]byte{1}, 100)...), "", ErrType},
		{"PNG with a ZIP appended (polyglot)", append(bytes.Clone(p), zipFile(t)...), "", ErrActive},
		{"JPEG with a ZIP appended (polyglot)", append(bytes.Clone(j), zipFile(t)...), "", ErrActive},
		{"JPEG with HTML appended (polyglot)", append(bytes.Clone(j), []byte("<html><script>x</script>")...), "", ErrActive},
		{"PDF with JavaScript", pdfFile("/AA << /O << /S /JavaScript /JS (app.alert(1)) >> >> "), "", ErrActive},
		{"PDF with an escaped JavaScript name", pdfFile("/J#61vaScript (x) "), "", ErrActive},
		{"PDF with a launch action", pdfFile("/Launch << /F (cmd.exe) >> "), "", ErrActive},
		{"PDF with an attachment", pdfFile("/EmbeddedFile 5 0 R "), "", ErrActive},
		{"PDF with data after the end", append(pdfFile(""), []byte("PK\x03\x04 more")...), "", ErrActive},
		{"PDF without an end", bytes.TrimSuffix(pdfFile(""), []byte("%%EOF\n")), "", ErrDamaged},
		{"truncated PNG", p[:len(p)/2], "", ErrDamaged},
		{"PNG with a bad checksum", badCRC, "", ErrDamaged},
		{"truncated JPEG", j[:len(j)/2], "", ErrDamaged},
		{"too small", []byte("%PDF-1.4"), "", ErrEmpty},
		{"too large", append([]byte("%PDF-1.4\n"), make([]byte, MaxBytes)...), "", ErrTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct, err := Check(c.file)
			if err != c.wantErr {
				t.Fatalf("error %v, want %v", err, c.wantErr)
			}
			if c.wantErr == nil && ct != c.wantType {
				t.Fatalf("type %q, want %q", ct, c.wantType)
			}
			if c.wantErr != nil && Message(err) == "" {
				t.Fatalf("no message for %v", err)
			}
		})
	}
}

// TestCheckName: a declared file name is for display; a path in it is refused.
func TestCheckName(t *testing.T) {
	cases := []struct {
		in, want string
		err      error
	}{
		{"营业执照.pdf", "营业执照.pdf", nil},
		{"  身份证 正面.jpg ", "身份证 正面.jpg", nil},
		{"../../etc/passwd", "", ErrName},
		{"scans/../x.pdf", "", ErrName},
		{`C:\Users\a.pdf`, "", ErrName},
		{"/etc/passwd", "", ErrName},
		{".htaccess", "", ErrName},
		{"a\x00.pdf", "", ErrName},
		{"a\u202e.pdf", "", ErrName}, // right-to-left override
		{"", "", ErrName},
		{strings.Repeat("长", MaxNameRunes+1), "", ErrName},
	}
	for _, c := range cases {
		got, err := CheckName(c.in)
		if got != c.want || err != c.err {
			t.Errorf("CheckName(%q) = %q, %v; want %q, %v", c.in, got, err, c.want, c.err)
		}
	}
}

// FuzzCheck: Check never panics, and what it accepts is one of the three types, agrees
// with http.DetectContentType's family, and is accepted again unchanged.
func FuzzCheck(f *testing.F) {
	f.Add(pngFile(f))
	f.Add(jpegFile(f))
	f.Add(pdfFile(""))
	f.Add(pdfFile("/JS (x) "))
	f.Add(append(pngFile(f), 'P', 'K', 3, 4))
	f.Fuzz(func(t *testing.T, b []byte) {
		ct, err := Check(b)
		if err != nil {
			if ct != "" && err != ErrDamaged && err != ErrActive {
				t.Fatalf("type %q with %v", ct, err)
			}
			return
		}
		switch ct {
		case TypePDF, TypeJPEG, TypePNG:
		default:
			t.Fatalf("accepted as %q", ct)
		}
		if again, err := Check(b); again != ct || err != nil {
			t.Fatalf("second check: %q, %v", again, err)
		}
	})
}

// FuzzCheckName: an accepted name holds no path and nothing that is not text.
func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"营业执照.pdf", "../x", `a\b`, ".hidden", "a\u202eb.pdf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := CheckName(s)
		if err != nil {
			return
		}
		if n == "" || strings.ContainsAny(n, `/\:`) || strings.Contains(n, "..") || strings.HasPrefix(n, ".") ||
			!utf8.ValidString(n) || utf8.RuneCountInString(n) > MaxNameRunes {
			t.Fatalf("accepted %q", n)
		}
		for _, r := range n {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("accepted %q with %U", n, r)
			}
		}
	})
}
