package rights

import (
	"fmt"
	"strconv"
	"time"

	"hall/internal/chinatime"
	"hall/internal/insurance"
	"hall/internal/qr"
	"hall/internal/rights/pdfdoc"
)

// Page geometry of the record, in points (A4 portrait).
const (
	pageW     = pdfdoc.A4Width
	pageH     = pdfdoc.A4Height
	margin    = 40.0
	contentW  = pageW - 2*margin
	bottom    = pageH - 50 // no table row below this
	rowH      = 15.0
	headRowH  = 16.0
	infoRowH  = 20.0
	qrSide    = 84.0
	textSize  = 9.0
	rowSize   = 8.5
	noteLineH = 14.0
	sealR     = 44.0
	labelW    = 96.0 // page 1's label column
)

// Widths of the list's fixed columns: 序号, 姓名, 公民身份号码(社会保障号).
var fixedCols = [3]float64{30, 62, 112}

// header is what the record says above its list.
type header struct {
	Title        string
	UnitName     string
	USCC         string
	InsuredPlace string
	Choice       Choice
	Issued       time.Time
	VerifyURL    string
	Bureau       string
	Notes        []string
}

// sheet lays out one record: page 1's header, the employee list over as many pages
// as it needs (its column heads repeated on each), then the notes, the issuer and
// the seal. Rows are added one at a time as they are read from the database; page
// 1's counts and every page's footer are drawn at the end, when they are known.
type sheet struct {
	doc    *pdfdoc.Document
	h      header
	page   *pdfdoc.Page
	y      float64 // top of the next row
	top    float64 // top of this page's list
	serial int
	counts map[insurance.Type]int
	// x positions of the list's column edges; per type two columns (起止年月, 月数)
	cols      []float64
	spanSize  float64 // font size that fits 202401-202612 in its column
	countsRow float64 // y of page 1's 缴费总人数 row
}

func newSheet(font *pdfdoc.Font, h header) (*sheet, error) {
	s := &sheet{doc: pdfdoc.New(font, pageW, pageH), h: h, counts: map[insurance.Type]int{}}
	s.doc.SetInfo(h.Title, h.Bureau, h.Issued)
	x := margin
	s.cols = []float64{x}
	for _, w := range fixedCols {
		x += w
		s.cols = append(s.cols, x)
	}
	per := (margin + contentW - x) / float64(len(h.Choice.Types))
	months := min(30, per*0.3)
	for range h.Choice.Types {
		s.cols = append(s.cols, x+per-months, x+per)
		x += per
	}
	sample := "202401-202612"
	s.spanSize = min(rowSize, (per-months-4)/font.Width(sample, 1))
	if err := s.firstPage(); err != nil {
		return nil, err
	}
	return s, nil
}

// cell writes text in the box (x, y, w, h): centred, or from the left when left
// is set, shrunk to fit the width.
func cell(p *pdfdoc.Page, x, y, w, h, size float64, text string, left bool) {
	tw := p.TextWidth(text, size)
	if tw > w-4 && tw > 0 {
		size *= (w - 4) / tw
		tw = w - 4
	}
	tx := x + (w-tw)/2
	if left {
		tx = x + 4
	}
	p.Text(tx, y+h/2+size*0.36, size, text)
}

// box draws a bordered cell, grey-filled when shaded, with its text.
func box(p *pdfdoc.Page, x, y, w, h float64, text string, shaded, left bool) {
	if shaded {
		p.SetFill(pdfdoc.Light)
		p.Rect(x, y, w, h, pdfdoc.FillStroke)
		p.SetFill(pdfdoc.Black)
	} else {
		p.Rect(x, y, w, h, pdfdoc.Stroke)
	}
	cell(p, x, y, w, h, textSize, text, left)
}

func (s *sheet) firstPage() error {
	p := s.doc.AddPage()
	s.page = p
	p.SetLineWidth(0.6)
	p.SetStroke(pdfdoc.Gray)

	bits, err := qr.Modules(s.h.VerifyURL)
	if err != nil {
		return fmt.Errorf("rights: QR code: %w", err)
	}
	module := qrSide / float64(len(bits)+8) // with the four-module quiet zone
	qx, qy := pageW-margin-qrSide, 24.0
	p.Modules(qx+4*module, qy+4*module, module, bits)
	cell(p, qx, qy+qrSide-4, qrSide, 10, 7, "扫码验证真伪", false)

	title := 17.0
	p.Text((pageW-p.TextWidth(s.h.Title, title))/2, 78, title, s.h.Title)

	y := 122.0
	l1, v1, l2 := labelW, 170.0, 66.0
	v2 := contentW - l1 - v1 - l2
	box(p, margin, y, l1, infoRowH, "参保单位全称", true, false)
	box(p, margin+l1, y, contentW-l1, infoRowH, s.h.UnitName, false, true)
	y += infoRowH
	box(p, margin, y, l1, infoRowH, "统一社会信用代码", true, false)
	box(p, margin+l1, y, v1, infoRowH, s.h.USCC, false, true)
	box(p, margin+l1+v1, y, l2, infoRowH, "参保地", true, false)
	box(p, margin+l1+v1+l2, y, v2, infoRowH, s.h.InsuredPlace, false, true)
	y += infoRowH
	box(p, margin, y, l1, infoRowH, "查询期间", true, false)
	box(p, margin+l1, y, v1, infoRowH, s.h.Choice.From.String()+" 至 "+s.h.Choice.To.String(), false, true)
	box(p, margin+l1+v1, y, l2, infoRowH, "打印日期", true, false)
	box(p, margin+l1+v1+l2, y, v2, infoRowH, chinaDate(s.h.Issued), false, true)

	y += infoRowH + 10
	per := (contentW - l1) / float64(len(s.h.Choice.Types))
	box(p, margin, y, l1, infoRowH, "单位参保险种", true, false)
	for i, t := range s.h.Choice.Types {
		box(p, margin+l1+float64(i)*per, y, per, infoRowH, t.Label(), true, false)
	}
	y += infoRowH
	box(p, margin, y, l1, infoRowH, "缴费总人数", true, false)
	for i := range s.h.Choice.Types {
		p.Rect(margin+l1+float64(i)*per, y, per, infoRowH, pdfdoc.Stroke)
	}
	s.countsRow = y
	s.listHead(y + infoRowH + 14)
	return nil
}

// listHead draws the list's two header rows at y and starts the rows below.
func (s *sheet) listHead(y float64) {
	p, c := s.page, s.cols
	for i, label := range []string{"序号", "姓名", "公民身份号码(社会保障号)"} {
		box(p, c[i], y, c[i+1]-c[i], 2*headRowH, label, true, false)
	}
	for i, t := range s.h.Choice.Types {
		a, m, b := c[3+2*i], c[4+2*i], c[5+2*i]
		box(p, a, y, b-a, headRowH, t.Label(), true, false)
		box(p, a, y+headRowH, m-a, headRowH, "缴费起止年月", true, false)
		box(p, m, y+headRowH, b-m, headRowH, "月数", true, false)
	}
	s.top = y + 2*headRowH
	s.y = s.top
}

// add appends one person's row, starting a page when this one is full.
func (s *sheet) add(person insurance.PaidPerson) {
	if s.y+rowH > bottom {
		s.closeList()
		s.page = s.doc.AddPage()
		s.page.SetLineWidth(0.6)
		s.page.SetStroke(pdfdoc.Gray)
		cell(s.page, margin, 22, contentW, 12, 8, s.h.UnitName+" · "+s.h.Title+"（续）", true)
		s.listHead(40)
	}
	s.serial++
	p, c, y := s.page, s.cols, s.y
	cell(p, c[0], y, c[1]-c[0], rowH, rowSize, strconv.Itoa(s.serial), false)
	cell(p, c[1], y, c[2]-c[1], rowH, rowSize, person.Name, false)
	cell(p, c[2], y, c[3]-c[2], rowH, rowSize, person.IDNumber, false)
	for i, t := range s.h.Choice.Types {
		sp, ok := person.Spans[t]
		if !ok {
			continue
		}
		s.counts[t]++
		a, m, b := c[3+2*i], c[4+2*i], c[5+2*i]
		cell(p, a, y, m-a, rowH, s.spanSize, fmt.Sprintf("%06d-%06d", sp.First, sp.Last), false)
		cell(p, m, y, b-m, rowH, rowSize, strconv.Itoa(sp.Months), false)
	}
	s.y += rowH
	p.Line(margin, s.y, margin+contentW, s.y)
}

// closeList draws the column rules of this page's list.
func (s *sheet) closeList() {
	for _, x := range s.cols {
		s.page.Line(x, s.top, x, s.y)
	}
}

// finish draws the notes, issuer, seal, page 1's counts and the page numbers, and
// returns the unsigned PDF.
func (s *sheet) finish() ([]byte, error) {
	s.closeList()
	lines := []string{"说明:"}
	for _, n := range s.h.Notes {
		lines = append(lines, wrap(s.doc.Font(), n, textSize, contentW-12)...)
	}
	need := 16 + float64(len(lines))*noteLineH + 40 + 2*sealR
	y := s.y + 16
	if y+need > pageH-40 {
		s.page = s.doc.AddPage()
		y = 50
	}
	p := s.page
	for i, l := range lines {
		x := margin
		if i > 0 && !startsNote(l) {
			x += 12 // continuation of a wrapped note
		}
		p.Text(x, y+float64(i)*noteLineH+textSize, textSize, l)
	}
	y += float64(len(lines))*noteLineH + 40
	issuer := "出具单位：" + s.h.Bureau
	date := "出具日期：" + chinaDate(s.h.Issued)
	w := max(p.TextWidth(issuer, textSize+1), p.TextWidth(date, textSize+1))
	x := margin + contentW - w - 10
	p.Text(x, y+textSize, textSize+1, issuer)
	p.Text(x, y+textSize+20, textSize+1, date)
	drawSeal(p, x+w*0.6, y+14, sealR, s.h.Bureau)

	first := s.doc.Pages()[0]
	per := (contentW - labelW) / float64(len(s.h.Choice.Types))
	for i, t := range s.h.Choice.Types {
		cell(first, margin+labelW+float64(i)*per, s.countsRow, per, infoRowH, textSize+1, strconv.Itoa(s.counts[t]), false)
	}
	pages := s.doc.Pages()
	for i, pg := range pages {
		pg.SetFill(pdfdoc.Gray)
		footer := fmt.Sprintf("第 %d 页 共 %d 页", i+1, len(pages))
		pg.Text((pageW-pg.TextWidth(footer, 8))/2, pageH-26, 8, footer)
	}
	return s.doc.Bytes()
}

// startsNote reports whether a note line is the first of a note ("1. …").
func startsNote(l string) bool { return len(l) > 1 && l[0] >= '1' && l[0] <= '9' && l[1] == '.' }

// wrap breaks text into lines no wider than width at size.
func wrap(f *pdfdoc.Font, text string, size, width float64) []string {
	var lines []string
	line := []rune{}
	for _, c := range text {
		if len(line) > 0 && f.Width(string(append(line, c)), size) > width {
			lines = append(lines, string(line))
			line = line[:0]
		}
		line = append(line, c)
	}
	if len(line) > 0 {
		lines = append(lines, string(line))
	}
	return lines
}

// chinaDate is t's date in China, as 2026年12月4日.
func chinaDate(t time.Time) string { return t.In(chinatime.Zone).Format("2006年1月2日") }
