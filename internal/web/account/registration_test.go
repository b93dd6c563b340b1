package account

import (
	"hall/internal/web/webtest"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/person"
)

func TestRegisterPage(t *testing.T) {
	ts := webtest.NewTestServer(t)
	doc := ts.GetHTML(t, "/register", http.StatusOK)
	webtest.CheckPage(t, ts, "/register", doc)
	if h1 := doc.Must(t, "h1").TextContent(); h1 != "用户注册" {
		t.Errorf("h1 %q", h1)
	}
	labels := map[string]string{}
	for _, l := range doc.All("form[action='/register'] label") {
		labels[l.AttrOr("for")] = strings.TrimPrefix(l.TextContent(), "*")
	}
	for id, want := range map[string]string{
		"f-id_type": "证件类型", "f-id_number": "证件号码", "f-name": "姓名", "f-mobile": "移动电话",
		"f-password": "密码", "f-confirm": "确认密码", "f-sms_code": "短信验证码", "f-agreed": "我已阅读并同意《个人用户注册协议》",
	} {
		if labels[id] != want {
			t.Errorf("label of %s = %q, want %q", id, labels[id], want)
		}
	}
	if got := doc.Must(t, "#f-id_type option[selected]").AttrOr("value"); got != string(ident.IDTypeResident) {
		t.Errorf("preselected ID type %q", got)
	}
	if n := len(doc.All("#f-id_type option")); n != len(ident.IDTypes())+1 {
		t.Errorf("%d ID type options", n)
	}
	if hint := doc.Must(t, "#f-password").Parent.Must(t, "p.hint").TextContent(); hint != ts.Policy.Hint() {
		t.Errorf("password hint %q", hint)
	}
	if a := doc.Must(t, "label[for=f-agreed] a"); a.AttrOr("href") != "/agreements/person" {
		t.Errorf("agreement link %q", a.AttrOr("href"))
	}
	send := doc.Must(t, "button[data-sms-send]")
	if send.TextContent() != "获取验证码" || send.AttrOr("name") != "action" || send.AttrOr("value") != actionSendCode {
		t.Errorf("获取验证码 button: %v", send.Attrs)
	}
	// Enter in a field must register, not send another code: the first submit button
	// of the form is the (invisible) main action.
	if first := doc.Must(t, "form[action='/register'] button"); first.AttrOr("value") == actionSendCode {
		t.Error("the first submit button of the form sends a code")
	}
	aside := doc.Must(t, "aside").TextContent()
	for _, want := range []string{"注册说明", "证件信息绑定后不可修改", "用户申诉", "密码设置规则"} {
		if !strings.Contains(aside, want) {
			t.Errorf("注册说明 lacks %q", want)
		}
	}
	if doc.First("aside a[href='/appeal']") == nil {
		t.Error("注册说明 does not link 用户申诉")
	}

	agreement := ts.GetHTML(t, "/agreements/person", http.StatusOK)
	webtest.CheckPage(t, ts, "/agreements/person", agreement)
	if n := len(agreement.All("article h2")); n < 5 {
		t.Errorf("the agreement has %d sections", n)
	}
}

// TestRegisterFieldErrors submits the form with one bad field at a time: the
// message is beside that field and nowhere else, what was typed stays (except
// passwords), and nothing is stored.
func TestRegisterFieldErrors(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 1)
	base := w.RegisterForm("林晓梅")
	badID := base.Get("id_number")
	badID = badID[:17] + map[bool]string{true: "1", false: "2"}[badID[17] != '1']

	cases := []struct {
		name, field, value, want string
	}{
		{"no ID type", "id_type", "", "请选择证件类型"},
		{"unknown ID type", "id_type", "driving_licence", "请选择证件类型"},
		{"no ID number", "id_number", "", "请输入证件号码"},
		{"bad check digit", "id_number", badID, ""},
		{"short ID number", "id_number", "32010219900101", ""},
		{"no name", "name", "", "请输入姓名"},
		{"digits in name", "name", "林3", "请输入正确的姓名"},
		{"no mobile", "mobile", "", "请输入手机号码"},
		{"short mobile", "mobile", "1381234", ""},
		{"landline", "mobile", "02584561234", ""},
		{"no password", "password", "", "请输入密码"},
		{"short password", "password", "Ab1!", ""},
		{"one class", "password", "abcdefghijk", ""},
		{"no confirmation", "confirm", "", "请再次输入密码"},
		{"different confirmation", "confirm", webtest.Password + "x", "两次输入的密码不一致"},
		{"no code", "sms_code", "", "请输入6位短信验证码"},
		{"letters in code", "sms_code", "12ab56", "请输入6位短信验证码"},
		{"agreement not ticked", "agreed", "", "请阅读并同意《个人用户注册协议》"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := webtest.NewClient(ts)
			c.Get(t, "/register")
			form := webtest.CloneForm(base)
			if tc.value == "" {
				form.Del(tc.field)
			} else {
				form.Set(tc.field, tc.value)
			}
			if tc.field == "password" {
				form.Set("confirm", tc.value)
			}
			rec := c.Post(t, "/register", form)
			webtest.WantStatus(t, "POST /register", rec, http.StatusUnprocessableEntity)
			doc := webtest.ParseHTML(t, rec.Body.String())
			got := webtest.FieldError(t, doc, tc.field)
			if got == "" || (tc.want != "" && !strings.Contains(got, tc.want)) {
				t.Errorf("message beside %s = %q, want %q", tc.field, got, tc.want)
			}
			for _, other := range []string{"id_type", "id_number", "name", "mobile", "password", "confirm", "sms_code", "agreed"} {
				if other == tc.field || (tc.field == "password" && other == "confirm") {
					continue
				}
				if msg := webtest.FieldError(t, doc, other); msg != "" {
					t.Errorf("unexpected message beside %s: %q", other, msg)
				}
			}
			if doc.First(".alert-error") == nil {
				t.Error("no message above the form")
			}
			if v := doc.Must(t, "#f-name").AttrOr("value"); tc.field != "name" && v != base.Get("name") {
				t.Errorf("the name was not kept: %q", v)
			}
			for _, pw := range doc.All("input[type=password]") {
				if pw.AttrOr("value") != "" {
					t.Errorf("a password was echoed in %s", pw.AttrOr("name"))
				}
			}
			if n := webtest.RowCount(t, ts, "persons"); n != 0 {
				t.Errorf("%d persons stored after a refused form", n)
			}
		})
	}
}

func TestRegisterSendCode(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 2)
	c := webtest.NewClient(ts)
	c.Get(t, "/register")
	form := w.RegisterForm("周建国")
	form.Set("action", actionSendCode)
	form.Del("sms_code")
	mobile := form.Get("mobile")

	rec := c.Post(t, "/register", form)
	webtest.WantStatus(t, "send code", rec, http.StatusOK)
	doc := webtest.ParseHTML(t, rec.Body.String())
	notice := doc.Must(t, ".acct-sms-notice").TextContent()
	if want := "验证码已发送至" + ident.MaskMobile(mobile) + "，5分钟内有效"; notice != want {
		t.Errorf("notice %q, want %q", notice, want)
	}
	for _, f := range []string{"id_number", "name", "mobile"} {
		if got := doc.Must(t, "#f-"+f).AttrOr("value"); got != form.Get(f) {
			t.Errorf("%s not kept: %q", f, got)
		}
	}
	if doc.Must(t, "#f-agreed").AttrOr("checked") == "" && doc.First("#f-agreed[checked]") == nil {
		t.Error("the agreement tick was not kept")
	}
	if wait := doc.Must(t, "button[data-sms-send]").AttrOr("data-sms-wait"); wait != "60" {
		t.Errorf("data-sms-wait %q, want 60", wait)
	}
	msg, err := ts.DevOutbox.Latest(t.Context(), mobile)
	if err != nil || msg.Purpose != person.PurposeRegister {
		t.Fatalf("outbox: %+v %v", msg, err)
	}

	// A second click within the minute: the wait beside the code field, nothing sent.
	rec = c.Post(t, "/register", form)
	webtest.WantStatus(t, "send again", rec, http.StatusUnprocessableEntity)
	doc = webtest.ParseHTML(t, rec.Body.String())
	if got := webtest.FieldError(t, doc, "sms_code"); !strings.Contains(got, "频繁") {
		t.Errorf("resend message %q", got)
	}
	if n := webtest.RowCount(t, ts, "sms_outbox"); n != 1 {
		t.Errorf("%d messages after a refused resend", n)
	}

	// A malformed mobile: its message, nothing sent.
	form.Set("mobile", "1381234")
	rec = c.Post(t, "/register", form)
	webtest.WantStatus(t, "bad mobile", rec, http.StatusUnprocessableEntity)
	if got := webtest.FieldError(t, webtest.ParseHTML(t, rec.Body.String()), "mobile"); got == "" {
		t.Error("no message beside a malformed mobile")
	}
	if n := webtest.RowCount(t, ts, "sms_outbox"); n != 1 {
		t.Errorf("%d messages after a malformed mobile", n)
	}
}

// register sends a code, reads it from the outbox and registers; it returns the
// response of 注册.
func register(t *testing.T, ts *webtest.TestServer, c *webtest.Client, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	send := webtest.CloneForm(form)
	send.Set("action", actionSendCode)
	webtest.WantStatus(t, "send code", c.Post(t, "/register", send), http.StatusOK)
	form.Set("sms_code", webtest.LatestCode(t, ts, form.Get("mobile")))
	return c.Post(t, "/register", form)
}

func TestRegisterSuccess(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 3)
	c := webtest.NewClient(ts)
	c.Get(t, "/register")
	form := w.RegisterForm("欧阳娜娜")
	webtest.WantRedirect(t, "注册", register(t, ts, c, form), "/me?notice=registered")
	if c.Session() == "" {
		t.Fatal("no session after registering")
	}
	doc := c.Page(t, "/me?notice=registered", http.StatusOK)
	if !strings.Contains(doc.Must(t, ".alert-success").TextContent(), "注册成功") {
		t.Error("no 注册成功 notice")
	}
	text := doc.Must(t, "main").TextContent()
	for _, want := range []string{"实名用户", "***娜", ident.MaskMobile(form.Get("mobile")), ident.MaskID(form.Get("id_number"))} {
		if !strings.Contains(text, want) {
			t.Errorf("personal center lacks %q", want)
		}
	}
	if strings.Contains(doc.TextContent(), form.Get("id_number")) || strings.Contains(doc.TextContent(), form.Get("mobile")) {
		t.Error("the personal center shows an unmasked ID number or mobile")
	}
}

func TestRegisterTaken(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 4)
	existing := w.Person(t, "张三丰")

	cases := []struct {
		name, field, value, want, appeal string
	}{
		{"ID number", "id_number", existing.IDNumber, person.MsgIDTaken, "/appeal?kind=id_taken"},
		{"mobile", "mobile", existing.Mobile, person.MsgMobileTaken, "/appeal?kind=mobile_taken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := webtest.NewClient(ts)
			c.Get(t, "/register")
			form := w.RegisterForm("李四")
			form.Set(tc.field, tc.value)
			rec := register(t, ts, c, form)
			webtest.WantStatus(t, "注册", rec, http.StatusUnprocessableEntity)
			doc := webtest.ParseHTML(t, rec.Body.String())
			if got := webtest.FieldError(t, doc, tc.field); got != tc.want {
				t.Errorf("message %q, want %q", got, tc.want)
			}
			if doc.First("a[href='"+tc.appeal+"']") == nil {
				t.Errorf("no link to %s", tc.appeal)
			}
			if n := webtest.RowCount(t, ts, "persons"); n != 1 {
				t.Errorf("%d persons", n)
			}
		})
	}
}

// TestRegisterCodeRefused: an expired code and a code used once already are
// refused beside the code field.
func TestRegisterCodeRefused(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 5)

	t.Run("expired", func(t *testing.T) {
		c := webtest.NewClient(ts)
		c.Get(t, "/register")
		form := w.RegisterForm("王芳")
		send := webtest.CloneForm(form)
		send.Set("action", actionSendCode)
		webtest.WantStatus(t, "send", c.Post(t, "/register", send), http.StatusOK)
		form.Set("sms_code", webtest.LatestCode(t, ts, form.Get("mobile")))
		clock.Advance(5*time.Minute + time.Second)
		rec := c.Post(t, "/register", form)
		webtest.WantStatus(t, "注册", rec, http.StatusUnprocessableEntity)
		if got := webtest.FieldError(t, webtest.ParseHTML(t, rec.Body.String()), "sms_code"); !strings.Contains(got, "过期") {
			t.Errorf("message %q", got)
		}
		if n := webtest.RowCount(t, ts, "persons"); n != 0 {
			t.Errorf("%d persons", n)
		}
	})

	t.Run("used", func(t *testing.T) {
		c := webtest.NewClient(ts)
		c.Get(t, "/register")
		form := w.RegisterForm("赵敏")
		webtest.WantStatus(t, "first 注册", register(t, ts, c, form), http.StatusSeeOther)
		// The same code again, for another ID number on the same mobile: the code is
		// refused before anything says that the mobile is taken.
		form.Set("id_number", w.IDNumber())
		rec := c.Post(t, "/register", form)
		webtest.WantStatus(t, "second 注册", rec, http.StatusUnprocessableEntity)
		doc := webtest.ParseHTML(t, rec.Body.String())
		if got := webtest.FieldError(t, doc, "sms_code"); got == "" {
			t.Error("a used code was not refused")
		}
		if got := webtest.FieldError(t, doc, "mobile"); got != "" {
			t.Errorf("a used code revealed %q", got)
		}
	})
}
