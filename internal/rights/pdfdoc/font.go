package pdfdoc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode/utf16"
)

// ErrFont is wrapped by the errors ParseFont and LoadFont return for a file that is
// not a usable TrueType font: not TrueType or TrueType Collection, CFF outlines
// (OpenType .otf, as Debian's Noto CJK), a missing table or a table that points
// outside the file.
var ErrFont = errors.New("pdfdoc: not a usable TrueType font")

// DefaultFontPath is where Debian's fonts-wqy-microhei puts WenQuanYi Micro Hei
// (font 0 of the collection): a TrueType CJK font with Latin letters and digits,
// Apache-2.0 licensed, that the README's test set-up installs. Debian's Noto CJK is
// CFF (PostScript outlines), which this package does not embed, and Droid Sans
// Fallback has no Latin glyphs.
const DefaultFontPath = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

// maxFontFile bounds what LoadFont reads: the largest common CJK TrueType fonts are
// 10–20 MB.
const maxFontFile = 64 << 20

// Font is a TrueType font parsed once, to be shared by every Document: its
// metrics, its character map and the glyph outlines a subset copies. It is
// read-only after ParseFont and safe for concurrent use.
type Font struct {
	Name       string // PostScript name (name ID 6), for the PDF's BaseFont
	unitsPerEm int
	ascent     int // hhea, in font units
	descent    int
	capHeight  int
	bbox       [4]int
	italic     bool

	advances []uint16 // per glyph
	lsbs     []int16  // per glyph
	cmap     map[rune]uint16
	loca     []uint32 // numGlyphs+1 offsets into glyf
	glyf     []byte
	head     []byte
	hhea     []byte
	maxp     []byte
	hinting  map[string][]byte // cvt , fpgm, prep when present
}

// LoadFont reads the font at path; index picks the font of a TrueType Collection
// (.ttc) and must be 0 for a single font. Errors: the file's, or ErrFont.
func LoadFont(path string, index int) (*Font, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("pdfdoc: font: %w", err)
	}
	if st.Size() > maxFontFile {
		return nil, fmt.Errorf("%w: %s is %d bytes", ErrFont, path, st.Size())
	}
	// #nosec G304 -- the path is the operator's configuration, not request input.
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pdfdoc: font: %w", err)
	}
	f, err := ParseFont(data, index)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// reader reads big-endian values from a table, recording the first out-of-range
// access instead of panicking: a font file is outside input.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) u16(off int) uint16 {
	if off < 0 || off+2 > len(r.b) {
		r.bad = true
		return 0
	}
	return binary.BigEndian.Uint16(r.b[off:])
}

func (r *reader) u32(off int) uint32 {
	if off < 0 || off+4 > len(r.b) {
		r.bad = true
		return 0
	}
	return binary.BigEndian.Uint32(r.b[off:])
}

// #nosec G115 -- a signed TrueType field: the same 16 bits read as two's complement.
func (r *reader) i16(off int) int { return int(int16(r.u16(off))) }

// ParseFont parses a TrueType font (glyf outlines) or the index-th font of a
// TrueType Collection. Errors wrap ErrFont.
func ParseFont(data []byte, index int) (*Font, error) {
	tables, err := tableDirectory(data, index)
	if err != nil {
		return nil, err
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap"} {
		if tables[tag] == nil {
			if tag == "glyf" && tables["CFF "] != nil {
				return nil, fmt.Errorf("%w: CFF (PostScript) outlines; a TrueType (glyf) font is needed", ErrFont)
			}
			return nil, fmt.Errorf("%w: no %q table", ErrFont, tag)
		}
	}
	if len(tables["head"]) < 54 || len(tables["hhea"]) < 36 || len(tables["maxp"]) < 6 {
		return nil, fmt.Errorf("%w: head, hhea or maxp too short", ErrFont)
	}
	f := &Font{head: tables["head"], hhea: tables["hhea"], maxp: tables["maxp"], glyf: tables["glyf"],
		hinting: map[string][]byte{}}
	for _, tag := range []string{"cvt ", "fpgm", "prep"} {
		if t := tables[tag]; t != nil {
			f.hinting[tag] = t
		}
	}
	head := &reader{b: f.head}
	f.unitsPerEm = int(head.u16(18))
	f.bbox = [4]int{head.i16(36), head.i16(38), head.i16(40), head.i16(42)}
	longLoca := head.i16(50) == 1
	hhea := &reader{b: f.hhea}
	f.ascent, f.descent = hhea.i16(4), hhea.i16(6)
	numHMetrics := int(hhea.u16(34))
	numGlyphs := int((&reader{b: f.maxp}).u16(4))
	if head.bad || hhea.bad || f.unitsPerEm < 16 || f.unitsPerEm > 16384 || numGlyphs == 0 ||
		numHMetrics == 0 || numHMetrics > numGlyphs {
		return nil, fmt.Errorf("%w: bad head, hhea or maxp", ErrFont)
	}
	if err := f.readMetrics(tables["hmtx"], numGlyphs, numHMetrics); err != nil {
		return nil, err
	}
	if err := f.readLoca(tables["loca"], numGlyphs, longLoca); err != nil {
		return nil, err
	}
	if f.cmap, err = readCmap(tables["cmap"], numGlyphs); err != nil {
		return nil, err
	}
	f.capHeight = f.ascent
	if os2 := tables["OS/2"]; os2 != nil {
		r := &reader{b: os2}
		if r.u16(0) >= 2 {
			if c := r.i16(88); !r.bad && c > 0 {
				f.capHeight = c
			}
		}
	}
	if post := tables["post"]; post != nil {
		r := &reader{b: post}
		f.italic = r.u32(4) != 0 && !r.bad
	}
	f.Name = postScriptName(tables["name"])
	return f, nil
}

// tableDirectory returns the tables of the index-th font in data by tag.
func tableDirectory(data []byte, index int) (map[string][]byte, error) {
	r := &reader{b: data}
	base := 0
	if string(data[:min(4, len(data))]) == "ttcf" {
		n := int(r.u32(8))
		if index < 0 || index >= n || n > 1024 {
			return nil, fmt.Errorf("%w: collection has %d fonts, asked for number %d", ErrFont, n, index)
		}
		base = int(r.u32(12 + 4*index))
	} else if index != 0 {
		return nil, fmt.Errorf("%w: not a collection, asked for font number %d", ErrFont, index)
	}
	switch v := r.u32(base); {
	case r.bad:
		return nil, fmt.Errorf("%w: too short", ErrFont)
	case v == 0x4F54544F: // "OTTO"
		return nil, fmt.Errorf("%w: CFF (PostScript) outlines; a TrueType (glyf) font is needed", ErrFont)
	case v != 0x00010000 && v != 0x74727565: // 1.0, "true"
		return nil, fmt.Errorf("%w: unknown version %#x", ErrFont, v)
	}
	n := int(r.u16(base + 4))
	tables := make(map[string][]byte, n)
	for i := range n {
		e := base + 12 + 16*i
		tag := string(data[min(e, len(data)):min(e+4, len(data))])
		off, length := int64(r.u32(e+8)), int64(r.u32(e+12))
		if r.bad || off+length > int64(len(data)) {
			return nil, fmt.Errorf("%w: table %q outside the file", ErrFont, tag)
		}
		tables[tag] = data[off : off+length : off+length]
	}
	return tables, nil
}

func (f *Font) readMetrics(hmtx []byte, numGlyphs, numHMetrics int) error {
	r := &reader{b: hmtx}
	f.advances = make([]uint16, numGlyphs)
	f.lsbs = make([]int16, numGlyphs)
	for g := range numGlyphs {
		if g < numHMetrics {
			// #nosec G115 -- a signed TrueType field: the same 16 bits read as two's complement.
			f.advances[g], f.lsbs[g] = r.u16(4*g), int16(r.u16(4*g+2))
			continue
		}
		// Glyphs past numberOfHMetrics share the last advance; their lsb follows.
		f.advances[g] = f.advances[numHMetrics-1]
		// #nosec G115 -- a signed TrueType field: the same 16 bits read as two's complement.
		f.lsbs[g] = int16(r.u16(4*numHMetrics + 2*(g-numHMetrics)))
	}
	if r.bad {
		return fmt.Errorf("%w: hmtx too short", ErrFont)
	}
	return nil
}

func (f *Font) readLoca(loca []byte, numGlyphs int, long bool) error {
	r := &reader{b: loca}
	f.loca = make([]uint32, numGlyphs+1)
	for g := range f.loca {
		if long {
			f.loca[g] = r.u32(4 * g)
		} else {
			f.loca[g] = uint32(r.u16(2*g)) * 2
		}
		if g > 0 && f.loca[g] < f.loca[g-1] {
			r.bad = true
		}
	}
	// #nosec G115 -- font data is at most maxFontFile (64 MiB), far below 4 GiB.
	if r.bad || f.loca[numGlyphs] > uint32(len(f.glyf)) {
		return fmt.Errorf("%w: bad loca", ErrFont)
	}
	return nil
}

// readCmap reads the Unicode character map: the full-repertoire subtable (format
// 12) when there is one, else the BMP one (format 4).
func readCmap(cmap []byte, numGlyphs int) (map[rune]uint16, error) {
	r := &reader{b: cmap}
	var bmp, full int
	for i := range int(r.u16(2)) {
		e := 4 + 8*i
		platform, encoding, off := r.u16(e), r.u16(e+2), int(r.u32(e+4))
		switch format := r.u16(off); {
		case r.bad:
			return nil, fmt.Errorf("%w: bad cmap", ErrFont)
		case format == 12 && (platform == 3 && encoding == 10 || platform == 0):
			full = off
		case format == 4 && (platform == 3 && encoding == 1 || platform == 0):
			bmp = off
		}
	}
	m := map[rune]uint16{}
	// budget bounds the work a hostile map can ask for (ranges over all of Unicode,
	// repeated): a real one maps at most a few hundred thousand characters.
	budget := 1 << 21
	add := func(c rune, g uint32) {
		if budget--; budget < 0 {
			r.bad = true
			return
		}
		// #nosec G115 -- numGlyphs is a 16-bit field.
		if g != 0 && g < uint32(numGlyphs) && c > 0 && c <= 0x10FFFF {
			// #nosec G115 -- g < numGlyphs, itself a 16-bit field.
			m[c] = uint16(g)
		}
	}
	switch {
	case full != 0:
		n := int(r.u32(full + 12))
		for i := range min(n, len(cmap)/12) {
			e := full + 16 + 12*i
			start, end, g := r.u32(e), r.u32(e+4), r.u32(e+8)
			for c := start; c <= end && c <= 0x10FFFF && !r.bad; c++ {
				add(rune(c), g+c-start)
			}
		}
	case bmp != 0:
		segs := int(r.u16(bmp+6)) / 2
		ends, starts, deltas, offsets := bmp+14, bmp+16+2*segs, bmp+16+4*segs, bmp+16+6*segs
		for s := range segs {
			start, end := int(r.u16(starts+2*s)), int(r.u16(ends+2*s))
			delta, ro := int(r.u16(deltas+2*s)), int(r.u16(offsets+2*s))
			for c := start; c <= end && c != 0xFFFF && !r.bad; c++ {
				g := 0
				if ro == 0 {
					g = (c + delta) & 0xFFFF
				} else if g = int(r.u16(offsets + 2*s + ro + 2*(c-start))); g != 0 {
					g = (g + delta) & 0xFFFF
				}
				// #nosec G115 -- g is masked to 0xFFFF or read from a 16-bit field.
				add(rune(c), uint32(g))
			}
		}
	default:
		return nil, fmt.Errorf("%w: no Unicode character map", ErrFont)
	}
	if r.bad {
		return nil, fmt.Errorf("%w: bad cmap", ErrFont)
	}
	return m, nil
}

// postScriptName is name ID 6 (Windows UTF-16 or Macintosh Roman), limited to what
// a PDF name may hold; "CJKFont" when absent.
func postScriptName(name []byte) string {
	r := &reader{b: name}
	count, strings0 := int(r.u16(2)), int(r.u16(4))
	for i := range count {
		e := 6 + 12*i
		platform, id, length, off := r.u16(e), r.u16(e+6), int(r.u16(e+8)), int(r.u16(e+10))
		if r.bad || id != 6 || strings0+off+length > len(name) {
			continue
		}
		raw := name[strings0+off : strings0+off+length]
		var s string
		if platform == 3 || platform == 0 {
			u := make([]uint16, len(raw)/2)
			for j := range u {
				u[j] = binary.BigEndian.Uint16(raw[2*j:])
			}
			s = string(utf16.Decode(u))
		} else {
			s = string(raw)
		}
		s = strings.Map(func(c rune) rune {
			if c > ' ' && c < 0x7F && !strings.ContainsRune("()<>[]{}/%#", c) {
				return c
			}
			return -1
		}, s)
		if s != "" {
			return s[:min(len(s), 63)]
		}
	}
	return "CJKFont"
}

// Has reports whether the font has a glyph for c.
func (f *Font) Has(c rune) bool {
	_, ok := f.cmap[c]
	return ok
}

// Width is the advance of s at size, in the units of size (points).
func (f *Font) Width(s string, size float64) float64 {
	var w int
	for _, c := range s {
		w += int(f.advances[f.cmap[c]])
	}
	return float64(w) * size / float64(f.unitsPerEm)
}

// width1000 is the advance of glyph g in the PDF's glyph space (1000 per em).
func (f *Font) width1000(g uint16) int {
	return (int(f.advances[g])*1000 + f.unitsPerEm/2) / f.unitsPerEm
}

// scale converts font units to the PDF's glyph space.
func (f *Font) scale(v int) int { return v * 1000 / f.unitsPerEm }
