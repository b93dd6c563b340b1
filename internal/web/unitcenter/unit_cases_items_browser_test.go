package unitcenter

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/cases"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestBrowserOnlineSubsidy: 稳岗返还 (JY-001) in Chromium. A unit that paid
// unemployment insurance all last year opens the form from the item page and sees,
// before sending anything, the conditions met and the computed amount; it applies
// and, once approved, the case shows the amount granted. A unit without last
// year's payments sees the conditions not met, and its application is refused
// beside 申领年度 with the reason.
func TestBrowserOnlineSubsidy(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 0x3e5)
	rep := w.Person(t, "钱立信")
	u := w.Unit(t, "示范稳岗浏览器有限公司", rep)
	payUnemployment(t, ts, u.USCC, ts.Now().In(web.Shanghai).Year()-1, 5) // 4800 yuan paid, 60% is 2880
	newRep := w.Person(t, "韩东篱")
	fresh := w.Unit(t, "示范新设浏览器有限公司", newRep)
	base := ts.URL(t)
	b := browsertest.New(t)

	p := b.NewPage(t)
	webtest.BrowserUnitLogin(t, p, base, u.USCC, rep.Mobile, webtest.Password)
	p.Open(base + "/unit/items/" + cases.ItemSubsidy)
	p.ClickLink("开始办理")
	p.WaitURL("/unit/items/" + cases.ItemSubsidy + "/apply")
	p.WaitText("稳岗返还测算")
	for _, want := range []string{"4800.00 元", "60%", "2880.00 元"} {
		if !p.HasText(want) {
			t.Errorf("the form does not show %s before submission", want)
		}
	}
	if p.HasText("不符合") {
		t.Error("an eligible unit is told a condition is not met")
	}
	p.Fill("开户银行", "中国建设银行南京城南支行")
	p.Fill("银行账号", "3200150123456789")
	pledge := writeMaterial(t, "承诺书.png")
	p.Fill("稳岗返还承诺书", pledge)
	p.Click("提交申请")
	p.WaitText("已申请")
	if !p.HasText("承诺书.png") {
		t.Error("the case page does not list the pledge")
	}
	p.WaitText("2880.00 元")
	approveOnly(t, ts, "subsidyb")
	p.Reload()
	p.WaitText("已办结")
	p.WaitText("核定返还金额")

	q := b.NewPage(t, webtest.Allow422)
	webtest.BrowserUnitLogin(t, q, base, fresh.USCC, newRep.Mobile, webtest.Password)
	q.Open(base + "/unit/items/" + cases.ItemSubsidy + "/apply")
	q.WaitText("不符合申领条件")
	q.Fill("开户银行", "中国银行南京分行")
	q.Fill("银行账号", "1234567890123")
	q.Fill("稳岗返还承诺书", pledge)
	q.Click("提交申请")
	q.WaitText("缴费0个月")
	if got := q.Text("#e-year"); !strings.Contains(got, "缴费0个月") {
		t.Errorf("the refusal beside 申领年度: %q", got)
	}
	for _, v := range q.AccessibilityViolations() {
		t.Errorf("the refused subsidy form: %s", v)
	}
}

// TestBrowserOnlineUnitChange: 单位参保信息变更登记 (SB-009) in Chromium. The form
// starts with the unit's address and contact and the phone masked in the hint;
// the legal rep changes all three and applies; once approved, 单位信息 shows the new
// address, contact and (masked) phone.
func TestBrowserOnlineUnitChange(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 0x3e6)
	rep := w.Person(t, "钱立信")
	u := w.Unit(t, "示范变更浏览器有限公司", rep)
	if _, err := ts.DB.Exec(context.Background(), `UPDATE units SET address = '南京市秦淮区中华路100号', contact_name = '吴联络',
		contact_phone = '13912345678' WHERE id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	base := ts.URL(t)

	p := browsertest.New(t).NewPage(t)
	webtest.BrowserUnitLogin(t, p, base, u.USCC, rep.Mobile, webtest.Password)
	p.Open(base + "/unit/items/" + cases.ItemUnitChange)
	p.ClickLink("开始办理")
	p.WaitURL("/unit/items/" + cases.ItemUnitChange + "/apply")
	p.WaitText("当前为 139****5678，不修改请留空。")
	for name, want := range map[string]string{unit.FieldAddress: "南京市秦淮区中华路100号", unit.FieldContactName: "吴联络",
		unit.FieldContactPhone: ""} {
		if got := browsertest.Eval[string](p, `document.querySelector('[name="`+name+`"]').value`); got != want {
			t.Errorf("the form's %s starts as %q, want %q", name, got, want)
		}
	}
	p.Fill("单位地址", "南京市玄武区中山路1号")
	p.Fill("联系人", "欧阳联络")
	p.Fill("联系电话", "025-83123456")
	p.Click("提交申请")
	p.WaitText("已申请")
	p.WaitText("南京市玄武区中山路1号")
	approveOnly(t, ts, "changeb")
	p.Reload()
	p.WaitText("已办结")

	p.Open(base + "/unit/info")
	for css, want := range map[string]string{".ui-address": "南京市玄武区中山路1号", ".ui-contact": "欧阳联络",
		".ui-phone": unit.MaskPhone("025-83123456")} {
		if got := p.Text(css); got != want {
			t.Errorf("单位信息 %s after the approval: %q, want %q", css, got, want)
		}
	}
	got, err := ts.Units.Get(context.Background(), u.ID)
	if err != nil || got.ContactPhone != "025-83123456" {
		t.Errorf("the unit's phone after the approval: %q, %v", got.ContactPhone, err)
	}
}

// writeMaterial writes a scan the browser uploads as a material, under name.
func writeMaterial(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, webtest.ScanPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
