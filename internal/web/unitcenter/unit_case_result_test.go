package unitcenter

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/staff"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// TestCaseResultOverHTTP: an approved 人员参保登记 offers its result notice under
// 办理结果; the download is a signed PDF attachment (nosniff) whose text names the
// bureau, the unit and its USCC, the case number, the item and the employee only
// masked, and pdfsig finds its signature valid. Before 办结 there is no link and
// the address answers 404; another unit gets 404, an agent without the item's
// grant 403, with it 200; staff download it in the back office.
func TestCaseResultOverHTTP(t *testing.T) {
	for _, tool := range []string{"pdftotext", "pdfsig"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s (poppler-utils) not installed", tool)
		}
	}
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 0x3f1)
	rep := w.Person(t, "钱立果")
	u := w.Unit(t, "示范结果机械有限公司", rep)
	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	ctx := context.Background()
	clerk := caseStaff(t, ts, "resultclerk", staff.RolesOf(staff.RoleClerk))
	reviewer := caseStaff(t, ts, "resultreview", staff.RolesOf(staff.RoleReviewer))

	month := insurance.MonthOf(time.Now().In(time.FixedZone("CST", 8*3600))).String()
	emp := ident.GenerateResidentID(w.Generator, "320104", time.Date(1995, 3, 4, 0, 0, 0, 0, time.UTC), true)
	form := url.Values{cases.FieldName: {"孙有果"}, cases.FieldIDNumber: {emp}, cases.FieldStartMonth: {month},
		cases.FieldBase: {"6000"}, cases.FieldTypes: {"pension", "injury"}}
	rec := c.Post(t, "/unit/items/SB-002/apply", form)
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusSeeOther || !regexp.MustCompile(`^/unit/cases/\d+$`).MatchString(loc) {
		t.Fatalf("apply: %d %q", rec.Code, loc)
	}
	href := loc + "/result"
	var id int64
	var number, itemName string
	if err := ts.DB.QueryRow(ctx, `SELECT c.id, c.number, i.name FROM cases c JOIN catalog_items i ON i.code = c.item_code
		WHERE c.unit_id = ?`, u.ID).Scan(&id, &number, &itemName); err != nil {
		t.Fatal(err)
	}
	// Before 办结: no heading, no link, and the address is not found.
	if page := c.Page(t, loc, http.StatusOK); page.First(`a[href="`+href+`"]`) != nil || strings.Contains(page.TextContent(), "办理结果") {
		t.Fatal("the case page offers a result before 办结")
	}
	if rec := c.Get(t, href); rec.Code != http.StatusNotFound {
		t.Fatalf("result before 办结: %d, want 404", rec.Code)
	}
	if _, err := ts.Cases.Accept(ctx, clerk, id, ""); err != nil {
		t.Fatal(err)
	}
	if rec := c.Get(t, href); rec.Code != http.StatusNotFound {
		t.Fatalf("result of an accepted case: %d, want 404", rec.Code)
	}
	if _, err := ts.Cases.Approve(ctx, reviewer, id, ""); err != nil {
		t.Fatal(err)
	}

	page := c.Page(t, loc, http.StatusOK)
	webtest.CheckPage(t, ts, loc, page)
	link := page.First(`a[href="` + href + `"]`)
	if link == nil || strings.TrimSpace(link.TextContent()) != "下载结果文书" || !strings.Contains(page.TextContent(), "办理结果") ||
		!strings.Contains(page.TextContent(), "参保登记结果通知书") {
		t.Fatal("the approved case does not offer its result notice under 办理结果")
	}
	dl := c.Get(t, href)
	if dl.Code != http.StatusOK || dl.Header().Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(dl.Header().Get("Content-Disposition"), "attachment;") ||
		dl.Header().Get("X-Content-Type-Options") != "nosniff" || !bytes.HasPrefix(dl.Body.Bytes(), []byte("%PDF-")) {
		t.Fatalf("download: %d %v", dl.Code, dl.Header())
	}
	path := filepath.Join(t.TempDir(), "result.pdf")
	if err := os.WriteFile(path, dl.Body.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").CombinedOutput() // #nosec G204 -- the test's own file
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"参保登记结果通知书", ts.Config.BureauName, u.Name, u.USCC, number, itemName,
		"已办结", "孙有果", ident.MaskID(emp), "电子印章"} {
		if !strings.Contains(text, strings.Join(strings.Fields(want), "")) {
			t.Errorf("the notice lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(text, emp) {
		t.Error("the notice shows the employee's full ID number")
	}
	sig, _ := exec.Command("pdfsig", path).CombinedOutput() // #nosec G204 -- the test's own file
	if !strings.Contains(string(sig), "Signature is Valid") || !strings.Contains(string(sig), "Total document signed") {
		t.Errorf("pdfsig: want a valid signature over the whole file:\n%s", sig)
	}
	var audited int
	if err := ts.DB.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'case.result.read' AND person_id = ?", rep.ID).
		Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("audit records of the read: %d %v", audited, err)
	}

	// Another unit's legal rep: no such case.
	rep2 := w.Person(t, "袁别果")
	u2 := w.Unit(t, "示范别果商贸有限公司", rep2)
	other := webtest.NewClient(ts)
	webtest.SignIn(t, other, webtest.UnitSubject(rep2, u2, unit.RoleLegalRep))
	if rec := other.Get(t, href); rec.Code != http.StatusNotFound {
		t.Fatalf("another unit: %d, want 404", rec.Code)
	}
	agent := func(name, item, password string) *webtest.Client {
		return grantedAgent(t, ts, w, u, rep.ID, name, item, password)
	}
	without, with := agent("郑他果", cases.ItemSubsidy, "Agt-Other-Pass-8"), agent("冯本果", cases.ItemEnrolment, "Agt-Granted-Pass-8")
	if rec := without.Get(t, href); rec.Code != http.StatusForbidden {
		t.Fatalf("agent without the grant: %d, want 403", rec.Code)
	}
	if p := without.Page(t, loc, http.StatusOK); p.First(`a[href="`+href+`"]`) != nil {
		t.Error("the case page offers an agent without the grant a link to a refusal")
	}
	if rec := with.Get(t, href); rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pdf" {
		t.Fatalf("agent with the grant: %d, want 200", rec.Code)
	}
	if with.Page(t, loc, http.StatusOK).First(`a[href="`+href+`"]`) == nil {
		t.Error("the case page does not offer the granted agent the result")
	}
}
