package unitcenter

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestUnitLeaveFlow: over HTTP, 退工停保登记's 开始办理 leads to its form, which lists
// the unit's insured employees by name and masked ID (never the ID in clear); a
// late leave date is refused beside the field with the way to the counter; the
// chosen employee's application is approved and the periods end; the back office
// shows the form's values.
func TestUnitLeaveFlow(t *testing.T) {
	ts := webtest.NewTestServer(t)
	desk := webtest.SignInLegalRep(t, ts, 0x3d1, "钱立信", "示范停保机械有限公司")
	w, u, c := desk.World, desk.Unit, desk.Client
	emp := ident.GenerateResidentID(w.Generator, "320104", time.Date(1990, 2, 3, 0, 0, 0, 0, time.UTC), true)
	enrolEmployee(t, ts, u.USCC, emp, "孙有为")

	if item := c.Page(t, "/unit/items/"+cases.ItemLeave, http.StatusOK); item.First(`a[href="/unit/items/SB-004/apply"]`) == nil {
		t.Fatal("开始办理 of 退工停保登记 does not lead to the form")
	}
	doc := c.Page(t, "/unit/items/SB-004/apply", http.StatusOK)
	webtest.CheckPage(t, ts, "/unit/items/SB-004/apply", doc)
	var opt *webtest.HTMLNode
	if opts := doc.All(`select[name="employee"] option`); len(opts) == 2 {
		opt = opts[1]
	}
	if opt == nil || opt.TextContent() != "孙有为（"+ident.MaskID(emp)+"）" || strings.Contains(c.Get(t, "/unit/items/SB-004/apply").Body.String(), emp) {
		t.Fatal("the form does not list the insured employee masked")
	}
	today := ts.Now().In(web.Shanghai)
	form := url.Values{cases.FieldEmployee: {opt.AttrOr("value")}, cases.FieldLeaveDate: {today.AddDate(0, 0, -11).Format("2006-01-02")},
		cases.FieldStopMonth: {insurance.MonthOf(today.AddDate(0, 0, -11)).String()}, cases.FieldReason: {"expired"}}
	rec := c.Post(t, "/unit/items/SB-004/apply", form)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("late leave: %d", rec.Code)
	}
	bad := webtest.ParseHTML(t, rec.Body.String())
	if e := bad.First("#e-leave_date"); e == nil || !strings.Contains(e.TextContent(), "经办窗口") {
		t.Fatal("no message beside the leave date")
	}
	form.Set(cases.FieldLeaveDate, today.Format("2006-01-02"))
	form.Set(cases.FieldStopMonth, insurance.MonthOf(today).String())
	rec = c.PostFiles(t, "/unit/items/SB-004/apply", form, webtest.FormFile{Field: "file_termination", Name: "证明.png", Body: webtest.ScanPNG(t)})
	loc := appliedCase(t, rec)
	detail := c.Page(t, loc, http.StatusOK)
	webtest.CheckPage(t, ts, loc, detail)
	if txt := detail.TextContent(); !strings.Contains(txt, "劳动合同期满终止") || !strings.Contains(txt, ident.MaskID(emp)) ||
		strings.Contains(txt, emp) {
		t.Fatal("the case page does not show the leave masked")
	}
	// A second application for the same employee is refused above the form.
	rec = c.PostFiles(t, "/unit/items/SB-004/apply", url.Values{cases.FieldIDNumber: {emp}, cases.FieldName: {"孙有为"},
		cases.FieldLeaveDate: form[cases.FieldLeaveDate], cases.FieldStopMonth: form[cases.FieldStopMonth], cases.FieldReason: {"other"}},
		webtest.FormFile{Field: "file_termination", Name: "证明.png", Body: webtest.ScanPNG(t)})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "已有正在办理的退工停保登记") {
		t.Fatalf("second leave: %d", rec.Code)
	}
	approveOnly(t, ts, "leave")
	if !strings.Contains(c.Page(t, loc, http.StatusOK).TextContent(), "已办结") {
		t.Fatal("the unit does not see 已办结")
	}
	if n := openPeriods(t, ts, u.USCC, emp); n != 0 {
		t.Fatalf("%d periods still open", n)
	}
	if txt := c.Page(t, "/unit/info?tab=changes", http.StatusOK).TextContent(); !strings.Contains(txt, "劳动合同期满终止") {
		t.Fatal("the 减员 is not in 人员月度变更")
	}
	// No one is insured now: the form says so and asks for the ID number.
	if doc := c.Page(t, "/unit/items/SB-004/apply", http.StatusOK); doc.First(`select[name="employee"]`) != nil ||
		doc.First(`input[name="id_number"]`) == nil {
		t.Fatal("the form of a unit without insured employees still offers a list")
	}
}
