package account

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/web/webtest"
)

// TestBrowserQRLoginUnit is L2's acceptance, as people do it: the unit login's
// 扫码登录 tab shows a QR code, which the test reads off the screen with the real
// decoder; a phone (a second browser context at phone width) opens the link, signs
// in to the app with 短信验证码登录, sees which browser asks, picks the unit and
// presses 确认登录; the PC page then signs in to the unit center by itself, with no
// click on the PC.
func TestBrowserQRLoginUnit(t *testing.T) {
	ts, base := webtest.Serve(t)
	f := webtest.NewTwoUnits(t, ts, 1104)

	b := browsertest.New(t)
	desk := b.NewPage(t)
	link := qrDeskCode(t, desk, base, "/login?tab=unit")
	// The countdown runs.
	first, _ := strconv.Atoi(desk.Text("[data-qr-countdown]"))
	time.Sleep(1500 * time.Millisecond)
	if later, _ := strconv.Atoi(desk.Text("[data-qr-countdown]")); first <= 0 || later >= first {
		t.Errorf("countdown %d then %d", first, later)
	}

	phone := b.NewPage(t, browsertest.Mobile())
	browserAppOpenBySMS(t, ts, phone, link, f.Person)
	phone.WaitURL("/app/qr/")
	phone.WaitText("确认单位登录")
	if device := phone.Text(".app-origin"); !strings.Contains(device, "电脑 · Chrome") {
		t.Errorf("the screen describes the asking browser as %q", device)
	}
	webtest.BrowserFitsPhone(t, phone)
	desk.WaitText("已扫码，请在手机上确认")
	phone.Check(f.Home.Name + "（法定代表人）")
	phone.Click("确认登录")
	phone.WaitText("已确认登录")

	// The PC page signs in by itself.
	desk.WaitURL("/unit/")
	desk.WaitText(f.Home.Name)
}

// TestBrowserQRLoginPerson is L6's 扫码登录 for a person, end to end: a visitor who
// opens a page of the personal center is sent to the login page, switches to
// 扫码登录, and the code read off the screen is confirmed in the app (signed in by
// SMS code on a phone); the PC page signs in by itself and returns to the page the
// visitor asked for.
func TestBrowserQRLoginPerson(t *testing.T) {
	ts, base := webtest.Serve(t)
	w := webtest.NewWorld(ts, 1106)
	p := w.Person(t, "宁初晴")

	b := browsertest.New(t)
	desk := b.NewPage(t)
	link := qrDeskCode(t, desk, base, "/me/password")
	if !strings.Contains(desk.URL(), "next=%2Fme%2Fpassword") {
		t.Fatalf("扫码登录 lost the return path: %s", desk.URL())
	}

	phone := b.NewPage(t, browsertest.Mobile())
	browserAppOpenBySMS(t, ts, phone, link, p)
	phone.WaitURL("/app/qr/")
	phone.WaitText("确认个人登录")
	if phone.HasText("选择要登录的单位") {
		t.Error("a personal login asks for a unit")
	}
	desk.WaitText("已扫码，请在手机上确认")
	phone.Click("确认登录")
	phone.WaitText("已确认登录")
	phone.WaitText("电脑上的页面将以您的个人账户登录")

	desk.WaitURL(base + "/me/password")
	es := webtest.UnitAuditEntries(t, ts, "login.person.qr")
	if len(es) != 1 || es[0].PersonID != p.ID || es[0].Detail["method"] != "qr" {
		t.Errorf("audit %+v", es)
	}
}
