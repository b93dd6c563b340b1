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
	p.Fill("参保年月", month)
	p.Fill("月缴费基数（元）", "6500")
	p.Click("提交申请")
	p.WaitText("已申请")

	p.ClickLink("单位办件")
	p.WaitURL("/unit/cases")
	p.WaitText("用人单位用工参保登记")
	if p.HasText("我的草稿") {
		t.Fatal("the draft is still listed after the application")
	}
}
