package pdfdoc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseTinyFont(t *testing.T) {
	f, err := ParseFont(tinyFont(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "CJKFont" || f.unitsPerEm != 1000 || len(f.advances) != 4 {
		t.Fatalf("name %q, units %d, glyphs %d", f.Name, f.unitsPerEm, len(f.advances))
	}
	if !f.Has('A') || !f.Has('中') || f.Has('B') {
		t.Fatal("character map: want A and 中 only")
	}
	if w := f.Width("A中", 10); w != 15 {
		t.Fatalf("width of A中 at 10pt: %v, want 15", w)
	}
	if f.advances[3] != 1000 || f.lsbs[3] != 30 {
		t.Fatalf("glyph past numberOfHMetrics: advance %d lsb %d", f.advances[3], f.lsbs[3])
	}
}

func TestParseFontRefuses(t *testing.T) {
	good := tinyFont()
	otto := append([]byte("OTTO"), make([]byte, 64)...)
	ttc := collection(good)
	noCmap := bytes.Replace(good, []byte("cmap"), []byte("cmaq"), 1)
	badLoca := bytes.Clone(good)
	// The glyf table is shorter than the last loca offset claims.
	i := bytes.Index(badLoca, []byte("glyf"))
	binary.BigEndian.PutUint32(badLoca[i+12:], 4)
	for _, tc := range []struct {
		name  string
		data  []byte
		index int
		want  string
	}{
		{"empty", nil, 0, "too short"},
		{"text", []byte("hello, this is not a font at all"), 0, "unknown version"},
		{"CFF", otto, 0, "CFF"},
		{"index without collection", good, 1, "not a collection"},
		{"collection index out of range", ttc, 3, "collection has 1 fonts"},
		{"no cmap", noCmap, 0, `no "cmap" table`},
		{"cut short", good[:len(good)/2], 0, "outside the file"},
		{"bad loca", badLoca, 0, "loca"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFont(tc.data, tc.index)
			if !errors.Is(err, ErrFont) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrFont saying %q", err, tc.want)
			}
		})
	}
	if _, err := ParseFont(ttc, 0); err != nil {
		t.Fatalf("collection of one font: %v", err)
	}
}

// TestSubsetCopiesCompositeParts: drawing 中 (a composite of glyph 1) puts both
// glyphs in the subset, the composite pointing at the part's new number, and the
// subset is a well-formed sfnt (table checksums and checkSumAdjustment).
func TestSubsetCopiesCompositeParts(t *testing.T) {
	f, err := ParseFont(tinyFont(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s := newSubset(f)
	first := s.cid('中')
	if first != 1 || s.cid('中') != first || s.cid('☃') != 2 {
		t.Fatal("CIDs are not given in order of first use")
	}
	prog, err := s.program()
	if err != nil {
		t.Fatal(err)
	}
	// .notdef, 中 (composite), ☃ (missing: .notdef), and the part, glyph 1 of the font.
	if len(s.olds) != 4 || s.olds[3] != 1 || s.runes[3] != 0 {
		t.Fatalf("subset glyphs %v runes %q", s.olds, s.runes)
	}
	if sum := checksum(prog); sum != 0xB1B0AFBA {
		t.Fatalf("font checksum %#x, want 0xB1B0AFBA", sum)
	}
	tables, err := tableDirectory(prog, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := binary.BigEndian.Uint16(tables["maxp"][4:]); n != 4 {
		t.Fatalf("maxp numGlyphs %d, want 4", n)
	}
	loca := tables["loca"]
	at := binary.BigEndian.Uint32(loca[4:]) // glyph 1, the composite
	if part := binary.BigEndian.Uint16(tables["glyf"][at+12:]); part != 3 {
		t.Fatalf("composite points at glyph %d, want 3", part)
	}
	for tag, tb := range tables {
		if tag == "head" {
			continue
		}
		i := bytes.Index(prog[:12+16*len(tables)], []byte(tag))
		if got := binary.BigEndian.Uint32(prog[i+4:]); got != checksum(tb) {
			t.Errorf("%s checksum %#x, want %#x", tag, got, checksum(tb))
		}
	}
}

func testFont(t *testing.T) *Font {
	t.Helper()
	path := os.Getenv("HALL_PDF_FONT")
	if path == "" {
		path = DefaultFontPath
	}
	f, err := LoadFont(path, 0)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CJK font: %v (scripts/test installs fonts-wqy-microhei)", err)
		}
		t.Skipf("CJK font: %v", err)
	}
	return f
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: scripts/test installs poppler-utils", name)
		}
		t.Skipf("%s not found", name)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return string(out)
}

// TestDocumentWithPoppler writes a two-page document and reads it back with
// poppler: the text (Chinese, Latin, digits, and a character the font lacks,
// which is drawn as .notdef but still extracted), the embedded subset font, the
// page count.
func TestDocumentWithPoppler(t *testing.T) {
	f := testFont(t)
	d := New(f, A4Width, A4Height)
	d.SetInfo("测试文档", "hall", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC))
	p := d.AddPage()
	p.Text(50, 60, 14, "社会保险权益记录单 ABC 0123456789")
	p.SetFill(Red)
	p.Circle(300, 300, 40, FillStroke)
	p.Polygon([]Point{{10, 10}, {20, 10}, {15, 20}}, Fill)
	p.Modules(400, 400, 2, [][]bool{{true, false, true}, {true, true, true}})
	p2 := d.AddPage()
	p2.SetMultiply(true)
	p2.Text(100, 100, 12, "第二页𠀀")
	p2.TextRotated(100, 300, 12, 0.3, "旋转")
	p2.SetMultiply(false)
	p2.Line(0, 0, 100, 100)
	p2.Rect(10, 10, 50, 20, Stroke)
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 40<<10 {
		t.Errorf("%d bytes for two short pages: the font is not subset", len(b))
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	text := run(t, "pdftotext", path, "-")
	for _, want := range []string{"社会保险权益记录单 ABC 0123456789", "第二页𠀀"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
	}
	fonts := run(t, "pdffonts", path)
	if !strings.Contains(fonts, "+"+f.Name) || !strings.Contains(fonts, "CID TrueType") ||
		!strings.Contains(fonts, "yes yes yes") {
		t.Errorf("pdffonts: want an embedded subset CID TrueType font with ToUnicode:\n%s", fonts)
	}
	info := run(t, "pdfinfo", path)
	if !strings.Contains(info, "Pages:           2") || !strings.Contains(info, "测试文档") {
		t.Errorf("pdfinfo:\n%s", info)
	}
}

func TestEmptyDocumentRefused(t *testing.T) {
	f, err := ParseFont(tinyFont(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(f, A4Width, A4Height).Bytes(); err == nil {
		t.Fatal("a document without pages was written")
	}
}

// FuzzParseFont: a font file is outside input (a configured path). Whatever the
// bytes, ParseFont returns a font or ErrFont, never panics; a font it accepts can
// measure text and build a subset of what it maps.
func FuzzParseFont(f *testing.F) {
	good := tinyFont()
	f.Add(good, 0)
	f.Add(good[:60], 0)
	f.Add(collection(good), 0)
	f.Add([]byte("OTTO"), 0)
	f.Fuzz(func(t *testing.T, data []byte, index int) {
		font, err := ParseFont(data, index%4)
		if err != nil {
			if !errors.Is(err, ErrFont) {
				t.Fatalf("error %v does not wrap ErrFont", err)
			}
			return
		}
		font.Width("A中", 10)
		s := newSubset(font)
		s.cid('A')
		s.cid('中')
		if _, err := s.program(); err != nil && !errors.Is(err, ErrFont) {
			t.Fatalf("subset error %v does not wrap ErrFont", err)
		}
	})
}
