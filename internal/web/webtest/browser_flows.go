package webtest

import (
	"hall/internal/web"
	"strings"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/captcha/captchatest"
	"hall/internal/person"
	"hall/internal/qr"
	"hall/internal/verify"
)

// Steps that several browser tests take on the way to what they test.

// BrowserAppLogin signs in on the companion app's login page the phone is at (its own
// /app/login, or where a link sent a phone without a session).
func BrowserAppLogin(t *testing.T, phone *browsertest.Page, login, password string) {
	t.Helper()
	phone.Fill("证件号码/移动电话", login)
	phone.Fill("密码", password)
	phone.Click("登录")
}

// BrowserAppOpen opens the companion app's login page, signs in and waits for the
// app's home.
func BrowserAppOpen(t *testing.T, phone *browsertest.Page, base, login, password string) {
	t.Helper()
	phone.Open(base + "/app/login")
	BrowserAppLogin(t, phone, login, password)
	phone.WaitURL("/app/")
}

// BrowserUnitLoginAfterReset is the unit login form (the page is at it) after a
// password reset: the old password is refused with the login's message, the new one
// signs in to the unit center.
func BrowserUnitLoginAfterReset(t *testing.T, desk *browsertest.Page, account, login, oldPassword, newPassword string) {
	t.Helper()
	desk.Fill("统一社会信用代码/单位编号/机构编号", account)
	desk.Fill("证件号码/移动电话", login)
	desk.Fill("密码", oldPassword)
	desk.Click("登录")
	desk.WaitText(web.MsgBadLogin)
	desk.Fill("密码", newPassword)
	desk.Click("登录")
	desk.WaitURL("/unit/")
}

// BrowserSetAdmin runs 设置管理员 from the unit's 经办人管理 Page: adm as the
// administrator until the date until (2006-01-02).
func BrowserSetAdmin(t *testing.T, p *browsertest.Page, adm person.Person, until string) {
	t.Helper()
	p.ClickLink("设置管理员")
	p.WaitURL("/unit/agents/admin/new")
	p.Fill("姓名", adm.Name)
	p.Fill("证件类型", "居民身份证")
	p.Fill("证件号码", adm.IDNumber)
	p.Fill("手机号码", adm.Mobile)
	p.Fill("授权有效期至", until)
	p.Click("确定设置")
	p.WaitURL("/unit/agents?notice=admin_set")
}

// BrowserAppConfirm confirms the invitation shown in the app's 我是经办人 list: open it,
// pass the development face verification, set the 经办密码 and confirm.
func BrowserAppConfirm(t *testing.T, phone *browsertest.Page, password string) {
	t.Helper()
	phone.ClickLink("查看并确认")
	phone.WaitText("确认授权")
	phone.Click("开始人脸识别")
	phone.WaitText(verify.DevLabel)
	phone.WaitText(verify.PurposeLabel(verify.PurposeAgentConfirm))
	phone.Click("确认")
	phone.WaitText("认证成功")
	phone.ClickLink("返回继续办理")
	phone.WaitText("已通过")
	phone.Fill("设置经办密码", password)
	phone.Fill("确认经办密码", password)
	phone.Click("确认授权")
	phone.WaitText("已确认授权")
}

// SliderGap waits until the page's slider captcha shows a puzzle of purpose and
// returns the gap's x, read from the database (the page never has it).
func SliderGap(t *testing.T, ts *TestServer, p *browsertest.Page, purpose string) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if browsertest.Eval[string](p, `(document.querySelector('.slider-captcha') || {dataset: {}}).dataset.state || ''`) == "ready" {
			var id string
			err := ts.DB.QueryRow(t.Context(), `SELECT id FROM captcha_challenges WHERE purpose = ? AND used_at IS NULL
				ORDER BY created_at DESC LIMIT 1`, purpose).Scan(&id)
			if err != nil {
				t.Fatalf("the shown challenge: %v", err)
			}
			x, _, err := captchatest.Solution(t.Context(), ts.DB, id)
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("the slider captcha shows no puzzle")
	return 0
}

// BrowserSolveSlider waits until the page's slider captcha shows a puzzle of
// purpose, drags the handle to the gap like a hand and waits for 验证通过.
func BrowserSolveSlider(t *testing.T, ts *TestServer, p *browsertest.Page, purpose string, seed uint64) {
	t.Helper()
	x := SliderGap(t, ts, p, purpose)
	cx, cy := p.Rect(".slider-captcha-handle").Center()
	captchatest.Drag(t, p, cx, cy, float64(x), seed)
	p.WaitText("验证通过")
}

// BrowserQRLink reads a verify step's QR code (the image whose alt text is alt) off
// desk the way a phone camera does, from the pixels on the screen, and returns the
// link it carries, which must lead to the companion app's verification page under
// base.
func BrowserQRLink(t *testing.T, desk *browsertest.Page, base, alt string) string {
	t.Helper()
	link, err := qr.Decode(desk.ImagePNG(`img[alt="` + alt + `"]`))
	if err != nil {
		t.Fatalf("decode the QR code on the page: %v", err)
	}
	if !strings.HasPrefix(link, base+"/app/v/") {
		t.Fatalf("QR code links to %q", link)
	}
	return link
}

// BrowserAppVerify passes the development face verification that the phone shows
// for purpose: the screen is labelled as the development one, names the purpose and
// fits the phone; 确认 is pressed, and the app says 认证成功.
func BrowserAppVerify(t *testing.T, phone *browsertest.Page, purpose string) {
	t.Helper()
	phone.WaitText(verify.DevLabel)
	phone.WaitText(verify.PurposeLabel(purpose))
	BrowserFitsPhone(t, phone)
	phone.Click("确认")
	phone.WaitText("认证成功")
}

// BrowserFitsPhone checks that the app screen the phone shows is no wider than the
// phone: nothing to scroll sideways for.
func BrowserFitsPhone(t *testing.T, phone *browsertest.Page) {
	t.Helper()
	if over := browsertest.Eval[int](phone, "document.documentElement.scrollWidth - window.innerWidth"); over > 0 {
		t.Errorf("the app screen is %dpx wider than the phone", over)
	}
}
