package account

import (
	"errors"
	"hall/internal/web/webtest"
	"testing"

	"hall/internal/auth"
	"hall/internal/browsertest"
	"hall/internal/captcha/captchatest"
	"hall/internal/unit"
	"hall/internal/verify"
)

// recoveryAllow422 lets a page show a refused form (422) without failing the test: the
// tests type a wrong confirmation and the old password on purpose.
var recoveryAllow422 = browsertest.AllowConsoleErrors("422 (Unprocessable Entity)")

// recoveryBrowserPassword is the new password the browser tests type (invented).
const recoveryBrowserPassword = "Qing-Feng#2027"

// recoverySliderGap is sliderGap for the recovery form's puzzle.
func recoverySliderGap(t *testing.T, ts *webtest.TestServer, p *browsertest.Page) int {
	t.Helper()
	return sliderGap(t, ts, p, "recover")
}

// sliderGap is webtest.SliderGap.
func sliderGap(t *testing.T, ts *webtest.TestServer, p *browsertest.Page, purpose string) int {
	t.Helper()
	return webtest.SliderGap(t, ts, p, purpose)
}

// TestRecoveryBrowserUnit is P1's acceptance: in Chromium, the unit form is filled by its
// labels; the slider is dragged with real mouse events like a hand; the QR code is
// read off the screen and decoded; a phone signed in to the app as the legal rep
// opens the link and passes the development face verification; the desktop page
// moves on by itself; the new password is set; 完成修改; then 单位登录 refuses the old
// password and takes the new one, and the sessions opened before the reset are gone.
func TestRecoveryBrowserUnit(t *testing.T) {
	ts, base := webtest.Serve(t)
	w := webtest.NewWorld(ts, 421)
	u, rep := w.UnitWithRep(t, "示范市青禾数码科技有限公司", "陈立新")
	earlier, _, err := ts.Sessions.Create(t.Context(), webtest.UnitSubject(rep, u, unit.RoleLegalRep), auth.Meta{ClientAddr: "192.0.2.50"})
	if err != nil {
		t.Fatal(err)
	}

	b := browsertest.New(t)
	phone := b.NewPage(t, browsertest.Mobile())
	webtest.BrowserAppOpen(t, phone, base, rep.IDNumber, webtest.Password)

	desk := b.NewPage(t, recoveryAllow422)
	desk.Open(base + "/")
	desk.ClickLink("忘记密码")
	desk.WaitURL("/recover")
	desk.WaitText("操作说明")
	desk.WaitText("线上暂不支持证件类型为“外国人护照”和“港澳台居民居住证”")
	if got := desk.Text(".rec-tabs a[aria-current]"); got != "单位用户" {
		t.Errorf("current tab %q", got)
	}
	desk.Fill("统一社会信用代码", u.USCC)
	desk.Select("证件类型", "居民身份证")
	desk.Fill("证件号码", rep.IDNumber)
	desk.Fill("姓名", rep.Name)
	desk.Click("下一步")
	desk.WaitText("请拖动下方滑块完成拼图验证")
	if got := desk.Text("ol.stepper li.current"); got != "拖动滑块完成拼图" {
		t.Errorf("current step %q", got)
	}

	// The slider, dragged by a hand-like movement of the real mouse.
	x := recoverySliderGap(t, ts, desk)
	h := desk.Rect(".slider-captcha-handle")
	cx, cy := h.Center()
	captchatest.Drag(t, desk, cx, cy, float64(x), 21)
	desk.WaitText("验证通过")
	desk.Click("下一步")
	desk.WaitText("请使用掌上APP扫一扫进行人脸识别")
	if got := desk.Text("ol.stepper li.current"); got != "人脸识别验证" {
		t.Errorf("current step %q", got)
	}
	flowURL := desk.URL()

	phone.Open(webtest.BrowserQRLink(t, desk, base, "人脸识别二维码"))
	webtest.BrowserAppVerify(t, phone, verify.PurposeRecover)

	// The desktop page learns the result by itself.
	desk.WaitText("人脸识别已通过，请设置新密码。")
	if got := desk.Text("ol.stepper li.current"); got != "设置新密码" {
		t.Errorf("current step %q", got)
	}
	if desk.URL() != flowURL {
		t.Errorf("the page moved to %s", desk.URL())
	}
	desk.Fill("新密码", recoveryBrowserPassword)
	desk.Fill("确认密码", recoveryBrowserPassword+"!")
	desk.Click("确定")
	desk.WaitText("两次输入的密码不一致")
	desk.Fill("新密码", recoveryBrowserPassword)
	desk.Fill("确认密码", recoveryBrowserPassword)
	desk.Click("确定")
	desk.WaitURL("/recover/done")
	desk.WaitText("完成修改：密码已重置，请使用新密码登录。")

	// 单位登录: the old password is refused, the new one signs in.
	desk.Click("去单位登录")
	desk.WaitURL("/login?tab=unit")
	webtest.BrowserUnitLoginAfterReset(t, desk, u.USCC, rep.IDNumber, webtest.Password, recoveryBrowserPassword)
	desk.WaitText(u.Name)

	// Sessions opened before the reset are gone: the one made above and the phone's.
	if _, err := ts.Sessions.Lookup(t.Context(), earlier); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("a session opened before the reset still works: %v", err)
	}
	phone.Open(base + "/app/me")
	phone.WaitText("登录后可使用扫码认证和企业服务。")
}

// TestRecoveryBrowserApp is P2 in the companion app: 我的 → 重置单位密码, the unit, the
// app's face verification and back, the new password; then 单位登录 takes it.
func TestRecoveryBrowserApp(t *testing.T) {
	ts, base := webtest.Serve(t)
	w := webtest.NewWorld(ts, 422)
	u, _ := w.UnitWithRep(t, "示范市青禾数码科技有限公司", "陈立新")
	ag := w.Person(t, "赵嘉言")
	w.Member(t, unit.Membership{UnitID: u.ID, PersonID: ag.ID, Role: unit.RoleAgent, Status: unit.StatusActive}, "Old-Unit-Pass#26")

	b := browsertest.New(t)
	phone := b.NewPage(t, browsertest.Mobile())
	webtest.BrowserAppOpen(t, phone, base, ag.IDNumber, webtest.Password)
	phone.ClickCSS(`.app-tabs a[href="/app/me"]`)
	phone.WaitText("企业服务")
	phone.ClickCSS(`a[href="/app/me/reset"]`)
	phone.WaitText("选择要重置登录密码的单位")
	phone.Check(u.Name + "（经办人）")
	phone.Click("下一步")
	webtest.BrowserAppVerify(t, phone, verify.PurposeAppReset)
	phone.Click("返回继续办理")
	phone.WaitText("人脸识别已通过，请设置新密码。")
	phone.Fill("新密码", recoveryBrowserPassword)
	phone.Fill("确认密码", recoveryBrowserPassword)
	phone.Click("确定")
	phone.WaitURL("/app/me/reset/done")
	phone.WaitText("密码已重置。")

	desk := b.NewPage(t, recoveryAllow422)
	desk.Open(base + "/login?tab=unit")
	webtest.BrowserUnitLoginAfterReset(t, desk, u.USCC, ag.IDNumber, "Old-Unit-Pass#26", recoveryBrowserPassword)
}
