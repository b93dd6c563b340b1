package account

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/services"
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

// TestBrowserQRLoginRetrySpread: when the long poll fails (the hall restarting, a
// network error) the page retries after a growing pause drawn at random between
// half and one and a half times it, so that pages that failed together do not all
// come back in the same instant; after six failures it stops and says what to do.
// The page's randomness is a fixed sequence and its retry timer is recorded (and
// run at once), so the pauses are exact; the long poll's bound is one second.
func TestBrowserQRLoginRetrySpread(t *testing.T) {
	var failing atomic.Bool
	_, base := webtest.ServeThrough(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if failing.Load() && r.URL.Path == "/login/qr/wait" {
				http.Error(w, "down", http.StatusBadGateway)
				return
			}
			next.ServeHTTP(w, r)
		})
	}, func(svc *services.Services) { svc.Config.QRWaitMax = time.Second },
		webtest.WithClock(t, webtest.NewClock(time.Now()))) // the services built again, with the bound

	b := browsertest.New(t)
	desk := b.NewPage(t, browsertest.AllowConsoleErrors("502 (Bad Gateway)"))
	desk.Open(base + "/login?tab=unit&method=qr")
	desk.WaitText("等待扫码")
	browsertest.Eval[bool](desk, `(function () {
  var draws = [0, 0.25, 0.5, 0.75, 0.999], n = 0, real = window.setTimeout;
  window.qrPauses = [];
  Math.random = function () { return draws[n++ % draws.length]; };
  window.setTimeout = function (f, d) {
    if (f && f.name === 'poll') {
      window.qrPauses.push(d);
      d = 0;
    }
    return real(f, d);
  };
  return true;
})()`)
	// The poll in progress answers within the hall's one-second bound; the next
	// ones fail.
	failing.Store(true)
	desk.WaitText("暂时无法获取扫码状态")
	got := browsertest.Eval[[]int](desk, "window.qrPauses")
	// 2, 4, 8, 16, 32 (at most 30) and 30 s, each times 0.5 plus the draw.
	want := []int{1000, 3000, 8000, 20000, 44970, 15000}
	if !slices.Equal(got, want) {
		t.Errorf("pauses before the retries %v ms, want %v", got, want)
	}
}
