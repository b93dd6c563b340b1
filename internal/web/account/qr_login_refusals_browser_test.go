package account

import (
	"strings"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/delegation"
	"hall/internal/qr"
	"hall/internal/qrlogin"
	"hall/internal/services"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// qrDeskCode opens path on desk — a login page's tab, or a page that sends the
// visitor there — switches to 扫码登录 and returns the link its QR code carries,
// read off the screen.
func qrDeskCode(t *testing.T, desk *browsertest.Page, base, path string) string {
	t.Helper()
	desk.Open(base + path)
	desk.ClickLink("扫码登录")
	desk.WaitURL("method=qr")
	desk.WaitText("等待扫码")
	link, err := qr.Decode(desk.ImagePNG(`img[alt="扫码登录二维码"]`))
	if err != nil {
		t.Fatalf("decode the QR code on the page: %v", err)
	}
	if !strings.HasPrefix(link, base+qrlogin.LinkPath) {
		t.Fatalf("QR code links to %q", link)
	}
	return link
}

// wantAppRefusal checks that the app's 扫码登录 screen on phone refuses with msg.
func wantAppRefusal(t *testing.T, phone *browsertest.Page, msg string) {
	t.Helper()
	phone.WaitText("无法登录")
	if got := phone.Text(".app-verify [role=alert]"); got != msg {
		t.Errorf("the app says %q, want %q", got, msg)
	}
	if phone.HasText("确认登录") {
		t.Error("the refusal still offers 确认登录")
	}
}

// wantDeskState checks the 扫码登录 tab's state line on desk.
func wantDeskState(t *testing.T, desk *browsertest.Page, label string) {
	t.Helper()
	desk.WaitText(label)
	if got := desk.Text("[data-qr-status]"); got != label {
		t.Errorf("the login page's state is %q, want %q", got, label)
	}
}

// TestBrowserQRLoginRefusals is the rest of L2's acceptance: an expired ticket, a
// used one, a cancelled one and one confirmed by a person with no role in the unit
// are each refused, with the reason in words on the login page and in the app. The
// hall runs on a fake clock (to let a ticket expire without waiting two minutes)
// with a one-second long poll (so the page notices the expiry at once).
func TestBrowserQRLoginRefusals(t *testing.T) {
	clock := webtest.NewClock(time.Now())
	ts, base := webtest.Serve(t, func(svc *services.Services) { svc.Config.QRWaitMax = time.Second },
		webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 1105)
	rep := w.Person(t, "孟书遥")
	home := w.Unit(t, "示范扫码拒绝测试有限公司", rep)
	admin := w.Person(t, "邵知远")
	now := clock.Now()
	until := now.AddDate(1, 0, 0)
	w.Member(t, unit.Membership{UnitID: home.ID, PersonID: admin.ID, Role: unit.RoleAdmin, Status: unit.StatusActive,
		ValidFrom: &now, ValidUntil: &until}, "Uc-Admin-Pass-5")
	stranger := w.Person(t, "岳临川")

	b := browsertest.New(t)
	// A refused sign-in answers 409 or 403, which the browser logs.
	desk := b.NewPage(t, browsertest.AllowConsoleErrors("409 (Conflict)", "403 (Forbidden)"))
	phone := b.NewPage(t, browsertest.Mobile(), browsertest.AllowConsoleErrors("409 (Conflict)", "403 (Forbidden)"))
	// The phone of a person with no role in any unit.
	nobody := b.NewPage(t, browsertest.Mobile(), browsertest.AllowConsoleErrors("403 (Forbidden)"))

	t.Run("expired", func(t *testing.T) {
		link := qrDeskCode(t, desk, base, "/login?tab=unit")
		clock.Advance(qrlogin.DefaultTTL + time.Second)
		wantDeskState(t, desk, "已过期，请点击“刷新”获取新的二维码")
		if left := desk.Text("[data-qr-countdown]"); left != "0" {
			t.Errorf("the countdown shows %s after the expiry", left)
		}
		browserAppOpenBySMS(t, ts, phone, link, rep)
		wantAppRefusal(t, phone, qrlogin.ErrExpired.Msg)
		// 我已确认，登录 on the expired code says so too.
		desk.Click("我已确认，登录")
		desk.WaitText(qrlogin.ErrExpired.Msg)
		// 刷新 shows a new code, which works.
		desk.ClickLink("刷新")
		desk.WaitText("等待扫码")
		fresh, err := qr.Decode(desk.ImagePNG(`img[alt="扫码登录二维码"]`))
		if err != nil || fresh == link {
			t.Errorf("after 刷新 the code is %q (%v), the expired one was %q", fresh, err, link)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		link := qrDeskCode(t, desk, base, "/login?tab=unit")
		phone.Open(link)
		phone.WaitText("确认单位登录")
		wantDeskState(t, desk, "已扫码，请在手机上确认")
		phone.Click("取消")
		phone.WaitText("已取消登录")
		wantDeskState(t, desk, "已取消，请点击“刷新”获取新的二维码")
		desk.Click("我已确认，登录")
		desk.WaitText(qrlogin.ErrCancelled.Msg)
		if strings.Contains(desk.URL(), "/unit/") {
			t.Fatal("a cancelled ticket signed the browser in")
		}
		// Scanning the cancelled code again is refused in the app.
		phone.Open(link)
		wantAppRefusal(t, phone, qrlogin.ErrDecided.Msg)
	})

	t.Run("no role in the unit", func(t *testing.T) {
		// A person with no role in any unit is told so and offered no 确认登录.
		link := qrDeskCode(t, desk, base, "/login?tab=unit")
		browserAppOpenBySMS(t, ts, nobody, link, stranger)
		nobody.WaitText("您目前不是任何单位的法定代表人、管理员或经办人，不能以单位身份登录。")
		if nobody.HasText("确认登录") {
			t.Error("a person with no role is offered 确认登录")
		}
		nobody.Click("取消")
		nobody.WaitText("已取消登录")
		wantDeskState(t, desk, "已取消，请点击“刷新”获取新的二维码")

		// The admin picks the unit, but the legal rep removes them before they
		// confirm: the confirmation is refused and the page stays unsigned.
		link = qrDeskCode(t, desk, base, "/login?tab=unit")
		adminPhone := b.NewPage(t, browsertest.Mobile(), browsertest.AllowConsoleErrors("422 (Unprocessable"))
		browserAppOpenBySMS(t, ts, adminPhone, link, admin)
		adminPhone.WaitText("确认单位登录")
		adminPhone.Check(home.Name + "（管理员）")
		if err := ts.Delegation.RemoveAdmin(t.Context(), delegation.Actor{PersonID: rep.ID, ClientIP: "192.0.2.30"},
			home.ID, admin.ID); err != nil {
			t.Fatal(err)
		}
		adminPhone.Click("确认登录")
		msg := delegation.ReasonRevoked.Message()
		adminPhone.WaitText(msg)
		if got := adminPhone.Text(".app-verify [role=alert]"); !strings.Contains(got, msg) {
			t.Errorf("the app says %q, want %q", got, msg)
		}
		wantDeskState(t, desk, "已扫码，请在手机上确认")
		desk.Click("我已确认，登录")
		desk.WaitText(qrlogin.ErrPending.Msg)
		if strings.Contains(desk.URL(), "/unit/") {
			t.Fatal("a ticket confirmed without a role signed the browser in")
		}
	})

	t.Run("used", func(t *testing.T) {
		link := qrDeskCode(t, desk, base, "/login?tab=unit")
		phone.Open(link)
		phone.WaitText("确认单位登录")
		phone.Check(home.Name + "（法定代表人）")
		phone.Click("确认登录")
		phone.WaitText("已确认登录")
		desk.WaitURL("/unit/")
		desk.WaitText(home.Name)
		// The same code again: by the person who used it, and by someone else.
		phone.Open(link)
		wantAppRefusal(t, phone, qrlogin.ErrDecided.Msg)
		nobody.Open(link)
		wantAppRefusal(t, nobody, qrlogin.ErrOtherPerson.Msg)
	})
}
