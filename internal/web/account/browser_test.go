package account

import (
	"hall/internal/web"
	"hall/internal/web/webtest"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/ident"
)

// Browser tests of the personal accounts: driven by labels and button texts, with the
// SMS codes read from the development outbox over HTTP as a developer would.

func TestBrowserRegister(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	w := webtest.NewWorld(ts, 51)
	id, mobile := w.IDNumber(), w.Mobile()

	p := browsertest.New(t).NewPage(t)
	p.Open(base + "/")
	p.ClickLink("注册")
	p.WaitText("注册说明")
	p.Select("证件类型", "居民身份证")
	p.Fill("证件号码", id)
	p.Fill("姓名", "林晓梅")
	p.Fill("移动电话", mobile)
	p.Fill("密码", webtest.Password)
	p.Fill("确认密码", webtest.Password)
	p.Click("获取验证码")
	p.WaitText("验证码已发送至" + ident.MaskMobile(mobile))
	// The code was sent in the background: what was typed, passwords too, is still there.
	if got := browsertest.Eval[string](p, "document.getElementById('f-password').value"); got != webtest.Password {
		t.Errorf("the password field holds %q after 获取验证码", got)
	}
	if !browsertest.Eval[bool](p, "document.querySelector('[data-sms-send]').disabled") {
		t.Error("the 获取验证码 button is not counting down")
	}
	p.Fill("短信验证码", webtest.OutboxCode(t, base, mobile))
	p.Check("我已阅读并同意《个人用户注册协议》")
	p.Click("注册")
	p.WaitURL("/me")
	p.WaitText("注册成功")
	p.WaitText("实名用户")
	p.WaitText("可办理业务的单位")
	if got := p.Text(".account-links .acct-who"); got != "**梅" {
		t.Errorf("header name %q", got)
	}
}

func TestBrowserRegisterErrors(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	p := browsertest.New(t).NewPage(t, webtest.Allow422)
	p.Open(base + "/register")
	p.Fill("姓名", "林3")
	p.Fill("移动电话", "1381234")
	p.Click("注册")
	p.WaitText("注册信息有误")
	p.WaitText("请输入证件号码")
	p.WaitText("请阅读并同意《个人用户注册协议》")
	if got := browsertest.Eval[string](p, "document.getElementById('f-name').value"); got != "林3" {
		t.Errorf("the name was not kept: %q", got)
	}
	if !browsertest.Eval[bool](p, "!!document.getElementById('e-mobile')") {
		t.Fatal("no message beside the malformed mobile")
	}
	// 获取验证码 with the mobile corrected: the mobile's message goes, the notice comes,
	// and the rest of the form is untouched.
	mobile := webtest.NewWorld(ts, 55).Mobile()
	p.Fill("移动电话", mobile)
	p.Click("获取验证码")
	p.WaitText("验证码已发送至" + ident.MaskMobile(mobile))
	if browsertest.Eval[bool](p, "!!document.getElementById('e-mobile')") {
		t.Error("the mobile's old message is still shown")
	}
	if !browsertest.Eval[bool](p, "!!document.getElementById('e-name')") {
		t.Error("the name's message went away with 获取验证码")
	}
}

func TestBrowserLoginPassword(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	w := webtest.NewWorld(ts, 52)
	person := w.Person(t, "陈思远")

	p := browsertest.New(t).NewPage(t, webtest.Allow422)
	p.Open(base + "/login")
	p.ClickLink("个人登录")
	p.WaitURL("tab=person")
	p.Fill("证件号码/移动电话", person.IDNumber)
	p.Fill("密码", "Not-The-Password-1")
	p.Click("登录")
	p.WaitText(web.MsgBadLogin)
	p.Fill("密码", webtest.Password)
	p.Click("登录")
	p.WaitURL("/me")
	p.WaitText("个人中心")
	p.WaitText(person.MaskedID())
}

func TestBrowserLoginSMS(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	w := webtest.NewWorld(ts, 53)
	person := w.Person(t, "杨帆")

	p := browsertest.New(t).NewPage(t)
	p.Open(base + "/login?tab=person")
	p.ClickLink("手机动态码")
	p.WaitURL("method=sms")
	p.Fill("移动电话", person.Mobile)
	p.Click("获取验证码")
	p.WaitText("验证码已发送至" + ident.MaskMobile(person.Mobile))
	p.Fill("短信验证码", webtest.OutboxCode(t, base, person.Mobile))
	p.Click("登录")
	p.WaitURL("/me")
	p.WaitText("实名用户")
}

func TestBrowserLogout(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	w := webtest.NewWorld(ts, 54)
	person := w.Person(t, "何静")

	p := browsertest.New(t).NewPage(t)
	p.Open(base + "/login?tab=person&next=%2Fcatalog")
	p.Fill("证件号码/移动电话", person.Mobile)
	p.Fill("密码", webtest.Password)
	p.Click("登录")
	p.WaitURL("/catalog")
	p.ClickLink("个人中心")
	p.WaitURL("/me")
	p.Click("退出")
	p.WaitText("热门服务")
	if !p.HasText("登录") || p.HasText("个人中心") {
		t.Error("the header still shows a signed-in person")
	}
	p.Open(base + "/me")
	p.WaitURL("/login")
	p.WaitText("个人登录")
}

func TestBrowserPhoneLayout(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	p := browsertest.New(t).NewPage(t, browsertest.Mobile())
	for _, path := range []string{"/register", "/login", "/login?tab=person&method=sms", "/login?tab=unit&method=other",
		"/appeal", "/appeal/filed?no=SS00000001", "/agreements/person", "/dev/outbox"} {
		p.Open(base + path)
		if over := browsertest.Eval[int](p, "document.documentElement.scrollWidth - window.innerWidth"); over > 0 {
			t.Errorf("%s is %dpx wider than a 390px phone", path, over)
		}
	}
}
