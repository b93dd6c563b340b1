package rights

import (
	"strings"
	"testing"
	"time"

	"hall/internal/store"
	"hall/internal/store/storetest"
)

// TestNoticePDF lays out a notice long enough for two pages (a value wrapped over
// lines, many rows) and checks it as its holder would: every label and value in
// pdftotext's text, the bureau as issuer and on the seal, the decision date, the
// page numbers, and pdfsig finding the bureau's signature valid over the whole
// file.
func TestNoticePDF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 1, 7)
		long := strings.Repeat("示范省示范市示范区示范路一号", 8)
		rows := []NoticeRow{{"单位名称", f.unit.Name}, {"统一社会信用代码", f.unit.USCC}, {"申办流水号", "20261204000007"},
			{"办理事项", "用人单位用工参保登记"}, {"单位地址", long}}
		for i := range 40 {
			rows = append(rows, NoticeRow{"事项" + string(rune('甲'+i)), "值" + string(rune('乙'+i))})
		}
		decided := time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)
		pdf, err := f.svc.NoticePDF(Notice{Title: "参保登记结果通知书", Rows: rows, Issued: decided})
		if err != nil {
			t.Fatal(err)
		}
		path := writeTemp(t, "notice.pdf", pdf)
		text, err := poppler(t, "pdftotext", "-layout", path, "-")
		if err != nil {
			t.Fatal(err, text)
		}
		flat := squeeze(text)
		for _, want := range []string{"参保登记结果通知书", "出具单位：" + testBureau, "出具日期：2026年12月4日", "电子印章",
			"第1页共2页", "第2页共2页"} {
			if !strings.Contains(flat, squeeze(want)) {
				t.Errorf("the notice lacks %q:\n%s", want, text)
			}
		}
		for _, r := range rows {
			// A wrapped value's label sits between its lines, centred on the row.
			if !strings.Contains(flat, squeeze(r.Label)) || !strings.Contains(strings.ReplaceAll(flat, squeeze(r.Label), ""), squeeze(r.Value)) {
				t.Errorf("the notice lacks the row %q %q", r.Label, r.Value)
			}
		}
		sig, err := poppler(t, "pdfsig", path)
		if err != nil || !strings.Contains(sig, "Signature Validation: Signature is Valid.") ||
			!strings.Contains(sig, "Total document signed") || !strings.Contains(sig, "Signer Certificate Common Name: "+testBureau) {
			t.Errorf("pdfsig: want the bureau's valid signature over the whole file (%v):\n%s", err, sig)
		}

		// A certificate no longer valid signs nothing.
		f.clock.set(testNow.AddDate(30, 0, 0))
		if _, err := f.svc.NoticePDF(Notice{Title: "参保登记结果通知书", Rows: rows, Issued: decided}); err == nil {
			t.Error("an expired signing certificate signed a notice")
		}
	})
}

// TestFitNoticeRow: a row's lines as laid out: one empty line for an empty value,
// the lines as wrapped up to a page's worth, a longer value cut to a page with its
// last line saying so.
func TestFitNoticeRow(t *testing.T) {
	lines := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "第" + string(rune('一'+i%20)) + "行"
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		in      []string
		wantLen int
		cut     bool
	}{
		{"empty", nil, 1, false},
		{"one line", lines(1), 1, false},
		{"a page's worth", lines(noticeRowLines), noticeRowLines, false},
		{"one line more than a page", lines(noticeRowLines + 1), noticeRowLines, true},
		{"many pages", lines(5 * noticeRowLines), noticeRowLines, true},
	} {
		got := fitNoticeRow(tc.in)
		if len(got) != tc.wantLen || (got[len(got)-1] == noticeCut) != tc.cut {
			t.Errorf("%s: %d lines, last %q", tc.name, len(got), got[len(got)-1])
		}
		if !tc.cut && len(tc.in) > 0 && got[len(got)-1] != tc.in[len(tc.in)-1] {
			t.Errorf("%s: the last line changed", tc.name)
		}
	}
	if noticeRowLines < 10 || float64(noticeRowLines)*noticeLineH+8 > bottom-50 {
		t.Errorf("a page holds %d lines", noticeRowLines)
	}
}

// TestNoticePDFRowTallerThanAPage: a value longer than a page is laid out cut to
// one page, saying so, instead of running off its page.
func TestNoticePDFRowTallerThanAPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 1, 7)
		huge := strings.Repeat("示范省示范市示范区示范路一号附属楼层", 400)
		pdf, err := f.svc.NoticePDF(Notice{Title: "办件结果通知书", Rows: []NoticeRow{{"单位名称", f.unit.Name}, {"备注", huge}},
			Issued: time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		path := writeTemp(t, "notice.pdf", pdf)
		text, err := poppler(t, "pdftotext", "-layout", path, "-")
		if err != nil {
			t.Fatal(err, text)
		}
		flat := squeeze(text)
		// The first page has the unit's row; the cut row fills the second; the
		// issuer and seal go on the third.
		if !strings.Contains(flat, squeeze(noticeCut)) || !strings.Contains(flat, "第3页共3页") || strings.Contains(flat, "共4页") {
			t.Errorf("the notice of a value taller than a page:\n%s", text)
		}
	})
}
