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

// TestBrowserEnrolmentDraft: the legal rep fills part of 人员参保登记 and presses
// 保存草稿, finds it under 我的草稿 in 单位办件, leaves for the home page, comes back
// through the item's 开始办理, presses 继续填写 and finds the values typed, completes
// the form and applies; the draft is gone from 我的草稿.
func TestBrowserEnrolmentDraft(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 0x2602)
	base := ts.URL(t)
	w := webtest.NewWorld(ts, 0x2603)
	employee := ident.GenerateResidentID(w.Generator, "320104", time.Date(1994, 6, 3, 0, 0, 0, 0, time.UTC), true)
	month := insurance.MonthOf(ts.Now().In(web.Shanghai)).String()

	b := browsertest.New(t)
	p := b.NewPage(t)
	webtest.BrowserUnitLogin(t, p, base, f.Home.USCC, f.Person.Mobile, webtest.Password)
	p.Open(base + "/unit/items/" + cases.ItemEnrolment)
	p.ClickLink("开始办理")
	p.WaitURL("/unit/items/" + cases.ItemEnrolment + "/apply")
	p.WaitText("保留30天")
	p.Fill("职工姓名", "欧阳草稿")
	p.Fill("公民身份号码", employee)
	p.Uncheck("失业保险")
	p.Fill("劳动合同（选传）", writeMaterial(t, "劳动合同.png"))
	p.Click("保存草稿")
	p.WaitURL("/unit/cases")
	p.WaitText("草稿已保存")
	p.WaitText("我的草稿")
	p.Screenshot("draft-listed")

	// Leave, and come back by the item's page.
	p.Open(base + "/unit/")
	p.Open(base + "/unit/items/" + cases.ItemEnrolment)
	p.ClickLink("开始办理")
	p.WaitText("您有一份未提交的草稿")
	if v := browsertest.Eval[string](p, `document.getElementById('f-name').value`); v != "" {
		t.Fatalf("the form is filled before 继续填写: %q", v)
	}
	p.ClickLink("继续填写")
	p.WaitText("已恢复您的草稿")
	p.Screenshot("draft-resumed")
	if v := browsertest.Eval[string](p, `document.getElementById('f-name').value`); v != "欧阳草稿" {
		t.Fatalf("resumed name = %q", v)
	}
	if v := browsertest.Eval[string](p, `document.getElementById('f-id_number').value`); v != employee {
		t.Fatalf("resumed ID number = %q", v)
	}
	if browsertest.Eval[bool](p, `document.getElementById('f-types-unemployment').checked`) {
		t.Fatal("the unchecked insurance type came back checked")
	}
	if !p.HasText("已上传：劳动合同.png") {
		t.Fatal("the draft lost the contract uploaded with it")
	}
	p.Fill("参保年月", month)
	p.Fill("月缴费基数（元）", "6500")
	p.Click("提交申请")
	p.WaitText("已申请")
	if !p.HasText("劳动合同.png") {
		t.Error("the case page does not list the contract kept by the draft")
	}

	p.ClickLink("单位办件")
	p.WaitURL("/unit/cases")
	p.WaitText("用人单位用工参保登记")
	if p.HasText("我的草稿") {
		t.Fatal("the draft is still listed after the application")
	}
}

// TestBrowserAbandonDraft: the legal rep saves part of 退工停保登记 as a draft,
// comes back through 开始办理, presses 放弃草稿 and gets the empty form with 已放弃草稿;
// the offer to continue and 我的草稿 in 单位办件 are gone.
func TestBrowserAbandonDraft(t *testing.T) {
	ts := webtest.NewTestServer(t)
	f := webtest.NewTwoUnits(t, ts, 0x2604)
	base := ts.URL(t)
	b := browsertest.New(t)
	p := b.NewPage(t)
	webtest.BrowserUnitLogin(t, p, base, f.Home.USCC, f.Person.Mobile, webtest.Password)
	p.Open(base + "/unit/items/" + cases.ItemLeave)
	p.ClickLink("开始办理")
	p.WaitURL("/unit/items/" + cases.ItemLeave + "/apply")
	p.Fill("职工姓名", "草稿弃用")
	p.Click("保存草稿")
	p.WaitURL("/unit/cases")
	p.WaitText("我的草稿")

	p.Open(base + "/unit/items/" + cases.ItemLeave)
	p.ClickLink("开始办理")
	p.WaitText("您有一份未提交的草稿")
	p.Click("放弃草稿")
	p.WaitText("已放弃草稿。")
	p.Screenshot("draft-abandoned")
	if p.HasText("您有一份未提交的草稿") || p.HasText("继续填写") {
		t.Fatal("the abandoned draft is still offered")
	}
	if v := browsertest.Eval[string](p, `document.getElementById('f-name').value`); v != "" {
		t.Fatalf("the form is filled after 放弃草稿: %q", v)
	}
	p.Open(base + "/unit/cases")
	p.WaitText("单位办件")
	if p.HasText("我的草稿") {
		t.Fatal("the abandoned draft is still listed in 单位办件")
	}
}
