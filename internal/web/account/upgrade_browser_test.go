package account

import (
	"strings"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/upgrade"
	"hall/internal/verify"
	"hall/internal/web/webtest"
)

// TestBrowserUpgrade is R4's acceptance: from the unit login's 历史单位用户升级 link, the
// old 单位编号 and password; the unit and legal rep confirmed with the deadline on the
// page; a registered person nominated as administrator with a unit password; the
// QR code read off the screen and opened on a phone, which signs in to the app as the
// nominee and presses 确认; the desktop page finishes by itself and shows the unit
// number; the administrator then signs in to the unit with that password.
func TestBrowserUpgrade(t *testing.T) {
	ts, base := webtest.Serve(t)
	w := webtest.NewWorld(ts, 4120)
	fx := w.Registered(t, "南京旧网办浏览器测试有限公司", "严宏")
	number := addLegacy(t, ts, w, "JS3201060010", fx.Entry.USCC)
	admin := w.Person(t, "邵雨桐")
	const adminPassword = "Adm1n#Unit2026"

	b := browsertest.New(t)
	// The refused nomination answers 422 on purpose.
	desk := b.NewPage(t, webtest.Allow422)
	desk.Open(base + "/login?tab=unit")
	desk.ClickLink("历史单位用户升级")
	desk.WaitURL("/upgrade")
	desk.WaitText("请您在10分钟内完成注册")
	desk.Fill("原单位编号", strings.ToLower(number))
	desk.Fill("原密码", upgradeOldPassword)
	desk.Click("下一步")

	desk.WaitText("原账户验证通过")
	if got := desk.Text("ol.stepper li.current"); got != "确认单位信息" {
		t.Errorf("current step %q", got)
	}
	desk.WaitText(fx.Entry.Name)
	desk.WaitText("请于北京时间")
	if left := desk.Text("[data-countdown]"); !strings.Contains(left, "分") {
		t.Errorf("countdown shows %q", left)
	}
	desk.Click("确认无误，下一步")

	desk.WaitText("请设置单位管理员")
	desk.Fill("管理员姓名", admin.Name)
	desk.Select("证件类型", "居民身份证")
	desk.Fill("证件号码", admin.IDNumber)
	desk.Fill("移动电话", w.Mobile()) // not the nominee's
	desk.Fill("管理员密码", adminPassword)
	desk.Fill("确认密码", adminPassword)
	desk.Click("下一步")
	desk.WaitText("请确认输入的经办人信息是否已实名注册且与注册信息一致")
	desk.Fill("移动电话", admin.Mobile)
	desk.Fill("管理员密码", adminPassword)
	desk.Fill("确认密码", adminPassword)
	desk.Click("下一步")

	desk.WaitText("请使用掌上APP扫一扫进行实人认证")
	if got := desk.Text("ol.stepper li.current"); got != "管理员实人认证" {
		t.Errorf("current step %q", got)
	}
	link := webtest.BrowserQRLink(t, desk, base, "实人认证二维码")
	phone := b.NewPage(t, browsertest.Mobile())
	phone.Open(link)
	phone.WaitURL("/app/login")
	webtest.BrowserAppLogin(t, phone, admin.IDNumber, webtest.Password)
	webtest.BrowserAppVerify(t, phone, verify.PurposeUpgrade)

	// The desktop page finishes by itself.
	desk.WaitURL("/upgrade/done/")
	desk.WaitText("升级成功")
	u, err := ts.Units.ByAccount(t.Context(), fx.Entry.USCC)
	if err != nil {
		t.Fatalf("the unit was not opened: %v", err)
	}
	if got := desk.Text(".upg-unit-number"); got != u.UnitNumber {
		t.Errorf("unit number on the page %q, want %q", got, u.UnitNumber)
	}

	desk.ClickLink("去单位登录")
	desk.WaitURL("/login?tab=unit")
	desk.Fill("统一社会信用代码/单位编号/机构编号", u.UnitNumber)
	desk.Fill("证件号码/移动电话", admin.Mobile)
	desk.Fill("密码", adminPassword)
	desk.Click("登录")
	desk.WaitURL("/unit/")
	desk.WaitText(fx.Entry.Name)
	desk.WaitText("管理员")

	// The legacy account is used up.
	other := b.NewPage(t, webtest.Allow422)
	other.Open(base + "/upgrade")
	other.Fill("原单位编号", number)
	other.Fill("原密码", upgradeOldPassword)
	other.Click("下一步")
	other.WaitText("该历史账户已完成升级，不能重复升级")
}

// TestBrowserUpgradeTimeout: the step page counts the ten minutes down; at zero it
// reloads by itself and the hall answers with step 1, which says the upgrade timed
// out and asks for the old account again.
func TestBrowserUpgradeTimeout(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC))
	ts, base := webtest.Serve(t, webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 4121)
	fx := w.Registered(t, "南京旧网办超时浏览器测试有限公司", "卢清远")
	number := addLegacy(t, ts, w, "JS3201060011", fx.Entry.USCC)

	desk := browsertest.New(t).NewPage(t)
	desk.Open(base + "/upgrade")
	desk.Fill("原单位编号", number)
	desk.Fill("原密码", upgradeOldPassword)
	desk.Click("下一步")
	desk.WaitText("原账户验证通过")
	// Three seconds before the limit the page is opened again: it counts them down.
	clock.Advance(upgrade.TTL - 3*time.Second)
	desk.Reload()
	desk.WaitText("00分0")
	clock.Advance(10 * time.Second)
	desk.WaitURL("/upgrade?timeout=1")
	desk.WaitText(upgrade.MsgExpired)
	if got := desk.Text("ol.stepper li.current"); got != "验证原账户" {
		t.Errorf("current step after the timeout %q", got)
	}
}
