// Package pdfdoc writes the PDF documents the hall produces (the rights record):
// pages of text in one embedded CJK TrueType font, lines, rectangles, circles and
// polygons, in a plain PDF 1.7 file with a classic cross-reference table that a
// signer can extend by an incremental update.
//
// # Why not a general PDF library
//
// The fonts: a CJK font is 5–20 MB. The general Go PDF libraries parse the font
// again for every document (10–20 ms of the 25 ms a record may cost, QUALITY.md)
// and name the embedded subset without the "ABCDEF+" tag that marks a subset. Here a
// Font is parsed once at start-up and shared; a Document only collects the
// characters its pages use and, when written, copies their glyphs into a subset
// font program (TrueType, CIDFontType2, Identity-H, with a ToUnicode map so the text
// can be copied and searched).
//
// Coordinates are points (1/72 inch) from the top-left corner of the page, y
// downwards, as a layout thinks; the writer turns them into PDF's bottom-up space.
package pdfdoc

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
)

// A4 is the size of an A4 page in points.
const (
	A4Width  = 595.28
	A4Height = 841.89
)

// Color is an RGB colour, each part 0–1.
type Color struct{ R, G, B float64 }

// Colours the hall's documents use.
var (
	Black = Color{}
	Gray  = Color{0.45, 0.45, 0.45}
	Light = Color{0.93, 0.93, 0.93}
	Red   = Color{0.84, 0.08, 0.10} // the seal's red
)

// Mode says whether a shape is stroked, filled or both.
type Mode int

const (
	Stroke Mode = iota
	Fill
	FillStroke
)

func (m Mode) op() string { return [...]string{"S", "f", "B"}[m] }

// Point is a point on the page.
type Point struct{ X, Y float64 }

// Document is a PDF being built. Not safe for concurrent use.
type Document struct {
	font          *Font
	sub           *subset
	width, height float64
	pages         []*Page
	title         string
	producer      string
	created       time.Time
}

// New starts a document of pages width × height points whose text is set in font.
func New(font *Font, width, height float64) *Document {
	return &Document{font: font, sub: newSubset(font), width: width, height: height}
}

// SetInfo sets the document's title, producer and creation date (its Info
// dictionary).
func (d *Document) SetInfo(title, producer string, created time.Time) {
	d.title, d.producer, d.created = title, producer, created
}

// Font is the document's font, for measuring text.
func (d *Document) Font() *Font { return d.font }

// AddPage appends a page and returns it.
func (d *Document) AddPage() *Page {
	p := &Page{doc: d}
	d.pages = append(d.pages, p)
	return p
}

// Pages returns the pages so far, in order (to number them once all are laid out).
func (d *Document) Pages() []*Page { return d.pages }

// Page is one page's drawing operations. Pages stay open until the document is
// written: a footer can be added once the page count is known.
type Page struct {
	doc *Document
	buf []byte
}

// num appends v with at most two decimals, no trailing zeros.
func num(b []byte, v float64) []byte {
	v = math.Round(v*100) / 100
	if v == math.Trunc(v) {
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

func (p *Page) ops(vals []float64, op string) {
	for _, v := range vals {
		p.buf = num(p.buf, v)
		p.buf = append(p.buf, ' ')
	}
	p.buf = append(p.buf, op...)
	p.buf = append(p.buf, '\n')
}

// y turns a top-down y into PDF's bottom-up one.
func (p *Page) y(y float64) float64 { return p.doc.height - y }

// SetFill sets the colour of fills and text.
func (p *Page) SetFill(c Color) { p.ops([]float64{c.R, c.G, c.B}, "rg") }

// SetStroke sets the colour of lines.
func (p *Page) SetStroke(c Color) { p.ops([]float64{c.R, c.G, c.B}, "RG") }

// SetMultiply switches multiply blending on or off: a colour drawn with it on
// darkens what is beneath instead of covering it, as ink of a stamp leaves the
// text under it readable.
func (p *Page) SetMultiply(on bool) {
	if on {
		p.buf = append(p.buf, "/GM gs\n"...)
	} else {
		p.buf = append(p.buf, "/GN gs\n"...)
	}
}

// SetLineWidth sets the width of lines in points.
func (p *Page) SetLineWidth(w float64) { p.ops([]float64{w}, "w") }

// Line draws a line from (x1, y1) to (x2, y2).
func (p *Page) Line(x1, y1, x2, y2 float64) {
	p.ops([]float64{x1, p.y(y1)}, "m")
	p.ops([]float64{x2, p.y(y2)}, "l S")
}

// Rect draws a rectangle with its top-left corner at (x, y).
func (p *Page) Rect(x, y, w, h float64, m Mode) {
	p.ops([]float64{x, p.y(y + h), w, h}, "re "+m.op())
}

// Circle draws a circle of radius r around (cx, cy), as four Bézier arcs.
func (p *Page) Circle(cx, cy, r float64, m Mode) {
	const k = 0.5523 // control-point distance of a quarter circle, per radius
	y := p.y(cy)
	c := k * r
	p.ops([]float64{cx + r, y}, "m")
	p.ops([]float64{cx + r, y + c, cx + c, y + r, cx, y + r}, "c")
	p.ops([]float64{cx - c, y + r, cx - r, y + c, cx - r, y}, "c")
	p.ops([]float64{cx - r, y - c, cx - c, y - r, cx, y - r}, "c")
	p.ops([]float64{cx + c, y - r, cx + r, y - c, cx + r, y}, "c")
	p.buf = append(p.buf, "h "+m.op()+"\n"...)
}

// Polygon draws a closed polygon through pts.
func (p *Page) Polygon(pts []Point, m Mode) {
	for i, pt := range pts {
		op := "l"
		if i == 0 {
			op = "m"
		}
		p.ops([]float64{pt.X, p.y(pt.Y)}, op)
	}
	p.buf = append(p.buf, "h "+m.op()+"\n"...)
}

// Modules fills the dark cells of a bit matrix (rows first, true = dark) with
// squares of side module, the top-left cell at (x, y): a QR code drawn as vectors,
// sharp at any zoom and print size. Runs of dark cells in a row are one rectangle.
func (p *Page) Modules(x, y, module float64, bits [][]bool) {
	for r, row := range bits {
		for c := 0; c < len(row); {
			if !row[c] {
				c++
				continue
			}
			start := c
			for c < len(row) && row[c] {
				c++
			}
			p.ops([]float64{x + float64(start)*module, p.y(y + float64(r+1)*module), float64(c-start) * module, module}, "re")
		}
	}
	p.buf = append(p.buf, "f\n"...)
}

// Text draws s in the document's font at size points with the start of its
// baseline at (x, y), in the fill colour.
func (p *Page) Text(x, y, size float64, s string) { p.TextRotated(x, y, size, 0, s) }

// TextRotated draws s like Text, turned by angle radians counter-clockwise around
// the start of its baseline.
func (p *Page) TextRotated(x, y, size, angle float64, s string) {
	if s == "" {
		return
	}
	sin, cos := math.Sincos(angle)
	p.buf = append(p.buf, "BT /F1 "...)
	p.ops([]float64{size}, "Tf")
	p.ops([]float64{cos, sin, -sin, cos, x, p.y(y)}, "Tm")
	p.buf = append(p.buf, '<')
	for _, c := range s {
		id := p.doc.sub.cid(c)
		p.buf = append(p.buf, hexDigits[id>>12], hexDigits[id>>8&15], hexDigits[id>>4&15], hexDigits[id&15])
	}
	p.buf = append(p.buf, "> Tj ET\n"...)
}

const hexDigits = "0123456789ABCDEF"

// TextWidth is the width of s at size points.
func (p *Page) TextWidth(s string, size float64) float64 { return p.doc.font.Width(s, size) }

// Object numbers of the fixed objects; pages follow, two objects each (page and
// contents).
const (
	objCatalog = iota + 1
	objPages
	objInfo
	objFont
	objCIDFont
	objDescriptor
	objFontFile
	objToUnicode
	objFirstPage
)

// writer keeps the byte offset of every object for the cross-reference table.
type writer struct {
	buf     bytes.Buffer
	offsets []int
	z       *zlib.Writer
	zbuf    bytes.Buffer
}

func (w *writer) begin(n int) {
	for len(w.offsets) <= n {
		w.offsets = append(w.offsets, 0)
	}
	w.offsets[n] = w.buf.Len()
	fmt.Fprintf(&w.buf, "%d 0 obj\n", n)
}

func (w *writer) object(n int, body string) {
	w.begin(n)
	w.buf.WriteString(body)
	w.buf.WriteString("\nendobj\n")
}

// stream writes a Flate-compressed stream object; extra is more dictionary entries.
func (w *writer) stream(n int, data []byte, extra string) {
	w.zbuf.Reset()
	if w.z == nil {
		w.z = zlib.NewWriter(&w.zbuf)
	} else {
		w.z.Reset(&w.zbuf)
	}
	_, _ = w.z.Write(data) // writes to a bytes.Buffer do not fail
	_ = w.z.Close()
	w.begin(n)
	fmt.Fprintf(&w.buf, "<< /Length %d /Filter /FlateDecode%s >>\nstream\n", w.zbuf.Len(), extra)
	w.buf.Write(w.zbuf.Bytes())
	w.buf.WriteString("\nendstream\nendobj\n")
}

// Bytes writes the document: the pages, then the font subset of every character
// they use.
func (d *Document) Bytes() ([]byte, error) {
	if len(d.pages) == 0 {
		return nil, fmt.Errorf("pdfdoc: no pages")
	}
	var w writer
	w.buf.WriteString("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")
	w.object(objCatalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", objPages))
	kids := make([]byte, 0, 12*len(d.pages))
	for i := range d.pages {
		kids = fmt.Appendf(kids, "%d 0 R ", objFirstPage+2*i)
	}
	w.object(objPages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, len(d.pages)))
	w.object(objInfo, fmt.Sprintf("<< /Title %s /Producer %s /CreationDate (%s) >>",
		textString(d.title), textString(d.producer), pdfDate(d.created)))
	for i, p := range d.pages {
		n := objFirstPage + 2*i
		var box []byte
		box = num(box, d.width)
		box = append(box, ' ')
		box = num(box, d.height)
		w.object(n, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s] /Resources << /Font << /F1 %d 0 R >> /ExtGState << /GM << /BM /Multiply >> /GN << /BM /Normal >> >> >> /Contents %d 0 R >>",
			objPages, box, objFont, n+1))
		w.stream(n+1, p.buf, "")
	}
	if err := d.writeFont(&w); err != nil {
		return nil, err
	}
	xref := w.buf.Len()
	fmt.Fprintf(&w.buf, "xref\n0 %d\n0000000000 65535 f \n", len(w.offsets))
	for _, off := range w.offsets[1:] {
		fmt.Fprintf(&w.buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&w.buf, "trailer\n<<\n/Size %d\n/Root %d 0 R\n/Info %d 0 R\n>>\nstartxref\n%d\n%%%%EOF\n",
		len(w.offsets), objCatalog, objInfo, xref)
	return w.buf.Bytes(), nil
}

func (d *Document) writeFont(w *writer) error {
	program, err := d.sub.program()
	if err != nil {
		return err
	}
	f := d.font
	name := subsetTag(d.sub.runes) + "+" + f.Name
	w.object(objFont, fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>",
		name, objCIDFont, objToUnicode))
	widths := make([]byte, 0, 5*len(d.sub.olds))
	for _, old := range d.sub.olds {
		widths = strconv.AppendInt(widths, int64(f.width1000(old)), 10)
		widths = append(widths, ' ')
	}
	w.object(objCIDFont, fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s "+
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R "+
		"/DW 1000 /W [0 [%s]] /CIDToGIDMap /Identity >>", name, objDescriptor, widths))
	flags := 4 // symbolic: the glyphs are not in the standard Latin set
	angle := 0
	if f.italic {
		flags |= 64
		angle = -12
	}
	w.object(objDescriptor, fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d] "+
		"/ItalicAngle %d /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>",
		name, flags, f.scale(f.bbox[0]), f.scale(f.bbox[1]), f.scale(f.bbox[2]), f.scale(f.bbox[3]),
		angle, f.scale(f.ascent), f.scale(f.descent), f.scale(f.capHeight), objFontFile))
	w.stream(objFontFile, program, fmt.Sprintf(" /Length1 %d", len(program)))
	w.stream(objToUnicode, toUnicode(d.sub.runes), "")
	return nil
}

// subsetTag is the six capital letters before a subset font's name (ISO 32000
// 9.6.4), taken from a hash of its characters so that equal subsets share a tag.
func subsetTag(runes []rune) string {
	h := sha256.New()
	for _, c := range runes {
		h.Write([]byte(string(c)))
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return string(tag)
}

// toUnicode is the CMap from CIDs to the characters they draw.
func toUnicode(runes []rune) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	var entries []string
	for cid, c := range runes {
		if c == 0 {
			continue
		}
		var hex []byte
		for _, u := range utf16.Encode([]rune{c}) {
			hex = fmt.Appendf(hex, "%04X", u)
		}
		entries = append(entries, fmt.Sprintf("<%04X> <%s>\n", cid, hex))
	}
	for len(entries) > 0 {
		n := min(len(entries), 100) // a bfchar block holds at most 100 entries
		fmt.Fprintf(&b, "%d beginbfchar\n", n)
		for _, e := range entries[:n] {
			b.WriteString(e)
		}
		b.WriteString("endbfchar\n")
		entries = entries[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

// textString is a PDF text string: UTF-16BE with a byte-order mark, in hex.
func textString(s string) string {
	b := []byte("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		b = fmt.Appendf(b, "%04X", u)
	}
	return string(append(b, '>'))
}

// pdfDate is a PDF date in UTC: D:YYYYMMDDHHmmSSZ.
func pdfDate(t time.Time) string { return "D:" + t.UTC().Format("20060102150405") + "Z" }
