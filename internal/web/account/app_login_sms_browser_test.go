package account

import (
	"hall/internal/web/webtest"
	"strings"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/captcha/captchatest"
	"hall/internal/person"
	"hall/internal/verify"
)

// TestRecoveryBrowserPersonForgotPassword is P1 for a person who has forgotten the
// personal password, end to end in Chromium as a person does it: 忘记密码 on the
// Person's login, the account form, the slider dragged like a hand, the QR code read
// off the screen; on the phone (another browser context, never signed in) the app
// asks for a login, which is done with 短信验证码登录 (the code read from the
// development outbox), since the password is what was forgotten; the app's screen
// says which browser asks and what approving does; 确认; the desktop moves on, the
// new password is set, and 个人登录 takes it.
func TestRecoveryBrowserPersonForgotPassword(t *testing.T) {
	ts, base := webtest.Serve(t)
	w := webtest.NewWorld(ts, 143)
	p := w.Person(t, "温以宁")

	b := browsertest.New(t)
	desk := b.NewPage(t, recoveryAllow422)
	desk.Open(base + "/login?tab=person")
	desk.ClickLink("忘记密码?")
	desk.WaitURL("/recover?tab=person")
	desk.WaitText("操作说明")
	if got := desk.Text(".rec-tabs a[aria-current]"); got != "个人用户" {
		t.Errorf("current tab %q", got)
	}
	desk.Select("证件类型", "居民身份证")
	desk.Fill("证件号码", p.IDNumber)
	desk.Fill("姓名", p.Name)
	desk.Click("下一步")
	desk.WaitText("请拖动下方滑块完成拼图验证")
	x := recoverySliderGap(t, ts, desk)
	cx, cy := desk.Rect(".slider-captcha-handle").Center()
	captchatest.Drag(t, desk, cx, cy, float64(x), 23)
	desk.WaitText("验证通过")
	desk.Click("下一步")
	desk.WaitText("请使用掌上APP扫一扫进行人脸识别")
	link := webtest.BrowserQRLink(t, desk, base, "人脸识别二维码")

	// The phone is not signed in: the link leads to the app's login, where the
	// Person chooses the SMS code.
	phone := b.NewPage(t, browsertest.Mobile(), recoveryAllow422)
	browserAppOpenBySMS(t, ts, phone, link, p)
	phone.WaitURL("/app/v/")
	phone.WaitText(verify.PurposeLabel(verify.PurposeRecover))
	phone.WaitText("批准后，该浏览器将可以为您的账号设置新密码")
	phone.WaitText(verify.MsgLocalPlace) // the desktop browser is on this machine
	if device := phone.Text(".app-origin"); !strings.Contains(device, "电脑 · Chrome") {
		t.Errorf("the screen describes the asking browser as %q", device)
	}
	webtest.BrowserAppVerify(t, phone, verify.PurposeRecover)

	desk.WaitText("人脸识别已通过，请设置新密码。")
	desk.Fill("新密码", recoveryBrowserPassword)
	desk.Fill("确认密码", recoveryBrowserPassword)
	desk.Click("确定")
	desk.WaitURL("/recover/done")
	desk.WaitText("完成修改：密码已重置，请使用新密码登录。")
	desk.Click("去个人登录")
	desk.WaitURL("/login?tab=person")
	desk.Fill("证件号码/移动电话", p.IDNumber)
	desk.Fill("密码", recoveryBrowserPassword)
	desk.Click("登录")
	desk.WaitURL("/me")
	desk.WaitText(p.MaskedMobile())
	webtest.WantNotice(t, ts, p.Mobile, "找回密码", "重置")
}

// browserAppOpenBySMS opens link on a phone that is not signed in: the app's login
// comes first, where p signs in with 短信验证码登录 (the code read from the
// development outbox) and is taken back to link.
func browserAppOpenBySMS(t *testing.T, ts *webtest.TestServer, phone *browsertest.Page, link string, p person.Person) {
	t.Helper()
	phone.Open(link)
	phone.WaitURL("/app/login?next=")
	phone.ClickLink("短信验证码登录")
	phone.WaitURL("/app/login/sms?next=")
	phone.Fill("移动电话", p.Mobile)
	phone.Click("获取验证码")
	phone.WaitText("验证码已发送至" + p.MaskedMobile())
	phone.Fill("短信验证码", webtest.LatestCode(t, ts, p.Mobile))
	phone.Click("登录")
}
