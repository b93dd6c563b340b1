package pdfdoc

import "encoding/binary"

// tinyFont builds a valid TrueType font of four glyphs: 0 .notdef (empty), 1 a
// square, 2 a composite of glyph 1 (shifted), 3 unused; the character map sends
// 'A' to 1 and '中' to 2. unitsPerEm 1000, advances 1000, 500, 1000, 1000 (the
// last glyph past numberOfHMetrics shares the last advance).
func tinyFont() []byte {
	be16 := func(b []byte, vs ...int) []byte {
		for _, v := range vs {
			b = binary.BigEndian.AppendUint16(b, uint16(v))
		}
		return b
	}
	head := make([]byte, 54)
	binary.BigEndian.PutUint32(head[0:], 0x00010000)
	binary.BigEndian.PutUint32(head[12:], 0x5F0F3CF5)
	binary.BigEndian.PutUint16(head[18:], 1000)
	binary.BigEndian.PutUint16(head[36:], 0) // bbox 0 -200 1000 800
	binary.BigEndian.PutUint16(head[38:], 0xFF38)
	binary.BigEndian.PutUint16(head[40:], 1000)
	binary.BigEndian.PutUint16(head[42:], 800)
	binary.BigEndian.PutUint16(head[50:], 1) // long loca

	hhea := make([]byte, 36)
	binary.BigEndian.PutUint32(hhea[0:], 0x00010000)
	binary.BigEndian.PutUint16(hhea[4:], 800)
	binary.BigEndian.PutUint16(hhea[6:], 0xFF38)
	binary.BigEndian.PutUint16(hhea[34:], 3) // numberOfHMetrics

	maxp := be16(binary.BigEndian.AppendUint32(nil, 0x00005000), 4)

	// hmtx: three long metrics, then one lsb.
	hmtx := be16(nil, 1000, 0, 500, 10, 1000, 20, 30)

	// Glyph 1: one contour of one on-curve point (enough for a parser).
	simple := be16(nil, 1, 0, 0, 100, 100, 0, 0)
	simple = append(simple, 0x01, 0, 50, 0, 50)
	// Glyph 2: composite of glyph 1 with word offsets (ARG_1_AND_2_ARE_WORDS |
	// ARGS_ARE_XY_VALUES).
	composite := be16(nil, 0xFFFF, 0, 0, 100, 100, 0x0003, 1, 10, 10)
	glyf := append(append([]byte{}, simple...), composite...)
	loca := binary.BigEndian.AppendUint32(nil, 0)
	for _, off := range []int{0, len(simple), len(glyf), len(glyf)} {
		loca = binary.BigEndian.AppendUint32(loca, uint32(off))
	}

	// cmap: one format 4 subtable (3,1) with segments A, 中 and the final 0xFFFF.
	sub := be16(nil, 4, 0, 0, 6, 4, 1, 2) // format, length (set below), language, segX2, …
	sub = be16(sub, 0x41, 0x4E2D, 0xFFFF) // end codes
	sub = be16(sub, 0)                    // reserved pad
	sub = be16(sub, 0x41, 0x4E2D, 0xFFFF) // start codes
	sub = be16(sub, 1-0x41, 2-0x4E2D, 1)  // deltas
	sub = be16(sub, 0, 0, 0)              // range offsets
	binary.BigEndian.PutUint16(sub[2:], uint16(len(sub)))
	cmap := be16(nil, 0, 1, 3, 1)
	cmap = binary.BigEndian.AppendUint32(cmap, 12)
	cmap = append(cmap, sub...)

	return assemble(map[string][]byte{"head": head, "hhea": hhea, "maxp": maxp, "hmtx": hmtx,
		"loca": loca, "glyf": glyf, "cmap": cmap})
}

// collection wraps a font in a TrueType Collection of one, moving its table
// offsets (which count from the start of the file) past the collection header.
func collection(font []byte) []byte {
	const header = 16
	out := append([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10"), font...)
	n := int(binary.BigEndian.Uint16(font[4:]))
	for i := range n {
		e := header + 12 + 16*i + 8
		binary.BigEndian.PutUint32(out[e:], binary.BigEndian.Uint32(out[e:])+header)
	}
	return out
}
