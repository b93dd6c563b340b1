package unitcenter

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/insurance"
	"hall/internal/rights"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestRightsFileAfterRetention: while a record's file is kept (its six months of
// validity and rights.Rules.FileKeepMonths after) the list, the issued notice and
// 单位主页 link it and it downloads; once the sweep has deleted it the list and
// the home say the file is no longer kept instead of linking it, its old link
// answers 410 saying why, and the QR code's /verify/{id} still answers: genuine,
// 已过有效期, with nothing to download.
func TestRightsFileAfterRetention(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 6, 2, 10, 0, 0, 0, web.Shanghai))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	fx := webtest.Invite(t, ts, 303, "SB-001")
	webtest.LoadInsurance(t, ts, fx.Unit, 8, 5)
	last := insurance.MonthOf(ts.Now().In(web.Shanghai)).Add(-1)
	rec, _, err := ts.Rights.Issue(t.Context(), fx.Unit.ID, rights.Actor{PersonID: fx.Rep.ID},
		rights.Form{From: last.Add(-1).String(), To: last.String(), Types: []string{"pension", "unemployment"}})
	if err != nil {
		t.Fatal(err)
	}
	fileURL := "/unit/rights/" + strconv.FormatInt(rec.ID, 10) + "/file"
	verifyURL, err := url.Parse(rec.VerifyURL)
	if err != nil {
		t.Fatal(err)
	}
	keptUntil := ts.Rights.Rules().FileKeptUntil(rec.ValidUntil)
	if ts.Rights.Rules().FileKeepMonths != 6 || !keptUntil.Equal(rec.ValidUntil.AddDate(0, 6, 0)) {
		t.Fatalf("file kept %d months, until %v; want the default 6 months after %v",
			ts.Rights.Rules().FileKeepMonths, keptUntil, rec.ValidUntil)
	}
	// A session lasts hours; each look at the pages signs in on the clock's day.
	rep := func() *webtest.Client {
		c := webtest.NewClient(ts)
		webtest.SignIn(t, c, webtest.UnitSubject(fx.Rep, fx.Unit, unit.RoleLegalRep))
		return c
	}
	sweepAt := func(at time.Time) int {
		clock.Advance(at.Sub(clock.Now()))
		n, err := ts.Rights.SweepFiles(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	if n := sweepAt(keptUntil.Add(-time.Minute)); n != 0 {
		t.Fatalf("the sweep a minute before the keeping time ends deleted %d files", n)
	}
	c := rep()
	doc := c.Page(t, "/unit/rights?issued="+strconv.FormatInt(rec.ID, 10), http.StatusOK)
	if got := doc.Must(t, "table.data tbody tr a[download]").AttrOr("href"); got != fileURL {
		t.Errorf("the list links %q, want %q", got, fileURL)
	}
	if got := doc.Must(t, "[data-rights-issued] a").AttrOr("href"); got != fileURL {
		t.Errorf("the issued notice links %q, want %q", got, fileURL)
	}
	if doc.First("[data-file-removed]") != nil {
		t.Error("the list says the file is gone while it is kept")
	}
	if lead := doc.Must(t, "p.lead").TextContent(); !strings.Contains(lead, "有效期满后再保存6个月") {
		t.Errorf("the page does not say how long files are kept: %q", lead)
	}
	if got := c.Get(t, fileURL); got.Code != http.StatusOK || got.Body.Len() != rec.Size {
		t.Fatalf("download before the sweep: %d, %d bytes; want 200 and %d", got.Code, got.Body.Len(), rec.Size)
	}
	if home := c.Page(t, "/unit/", http.StatusOK); home.First(".uc-records a[href='"+fileURL+"']") == nil {
		t.Error("单位主页 does not link the kept file")
	}

	if n := sweepAt(keptUntil); n != 1 {
		t.Fatalf("the sweep when the keeping time ends deleted %d files, want 1", n)
	}
	c = rep()
	doc = c.Page(t, "/unit/rights?issued="+strconv.FormatInt(rec.ID, 10), http.StatusOK)
	rows := doc.All("table.data tbody tr")
	if len(rows) != 1 {
		t.Fatalf("the list has %d rows after the sweep, want the record still listed", len(rows))
	}
	if a := rows[0].First("a"); a != nil {
		t.Errorf("the list still links %q after the sweep", a.AttrOr("href"))
	}
	if got := rows[0].Must(t, "[data-file-removed]").TextContent(); got != "文件已过保存期限，不再提供下载" {
		t.Errorf("the list says %q where the link was", got)
	}
	if issued := doc.Must(t, "[data-rights-issued]"); issued.First("a") != nil ||
		!strings.Contains(issued.TextContent(), "文件已过保存期限") {
		t.Errorf("the issued notice after the sweep: %q", issued.TextContent())
	}
	gone := c.Get(t, fileURL)
	if gone.Code != http.StatusGone || !strings.Contains(gone.Body.String(), "该权益单的文件已过保存期限（有效期满后再保存6个月）") {
		t.Errorf("the old download link: %d, want 410 saying the file is no longer kept", gone.Code)
	}
	home := c.Page(t, "/unit/", http.StatusOK)
	if home.First(".uc-records a[href='"+fileURL+"']") != nil ||
		!strings.Contains(home.Must(t, ".uc-records").TextContent(), "文件已过保存期限") {
		t.Error("单位主页 still links the deleted file, or does not say it is gone")
	}

	check := ts.GetHTML(t, verifyURL.Path, http.StatusOK)
	webtest.CheckRecordCheck(t, check, rec, "expired")
	for _, a := range check.All("main a") {
		if href := a.AttrOr("href"); strings.Contains(href, "/file") || strings.HasSuffix(href, ".pdf") {
			t.Errorf("the verify page offers a download: %q", href)
		}
	}
	if check.First("main [download]") != nil {
		t.Error("the verify page offers a download")
	}
}

// TestFileKeeping: the page's and the 410's words for the keeping time, none
// included.
func TestFileKeeping(t *testing.T) {
	for months, want := range map[int]string{0: "有效期满后即删除", 1: "有效期满后再保存1个月", 6: "有效期满后再保存6个月"} {
		if got := fileKeeping(months); got != want {
			t.Errorf("fileKeeping(%d) = %q, want %q", months, got, want)
		}
	}
}
