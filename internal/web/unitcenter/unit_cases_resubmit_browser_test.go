package unitcenter

import (
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestBrowserCaseReturnResubmit: the legal rep applies for 人员参保登记; staff
// return it with a reason; in 单位办件 the case shows 退回补正 with the reason, the
// correction form comes back filled with what was sent, a base out of range is
// refused beside the field, the corrected base is resubmitted; the case waits for
// acceptance again and, once approved, its timeline shows every step and the
// corrected base.
func TestBrowserCaseReturnResubmit(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 0x3e1)
	base := ts.URL(t)
	review := newBackOffice(t, ts, "return")
	w := webtest.NewWorld(ts, 0x3e2)
	employee := ident.GenerateResidentID(w.Generator, "320104", time.Date(1993, 3, 21, 0, 0, 0, 0, time.UTC), true)
	month := insurance.MonthOf(ts.Now().In(web.Shanghai)).String()
	const reason = "月缴费基数应按劳动合同约定工资填写，请改为7200元"

	p := browsertest.New(t).NewPage(t, webtest.Allow422)
	webtest.BrowserUnitLogin(t, p, base, f.Home.USCC, f.Person.Mobile, webtest.Password)
	p.Open(base + "/unit/items/" + cases.ItemEnrolment + "/apply")
	p.Fill("职工姓名", "司马晓峰")
	p.Fill("公民身份号码", employee)
	p.Fill("参保年月", month)
	p.Fill("月缴费基数（元）", "6500")
	p.Click("提交申请")
	p.WaitText("已申请")

	returned := review.onlySubmitted(t)
	id := returned.ID
	review.sendBack(t, id, reason)

	p.ClickLink("单位办件")
	p.Select("当前状态", "退回补正")
	p.Click("查询")
	p.WaitText("共 1 件")
	p.ClickLink("查看")
	p.WaitText("退回原因：" + reason)
	for _, v := range p.AccessibilityViolations() {
		t.Errorf("a returned case: %s", v)
	}
	p.ClickLink("修改后重新提交")
	p.WaitText("修改后重新提交（流水号 " + returned.Number + "）")
	p.WaitText("退回原因：" + reason)
	for name, want := range map[string]string{cases.FieldName: "司马晓峰", cases.FieldIDNumber: employee,
		cases.FieldStartMonth: month, cases.FieldBase: "6500"} {
		if got := browsertest.Eval[string](p, `document.querySelector('[name="`+name+`"]').value`); got != want {
			t.Errorf("the correction form's %s is %q, want %q", name, got, want)
		}
	}
	p.Fill("月缴费基数（元）", "300")
	p.Click("提交申请")
	p.WaitText("月缴费基数应在")
	p.Fill("月缴费基数（元）", "7200")
	p.Click("提交申请")
	p.WaitText("已重新提交，请等待经办机构受理。")
	p.WaitText("已申请")
	for _, step := range []string{"提交申请", "受理", "退回补正", "补正后重新提交"} {
		if !p.HasText(step) {
			t.Errorf("the timeline lacks %s", step)
		}
	}
	if p.HasText("修改后重新提交") {
		t.Error("a resubmitted case still offers the correction")
	}

	review.approve(t, id, "")
	p.Reload()
	p.WaitText("已办结")
	steps := browsertest.Eval[[]string](p, `[...document.querySelectorAll('.case-timeline li strong')].map((e) => e.textContent)`)
	want := []string{"提交申请", "受理", "退回补正", "补正后重新提交", "受理", "审核通过，办结"}
	if len(steps) != len(want) {
		t.Fatalf("the timeline: %v, want %v", steps, want)
	}
	for i := range want {
		if steps[i] != want[i] {
			t.Fatalf("the timeline: %v, want %v", steps, want)
		}
	}
	if !p.HasText("7200") {
		t.Error("the case does not show the corrected base")
	}
}
