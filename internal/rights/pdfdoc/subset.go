package pdfdoc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
)

// subset collects the characters one document uses and builds the font program
// that holds only their glyphs.
//
// Glyphs are renumbered in order of first use: the document's CIDs are the subset's
// glyph IDs (CIDToGIDMap /Identity), so a page's text can be encoded as it is drawn,
// before the subset is known. CID 0 is .notdef. Every distinct character gets a CID
// of its own, even one the font lacks (drawn as .notdef), so that the ToUnicode map
// still gives the right text to copy, search and pdftotext.
type subset struct {
	font  *Font
	cids  map[rune]uint16
	olds  []uint16 // CID → glyph in the full font
	runes []rune   // CID → character (0: .notdef and composite parts)
}

func newSubset(f *Font) *subset {
	return &subset{font: f, cids: map[rune]uint16{}, olds: []uint16{0}, runes: []rune{0}}
}

// maxCIDs is the most glyphs a subset may hold (glyph IDs are 16 bits).
const maxCIDs = 0xFFFF

// cid returns the CID of c, adding it on first use. A document with more distinct
// characters than maxCIDs draws the rest as .notdef.
func (s *subset) cid(c rune) uint16 {
	if id, ok := s.cids[c]; ok {
		return id
	}
	if len(s.olds) >= maxCIDs {
		return 0
	}
	// #nosec G115 -- len(s.olds) < maxCIDs (65535), checked just above.
	id := uint16(len(s.olds))
	s.cids[c] = id
	s.olds = append(s.olds, s.font.cmap[c]) // 0 (.notdef) when the font lacks c
	s.runes = append(s.runes, c)
	return id
}

// Composite glyph flags (TrueType 'glyf').
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
)

// glyph returns the outline bytes of glyph g of the full font.
func (s *subset) glyph(g uint16) []byte {
	return s.font.glyf[s.font.loca[g]:s.font.loca[g+1]]
}

// program builds the subset font file: glyf, loca (long), hmtx, and head, hhea and
// maxp adjusted to the new glyph count, with the hinting tables of the full font.
// Parts of composite glyphs are added as glyphs of their own (and renumbered in the
// copy of the composite), so the list of glyphs grows while it is walked.
func (s *subset) program() ([]byte, error) {
	var glyf bytes.Buffer
	loca := make([]byte, 0, 4*(len(s.olds)+1))
	part := map[uint16]uint16{} // full-font glyph → subset glyph, for composite parts
	for i := 0; i < len(s.olds); i++ {
		// #nosec G115 -- font data is at most maxFontFile (64 MiB), far below 4 GiB.
		loca = binary.BigEndian.AppendUint32(loca, uint32(glyf.Len()))
		g := s.glyph(s.olds[i])
		// #nosec G115 -- a signed TrueType field: the same 16 bits read as two's complement.
		if len(g) >= 10 && int16(binary.BigEndian.Uint16(g)) < 0 {
			c, err := s.remapComposite(g, part)
			if err != nil {
				return nil, err
			}
			g = c
		}
		glyf.Write(g)
		for glyf.Len()%4 != 0 {
			glyf.WriteByte(0)
		}
	}
	// #nosec G115 -- font data is at most maxFontFile (64 MiB), far below 4 GiB.
	loca = binary.BigEndian.AppendUint32(loca, uint32(glyf.Len()))
	n := len(s.olds)
	hmtx := make([]byte, 0, 4*n)
	for _, old := range s.olds {
		hmtx = binary.BigEndian.AppendUint16(hmtx, s.font.advances[old])
		// #nosec G115 -- a signed TrueType field written back as the same 16 bits.
		hmtx = binary.BigEndian.AppendUint16(hmtx, uint16(s.font.lsbs[old]))
	}
	head := bytes.Clone(s.font.head)
	binary.BigEndian.PutUint32(head[8:], 0) // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1)
	hhea := bytes.Clone(s.font.hhea)
	// #nosec G115 -- n is the subset's glyph count, at most maxCIDs (65535).
	binary.BigEndian.PutUint16(hhea[34:], uint16(n))
	maxp := bytes.Clone(s.font.maxp)
	// #nosec G115 -- n is the subset's glyph count, at most maxCIDs (65535).
	binary.BigEndian.PutUint16(maxp[4:], uint16(n))
	tables := map[string][]byte{"glyf": glyf.Bytes(), "loca": loca, "hmtx": hmtx, "head": head, "hhea": hhea, "maxp": maxp}
	for tag, t := range s.font.hinting {
		tables[tag] = t
	}
	return assemble(tables), nil
}

// remapComposite copies a composite glyph with its parts' glyph IDs replaced by
// subset IDs, adding parts not yet in the subset.
func (s *subset) remapComposite(g []byte, part map[uint16]uint16) ([]byte, error) {
	c := bytes.Clone(g)
	for off := 10; ; {
		if off+4 > len(c) {
			return nil, fmt.Errorf("%w: composite glyph cut short", ErrFont)
		}
		flags, old := binary.BigEndian.Uint16(c[off:]), binary.BigEndian.Uint16(c[off+2:])
		if int(old) >= len(s.font.advances) {
			return nil, fmt.Errorf("%w: composite glyph names glyph %d", ErrFont, old)
		}
		id, ok := part[old]
		if !ok {
			if len(s.olds) >= maxCIDs {
				return nil, fmt.Errorf("%w: subset over %d glyphs", ErrFont, maxCIDs)
			}
			// #nosec G115 -- len(s.olds) < maxCIDs (65535), checked just above.
			id = uint16(len(s.olds))
			part[old] = id
			s.olds = append(s.olds, old)
			s.runes = append(s.runes, 0)
		}
		binary.BigEndian.PutUint16(c[off+2:], id)
		off += 4
		if flags&argsAreWords != 0 {
			off += 4
		} else {
			off += 2
		}
		switch {
		case flags&haveScale != 0:
			off += 2
		case flags&haveXYScale != 0:
			off += 4
		case flags&haveTwoByTwo != 0:
			off += 8
		}
		if flags&moreComponents == 0 {
			return c, nil
		}
	}
}

// assemble writes an sfnt file of tables, sorted by tag, each 4-byte aligned with
// its checksum, and sets head's checkSumAdjustment.
func assemble(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	n := len(tags)
	search := 1
	log2 := 0
	for search*2 <= n {
		search *= 2
		log2++
	}
	out := make([]byte, 12+16*n)
	binary.BigEndian.PutUint32(out, 0x00010000)
	// #nosec G115 -- n is the number of tables written, a handful.
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(search*16))
	binary.BigEndian.PutUint16(out[8:], uint16(log2))
	// #nosec G115 -- n is the number of tables written, a handful.
	binary.BigEndian.PutUint16(out[10:], uint16(n*16-search*16))
	headAt := 0
	for i, tag := range tags {
		t := tables[tag]
		e := 12 + 16*i
		copy(out[e:], tag)
		binary.BigEndian.PutUint32(out[e+4:], checksum(t))
		// #nosec G115 -- font data is at most maxFontFile (64 MiB), far below 4 GiB.
		binary.BigEndian.PutUint32(out[e+8:], uint32(len(out)))
		// #nosec G115 -- font data is at most maxFontFile (64 MiB), far below 4 GiB.
		binary.BigEndian.PutUint32(out[e+12:], uint32(len(t)))
		if tag == "head" {
			headAt = len(out)
		}
		out = append(out, t...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	return out
}

// checksum is the sfnt table checksum: the sum of big-endian 32-bit words, the last
// one padded with zeros.
func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
