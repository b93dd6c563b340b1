package account

import (
	"hall/internal/web/webtest"
	"strings"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/verify"
)

// TestBrowserUnitRegistration is R2's acceptance: the legal rep (who already has a
// personal account) fills step 1 by its labels; the verify step shows a QR code,
// which the test reads off the screen and decodes; a phone (a second browser
// context, mobile) opens the decoded link, logs in to the app as the legal rep and
// presses 确认; the first page moves on to step 3 by itself; step 3 takes the
// account's password and the SMS code; 完成注册 shows the unit number.
func TestBrowserUnitRegistration(t *testing.T) {
	ts, base := webtest.Serve(t)
	w := webtest.NewWorld(ts, 114)
	fx := w.Registered(t, "南京沐泽信息技术有限公司", "周晓明")
	mobile := w.Mobile()
	fx.CreatePerson(t, ts, mobile)

	b := browsertest.New(t)
	desk := b.NewPage(t)
	browserUregStepOne(desk, base, fx)
	flowURL := desk.URL()
	if got := desk.Text("ol.stepper li.current"); got != "法定代表人认证" {
		t.Errorf("current step %q", got)
	}

	link := webtest.BrowserQRLink(t, desk, base, "实人认证二维码")
	phone := b.NewPage(t, browsertest.Mobile())
	phone.Open(link)
	phone.WaitURL("/app/login")
	phone.WaitText("登录掌上APP")
	webtest.BrowserAppLogin(t, phone, fx.Entry.LegalRepIDNumber, fx.Password)
	webtest.BrowserAppVerify(t, phone, verify.PurposeUnitRegister)

	// The desktop page learns the result by itself (no reload by the test).
	desk.WaitText("填写账户信息")
	desk.WaitText("法定代表人已有个人账户")
	if got := desk.Text("ol.stepper li.current"); got != "填写账户信息" {
		t.Errorf("current step %q", got)
	}
	if desk.URL() != flowURL {
		t.Errorf("the page moved to %s", desk.URL())
	}
	desk.Click("获取验证码")
	desk.WaitText("验证码已发送至")
	desk.Fill("短信验证码", webtest.LatestCode(t, ts, mobile))
	desk.Fill("个人账户密码", fx.Password)
	desk.Click("完成注册")
	desk.WaitURL("/register/unit/done/")
	desk.WaitText("注册成功")
	u, err := ts.Units.ByAccount(t.Context(), fx.Entry.USCC)
	if err != nil {
		t.Fatalf("the unit was not created: %v", err)
	}
	if got := desk.Text(".ureg-unit-number"); got != u.UnitNumber {
		t.Errorf("unit number on the page %q, want %q", got, u.UnitNumber)
	}
}

// browserUregStepOne fills 填写单位信息 for the registry entry by its labels and waits
// for the verification step's QR code.
func browserUregStepOne(desk *browsertest.Page, base string, fx webtest.RegisteredUnit) {
	desk.Open(base + "/register/unit")
	desk.WaitText("填写单位信息")
	desk.Fill("统一社会信用代码", fx.Entry.USCC)
	desk.Fill("单位全称", fx.Entry.Name)
	desk.Select("法定代表人证件类型", "居民身份证")
	desk.Fill("法定代表人证件号码", fx.Entry.LegalRepIDNumber)
	desk.Fill("法定代表人姓名", fx.Entry.LegalRepName)
	desk.Check("我已阅读并同意《法人用户注册协议》")
	desk.Click("下一步")
	desk.WaitText("请使用掌上APP扫一扫进行实人认证")
}

// TestBrowserAppPasteLink: without a camera, the app's 二维码链接 Form opens the
// verification page.
func TestBrowserAppPasteLink(t *testing.T) {
	ts, base := webtest.Serve(t)
	w := webtest.NewWorld(ts, 115)
	fx := w.Registered(t, "南京熠辰电子科技有限公司", "梁伟")
	fx.CreatePerson(t, ts, w.Mobile())
	c := webtest.NewClient(ts)
	sid := webtest.UnitRegistrationSessionID(t, c, webtest.UnitRegistrationStart(t, c, fx))

	b := browsertest.New(t)
	phone := b.NewPage(t, browsertest.Mobile())
	webtest.BrowserAppOpen(t, phone, base, fx.Entry.LegalRepIDNumber, fx.Password)
	phone.ClickCSS(`.app-tabs a[href="/app/scan"]`)
	phone.WaitURL("/app/scan")
	phone.WaitText("请在下方粘贴二维码链接") // headless Chromium on Linux has no BarcodeDetector
	phone.Fill("二维码链接", base+"/app/v/"+sid)
	phone.Click("打开")
	phone.WaitURL("/app/v/" + sid)
	phone.WaitText("开发环境：模拟人脸识别")
	phone.WaitText("确认")
}

// TestBrowserUnitRegistrationNewLegalRep is R2 for a legal rep who has no personal
// account yet: the phone opens the QR code's link without signing in to the app
// (there is no account to sign in with), the development face screen confirms the
// legal rep, and step 3 asks for a mobile, an SMS code, a password and its
// confirmation; 完成注册 creates the personal account and the unit, and the unit
// login then signs in with the new password.
func TestBrowserUnitRegistrationNewLegalRep(t *testing.T) {
	ts, base := webtest.Serve(t)
	w := webtest.NewWorld(ts, 116)
	fx := w.Registered(t, "南京澜舟文化科技有限公司", "沈佳怡")
	mobile := w.Mobile()

	b := browsertest.New(t)
	desk := b.NewPage(t)
	browserUregStepOne(desk, base, fx)
	link := webtest.BrowserQRLink(t, desk, base, "实人认证二维码")

	// The phone is not signed in to the app, and the legal rep could not sign in.
	phone := b.NewPage(t, browsertest.Mobile())
	phone.Open(link)
	phone.WaitText("认证人员尚未注册个人账户，无需登录")
	if strings.Contains(phone.URL(), "/app/login") {
		t.Fatalf("the verification link asks a person without an account to sign in: %s", phone.URL())
	}
	webtest.BrowserAppVerify(t, phone, verify.PurposeUnitRegister)

	desk.WaitText("填写账户信息")
	if got := desk.Text("ol.stepper li.current"); got != "填写账户信息" {
		t.Errorf("current step %q", got)
	}
	desk.Fill("移动电话", mobile)
	desk.Click("获取验证码")
	desk.WaitText("验证码已发送至")
	desk.Fill("短信验证码", webtest.LatestCode(t, ts, mobile))
	desk.Fill("密码", fx.Password)
	desk.Fill("确认密码", fx.Password)
	desk.Click("完成注册")
	desk.WaitURL("/register/unit/done/")
	desk.WaitText("注册成功")
	desk.WaitText("即刚才设置的密码")

	p, err := ts.Persons.ByIdentity(t.Context(), fx.Entry.LegalRepIDType, fx.Entry.LegalRepIDNumber)
	if err != nil {
		t.Fatalf("the personal account was not created: %v", err)
	}
	if p.Mobile != mobile {
		t.Errorf("personal account's mobile %q, want %q", p.Mobile, mobile)
	}
	u, err := ts.Units.ByAccount(t.Context(), fx.Entry.USCC)
	if err != nil {
		t.Fatalf("the unit was not created: %v", err)
	}
	if got := desk.Text(".ureg-unit-number"); got != u.UnitNumber {
		t.Errorf("unit number on the page %q, want %q", got, u.UnitNumber)
	}

	desk.ClickLink("去单位登录")
	desk.WaitURL("/login?tab=unit")
	desk.Fill("统一社会信用代码/单位编号/机构编号", u.UnitNumber)
	desk.Fill("证件号码/移动电话", mobile)
	desk.Fill("密码", fx.Password)
	desk.Click("登录")
	desk.WaitURL("/unit/")
	desk.WaitText(fx.Entry.Name)
	desk.WaitText("法定代表人")
}
