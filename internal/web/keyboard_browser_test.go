package web_test

import (
	"bytes"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"hall/internal/browsertest"
	"hall/internal/captcha/captchatest"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// The keyboard-only flows of issue 10: registration, unit login and adding an agent,
// done with key presses alone, as a person who cannot use a mouse does. Every Tab is
// checked to land on the control a person expects next, by the accessible role and
// name a screen reader announces, with the focus drawn where a sighted person sees
// it. A page whose keyboard path changes fails here: change the stops with the page.

// keyboardT0 is the hall's clock in the unit flow (a Monday morning).
var keyboardT0 = time.Date(2026, 5, 11, 10, 0, 0, 0, web.Shanghai)

// focusStop is where a Tab should put the focus: the accessible role and name of a control.
type focusStop struct{ role, name string }

func linkStop(name string) focusStop     { return focusStop{"link", name} }
func buttonStop(name string) focusStop   { return focusStop{"button", name} }
func textboxStop(name string) focusStop  { return focusStop{"textbox", name} }
func checkboxStop(name string) focusStop { return focusStop{"checkbox", name} }

// keyboardUnitShell are the stops of the unit user center's frame after 跳到主要内容,
// for a legal rep of one unit: the band's buttons and the left menu.
var keyboardUnitShell = []focusStop{
	buttonStop("切换为个人身份"), buttonStop("退出"),
	linkStop("单位主页"), linkStop("单位信息"), linkStop("单位权益单"), linkStop("单位办件"), linkStop("单位快递"),
	linkStop("经办人管理"), linkStop("机构管理"), linkStop("我的工作台"), linkStop("账号设置"),
}

// keys drives one page with the keyboard alone.
type keys struct {
	t *testing.T
	p *browsertest.Page
}

// want checks that the focus is on the control of s, after key, and that a sighted
// person sees it. The calendar button inside a date input is checked by
// leaveCalendar instead: the page's CSS does not draw its ring.
func (k keys) want(key string, s focusStop) browsertest.Focus {
	k.t.Helper()
	f := k.p.Focused()
	if f.Role != s.role || f.Name != s.name {
		k.t.Fatalf("%s put the focus on %s, want %s %q\n\tpage: %s", key, f, s.role, s.name, k.p.URL())
	}
	if !f.Visible && (f.Part == nil || f.Part.Role != "button") {
		k.t.Errorf("%s: the focus on %s is not visible (%s)\n\tpage: %s", key, f, f.Ring, k.p.URL())
	}
	return f
}

// tab presses Tab once for each stop and checks where the focus lands.
func (k keys) tab(stops ...focusStop) browsertest.Focus {
	k.t.Helper()
	var f browsertest.Focus
	for _, s := range stops {
		k.p.Press(kb.Tab)
		f = k.want("Tab", s)
	}
	return f
}

// back presses Shift+Tab once for each stop and checks where the focus lands.
func (k keys) back(stops ...focusStop) {
	k.t.Helper()
	for _, s := range stops {
		k.p.PressShift(kb.Tab)
		k.want("Shift+Tab", s)
	}
}

// fill moves the focus to the field with Tab and types text into it.
func (k keys) fill(field focusStop, text string) {
	k.t.Helper()
	k.tab(field)
	k.p.Type(text)
}

// skipToMain is the first Tab of a page, onto 跳到主要内容, and Enter on it: the focus
// goes to the main content, and the next Tab to its first control.
func (k keys) skipToMain() {
	k.t.Helper()
	k.tab(linkStop("跳到主要内容"))
	k.p.Press(kb.Enter)
	if f := k.p.Focused(); f.Role != "main" {
		k.t.Fatalf("Enter on 跳到主要内容 put the focus on %s, want the main content\n\tpage: %s", f, k.p.URL())
	}
}

// value reads the value of the focused control.
func (k keys) value() string {
	return browsertest.Eval[string](k.p, "document.activeElement.value")
}

// datePart is the field of a date input that has the focus: "year", "month" or
// "day", told by its largest value (the order and the names depend on the language
// of the browser, not of the page).
func datePart(f browsertest.Focus) string {
	switch {
	case f.Part == nil || f.Part.Role != "spinbutton":
		return ""
	case f.Part.Max == 12:
		return "month"
	case f.Part.Max == 31:
		return "day"
	default:
		return "year"
	}
}

// date goes through the three fields of the date input named name, which has the
// focus on its first field, typing day into them unless day is zero, and on with
// Tab onto the input's calendar button. A field takes the typed digits; a full month
// or day moves on by itself, the year does not, so Tab moves on from it.
func (k keys) date(name string, day time.Time) {
	k.t.Helper()
	field := focusStop{"Date", name}
	f := k.want("Tab", field)
	typed := map[string]string{"year": day.Format("2006"), "month": day.Format("01"), "day": day.Format("02")}
	seen := map[string]bool{}
	for len(seen) < 3 {
		part := datePart(f)
		if part == "" || seen[part] {
			k.t.Fatalf("in the date %s the focus is on %s, want a field not visited yet (visited %v)", name, f, seen)
		}
		seen[part] = true
		if !day.IsZero() {
			k.p.Type(typed[part])
			f = k.want("typing the "+part+" of "+name, field)
			if datePart(f) != part {
				continue // moved on by itself
			}
		}
		f = k.tab(field)
	}
	if f.Part == nil || f.Part.Role != "button" {
		k.t.Fatalf("Tab after the last field of %s: the focus is on %s, want its calendar button", name, f)
	}
	if !day.IsZero() {
		if got := k.value(); got != day.Format("2006-01-02") {
			k.t.Fatalf("the date %s holds %q after typing, want %s", name, got, day.Format("2006-01-02"))
		}
	}
}

// leaveCalendar is Tab from the calendar button that Chromium draws inside a date
// input (the page's CSS can neither style it nor tell its focus) on to next: while
// the button has the focus, the browser's ring around it must show, so the input
// looks different from after the focus left.
func (k keys) leaveCalendar(next focusStop) {
	k.t.Helper()
	css := "#" + browsertest.Eval[string](k.p, "document.activeElement.id")
	focused := k.p.ImagePNG(css)
	k.tab(next)
	if n := changedPixels(k.t, focused, k.p.ImagePNG(css)); n < ringPixels {
		k.t.Errorf("the calendar button of %s shows no focus: %d pixels of the field change when the focus leaves it, want a ring of at least %d",
			css, n, ringPixels)
	}
}

// ringPixels is the least number of pixels a focus ring changes: a ring of 1 px
// around a 16 px icon is over 60.
const ringPixels = 40

// changedPixels counts the pixels that differ clearly (by more than a quarter of
// the range in a colour) between two PNG pictures of the same size.
func changedPixels(t *testing.T, a, b []byte) int {
	t.Helper()
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if ia.Bounds() != ib.Bounds() {
		t.Fatalf("pictures of %v and %v", ia.Bounds(), ib.Bounds())
	}
	apart := func(x, y uint32) bool { return max(x, y)-min(x, y) > 0xffff/4 }
	n := 0
	for y := ia.Bounds().Min.Y; y < ia.Bounds().Max.Y; y++ {
		for x := ia.Bounds().Min.X; x < ia.Bounds().Max.X; x++ {
			r1, g1, b1, _ := ia.At(x, y).RGBA()
			r2, g2, b2, _ := ib.At(x, y).RGBA()
			if apart(r1, r2) || apart(g1, g2) || apart(b1, b2) {
				n++
			}
		}
	}
	return n
}

// TestKeyboardRegistration: personal registration from the keyboard alone, the SMS
// code too (获取验证码 sends it in the background and puts the focus on the code field).
func TestKeyboardRegistration(t *testing.T) {
	ts, base := webtest.Serve(t)
	w := webtest.NewWorld(ts, 1010)
	id, mobile := w.IDNumber(), w.Mobile()
	p := browsertest.New(t).NewPage(t)
	k := keys{t, p}

	p.Open(base + "/register")
	k.skipToMain()
	k.tab(linkStop("大厅首页"), linkStop("去登录"), focusStop{"combobox", "证件类型"})
	if got := browsertest.Eval[string](p, "document.activeElement.selectedOptions[0].text"); got != "居民身份证" {
		t.Errorf("证件类型 shows %q, want 居民身份证", got)
	}
	k.fill(textboxStop("证件号码"), id)
	k.fill(textboxStop("姓名"), "林晓梅")
	k.fill(textboxStop("移动电话"), mobile)
	k.fill(textboxStop("密码"), webtest.Password)
	k.fill(textboxStop("确认密码"), webtest.Password)
	k.tab(textboxStop("短信验证码"), buttonStop("获取验证码"))
	p.Press(kb.Enter)
	p.WaitText("验证码已发送至" + ident.MaskMobile(mobile))
	k.want("获取验证码", textboxStop("短信验证码"))
	p.Type(webtest.LatestCode(t, ts, mobile))
	// The button counts down now, out of the tab order.
	k.tab(checkboxStop("我已阅读并同意《个人用户注册协议》"))
	p.Press(" ")
	if !browsertest.Eval[bool](p, "document.activeElement.checked") {
		t.Fatal("Space did not tick 我已阅读并同意《个人用户注册协议》")
	}
	k.tab(linkStop("《个人用户注册协议》"), buttonStop("注册"))
	p.Press(kb.Enter)
	p.WaitURL("/me")
	p.WaitText("注册成功")
	p.WaitText("实名用户")
}

// TestKeyboardUnitLoginAndAgent: the legal rep signs in on 单位登录 from the keyboard,
// with a mistyped password first until the slider captcha comes, which the arrow keys
// solve; then adds an agent in 经办人管理 with one business item, and proves who they
// are again with the password when the change asks for it.
func TestKeyboardUnitLoginAndAgent(t *testing.T) {
	clk := webtest.NewClock(keyboardT0)
	ts, base := webtest.Serve(t, webtest.WithClock(t, clk))
	w := webtest.NewWorld(ts, 1011)
	u, rep := w.UnitWithRep(t, "示范键盘无障碍科技有限公司", "谭清远")
	agent := w.Person(t, "柏云舒")
	items, err := ts.Catalog.UnitItems(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	const grant = "SB-001"
	p := browsertest.New(t).NewPage(t, webtest.Allow422)
	k := keys{t, p}

	// 单位登录 is the second tab of the login page.
	p.Open(base + "/login")
	k.skipToMain()
	k.tab(linkStop("个人登录"), linkStop("单位登录"))
	p.Press(kb.Enter)
	p.WaitURL("tab=unit")

	// The unit login form, down to 密码; the form keeps the account and the ID number
	// after a refusal.
	toPassword := func(first bool) {
		t.Helper()
		k.skipToMain()
		k.tab(linkStop("个人登录"), linkStop("单位登录"), linkStop("账号密码"), linkStop("扫码登录"), linkStop("其他登录方式"))
		for _, f := range []struct{ field, text string }{
			{"统一社会信用代码/单位编号/机构编号", u.USCC}, {"证件号码/移动电话", rep.IDNumber},
		} {
			k.tab(textboxStop(f.field))
			if first {
				p.Type(f.text)
			} else if got := k.value(); got != f.text {
				t.Errorf("after the refusal %s holds %q, want %q", f.field, got, f.text)
			}
		}
		k.tab(textboxStop("密码"))
	}
	captchaShown := func() bool { return browsertest.Eval[bool](p, "!!document.querySelector('.slider-captcha')") }
	for try := 0; !captchaShown(); try++ {
		if try == 4 {
			t.Fatal("four refused logins did not bring the slider captcha")
		}
		toPassword(try == 0)
		p.Type("Wrong-Password-1")
		p.Press(kb.Enter) // Enter in a field sends the form
		p.WaitText(web.MsgBadLogin)
	}

	toPassword(false)
	p.Type(webtest.Password)
	k.tab(focusStop{"slider", "拖动滑块完成拼图"})
	keyboardSolveSlider(t, ts, p)
	k.tab(buttonStop("刷新"), linkStop("忘记密码?"), buttonStop("登录"))
	// Shift+Tab goes back the same way; Enter in 密码 sends the form.
	k.back(linkStop("忘记密码?"), buttonStop("刷新"), focusStop{"slider", "拖动滑块完成拼图"}, textboxStop("密码"))
	p.Press(kb.Enter)
	p.WaitURL("/unit/")
	if got := p.Text(".uc-role"); got != "法定代表人" {
		t.Fatalf("signed in as %q, want 法定代表人", got)
	}

	// 经办人管理 from the unit center's menu, then 添加经办人.
	k.skipToMain()
	k.tab(keyboardUnitShell[:8]...)
	p.Press(kb.Enter)
	p.WaitURL("/unit/agents")
	k.skipToMain()
	k.tab(keyboardUnitShell...)
	k.tab(linkStop("设置管理员"), linkStop("添加经办人"))
	p.Press(kb.Enter)
	p.WaitURL("/unit/agents/new")

	// The form: who, which business (Space ticks one item), for how long.
	k.skipToMain()
	k.tab(keyboardUnitShell...)
	k.tab(linkStop("经办人管理"))
	k.fill(textboxStop("姓名"), agent.Name)
	k.tab(focusStop{"combobox", "证件类型"})
	if got := browsertest.Eval[string](p, "document.activeElement.selectedOptions[0].text"); got != "居民身份证" {
		t.Errorf("证件类型 shows %q, want 居民身份证", got)
	}
	k.fill(textboxStop("证件号码"), agent.IDNumber)
	k.fill(textboxStop("手机号码"), agent.Mobile)
	ticked := ""
	for i, it := range items {
		if i == 0 || items[i-1].Category != it.Category {
			k.tab(checkboxStop("全选"))
		}
		k.tab(checkboxStop(it.Name))
		if it.Code == grant {
			p.Press(" ")
			if !browsertest.Eval[bool](p, "document.activeElement.checked") {
				t.Fatalf("Space did not tick %s", it.Name)
			}
			ticked = it.Name
		}
	}
	if ticked == "" {
		t.Fatalf("the catalog has no unit item %s", grant)
	}
	if !browsertest.Eval[bool](p, `document.getElementById('dlg-all-SB').indeterminate`) {
		t.Error("one ticked item does not show 全选 as partial")
	}
	until := keyboardT0.AddDate(0, 0, 30)
	k.tab(focusStop{"Date", "开始日期"})
	k.date("开始日期", time.Time{}) // today, as filled in
	k.leaveCalendar(focusStop{"Date", "结束日期"})
	k.date("结束日期", until)
	k.leaveCalendar(buttonStop("确定添加"))

	// Eleven minutes after the login the change asks for the password again, and
	// goes on with what the form held.
	clk.Advance(11 * time.Minute)
	p.Press(kb.Enter)
	p.WaitText("验证身份")
	k.skipToMain()
	k.tab(keyboardUnitShell...)
	k.tab(linkStop("经办人管理"))
	k.fill(textboxStop("登录密码"), webtest.Password)
	k.tab(buttonStop("验证并提交"))
	p.Press(" ")
	p.WaitURL("/unit/agents?notice=agent_added")
	row := p.Text(".dlg-agent-table tbody tr")
	for _, want := range []string{agent.Name, ident.MaskID(agent.IDNumber), ticked, "待确认",
		keyboardT0.Format("2006-01-02") + " 至 " + until.Format("2006-01-02")} {
		if !strings.Contains(row, want) {
			t.Errorf("the agent row %q lacks %q", row, want)
		}
	}
	members, err := ts.Delegation.Members(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(members, func(m delegation.Member) bool { return m.PersonID == agent.ID })
	if i < 0 || members[i].Role != unit.RoleAgent || !slices.Equal(members[i].Items, []string{grant}) {
		t.Fatalf("the unit's members %+v lack the agent %s with %s alone", members, agent.Name, grant)
	}
}

// keyboardSolveSlider solves the login slider captcha whose handle has the focus with
// the arrow keys (Shift+→ a big step, → one pixel) and Enter, as its keyboard mode
// offers; the gap's place is read from the database, as a person sees it.
func keyboardSolveSlider(t *testing.T, ts *webtest.TestServer, p *browsertest.Page) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for browsertest.Eval[string](p, "document.querySelector('.slider-captcha').dataset.state || ''") != "ready" {
		if time.Now().After(deadline) {
			t.Fatal("the slider captcha shows no puzzle")
		}
		time.Sleep(25 * time.Millisecond)
	}
	var ids []string
	rows, err := ts.DB.Query(t.Context(), `SELECT id FROM captcha_challenges WHERE purpose = 'login' AND used_at IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 {
		t.Fatalf("%d open login puzzles, want the one on the page", len(ids))
	}
	x, _, err := captchatest.Solution(t.Context(), ts.DB, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	big, small, reached := captchatest.KeyPresses(x)
	for range big {
		p.PressShift(kb.ArrowRight)
	}
	for range small {
		p.Press(kb.ArrowRight)
	}
	if got := browsertest.Eval[string](p, "document.activeElement.getAttribute('aria-valuenow')"); got != strconv.Itoa(reached) {
		t.Fatalf("the slider is at %s after the keys, want %d", got, reached)
	}
	p.Press(kb.Enter)
	p.WaitText("验证通过")
}
