package unitcenter

import (
	"strings"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestBrowserOnlineEnrolment: the legal rep opens 人员参保登记 from its item page,
// presses 开始办理, is told beside the field what is wrong with the base, corrects
// it and applies; the case shows 已申请 in 单位办件. A clerk accepts and a reviewer
// approves it; the unit's case page then says 已办结 with the steps in its timeline
// and offers its result notice under 办理结果 (a PDF download), and the employee is
// in 人员月度变更.
func TestBrowserOnlineEnrolment(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 0x3c5)
	base := ts.URL(t)
	review := newBackOffice(t, ts, "browser")
	w := webtest.NewWorld(ts, 0x3c6)
	employee := ident.GenerateResidentID(w.Generator, "320104", time.Date(1995, 8, 17, 0, 0, 0, 0, time.UTC), false)
	month := insurance.MonthOf(ts.Now().In(web.Shanghai)).String()

	b := browsertest.New(t)
	p := b.NewPage(t, webtest.Allow422) // the refused form answers 422
	webtest.BrowserUnitLogin(t, p, base, f.Home.USCC, f.Person.Mobile, webtest.Password)
	p.Open(base + "/unit/items/" + cases.ItemEnrolment)
	p.ClickLink("开始办理")
	p.WaitURL("/unit/items/" + cases.ItemEnrolment + "/apply")
	p.Fill("职工姓名", "申屠晓燕")
	p.Fill("公民身份号码", employee)
	p.Fill("参保年月", month)
	p.Fill("月缴费基数（元）", "300")
	p.Check("企业基本养老保险")
	p.Check("工伤保险")
	p.Click("提交申请")
	p.WaitText("月缴费基数应在")
	p.Screenshot("base-refused")
	p.Fill("月缴费基数（元）", "6500")
	p.Click("提交申请")
	p.WaitText("已申请")
	p.Screenshot("submitted")
	casePage := browsertest.Eval[string](p, `location.pathname`)

	p.ClickLink("单位办件")
	p.WaitURL("/unit/cases")
	p.WaitText("用人单位用工参保登记")
	p.Screenshot("list")

	review.approve(t, review.onlySubmitted(t).ID, "材料齐全")

	p.Open(base + casePage)
	p.WaitText("已办结")
	for _, step := range []string{"提交申请", "受理", "审核通过，办结"} {
		if !p.HasText(step) {
			t.Errorf("the timeline lacks %s", step)
		}
	}
	if p.HasText(f.Person.Name) || !p.HasText(ident.MaskName(f.Person.Name)) {
		t.Error("the timeline does not mask the applicant's name")
	}
	p.Screenshot("approved")
	// 办理结果: the result notice's link by its visible label, fetched with the
	// page's session as the link would be.
	if !p.HasText("办理结果") || !p.HasText("参保登记结果通知书") {
		t.Error("the approved case shows no 办理结果 with its notice")
	}
	type download struct {
		Href, Type, Disposition, Head string
		Status                        int
	}
	got := browsertest.Eval[download](p, `(async () => {
		const a = Array.from(document.querySelectorAll('a')).find((a) => a.textContent.trim() === '下载结果文书');
		if (!a) return {Href: '', Type: '', Disposition: '', Head: '', Status: 0};
		const r = await fetch(a.href);
		const head = new TextDecoder('latin1').decode(new Uint8Array(await r.arrayBuffer()).slice(0, 5));
		return {Href: a.getAttribute('href'), Type: r.headers.get('Content-Type'),
			Disposition: r.headers.get('Content-Disposition') || '', Head: head, Status: r.status};
	})()`)
	if got.Href != casePage+"/result" || got.Status != 200 || got.Type != "application/pdf" ||
		!strings.HasPrefix(got.Disposition, "attachment;") || got.Head != "%PDF-" {
		t.Errorf("the result notice's link: %+v", got)
	}
	p.Open(base + "/unit/info?tab=changes")
	p.WaitText(ident.MaskID(employee))
}

// TestBrowserOnlineLeave: the legal rep opens 退工停保登记 from its item page,
// chooses the insured employee from the list by name, types a leave date too long
// ago and is told beside the field to go to the counter, corrects it and applies.
// A clerk accepts and a reviewer approves; the case page says 已办结, 人员月度变更
// shows the 减员 with its reason, and the employee's periods are ended.
func TestBrowserOnlineLeave(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 0x3d5)
	base := ts.URL(t)
	review := newBackOffice(t, ts, "leaveb")
	w := webtest.NewWorld(ts, 0x3d6)
	employee := ident.GenerateResidentID(w.Generator, "320104", time.Date(1992, 6, 9, 0, 0, 0, 0, time.UTC), true)
	enrolEmployee(t, ts, f.Home.USCC, employee, "欧阳志远")
	today := ts.Now().In(web.Shanghai)

	b := browsertest.New(t)
	p := b.NewPage(t, webtest.Allow422) // the refused form answers 422
	webtest.BrowserUnitLogin(t, p, base, f.Home.USCC, f.Person.Mobile, webtest.Password)
	p.Open(base + "/unit/items/" + cases.ItemLeave)
	p.ClickLink("开始办理")
	p.WaitURL("/unit/items/" + cases.ItemLeave + "/apply")
	p.Select("选择参保职工", "欧阳志远（"+ident.MaskID(employee)+"）")
	p.Fill("离职日期", today.AddDate(0, 0, -20).Format("2006-01-02"))
	p.Fill("停保年月", insurance.MonthOf(today.AddDate(0, 0, -20)).String())
	p.Select("停保原因", "用人单位解除劳动合同")
	p.Fill("解除（终止）劳动合同证明", writeMaterial(t, "解除证明.png"))
	p.Click("提交申请")
	p.WaitText("请携带解除或终止劳动合同证明到经办窗口办理")
	p.Screenshot("leave-late")
	// The proof sent with the refused form stays attached: it is not chosen again.
	if !p.HasText("已上传：解除证明.png") {
		t.Error("the refused form lost the uploaded proof")
	}
	p.Fill("离职日期", today.Format("2006-01-02"))
	p.Fill("停保年月", insurance.MonthOf(today).String())
	p.Click("提交申请")
	p.WaitText("已申请")
	if !p.HasText("欧阳志远") || !p.HasText(ident.MaskID(employee)) {
		t.Error("the case page does not show the chosen employee")
	}
	casePage := browsertest.Eval[string](p, `location.pathname`)

	review.approve(t, review.onlySubmitted(t).ID, "")
	p.Open(base + casePage)
	p.WaitText("已办结")
	p.Screenshot("leave-approved")
	p.Open(base + "/unit/info?tab=changes")
	p.WaitText("用人单位解除劳动合同")
	if n := openPeriods(t, ts, f.Home.USCC, employee); n != 0 {
		t.Fatalf("%d periods still open", n)
	}
}
