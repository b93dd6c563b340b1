package account

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/captcha/captchatest"
	"hall/internal/cases"
	"hall/internal/ident"
	"hall/internal/insurance"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestBrowserLogScanNoTypedIdentifier is TestLogScanNoTypedIdentifier in Chromium:
// the flows where a person types an ID number or a mobile are driven by their labels
// and buttons — registration, password login by ID number and by mobile (and refused
// ones), 站内搜索, login by SMS code, 找回密码 up to the face verification, and a
// unit's 人员参保登记 with the employee's ID number — with the values written in the
// ways people write them. Then the process log, the audit details, every answer the
// browser received and every page as the browser showed it (its DOM, scripts'
// changes included) are scanned: no full ID number or mobile may be in any of them,
// in any spelling, except in the value of the input that gives the person back what
// they typed into their own form (and on 站内搜索's results, which give the search
// box's text back, as TestLogScanNoTypedIdentifier allows).
func TestBrowserLogScanNoTypedIdentifier(t *testing.T) {
	logs, withLog := capturedLog(t)
	answers := &answerRecorder{}
	ts, base := webtest.ServeThrough(t, answers.wrap, withLog)
	w := webtest.NewWorld(ts, 1617)
	b := browsertest.New(t)
	var shown []string // the DOM of each page at the end of each step
	look := func(p *browsertest.Page) {
		t.Helper()
		shown = append(shown, browsertest.Eval[string](p, "document.documentElement.outerHTML"))
	}
	// Every identifier typed, normalised, and those of the people signed in, whose
	// pages show them masked.
	var typed []string

	// Registration: the ID number full-width, the mobile as "+86 136 2050 5873".
	id, mobile := w.IDNumber(), w.Mobile()
	typed = append(typed, id, mobile)
	p := b.NewPage(t)
	p.Open(base + "/")
	p.ClickLink("注册")
	p.WaitText("注册说明")
	p.Select("证件类型", "居民身份证")
	p.Fill("证件号码", fullWidth(id))
	p.Fill("姓名", "欧阳娜娜")
	p.Fill("移动电话", "+86 "+grouped(mobile, " ", 3, 4))
	p.Fill("密码", webtest.Password)
	p.Fill("确认密码", webtest.Password)
	p.Click("获取验证码")
	p.WaitText("验证码已发送至" + ident.MaskMobile(mobile))
	look(p)
	p.Fill("短信验证码", webtest.LatestCode(t, ts, mobile))
	p.Check("我已阅读并同意《个人用户注册协议》")
	p.Click("注册")
	p.WaitURL("/me")
	p.WaitText("注册成功")
	look(p)

	// Password login: a wrong password first, then the ID number full-width with a
	// lower-case x; the mobile with hyphens and 86 in front.
	for _, login := range []string{fullWidth(strings.ToLower(id)), "86" + grouped(mobile, "-", 3, 4)} {
		p := b.NewPage(t, webtest.Allow422)
		p.Open(base + "/login")
		p.ClickLink("个人登录")
		p.WaitURL("tab=person")
		p.Fill("证件号码/移动电话", login)
		p.Fill("密码", "Wrong-Pass-2026")
		p.Click("登录")
		p.WaitText(web.MsgBadLogin)
		look(p)
		p.Fill("密码", webtest.Password)
		p.Click("登录")
		p.WaitURL("/me")
		p.WaitText("个人中心")
		look(p)
	}

	// Numbers typed into 站内搜索 (GET /search?q=…): the query string reaches the
	// access log. The results page gives the search box's text back to the person
	// who typed it, like the field itself, so only the log is scanned for it (as in
	// TestLogScanNoTypedIdentifier).
	for _, q := range []string{"+86 " + grouped(mobile, " ", 3, 4), fullWidth(id), grouped(mobile, "-", 3, 4)} {
		p.Fill("站内搜索", q)
		p.Click("搜索")
		p.WaitURL("/search?q=")
	}

	// Refused logins of nobody: an ID number with spaces, a mobile with +86.
	stranger, strangerMobile := w.IDNumber(), w.Mobile()
	typed = append(typed, stranger, strangerMobile)
	p = b.NewPage(t, webtest.Allow422)
	p.Open(base + "/login?tab=person")
	for _, login := range []string{grouped(stranger, " ", 6, 8), "+86" + strangerMobile} {
		p.Fill("证件号码/移动电话", login)
		p.Fill("密码", webtest.Password)
		p.Click("登录")
		p.WaitText(web.MsgBadLogin)
		look(p)
	}

	// Login by SMS code, the mobile typed with spaces (the registered mobile had a
	// code a moment ago and waits for its resend interval: another person's).
	other := w.Person(t, "杨帆")
	typed = append(typed, other.IDNumber, other.Mobile)
	p = b.NewPage(t)
	p.Open(base + "/login?tab=person")
	p.ClickLink("手机动态码")
	p.WaitURL("method=sms")
	p.Fill("移动电话", grouped(other.Mobile, " ", 3, 4))
	p.Click("获取验证码")
	p.WaitText("验证码已发送至" + ident.MaskMobile(other.Mobile))
	look(p)
	p.Fill("短信验证码", webtest.LatestCode(t, ts, other.Mobile))
	p.Click("登录")
	p.WaitURL("/me")
	p.WaitText("实名用户")
	look(p)

	// 找回密码 for the registered person, the ID number full-width, up to the QR code
	// the app scans for the face verification.
	p = b.NewPage(t)
	p.Open(base + "/login?tab=person")
	p.ClickLink("忘记密码?")
	p.WaitURL("/recover?tab=person")
	p.Select("证件类型", "居民身份证")
	p.Fill("证件号码", fullWidth(id))
	p.Fill("姓名", "欧阳娜娜")
	p.Click("下一步")
	p.WaitText("请拖动下方滑块完成拼图验证")
	look(p)
	x := recoverySliderGap(t, ts, p)
	cx, cy := p.Rect(".slider-captcha-handle").Center()
	captchatest.Drag(t, p, cx, cy, float64(x), 22)
	p.WaitText("验证通过")
	p.Click("下一步")
	p.WaitText("请使用掌上APP扫一扫进行人脸识别")
	look(p)

	// 人员参保登记 in the unit center: the legal rep is refused with their ID number
	// and a wrong password, signs in by the mobile typed full-width and types the
	// employee's ID number; the base is refused once, so that the form comes back
	// with what was typed.
	f := webtest.NewTwoUnits(t, ts, 1618)
	employee := ident.GenerateResidentID(w.Generator, "320104", time.Date(1995, 8, 17, 0, 0, 0, 0, time.UTC), false)
	typed = append(typed, f.Person.IDNumber, f.Person.Mobile, employee)
	p = b.NewPage(t, webtest.Allow422)
	p.Open(base + "/login?tab=unit")
	p.Fill("统一社会信用代码/单位编号/机构编号", f.Home.USCC)
	p.Fill("证件号码/移动电话", f.Person.IDNumber)
	p.Fill("密码", "Wrong-Pass-2026")
	p.Click("登录")
	p.WaitText(web.MsgBadLogin)
	look(p)
	webtest.BrowserUnitLogin(t, p, base, f.Home.USCC, fullWidth(f.Person.Mobile), webtest.Password)
	look(p)
	p.Open(base + "/unit/items/" + cases.ItemEnrolment)
	p.ClickLink("开始办理")
	p.WaitURL("/unit/items/" + cases.ItemEnrolment + "/apply")
	p.Fill("职工姓名", "申屠晓燕")
	p.Fill("公民身份号码", employee)
	p.Fill("参保年月", insurance.MonthOf(ts.Now().In(web.Shanghai)).String())
	p.Fill("月缴费基数（元）", "300")
	p.Check("企业基本养老保险")
	p.Click("提交申请")
	p.WaitText("月缴费基数应在")
	look(p)
	p.Fill("月缴费基数（元）", "6500")
	p.Click("提交申请")
	p.WaitText("已申请")
	look(p)
	p.ClickLink("单位办件")
	p.WaitURL("/unit/cases")
	p.WaitText("用人单位用工参保登记")
	look(p)

	wantNoTypedIdentifier(t, ts, logs, append(answers.bodies(), shown...), typed)
}

// answerRecorder keeps the body of every text answer (HTML, JSON, scripts) the
// server gave on its listener; bodies leaves out 站内搜索's results, which give the
// search box's text back.
type answerRecorder struct {
	mu   sync.Mutex
	kept []answer
}

type answer struct {
	path string
	body *bytes.Buffer
}

func (a *answerRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &recordingWriter{ResponseWriter: w, body: &bytes.Buffer{}}
		next.ServeHTTP(rw, r)
		a.mu.Lock()
		defer a.mu.Unlock()
		a.kept = append(a.kept, answer{path: r.URL.Path, body: rw.body})
	})
}

func (a *answerRecorder) bodies() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, k := range a.kept {
		if k.body.Len() > 0 && k.path != "/search" {
			out = append(out, k.body.String())
		}
	}
	return out
}

// recordingWriter copies what is written of a text answer; images are not kept.
type recordingWriter struct {
	http.ResponseWriter
	body *bytes.Buffer
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if ct := w.Header().Get("Content-Type"); ct == "" || strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") ||
		strings.Contains(ct, "javascript") {
		w.body.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
