package web_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"hall/internal/browsertest"
	"hall/internal/notices"
	"hall/internal/store"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// The pages that TestBrowserAccessibilityEveryPage visits, by who can see them.
// A Page added to the hall belongs in one of these lists.
var (
	// a11yPublicPages need no login.
	a11yPublicPages = []string{
		"/", "/catalog", "/catalog?applicant=person", "/catalog?q=不存在的事项名称", "/catalog/LD-001", "/catalog/SB-020",
		"/themes", "/query", "/help", "/help/delegation", "/notices", "/search?q=失业",
		"/login", "/login?tab=person&method=sms", "/login?tab=person&method=other",
		"/login?tab=unit", "/login?tab=unit&method=sms", "/login?tab=unit&method=other",
		"/login?tab=unit&method=qr", "/login?tab=person&method=qr", "/login?tab=unit&method=ca",
		"/register", "/agreements/person", "/register/unit", "/agreements/unit",
		"/recover", "/appeal",
		"/app/", "/app/login", "/app/login/sms", "/app/scan",
	}
	// a11yDeskPages need a login to a unit on the desktop site (as its legal rep, who
	// is also the administrator of a second unit).
	a11yDeskPages = []string{
		"/me", "/me/password", "/me/mobile",
		"/unit/", "/unit/info", "/unit/info?tab=changes", "/unit/info/edit", "/unit/rights", "/unit/account/addresses", "/unit/cases", "/unit/deliveries", "/unit/institutions", "/unit/workbench",
		"/unit/agents", "/unit/agents/admin/new", "/unit/agents/new", "/unit/items",
		"/unit/account", "/unit/account/password", "/unit/account/mobile", "/unit/choose",
	}
	// a11yAppPages need a login in the companion app.
	a11yAppPages = []string{"/app/", "/app/me", "/app/me/agent", "/app/me/reset", "/app/me/legal-rep", "/app/scan"}
)

// TestBrowserAccessibilityEveryPage runs axe-core (WCAG 2.1 A and AA) on every page
// of the hall, signed out and signed in, at PC and phone width, in the standard
// mode and in 长辈模式 (switched on with the header's link): no violation of impact
// serious or critical anywhere. Forms are checked with their errors shown too, and
// in 长辈模式 every page has the class elder and at least 18px text; at phone width no
// Page scrolls sideways.
func TestBrowserAccessibilityEveryPage(t *testing.T) {
	// CA login on, so that its tab and its refusal page are checked too.
	ts := webtest.NewTestServer(t, webtest.NewCALogin(t).Option())
	f := webtest.NewTwoUnits(t, ts, 71)
	// A published notice, so that the home page's block, the list and the detail
	// are checked with content.
	ctx := context.Background()
	if err := ts.DB.Tx(ctx, func(tx *store.Tx) error {
		return notices.LoadTx(ctx, tx, []notices.Loaded{{Draft: notices.Draft{Title: "2027年度社会保险缴费基数公布",
			Category: notices.CategoryAnnouncement, Body: "各参保单位：\n\n2027年度缴费基数上下限现予公布。"}, At: time.Now()}})
	}); err != nil {
		t.Fatal(err)
	}
	base := ts.URL(t)
	b := browsertest.New(t)
	for _, phone := range []bool{false, true} {
		for _, elder := range []bool{false, true} {
			name := map[bool]string{false: "PC", true: "phone"}[phone] + "/" + map[bool]string{false: "standard", true: "elder"}[elder]
			t.Run(name, func(t *testing.T) {
				opts := []browsertest.Option{browsertest.AllowConsoleErrors("status of 404", "status of 422")}
				if phone {
					opts = append(opts, browsertest.Mobile())
				}
				p := b.NewPage(t, opts...)
				check := func(what string) {
					t.Helper()
					a11yCheckPage(t, p, what, phone, elder)
				}
				open := func(path string, status int) {
					t.Helper()
					p.Open(base + path)
					if p.Status() != status {
						t.Errorf("%s answers %d, want %d", path, p.Status(), status)
					}
					check(path)
				}

				p.Open(base + "/")
				if elder {
					p.ClickLink("长辈模式")
					p.WaitText("标准模式")
				}
				for _, path := range a11yPublicPages {
					open(path, 200)
				}
				open("/notices/1", 200)
				open("/no-such-page", 404)
				// A rights record's verification for an unknown record (A4).
				open("/verify/no-such-record", 404)
				// A CA login's refusal (a stale hand-off).
				open("/login/certificate/finish?start=x&handoff=y", 409)

				// Forms with their errors beside the fields and on top.
				p.Open(base + "/register")
				p.Click("注册")
				p.WaitText("注册信息有误")
				check("/register with errors")
				for _, form := range []struct{ path, button string }{
					{"/appeal", "提交申诉"}, {"/recover", "下一步"}, {"/register/unit", "下一步"},
				} {
					p.Open(base + form.path)
					p.Click(form.button)
					if !browsertest.Eval[bool](p, `!!document.querySelector('[aria-invalid="true"]')`) {
						t.Errorf("%s sent empty shows no field in error", form.path)
					}
					check(form.path + " with errors")
				}
				p.Open(base + "/login?tab=unit")
				p.Fill("统一社会信用代码/单位编号/机构编号", f.Home.USCC)
				p.Fill("证件号码/移动电话", f.Person.Mobile)
				p.Fill("密码", "Wrong-Password-1")
				p.Click("登录")
				p.WaitText(web.MsgBadLogin)
				check("/login?tab=unit with a refused login")

				webtest.BrowserUnitLogin(t, p, base, f.Home.USCC, f.Person.Mobile, webtest.Password)
				for _, path := range a11yDeskPages {
					open(path, 200)
				}

				p.Open(base + "/app/login")
				webtest.BrowserAppLogin(t, p, f.Person.Mobile, webtest.Password)
				p.WaitURL("/app/")
				for _, path := range a11yAppPages {
					open(path, 200)
				}
				// A QR login code that does not exist, scanned in the app (L2).
				open("/app/qr/no-such-code", 404)
			})
		}
	}
}

// a11yCheckPage reports the serious and critical axe-core violations of the page
// (every one, not only the first page's), and in 长辈模式 checks its class and the
// size of its text. At phone width nothing may be wider than the phone.
func a11yCheckPage(t *testing.T, p *browsertest.Page, what string, phone, elder bool) {
	t.Helper()
	if vs := p.AccessibilityViolations(); len(vs) > 0 {
		lines := make([]string, len(vs))
		for i, v := range vs {
			lines[i] = v.String()
		}
		t.Errorf("%s: %d serious or critical accessibility violation(s):\n\t%s", what, len(vs), strings.Join(lines, "\n\t"))
	}
	// Every message beside a field describes its control, which is marked invalid,
	// and every message on top of a form is announced.
	for _, problem := range browsertest.Eval[[]string](p, a11yErrorTies) {
		t.Errorf("%s: %s", what, problem)
	}
	if phone {
		if over := browsertest.Eval[int](p, "document.documentElement.scrollWidth - window.innerWidth"); over > 0 {
			t.Errorf("%s is %dpx wider than a 390px phone", what, over)
		}
	}
	if !elder {
		return
	}
	got := browsertest.Eval[[]any](p, `[document.documentElement.classList.contains('elder'), parseFloat(getComputedStyle(document.body).fontSize)]`)
	if fmt.Sprint(got[0]) != "true" {
		t.Errorf("%s: 长辈模式 is on, but <html> lacks the class elder", what)
	}
	if size, _ := got[1].(float64); size < 18 {
		t.Errorf("%s: the text of the body is %vpx in 长辈模式, want at least 18px", what, got[1])
	}
}

// a11yErrorTies lists the form messages that assistive technology cannot find: a
// .Field-error that no control's aria-describedby names, a named input that is not
// aria-invalid, a form's top .alert-error without role="alert".
const a11yErrorTies = `(() => {
  const out = [];
  for (const e of document.querySelectorAll('.field-error')) {
    if (!e.id) { out.push('a field message without an id: ' + e.textContent.trim()); continue; }
    const owners = [...document.querySelectorAll('[aria-describedby]')]
      .filter((c) => c.getAttribute('aria-describedby').split(/\s+/).includes(e.id));
    if (owners.length === 0) { out.push('no control is described by #' + e.id + ' (' + e.textContent.trim() + ')'); continue; }
    for (const c of owners) {
      if (c.matches('input, select, textarea, [role=slider]') && c.getAttribute('aria-invalid') !== 'true') {
        out.push('#' + (c.id || c.name) + ' is described by #' + e.id + ' but not aria-invalid');
      }
    }
  }
  for (const a of document.querySelectorAll('main .alert-error')) {
    if (a.getAttribute('role') !== 'alert') out.push('a form message is not announced (no role=alert): ' + a.textContent.trim());
  }
  return out;
})()`

// TestBrowserCaptchaErrorTied: a login sent without the slider captcha it asked
// for shows the message beside the captcha, and the slider's handle (the control
// that slider-captcha.js builds) is marked invalid and described by it.
func TestBrowserCaptchaErrorTied(t *testing.T) {
	ts, base := webtest.Serve(t)
	who := webtest.NewWorld(ts, 907).Person(t, "顾清和")
	p := browsertest.New(t).NewPage(t, browsertest.Mobile(), webtest.Allow422)
	p.Open(base + "/app/login")
	for range 3 {
		webtest.BrowserAppLogin(t, p, who.IDNumber, "Wrong-Password-1")
		p.WaitText(web.MsgBadLogin)
	}
	p.WaitText("向右拖动滑块完成拼图")
	webtest.BrowserAppLogin(t, p, who.IDNumber, "Wrong-Password-1")
	p.WaitText(web.GateMsgCaptcha)
	got := browsertest.Eval[[]string](p, `(() => {
	  const h = document.querySelector('.slider-captcha-handle');
	  return [h.getAttribute('aria-invalid') || '', h.getAttribute('aria-describedby') || ''];
	})()`)
	if got[0] != "true" || !slices.Contains(strings.Fields(got[1]), "e-captcha_token") {
		t.Errorf("the slider handle has aria-invalid=%q aria-describedby=%q, want true and e-captcha_token", got[0], got[1])
	}
	for _, problem := range browsertest.Eval[[]string](p, a11yErrorTies) {
		t.Error(problem)
	}
}

// TestBrowserKeyboardSkipAndElderSwitch: from the keyboard alone, the first Tab
// shows the skip link with a visible focus ring, Enter on it moves the focus to the
// main content, and further Tabs reach the 长辈模式 switch, which Enter turns on.
func TestBrowserKeyboardSkipAndElderSwitch(t *testing.T) {
	ts := webtest.NewTestServer(t)
	base := ts.URL(t)
	p := browsertest.New(t).NewPage(t)
	p.Open(base + "/catalog")

	p.Press(kb.Tab)
	focus := browsertest.Eval[[]string](p, `(() => {
	  const a = document.activeElement, s = getComputedStyle(a);
	  return [a.className, a.textContent.trim(), s.outlineStyle, s.outlineWidth, String(a.getBoundingClientRect().top >= 0)];
	})()`)
	if focus[0] != "skip" || focus[1] != "跳到主要内容" {
		t.Fatalf("the first Tab focuses %q %q, want the skip link 跳到主要内容", focus[0], focus[1])
	}
	if focus[2] == "none" || focus[3] == "0px" || focus[4] != "true" {
		t.Errorf("the focused skip link has outline %s %s, on screen %s: the focus is not visible", focus[2], focus[3], focus[4])
	}
	p.Press("\r")
	if got := browsertest.Eval[string](p, "document.activeElement.id"); got != "main" {
		t.Errorf("after Enter on the skip link the focus is on #%s, want #main", got)
	}

	p.Open(base + "/catalog")
	for i := 0; ; i++ {
		if i == 10 {
			t.Fatal("ten Tabs do not reach the 长辈模式 switch")
		}
		p.Press(kb.Tab)
		if browsertest.Eval[bool](p, "document.activeElement.classList.contains('elder-switch')") {
			break
		}
	}
	p.Press("\r")
	p.WaitText("标准模式")
	if !browsertest.Eval[bool](p, "document.documentElement.classList.contains('elder') && location.pathname === '/catalog'") {
		t.Error("Enter on the switch does not bring 长辈模式 back to the same page")
	}
}
