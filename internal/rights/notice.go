package rights

import (
	"fmt"
	"math"
	"time"

	"hall/internal/rights/pdfdoc"
)

// Notice is a document the bureau issues besides the rights record, such as a
// case's result notice (办结通知书, internal/cases): a title, labelled values in
// their order, and the date printed beside the issuer.
type Notice struct {
	Title  string
	Rows   []NoticeRow
	Issued time.Time // the date printed as 出具日期 (a case's decision date)
}

// NoticeRow is one labelled value of a Notice.
type NoticeRow struct{ Label, Value string }

// Layout of a notice's table, in points.
const (
	noticeLabelW = 130.0
	noticeLineH  = 14.0
	noticeSize   = 10.5
)

// noticeRowLines is the most lines one row of a notice holds: the height of a page's
// table from a continued page's top (50) to bottom, less the row's padding. A row
// is never split across pages, so a taller one would run off the page.
var noticeRowLines = int(math.Floor((bottom - 50 - 8) / noticeLineH))

// noticeCut ends a value cut to fit one page, so that the notice says it is cut.
const noticeCut = "……（内容过长，以下从略）"

// fitNoticeRow is a row's wrapped lines as laid out: at least one (an empty value
// is an empty line), at most noticeRowLines, the last of a cut value replaced by
// noticeCut.
func fitNoticeRow(lines []string) []string {
	if len(lines) == 0 {
		return []string{""}
	}
	if len(lines) <= noticeRowLines {
		return lines
	}
	out := append([]string(nil), lines[:noticeRowLines-1]...)
	return append(out, noticeCut)
}

// NoticePDF lays out n on A4 pages with the bureau's name as issuer and its seal,
// and signs it with the bureau's certificate as a record is signed (Issue). The
// same notice always reads the same; only the signature's time and value differ.
// A value too long for one page is cut to a page, saying so (fitNoticeRow).
// Nothing is stored or audited here: the caller reads and audits what it shows.
//
// Errors: ErrSigner when the signing certificate is not valid now; layout or
// signing failures.
func (s *Service) NoticePDF(n Notice) ([]byte, error) {
	now := s.now()
	if err := s.signer.check(now); err != nil {
		return nil, err
	}
	doc := pdfdoc.New(s.font, pageW, pageH)
	doc.SetInfo(n.Title, s.cfg.BureauName, n.Issued)
	p := doc.AddPage()
	p.SetLineWidth(0.6)
	p.SetStroke(pdfdoc.Gray)
	title := 18.0
	p.Text((pageW-p.TextWidth(s.cfg.BureauName, 11))/2, 64, 11, s.cfg.BureauName)
	p.Text((pageW-p.TextWidth(n.Title, title))/2, 96, title, n.Title)

	y := 128.0
	valueW := contentW - noticeLabelW
	for _, row := range n.Rows {
		lines := fitNoticeRow(wrap(s.font, row.Value, noticeSize, valueW-10))
		h := float64(len(lines))*noticeLineH + 8
		if y+h > bottom {
			p = doc.AddPage()
			p.SetLineWidth(0.6)
			p.SetStroke(pdfdoc.Gray)
			y = 50
		}
		p.SetFill(pdfdoc.Light)
		p.Rect(margin, y, noticeLabelW, h, pdfdoc.FillStroke)
		p.SetFill(pdfdoc.Black)
		p.Rect(margin+noticeLabelW, y, valueW, h, pdfdoc.Stroke)
		cell(p, margin, y, noticeLabelW, h, noticeSize, row.Label, false)
		for i, l := range lines {
			p.Text(margin+noticeLabelW+5, y+4+float64(i)*noticeLineH+noticeSize, noticeSize, l)
		}
		y += h
	}

	if y+60+2*sealR > pageH-40 {
		p = doc.AddPage()
		y = 50
	}
	y += 50
	issuer := "出具单位：" + s.cfg.BureauName
	date := "出具日期：" + chinaDate(n.Issued)
	w := max(p.TextWidth(issuer, noticeSize+1), p.TextWidth(date, noticeSize+1))
	x := margin + contentW - w - 10
	p.Text(x, y+noticeSize, noticeSize+1, issuer)
	p.Text(x, y+noticeSize+20, noticeSize+1, date)
	drawSeal(p, x+w*0.6, y+14, sealR, s.cfg.BureauName)

	pages := doc.Pages()
	for i, pg := range pages {
		pg.SetFill(pdfdoc.Gray)
		footer := fmt.Sprintf("第 %d 页 共 %d 页", i+1, len(pages))
		pg.Text((pageW-pg.TextWidth(footer, 8))/2, pageH-26, 8, footer)
	}
	raw, err := doc.Bytes()
	if err != nil {
		return nil, err
	}
	return s.signer.signPDF(raw, s.cfg.BureauName, n.Title, now)
}
