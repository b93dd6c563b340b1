package browsertest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) { Main(m) }

// server serves testdata with a strict Content-Security-Policy, as the hall
// does, and a generated image at /pic.png.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir("testdata")))
	mux.HandleFunc("/pic.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		png.Encode(w, testImage())
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:")
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// testImage is 40×20: the left half red, the right half blue.
func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for y := range 20 {
		for x := range 40 {
			c := color.RGBA{255, 0, 0, 255}
			if x >= 20 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// fakeTB records failures instead of ending the test, so that a test can
// check that a helper fails, and with what message.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	msgs     []string
	failed   bool
	cleanups []func()
}

type fatalPanic struct{}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
	f.failed = true
}
func (f *fakeTB) Error(args ...any) { f.Errorf("%s", fmt.Sprint(args...)) }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	panic(fatalPanic{})
}
func (f *fakeTB) Fatal(args ...any) { f.Fatalf("%s", fmt.Sprint(args...)) }
func (f *fakeTB) FailNow()          { f.Fatalf("FailNow") }
func (f *fakeTB) Fail()             { f.mu.Lock(); f.failed = true; f.mu.Unlock() }
func (f *fakeTB) Failed() bool      { f.mu.Lock(); defer f.mu.Unlock(); return f.failed }
func (f *fakeTB) Cleanup(fn func()) { f.mu.Lock(); f.cleanups = append(f.cleanups, fn); f.mu.Unlock() }

func (f *fakeTB) runCleanups() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	f.cleanups = nil
}

func (f *fakeTB) messages() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.msgs, "\n")
}

// mustFail runs fn, which must fail f with t.Fatal, and returns the message.
func mustFail(t *testing.T, f *fakeTB, fn func()) string {
	t.Helper()
	f.mu.Lock()
	f.msgs, f.failed = nil, false
	f.mu.Unlock()
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(fatalPanic); !ok {
					panic(r)
				}
			}
		}()
		fn()
		t.Fatalf("the step did not fail")
	}()
	return f.messages()
}

func TestFormHelpers(t *testing.T) {
	srv := server(t)
	b := New(t)
	p := b.NewPage(t)

	p.Open(srv.URL + "/form.html")
	if got := p.Status(); got != http.StatusOK {
		t.Errorf("Status() = %d, want 200", got)
	}
	if got := p.URL(); got != srv.URL+"/form.html" {
		t.Errorf("URL() = %q", got)
	}
	if got := p.Text("h1"); got != "预约办事" {
		t.Errorf("Text(h1) = %q", got)
	}

	// label for= with a "*" and a "：", label for= with ":", wrapped labels.
	p.Fill("姓名", "张三 Zhang")
	p.Fill("手机号", "13800000000")
	p.Fill("备注：", "第一行\n第二行")
	p.Fill("日期", "2025-03-01")
	p.Select("城市", "上海")
	p.WaitText("城市：sh")
	p.Fill("城市", "北京") // Fill on a select chooses by text too
	p.Check("我已阅读并同意")
	p.Check("我已阅读并同意") // stays ticked
	p.Check("短信提醒")    // the box is hidden, so the label is clicked
	p.Check("企业")
	if got := Eval[[]any](p, `[document.getElementById('name').value, document.getElementById('phone').value,
		document.querySelector('textarea').value, document.getElementById('day').value,
		document.querySelector('select').value, document.getElementById('agree').checked,
		document.getElementById('sms').checked, document.querySelector('input[value=b]').checked]`); fmt.Sprint(got) != fmt.Sprint([]any{
		"张三 Zhang", "13800000000", "第一行\n第二行", "2025-03-01", "bj", true, true, true}) {
		t.Errorf("form values = %#v", got)
	}
	p.Uncheck("我已阅读并同意")
	if Eval[bool](p, "document.getElementById('agree').checked") {
		t.Error("Uncheck did not clear the box")
	}
	p.Fill("姓名", "李四") // replaces the old content
	if got := Eval[string](p, "document.getElementById('name').value"); got != "李四" {
		t.Errorf("after the second Fill the name is %q", got)
	}

	// A button whose script (an external file, under CSP) writes text.
	p.Click("打招呼")
	p.WaitText("你好，李四！")
	if !p.HasText("你好，李四") || p.HasText("不存在的文字") {
		t.Error("HasText is wrong")
	}
	// 第二页 is a link twice, 预约办事 a heading only.
	if !p.HasLink("第二页") || !p.HasLink("回到顶部") || p.HasLink("预约办事") || p.HasLink("不存在的链接") {
		t.Error("HasLink is wrong")
	}
	// The button is disabled at first and enabled 300 ms after the greeting.
	p.Click("稍后可用")
	p.WaitText("稍后按钮已点击")

	// A confirm dialog is accepted.
	p.Click("确认一下")
	p.WaitText("已确认")
	if d := p.Dialogs(); len(d) != 1 || d[0] != "confirm: 确定吗？" {
		t.Errorf("Dialogs() = %q", d)
	}

	if got := p.Attr("#pic", "alt"); got != "测试图" {
		t.Errorf("Attr(#pic, alt) = %q", got)
	}
	if got := p.Attr("#pic", "data-missing"); got != "" {
		t.Errorf("Attr of a missing attribute = %q", got)
	}
	links := p.Links()
	want := []string{srv.URL + "/page2.html?from=form", srv.URL + "/page2.html?from=form", srv.URL + "/form.html#top"}
	if !slices.Equal(links, want) {
		t.Errorf("Links() = %q, want %q", links, want)
	}

	// The image, as the browser shows it: red on the left, blue on the right.
	img, err := png.Decode(bytes.NewReader(p.ImagePNG("#pic")))
	if err != nil {
		t.Fatalf("ImagePNG does not give a PNG: %v", err)
	}
	bd := img.Bounds()
	if bd.Dx() < 40 || bd.Dy() < 20 {
		t.Errorf("ImagePNG is %v, want at least 40×20", bd)
	}
	if r, g, bl, _ := img.At(bd.Min.X+bd.Dx()/4, bd.Min.Y+bd.Dy()/2).RGBA(); r>>8 < 200 || g>>8 > 50 || bl>>8 > 50 {
		t.Errorf("left of the image is %d,%d,%d, want red", r>>8, g>>8, bl>>8)
	}
	if r, g, bl, _ := img.At(bd.Min.X+3*bd.Dx()/4, bd.Min.Y+bd.Dy()/2).RGBA(); r>>8 > 50 || g>>8 > 50 || bl>>8 < 200 {
		t.Errorf("right of the image is %d,%d,%d, want blue", r>>8, g>>8, bl>>8)
	}

	path := p.Screenshot("form")
	if data, err := os.ReadFile(path); err != nil || !bytes.HasPrefix(data, []byte("\x89PNG")) {
		t.Errorf("Screenshot wrote no PNG to %s: %v", path, err)
	}

	// Submitting the form navigates; the next steps see the new page.
	p.Click("提交")
	p.WaitURL("result.html")
	p.WaitText("提交成功")
	if q := p.Text("#query"); !strings.Contains(q, "name=李四") || !strings.Contains(q, "city=bj") || !strings.Contains(q, "kind=b") {
		t.Errorf("the submitted query is %q", q)
	}

	p.ClickLink("返回")
	p.WaitURL("form.html")
	p.ClickLink("第二页") // two links, same target: not ambiguous
	p.WaitText("这是第二页")
	if !strings.Contains(p.URL(), "from=form") {
		t.Errorf("URL() after ClickLink = %q", p.URL())
	}
	p.Back()
	p.WaitURL("form.html")
	p.Open("page2.html") // relative to the current page
	p.WaitText("这是第二页")

	// Enter in a text field submits the form; Reload keeps the page.
	p.Open("form.html")
	p.Fill("手机号", "13900000000")
	p.Press("\r")
	p.WaitURL("phone=13900000000")
	p.Reload()
	p.WaitText("提交成功")

	// An error page that the test opens on purpose is no console error.
	p.Open("/no-such-page")
	if got := p.Status(); got != http.StatusNotFound {
		t.Errorf("Status() of a missing page = %d, want 404", got)
	}

	if errs := p.ConsoleErrors(); len(errs) != 0 {
		t.Errorf("ConsoleErrors() = %q", errs)
	}
}

func TestHelpersFailWithAMessage(t *testing.T) {
	srv := server(t)
	b := New(t)
	f := &fakeTB{TB: t}
	p := b.NewPage(f)
	defer func() {
		// The failures of the cases were expected; the cleanup must not add any.
		f.mu.Lock()
		f.msgs, f.failed = nil, false
		f.mu.Unlock()
		f.runCleanups()
		if f.Failed() {
			t.Errorf("the cleanup of the page failed: %s", f.messages())
		}
	}()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	p.Open(srv.URL + "/form.html")

	// Cases that wait for something that never comes get a short timeout;
	// the others fail at once and keep the default, so that a busy machine
	// does not make them time out.
	waits := map[string]bool{"missing label": true, "hidden control": true, "label without control": true,
		"ambiguous label": true, "missing option": true, "disabled option": true, "missing button": true,
		"ambiguous button": true, "covered button": true, "missing link": true, "missing text": true,
		"missing element": true, "URL never comes": true}
	cases := []struct {
		name string
		step func()
		want []string
	}{
		{"missing label", func() { p.Fill("身份证号", "x") },
			[]string{`Fill("身份证号", "x")`, `no <label> with the text "身份证号"`, `"姓名"`, "page: " + srv.URL + "/form.html"}},
		{"hidden control", func() { p.Fill("隐藏", "x") }, []string{"is not visible"}},
		{"label without control", func() { p.Fill("无控件", "x") }, []string{"belongs to no control"}},
		{"ambiguous label", func() { p.Fill("重复", "x") }, []string{"ambiguous"}},
		{"read-only", func() { p.Fill("只读", "x") }, []string{"read-only"}},
		{"maxlength", func() { p.Fill("手机号", "138000000001234") }, []string{`holds "13800000000"`}},
		{"checkbox by Fill", func() { p.Fill("我已阅读并同意", "x") }, []string{"use Check"}},
		{"missing option", func() { p.Select("城市", "深圳") }, []string{`no option with the text "深圳"`, `"上海"`}},
		{"disabled option", func() { p.Select("城市", "广州") }, []string{"disabled"}},
		{"Check on a text field", func() { p.Check("姓名") }, []string{"not a checkbox"}},
		{"missing button", func() { p.Click("删除") }, []string{`Click("删除")`, "no visible button or link", `"打招呼"`}},
		{"ambiguous button", func() { p.Click("同名") }, []string{"ambiguous: 2 visible buttons"}},
		{"covered button", func() { p.Click("被遮住") }, []string{"is covered by <div", "overlay"}},
		{"missing link", func() { p.ClickLink("打招呼") }, []string{"no visible link"}},
		{"missing text", func() { p.WaitText("永远不会出现") }, []string{"did not appear", "预约办事"}},
		{"missing element", func() { p.Text("#nope") }, []string{"no element matches the CSS selector \"#nope\""}},
		{"bad selector", func() { p.Text("##") }, []string{"SyntaxError"}},
		{"URL never comes", func() { p.WaitURL("never") }, []string{"the URL stayed"}},
		{"JS error in Eval", func() { Eval[int](p, "nope.nope") }, []string{"ReferenceError"}},
		{"unreachable URL", func() { p.Open(closedURL) }, []string{"ERR_CONNECTION_REFUSED"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p.cfg.timeout = DefaultTimeout
			if waits[c.name] {
				p.cfg.timeout = 1500 * time.Millisecond
			}
			msg := mustFail(t, f, c.step)
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the message does not contain %q:\n%s", w, msg)
				}
			}
		})
	}
}

func TestConsoleErrorFailsTheTest(t *testing.T) {
	srv := server(t)
	b := New(t)
	dir := t.TempDir()
	t.Setenv("HALL_TEST_ARTIFACTS", dir)

	for _, c := range []struct {
		page string
		want string
	}{
		{"/console.html", "console.error: boom from console.js 42"},
		{"/throw.html", "uncaught exception: Uncaught TypeError: kaboom in throw.js"},
		{"/csp.html", "Content Security Policy"},
	} {
		t.Run(strings.Trim(c.page, "/"), func(t *testing.T) {
			f := &fakeTB{TB: t}
			p := b.NewPage(f)
			p.Open(srv.URL + c.page)
			var errs []string
			deadline := time.Now().Add(5 * time.Second)
			for time.Now().Before(deadline) {
				if errs = p.ConsoleErrors(); len(errs) > 0 {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if len(errs) != 1 || !strings.Contains(errs[0], c.want) {
				t.Fatalf("ConsoleErrors() = %q, want one with %q", errs, c.want)
			}
			f.runCleanups()
			msg := f.messages()
			if !f.Failed() || !strings.Contains(msg, "console error(s)") || !strings.Contains(msg, c.want) {
				t.Errorf("the cleanup did not fail the test for the console error; messages:\n%s", msg)
			}
			// A failed test leaves a screenshot.
			shots, _ := filepath.Glob(filepath.Join(dir, sanitize(t.Name())+"-page*-failure.png"))
			if len(shots) != 1 {
				t.Errorf("want one failure screenshot in %s, found %q", dir, shots)
			}
		})
	}

	t.Run("allowed", func(t *testing.T) {
		f := &fakeTB{TB: t}
		p := b.NewPage(f, AllowConsoleErrors("boom"))
		p.Open(srv.URL + "/console.html")
		p.WaitText("console")
		f.runCleanups()
		if f.Failed() {
			t.Errorf("an allowed console error failed the test:\n%s", f.messages())
		}
	})
}

func TestMouseDrag(t *testing.T) {
	srv := server(t)
	p := New(t).NewPage(t)
	p.Open(srv.URL + "/drag.html")
	r := p.Rect("#handle")
	x, y := r.Center()
	p.MouseDrag(x, y, x+150, y+3, 15)
	p.WaitText("拖到 150")
	if got := Eval[[]string](p, "window.dragEvents"); !slices.Equal(got, []string{"mousedown", "mousemove", "mouseup"}) {
		t.Errorf("the page saw %q", got)
	}
	if r2 := p.Rect("#handle"); r2.X-r.X != 150 {
		t.Errorf("the handle moved by %v, want 150", r2.X-r.X)
	}
}

func TestPagesAreIsolatedAndMobile(t *testing.T) {
	srv := server(t)
	b := New(t)
	desk := b.NewPage(t)
	desk.Open(srv.URL + "/form.html")
	Eval[any](desk, "document.cookie = 'sid=desk; path=/'")

	phone := b.NewPage(t, Mobile())
	phone.Open(srv.URL + "/mobile.html")
	if c := Eval[string](phone, "document.cookie"); c != "" {
		t.Errorf("the phone sees the cookies of the desktop page: %q", c)
	}
	if w := Eval[int](phone, "window.innerWidth"); w != 390 {
		t.Errorf("the phone is %d px wide, want 390", w)
	}
	if !Eval[bool](phone, "navigator.userAgent.includes('Mobile') && navigator.maxTouchPoints > 0") {
		t.Errorf("the phone has no mobile User-Agent or no touch: %s", Eval[string](phone, "navigator.userAgent"))
	}
	phone.Click("扫码登录")
	phone.WaitText("已扫码 390")

	// A tab of the same page shares its cookies.
	tab := desk.NewTab(t)
	tab.Open(srv.URL + "/page2.html")
	if c := Eval[string](tab, "document.cookie"); c != "sid=desk" {
		t.Errorf("the second tab sees the cookies %q, want sid=desk", c)
	}
	if w := Eval[int](desk, "window.innerWidth"); w != 1280 {
		t.Errorf("the desktop page is %d px wide, want 1280", w)
	}
}

func TestNewSkipsOrFailsWithoutChromium(t *testing.T) {
	t.Setenv("CHROMIUM_PATH", filepath.Join(t.TempDir(), "no-such-chromium"))

	t.Setenv("CI", "true")
	f := &fakeTB{TB: t}
	msg := mustFail(t, f, func() { New(f) })
	if !strings.Contains(msg, "Chromium not found") || !strings.Contains(msg, "CI") {
		t.Errorf("with CI=true, New failed with %q", msg)
	}

	t.Setenv("CI", "")
	s := &skipTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != errSkipped {
				panic(r)
			}
		}()
		New(s)
	}()
	if !strings.Contains(s.skipped, "Chromium not found") {
		t.Errorf("without CI, New did not skip: %q", s.skipped)
	}
}

type skipTB struct {
	testing.TB
	skipped string
}

var errSkipped = fmt.Errorf("skipped")

func (s *skipTB) Helper() {}
func (s *skipTB) Skip(args ...any) {
	s.skipped = fmt.Sprint(args...)
	panic(errSkipped)
}
func (s *skipTB) Fatal(args ...any) {
	s.TB.Errorf("unexpected Fatal: %s", fmt.Sprint(args...))
	panic(errSkipped)
}

func TestCheckAccessibility(t *testing.T) {
	srv := server(t)
	b := New(t)
	p := b.NewPage(t)

	p.Open(srv.URL + "/a11y-clean.html")
	if vs := p.AccessibilityViolations(); len(vs) != 0 {
		t.Errorf("the clean page has violations: %v", vs)
	}
	p.CheckAccessibility()

	// A field without a label and a button without a name: both critical.
	p.Open(srv.URL + "/a11y-broken.html")
	rules := map[string]AxeViolation{}
	for _, v := range p.AccessibilityViolations() {
		rules[v.Rule] = v
	}
	if v, ok := rules["label"]; !ok || !slices.Contains(v.Targets, "#name") {
		t.Errorf("no violation of the rule label at #name: %v", rules)
	}
	if v, ok := rules["button-name"]; !ok || !slices.Contains(v.Targets, "#go") {
		t.Errorf("no violation of the rule button-name at #go: %v", rules)
	}

	f := &fakeTB{TB: t}
	fp := b.NewPage(f)
	defer f.runCleanups()
	fp.Open(srv.URL + "/a11y-broken.html")
	msg := mustFail(t, f, fp.CheckAccessibility)
	for _, want := range []string{"CheckAccessibility()", "label", "#name", "button-name", "#go", "a11y-broken.html", "Form elements must have labels"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the failure does not say %q:\n%s", want, msg)
		}
	}
}

// TestCheckEachDocument: a page with the option checks every document it loads,
// by a click and by Open, once each, and reports the broken one with its URL
// without stopping the test.
func TestCheckEachDocument(t *testing.T) {
	srv := server(t)
	b := New(t)
	f := &fakeTB{TB: t}
	p := b.NewPage(f, CheckEachDocument())
	defer f.runCleanups()

	p.Open(srv.URL + "/a11y-clean.html")
	p.Fill("姓名", "张三")
	if f.Failed() {
		t.Fatalf("the clean page failed the test: %s", f.messages())
	}
	p.ClickLink("有问题的页面")
	p.WaitURL("a11y-broken.html")
	Eval[string](p, "document.title") // a second step on the same document checks nothing new
	msg := f.messages()
	if !f.Failed() || strings.Count(msg, "axe-core") != 1 {
		t.Fatalf("the broken page was reported %d times, want once:\n%s", strings.Count(msg, "axe-core"), msg)
	}
	for _, want := range []string{"button-name", "#go", "label", "#name", "page: " + srv.URL + "/a11y-broken.html"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the report does not say %q:\n%s", want, msg)
		}
	}

	// Opened again, it is a new document, checked again.
	p.Open(srv.URL + "/a11y-broken.html")
	Eval[string](p, "document.title")
	if n := strings.Count(f.messages(), "axe-core"); n != 2 {
		t.Errorf("after a second load the broken page was reported %d times, want twice:\n%s", n, f.messages())
	}
}
