package admin

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/insurance"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// TestCaseProcessing: over HTTP in the back office, a clerk refuses without a
// reason (refused beside the field), accepts; the same clerk may not decide; a
// reviewer returns without a reason (refused), then approves; a second acceptance
// of the decided case is told it moved; the unit's case is 已办结 and its employee
// enrolled.
func TestCaseProcessing(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 0x5a1)
	rep := w.Person(t, "办件法人")
	u := w.Unit(t, "示范后台办件有限公司", rep)
	ctx := context.Background()
	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	emp := w.IDNumber()
	c, err := ts.Cases.Apply(ctx, cases.Actor{UnitID: u.ID, PersonID: rep.ID, Role: unit.RoleLegalRep}, cases.ItemEnrolment,
		url.Values{cases.FieldName: {"后台职工"}, cases.FieldIDNumber: {emp}, cases.FieldStartMonth: {month},
			cases.FieldBase: {"6000"}, cases.FieldTypes: {"pension", "unemployment"}})
	if err != nil {
		t.Fatal(err)
	}
	clerk, reviewer, auditor := tm.signIn(t, ts)
	path := "/admin/cases/" + strconv.FormatInt(c.ID, 10)

	queue := webtest.ParseHTML(t, reviewer.Get(t, "/admin/cases/?state=submitted").Body.String())
	if queue.First(`a[href="`+path+`"]`) == nil {
		t.Fatal("the 已申请 queue does not list the case")
	}
	if rec := auditor.Get(t, "/admin/cases/"); rec.Code != http.StatusForbidden {
		t.Fatalf("auditor's queue: %d", rec.Code)
	}
	page := webtest.ParseHTML(t, clerk.Get(t, path).Body.String())
	if page.First(`form[action="`+path+`/accept"]`) == nil {
		t.Fatal("the clerk is not offered 受理")
	}
	rec := clerk.Post(t, path+"/refuse", url.Values{"reason": {""}})
	if rec.Code != http.StatusUnprocessableEntity || webtest.ParseHTML(t, rec.Body.String()).First("#e-reason") == nil {
		t.Fatalf("refuse without a reason: %d", rec.Code)
	}
	webtest.WantRedirect(t, "accept", clerk.Post(t, path+"/accept", url.Values{"reason": {""}}), path)
	if rec := clerk.Post(t, path+"/approve", url.Values{"reason": {""}}); rec.Code != http.StatusForbidden {
		t.Fatalf("the clerk approves: %d", rec.Code)
	}
	rec = reviewer.Post(t, path+"/return", url.Values{"reason": {""}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("return without a reason: %d", rec.Code)
	}
	if rec := clerk.Get(t, path+"/result"); rec.Code != http.StatusNotFound {
		t.Fatalf("the result notice before 办结: %d, want 404", rec.Code)
	}
	if webtest.ParseHTML(t, clerk.Get(t, path).Body.String()).First(`a[href="`+path+`/result"]`) != nil {
		t.Fatal("the case page offers a result notice before 办结")
	}
	webtest.WantRedirect(t, "approve", reviewer.Post(t, path+"/approve", url.Values{"reason": {"材料齐全"}}), path)
	// 办结: the result notice the unit downloads, for the staff who process cases.
	done := webtest.ParseHTML(t, clerk.Get(t, path).Body.String())
	if l := done.First(`a[href="` + path + `/result"]`); l == nil || strings.TrimSpace(l.TextContent()) != "下载结果文书" ||
		!strings.Contains(done.TextContent(), "参保登记结果通知书") {
		t.Fatal("the approved case does not offer its result notice")
	}
	if rec := clerk.Get(t, path+"/result"); rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment;") || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) {
		t.Fatalf("the result notice for a clerk: %d %v", rec.Code, rec.Header())
	}
	if rec := auditor.Get(t, path+"/result"); rec.Code != http.StatusForbidden {
		t.Fatalf("the result notice for an auditor: %d, want 403", rec.Code)
	}
	rec = clerk.Post(t, path+"/accept", url.Values{"reason": {""}})
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), cases.ErrStale.Msg) {
		t.Fatalf("accept a decided case: %d", rec.Code)
	}
	got, _, err := ts.Cases.UnitCase(ctx, u.ID, c.ID)
	if err != nil || got.State != cases.StateApproved {
		t.Fatalf("the unit's case: %s, %v", got.State, err)
	}
	var n int
	if err := ts.DB.QueryRow(ctx, `SELECT COUNT(*) FROM insurance_periods p JOIN units u ON u.uscc = p.uscc
		WHERE u.id = ? AND p.id_number = ? AND p.end_month = 0`, u.ID, emp).Scan(&n); err != nil || n != 2 {
		t.Fatalf("enrolment periods: %d, %v", n, err)
	}
}

// TestCaseSubsidyBasis: the back office sees 稳岗返还's computed amount and its
// basis on the case page, and after approval the amount granted; an approval that
// the data no longer supports is refused above the form with the reason.
func TestCaseSubsidyBasis(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 0x5a7)
	rep := w.Person(t, "返还法人")
	u := w.Unit(t, "示范返还有限公司", rep)
	ctx := context.Background()
	year := ts.Now().In(time.FixedZone("CST", 8*3600)).Year() - 1
	for m := 1; m <= 12; m++ {
		if _, err := ts.DB.Exec(ctx, `INSERT INTO insurance_payments (uscc, month, insurance_type, id_number, base, unit_amount,
			personal_amount) VALUES (?, ?, 'unemployment', 'P1', 600000, 10000, 5000)`, u.USCC, year*100+m); err != nil {
			t.Fatal(err)
		}
	}
	applicant := cases.Actor{UnitID: u.ID, PersonID: rep.ID, Role: unit.RoleLegalRep}
	pledge, err := ts.Cases.Attach(ctx, applicant, cases.ItemSubsidy, "pledge", "承诺书.png", bytes.NewReader(webtest.ScanPNG(t)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ts.Cases.Apply(ctx, applicant, cases.ItemSubsidy,
		url.Values{cases.FieldYear: {strconv.Itoa(year)}, cases.FieldBank: {"中国银行南京分行"}, cases.FieldAccount: {"1234567890123"},
			"material_pledge": {pledge}})
	if err != nil {
		t.Fatal(err)
	}
	clerk, reviewer, auditor := tm.signIn(t, ts)
	path := "/admin/cases/" + strconv.FormatInt(c.ID, 10)
	page := webtest.ParseHTML(t, clerk.Get(t, path).Body.String())
	txt := page.TextContent()
	// The pledge sent with the case: listed, and a download for case processors only.
	link := page.First(`a[href^="` + path + `/materials/"]`)
	if link == nil || !strings.Contains(txt, "稳岗返还承诺书") || !strings.Contains(txt, "承诺书.png") {
		t.Fatal("the case page does not list the pledge")
	}
	dl := clerk.Get(t, link.AttrOr("href"))
	if dl.Code != http.StatusOK || dl.Header().Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(dl.Header().Get("Content-Disposition"), "attachment;") ||
		dl.Header().Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(dl.Body.Bytes(), webtest.ScanPNG(t)) {
		t.Fatalf("clerk's download: %d %v", dl.Code, dl.Header())
	}
	if rec := auditor.Get(t, link.AttrOr("href")); rec.Code != http.StatusForbidden {
		t.Fatalf("auditor's download: %d, want 403", rec.Code)
	}
	if rec := clerk.Get(t, path+"/materials/nosuchmaterialaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"); rec.Code != http.StatusNotFound {
		t.Fatalf("unknown material: %d, want 404", rec.Code)
	}
	for _, want := range []string{"上年度单位缴纳失业保险费", "1200.00 元", "缴费月数", "12 个月", "返还比例", "60%", "计算返还金额", "720.00 元"} {
		if !strings.Contains(txt, want) {
			t.Fatalf("the case page lacks %q", want)
		}
	}
	webtest.WantRedirect(t, "accept", clerk.Post(t, path+"/accept", url.Values{"reason": {""}}), path)
	// A month's payment is corrected away before the approval: 11 months.
	if _, err := ts.DB.Exec(ctx, `DELETE FROM insurance_payments WHERE uscc = ? AND month = ?`, u.USCC, year*100+12); err != nil {
		t.Fatal(err)
	}
	rec := reviewer.Post(t, path+"/approve", url.Values{"reason": {""}})
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "缴费11个月") {
		t.Fatalf("approve without the data: %d", rec.Code)
	}
	if _, err := ts.DB.Exec(ctx, `INSERT INTO insurance_payments (uscc, month, insurance_type, id_number, base, unit_amount,
		personal_amount) VALUES (?, ?, 'unemployment', 'P1', 600000, 10000, 5000)`, u.USCC, year*100+12); err != nil {
		t.Fatal(err)
	}
	webtest.WantRedirect(t, "approve", reviewer.Post(t, path+"/approve", url.Values{"reason": {""}}), path)
	if txt := webtest.ParseHTML(t, reviewer.Get(t, path).Body.String()).TextContent(); !strings.Contains(txt, "核定返还金额") {
		t.Fatal("the case page does not show the amount granted")
	}
	// The result notice says the amount granted under its own title.
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	rec = reviewer.Get(t, path+"/result")
	if rec.Code != http.StatusOK {
		t.Fatalf("the result notice: %d", rec.Code)
	}
	file := filepath.Join(t.TempDir(), "result.pdf")
	if err := os.WriteFile(file, rec.Body.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", file, "-").CombinedOutput() // #nosec G204 -- the test's own file
	text := strings.Join(strings.Fields(string(out)), "")
	if err != nil || !strings.Contains(text, "稳岗返还核准通知书") || !strings.Contains(text, "核定返还金额") || !strings.Contains(text, u.Name) {
		t.Fatalf("the notice lacks its title, the amount granted or the unit (%v):\n%s", err, out)
	}
}
