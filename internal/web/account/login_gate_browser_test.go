package account

import (
	"hall/internal/web"
	"hall/internal/web/webtest"
	"testing"

	"hall/internal/browsertest"
)

// gateSolveSlider waits until the page's slider captcha shows a login puzzle, drags
// the handle to the gap like a hand (the gap's x read from the database: the page
// never has it) and waits for 验证通过.
func gateSolveSlider(t *testing.T, ts *webtest.TestServer, p *browsertest.Page, seed uint64) {
	t.Helper()
	webtest.BrowserSolveSlider(t, ts, p, "login", seed)
}

// gateAppSubmit types login and password into the app's sign-in and presses 登录,
// solving the slider first when the page shows it.
func gateAppSubmit(t *testing.T, ts *webtest.TestServer, p *browsertest.Page, login, password string, seed uint64) {
	t.Helper()
	p.Fill("证件号码/移动电话", login)
	p.Fill("密码", password)
	if browsertest.Eval[bool](p, `document.querySelector('.slider-captcha') !== null`) {
		gateSolveSlider(t, ts, p, seed)
	}
	p.Click("登录")
}

// TestGateBrowserAppLogin is issue 9 item 1 in Chromium: on the companion app's
// sign-in, wrong passwords bring the slider captcha and then the pause, after which
// the right password does not sign in; and a pause earned on the hall's 个人登录
// stops the app's sign-in too.
func TestGateBrowserAppLogin(t *testing.T) {
	ts, base := webtest.Serve(t)
	w := webtest.NewWorld(ts, 905)
	p := w.Person(t, "程望舒")
	b := browsertest.New(t)

	phone := b.NewPage(t, browsertest.Mobile(), webtest.Allow422)
	phone.Open(base + "/app/login")
	if browsertest.Eval[bool](phone, `document.querySelector('.slider-captcha') !== null`) {
		t.Fatal("captcha on a fresh app sign-in")
	}
	for i := range 3 {
		gateAppSubmit(t, ts, phone, p.IDNumber, "Wrong-Password-1", uint64(i))
		phone.WaitText(web.MsgBadLogin)
	}
	// Three failures: the slider captcha is on the app's page, with its script.
	phone.WaitText("向右拖动滑块完成拼图")
	gateAppSubmit(t, ts, phone, p.IDNumber, "Wrong-Password-1", 3)
	phone.WaitText(web.MsgBadLogin)
	gateAppSubmit(t, ts, phone, p.IDNumber, "Wrong-Password-1", 4)
	phone.WaitText("登录尝试已暂停")
	phone.WaitText("约 10 分钟")
	// The right password, with the mobile even, does not sign in while paused.
	gateAppSubmit(t, ts, phone, p.Mobile, webtest.Password, 6)
	phone.WaitText("登录尝试已暂停")
	phone.WaitURL("/app/login")
	phone.Open(base + "/app/me")
	if browsertest.Eval[bool](phone, `document.querySelector('.app-bar-who') === null`) {
		t.Fatal("the app signed in while the account was paused")
	}
	phone.Open(base + "/app/login")
	gateAppSubmit(t, ts, phone, p.IDNumber, webtest.Password, 7)
	phone.WaitText("登录尝试已暂停")
	phone.ClickLink("找回密码")
	phone.WaitURL("/recover")

	// A pause earned on the hall's 个人登录 stops the app's sign-in.
	q := w.Person(t, "陆青岚")
	desk := b.NewPage(t, webtest.Allow422)
	desk.Open(base + "/login?tab=person")
	for i := range 5 {
		desk.Fill("证件号码/移动电话", q.IDNumber)
		desk.Fill("密码", "Wrong-Password-1")
		if browsertest.Eval[bool](desk, `document.querySelector('.slider-captcha') !== null`) {
			gateSolveSlider(t, ts, desk, uint64(20+i))
		}
		desk.Click("登录")
		if i < 4 {
			desk.WaitText(web.MsgBadLogin)
		}
	}
	desk.WaitText("登录尝试已暂停")
	phone2 := b.NewPage(t, browsertest.Mobile(), webtest.Allow422)
	phone2.Open(base + "/app/login")
	gateAppSubmit(t, ts, phone2, q.Mobile, webtest.Password, 30)
	phone2.WaitText("登录尝试已暂停")
	phone2.Open(base + "/app/me")
	if browsertest.Eval[bool](phone2, `document.querySelector('.app-bar-who') === null`) {
		t.Fatal("the app signed in while the account was paused on the hall's login")
	}
}
