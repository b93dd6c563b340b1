package account

import (
	"fmt"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"strings"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/services"
)

// Browser tests of 账号设置 and the session-timeout notice.

// settingsWaitHidden waits until the session notice is hidden (or was never drawn).
func settingsWaitHidden(t *testing.T, p *browsertest.Page) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !browsertest.Eval[bool](p, `(() => { const n = document.querySelector('.acs-notice'); return !n || n.hidden; })()`) {
		if time.Now().After(deadline) {
			t.Fatalf("the session notice is still shown: %q", p.Text(".acs-notice"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSettingsBrowserPassword: the legal rep changes the password in 账号设置. A wrong
// current password is refused beside its field; the right one changes it; the same
// Person's other browser, signed in before, is signed out; this one goes on.
func TestSettingsBrowserPassword(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	f := settingsNewFixture(t, ts, 76)
	b := browsertest.New(t)
	p := b.NewPage(t, webtest.Allow422)
	other := b.NewPage(t)

	webtest.BrowserPersonLogin(t, other, base, f.rep.Mobile, webtest.Password)
	webtest.BrowserUnitLogin(t, p, base, f.u.USCC, f.rep.IDNumber, webtest.Password)
	p.ClickLink("账号设置")
	p.WaitURL("/unit/account")
	p.WaitText("账户信息")
	p.WaitText(f.rep.MaskedID())
	p.ClickLink("修改密码")
	p.WaitURL("/unit/account/password")

	p.Fill("当前密码", "Wrong-Pass-123")
	p.Fill("新密码", settingsNewPassword)
	p.Fill("确认新密码", settingsNewPassword)
	p.Click("确认修改")
	p.WaitText(person.MsgCurrentWrong)
	if got := p.Text("#e-" + person.FieldCurrentPassword); !strings.Contains(got, person.MsgCurrentWrong) {
		t.Errorf("beside 当前密码: %q", got)
	}

	p.Fill("当前密码", webtest.Password)
	p.Fill("新密码", settingsNewPassword)
	p.Fill("确认新密码", settingsNewPassword)
	p.Click("确认修改")
	p.WaitURL("/unit/account?notice=password")
	p.WaitText("密码修改成功")

	// The other browser's session ended with the old password.
	other.Open(base + "/me")
	other.WaitURL("/login?tab=person")
	// This one acts for the unit still.
	p.ClickLink("单位主页")
	p.WaitURL("/unit/")
	if got := p.Text(".uc-unit-name"); got != f.u.Name {
		t.Errorf("after the change the browser acts for %q", got)
	}
	// And the new password is the one that signs in.
	webtest.BrowserPersonLogin(t, other, base, f.rep.Mobile, settingsNewPassword)
}

// TestSettingsBrowserPasswordReplaced: the legal rep changes the password in
// 账号设置 while another writer (a reset, a recovery, a second change) replaces it
// between the change and the browser's sign-in again with it: the browser is not
// signed in with the password it typed, and lands on the unit login, which says
// why and asks for the newest password.
func TestSettingsBrowserPasswordReplaced(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	f := settingsNewFixture(t, ts, 77)
	b := browsertest.New(t)
	p := b.NewPage(t)

	webtest.BrowserUnitLogin(t, p, base, f.u.USCC, f.rep.IDNumber, webtest.Password)
	p.ClickLink("账号设置")
	p.WaitURL("/unit/account")
	p.ClickLink("修改密码")
	p.WaitURL("/unit/account/password")

	// The other writer replaces the hash the change stores, as soon as it is stored.
	webtest.AnotherWriter(t, ts, "replace_password",
		fmt.Sprintf("UPDATE OF password_hash ON persons WHEN NEW.id = %d AND NEW.password_hash NOT LIKE 'replaced%%'", f.rep.ID),
		fmt.Sprintf("UPDATE persons SET password_hash = 'replaced' || password_hash WHERE id = %d", f.rep.ID))
	p.Fill("当前密码", webtest.Password)
	p.Fill("新密码", settingsNewPassword)
	p.Fill("确认新密码", settingsNewPassword)
	p.Click("确认修改")
	p.WaitURL("/login?tab=unit")
	p.WaitText("您的密码已修改，但随后又被修改或重置，本次登录已失效。请使用最新的密码重新登录。")

	// Signed out: the unit center sends the browser to the login.
	p.Open(base + "/unit/")
	p.WaitURL("/login?tab=unit")
}

// TestSettingsBrowserMobile: 修改手机号 in the personal center, with the codes sent to the
// old and the new number read from the development outbox.
func TestSettingsBrowserMobile(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	f := settingsNewFixture(t, ts, 77)
	newMobile := f.w.Mobile()
	p := browsertest.New(t).NewPage(t, webtest.Allow422)

	webtest.BrowserPersonLogin(t, p, base, f.rep.IDNumber, webtest.Password)
	p.ClickLink("修改手机号")
	p.WaitURL("/me/mobile")
	p.WaitText(f.rep.MaskedMobile())
	p.Fill("当前密码", webtest.Password)
	p.ClickCSS(`button[value="send-old"]`)
	p.WaitText("验证码已发送至" + f.rep.MaskedMobile())
	p.Fill("原手机号验证码", webtest.OutboxCode(t, base, f.rep.Mobile))
	p.Fill("新手机号码", newMobile)
	p.ClickCSS(`button[value="send-new"]`)
	p.WaitText("验证码已发送至" + ident.MaskMobile(newMobile))
	p.Fill("新手机号验证码", webtest.OutboxCode(t, base, newMobile))
	// The codes were sent in the background: nothing typed was lost.
	if got := browsertest.Eval[string](p, "document.getElementById('f-current_password').value"); got != webtest.Password {
		t.Errorf("当前密码 holds %q after the sends", got)
	}
	p.Click("确认修改")
	p.WaitURL("/me?notice=mobile")
	p.WaitText("手机号码修改成功")
	p.WaitText(ident.MaskMobile(newMobile))
	got, err := ts.Persons.Get(t.Context(), f.rep.ID)
	if err != nil || got.Mobile != newMobile {
		t.Fatalf("mobile after the change: %s, %v", ident.MaskMobile(got.Mobile), err)
	}
}

// settingsShortSessions is a server on a fake clock with a 2-minute idle timeout (the
// notice then shows 1 minute before it) and the given absolute timeout.
func settingsShortSessions(t *testing.T, clock *webtest.Clock, absolute time.Duration) *webtest.TestServer {
	t.Helper()
	return webtest.NewTestServer(t, func(svc *services.Services) {
		svc.Config.SessionIdle = 2 * time.Minute
		svc.Config.SessionAbsolute = absolute
		webtest.WithClock(t, clock)(svc)
	})
}

// TestSettingsBrowserKeepAlive: with a short idle timeout the notice appears before the
// end; 继续办理 restarts the idle time, and the person is still signed in after
// the moment the session would have ended without it.
func TestSettingsBrowserKeepAlive(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 5, 10, 1, 0, 0, 0, time.UTC))
	ts := settingsShortSessions(t, clock, 12*time.Hour)
	base := ts.URL(t)
	f := settingsNewFixture(t, ts, 78)
	p := browsertest.New(t).NewPage(t)

	webtest.BrowserPersonLogin(t, p, base, f.rep.Mobile, webtest.Password)
	settingsWaitHidden(t, p)
	// 59 s later (server time, no request meanwhile) a page is made with 61 s of
	// idle time left: the notice shows at once.
	clock.Advance(59 * time.Second)
	p.Open(base + "/me")
	p.WaitText("您已较长时间未操作，登录将于")
	p.WaitText("分钟后失效")

	clock.Advance(50 * time.Second) // 11 s before the idle end
	p.Click("继续办理")
	settingsWaitHidden(t, p)

	// Without the keep-alive the session would have ended 11 s from the click.
	clock.Advance(100 * time.Second)
	p.ClickLink("个人中心")
	p.WaitURL("/me")
	p.WaitText("账户信息")
	if strings.Contains(browsertest.Eval[string](p, "location.href"), "/login") {
		t.Fatal("signed out despite 继续办理")
	}
}

// TestSettingsBrowserSessionEnds: the absolute end is announced with its time; once the
// Session has run out, the next navigation lands on the login page.
func TestSettingsBrowserSessionEnds(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 5, 10, 1, 0, 0, 0, time.UTC))
	ts := settingsShortSessions(t, clock, 5*time.Minute) // absolute notice 150 s before
	base := ts.URL(t)
	f := settingsNewFixture(t, ts, 79)
	p := browsertest.New(t).NewPage(t)

	webtest.BrowserPersonLogin(t, p, base, f.rep.Mobile, webtest.Password)
	end := clock.Now().Add(5 * time.Minute).In(web.Shanghai).Format("15:04")
	for _, step := range []time.Duration{59 * time.Second, 59 * time.Second, 40 * time.Second} {
		clock.Advance(step) // Page views keep the idle time going
		p.Open(base + "/me")
	}
	// 158 s in: 142 s to the absolute end, which is announced; 80 s of idle time,
	// not yet announced.
	p.WaitText("为保障账户安全，登录将于 " + end + " 失效，请保存正在填写的内容")
	if p.HasText("您已较长时间未操作") {
		t.Error("the idle notice shows beside the absolute one")
	}
	p.Click("知道了")
	settingsWaitHidden(t, p)

	clock.Advance(3 * time.Minute)
	p.ClickLink("个人中心")
	p.WaitURL("/login?tab=person")
}
