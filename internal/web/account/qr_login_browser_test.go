package account

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/qr"
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
	desk.Open(base + "/login?tab=unit")
	desk.ClickLink("扫码登录")
	desk.WaitURL("method=qr")
	desk.WaitText("等待扫码")
	link, err := qr.Decode(desk.ImagePNG(`img[alt="扫码登录二维码"]`))
	if err != nil {
		t.Fatalf("decode the QR code on the page: %v", err)
	}
	if !strings.HasPrefix(link, base+"/app/qr/") {
		t.Fatalf("QR code links to %q", link)
	}
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
	if over := browsertest.Eval[int](phone, "document.documentElement.scrollWidth - window.innerWidth"); over > 0 {
		t.Errorf("the app screen is %dpx wider than the phone", over)
	}
	desk.WaitText("已扫码，请在手机上确认")
	phone.Check(f.Home.Name + "（法定代表人）")
	phone.Click("确认登录")
	phone.WaitText("已确认登录")

	// The PC page signs in by itself.
	desk.WaitURL("/unit/")
	desk.WaitText(f.Home.Name)
}
