package account

import (
	"fmt"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"hall/internal/ident"
	"hall/internal/registry"
	"hall/internal/store"
	"hall/internal/throttle"
	"hall/internal/unit"
	"hall/internal/unitreg"
	"hall/internal/verify"
)

// TestUnitRegistrationStepOneRefusals: every field of step 1 and the passport put their message
// in the right place; the registry rules and an already registered unit are
// answered only after the typed legal rep passed face verification (the next test).
func TestUnitRegistrationStepOneRefusals(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 105)
	fx := w.Registered(t, "南京禾源智能装备有限公司", "孙丽娟")

	tests := []struct {
		name  string
		edit  func(url.Values)
		field string // "" for the whole-Form message
		want  string
	}{
		{"uscc missing", func(v url.Values) { v.Set("uscc", "") }, "uscc", "请输入统一社会信用代码"},
		{"uscc malformed", func(v url.Values) { v.Set("uscc", "91320106ABC") }, "uscc", ident.ErrUSCCFormat.Msg},
		{"unit name missing", func(v url.Values) { v.Set("unit_name", " ") }, "unit_name", "请输入单位全称"},
		{"id type missing", func(v url.Values) { v.Set("id_type", "") }, "id_type", "请选择法定代表人证件类型"},
		{"id number missing", func(v url.Values) { v.Set("id_number", "") }, "id_number", "请输入法定代表人证件号码"},
		{"id number check", func(v url.Values) {
			v.Set("id_number", fx.Entry.LegalRepIDNumber[:17]+unitRegistrationOtherCheck(fx.Entry.LegalRepIDNumber))
		}, "id_number", ident.ErrIDCheck.Msg},
		{"legal rep missing", func(v url.Values) { v.Set("legal_rep_name", "") }, "legal_rep_name", "请输入法定代表人姓名"},
		{"legal rep malformed", func(v url.Values) { v.Set("legal_rep_name", "孙丽娟2") }, "legal_rep_name", "请输入正确的法定代表人姓名"},
		{"not agreed", func(v url.Values) { v.Del("agreed") }, "agreed", "请阅读并同意《法人用户注册协议》"},
		{"passport", func(v url.Values) {
			v.Set("id_type", string(ident.IDTypeForeignPassport))
			v.Set("id_number", "P8765432")
		}, "id_type", unitreg.MsgPassport},
	}
	c := webtest.NewClient(ts)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := fx.StepOne()
			tt.edit(form)
			doc := webtest.Parsed(t, c.Post(t, "/register/unit", form), http.StatusUnprocessableEntity)
			if got := webtest.FieldError(t, doc, tt.field); got != "⚠ "+tt.want && got != tt.want {
				t.Errorf("beside %s: %q, want %q", tt.field, got, tt.want)
			}
			// What was typed comes back (but the form never holds a password).
			if tt.field != "uscc" {
				if got := doc.Must(t, "#f-uscc").AttrOr("value"); got != form.Get("uscc") {
					t.Errorf("uscc not echoed: %q", got)
				}
			}
			if doc.First(`input[type=checkbox][name=agreed]`) == nil {
				t.Error("the agreement checkbox is gone")
			}
		})
	}
}

// TestUnitRegistrationRegistryAfterVerification: a claim the registry refuses is answered only
// once the typed legal rep passed face verification, with step 1 again and the
// message in the right place; a registry outage then keeps the verify step, whose
// 继续 goes on once the registry answers.
func TestUnitRegistrationRegistryAfterVerification(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 107)
	fx := w.Registered(t, "南京禾源智能装备有限公司", "孙丽娟")
	taken := w.Registered(t, "南京卓越物流有限公司", "马强")
	p := taken.CreatePerson(t, ts, w.Mobile())
	err := ts.DB.Tx(t.Context(), func(tx *store.Tx) error {
		_, err := ts.Units.Create(t.Context(), tx, unit.NewUnit{USCC: taken.Entry.USCC, Name: taken.Entry.Name,
			UnitType: "企业", Region: taken.Entry.Region, LegalRepPersonID: p.ID})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	unknownUSCC := ident.GenerateUSCC(w.Generator, "320111")

	tests := []struct {
		name  string
		edit  func(url.Values)
		field string // "" for the whole-Form message
		want  string
	}{
		{"not in registry", func(v url.Values) { v.Set("uscc", unknownUSCC) }, "uscc", unitreg.MsgRegistryNotFound},
		{"name mismatch", func(v url.Values) { v.Set("unit_name", "南京禾源智能科技有限公司") }, "unit_name", registry.ErrNameMismatch.Msg},
		{"legal rep name mismatch", func(v url.Values) { v.Set("legal_rep_name", "孙丽") }, "id_number", registry.ErrLegalRepMismatch.Msg},
		{"legal rep number mismatch", func(v url.Values) { v.Set("id_number", taken.Entry.LegalRepIDNumber) }, "id_number", registry.ErrLegalRepMismatch.Msg},
		{"already registered", func(v url.Values) {
			for k, vs := range taken.StepOne() {
				v[k] = vs
			}
		}, "uscc", unitreg.MsgUnitTaken},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := webtest.NewClient(ts)
			c.Remote = fmt.Sprintf("192.0.2.%d:1000", 100+i)
			form := fx.StepOne()
			tt.edit(form)
			flowID := webtest.UnitRegistrationStartForm(t, c, form)
			typed := verify.Person{IDType: ident.IDType(form.Get("id_type")), IDNumber: form.Get("id_number"), Name: form.Get("legal_rep_name")}
			if _, err := ts.DevVerify.CompleteInApp(t.Context(), webtest.UnitRegistrationSessionID(t, c, flowID), typed, true); err != nil {
				t.Fatal(err)
			}
			doc := webtest.Parsed(t, c.Post(t, "/register/unit/"+flowID+"/verified", nil), http.StatusUnprocessableEntity)
			if got := webtest.FieldError(t, doc, tt.field); got != "⚠ "+tt.want && got != tt.want {
				t.Errorf("beside %s: %q, want %q", tt.field, got, tt.want)
			}
			if got := doc.Must(t, "#f-uscc").AttrOr("value"); got != form.Get("uscc") {
				t.Errorf("uscc not echoed: %q", got)
			}
			if doc.First(`form[action="/register/unit"]`) == nil {
				t.Error("step 1's form is not shown again")
			}
		})
	}

	// A registry outage is a whole-Form message at the verify step, not "the unit
	// does not exist", and no second verification is needed.
	other := w.Registered(t, "南京瀚海电子有限公司", "钱多多")
	c := webtest.NewClient(ts)
	flowID := webtest.UnitRegistrationStart(t, c, other)
	if _, err := ts.DevVerify.CompleteInApp(t.Context(), webtest.UnitRegistrationSessionID(t, c, flowID), unitRegistrationPerson(other), true); err != nil {
		t.Fatal(err)
	}
	ts.DevRegistry.SetUnavailable(true)
	doc := webtest.Parsed(t, c.Post(t, "/register/unit/"+flowID+"/verified", nil), http.StatusServiceUnavailable)
	if got := webtest.TopError(doc); !strings.Contains(got, unitreg.MsgRegistryUnavailable) {
		t.Errorf("registry down: %q", got)
	}
	if doc.First(`form[action="/register/unit/`+flowID+`/verified"]`) == nil {
		t.Error("no way to go on after the outage")
	}
	ts.DevRegistry.SetUnavailable(false)
	if loc := webtest.Redirected(t, c.Post(t, "/register/unit/"+flowID+"/verified", nil)); loc != "/register/unit/"+flowID {
		t.Errorf("after the outage: redirected to %q", loc)
	}
	if d := webtest.Parsed(t, c.Get(t, "/register/unit/"+flowID), http.StatusOK); d.Must(t, "ol.stepper li.current").TextContent() != "填写账户信息" {
		t.Error("not at the account step after the outage")
	}
}

// TestUnitRegistrationStepOneSameAnswer: a hundred candidate ID numbers for a registered unit,
// its legal rep's among them, typed from a hundred addresses an hour apart (so that
// the throttle does not step in: TestUnitRegistrationStepOneThrottle), all get the same answer:
// on to face verification of the typed person.
func TestUnitRegistrationStepOneSameAnswer(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 5, 8, 1, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 108)
	fx := w.Registered(t, "南京禾源智能装备有限公司", "孙丽娟")
	var first string
	for i := range 100 {
		form := fx.StepOne()
		if i != 41 {
			form.Set("id_number", w.IDNumber())
		}
		clock.Advance(61 * time.Minute)
		c := webtest.NewClient(ts)
		c.Remote = fmt.Sprintf("198.18.%d.%d:1000", i/200, i%200+1)
		rec := c.Post(t, "/register/unit", form)
		loc := webtest.Redirected(t, rec)
		m := webtest.UnitRegistrationFlowPath.FindStringSubmatch(loc)
		if m == nil {
			t.Fatalf("candidate %d: redirected to %q", i, loc)
		}
		page := webtest.Parsed(t, c.Get(t, loc), http.StatusOK)
		// The page differs by the flow, its QR code's expiry (the clock moved) and the
		// masked ID number only.
		text := strings.NewReplacer(m[1], "{flow}", ident.MaskID(form.Get("id_number")), "{id}").Replace(
			page.Must(t, "main").TextContent())
		text = strings.Replace(text, clock.Now().Add(5*time.Minute).In(web.Shanghai).Format("2006-01-02 15:04"), "{expiry}", 1)
		if first == "" {
			first = text
		} else if text != first {
			t.Fatalf("candidate %d answered otherwise:\n%s\n---\n%s", i, text, first)
		}
	}
}

// unitRegistrationOtherCheck returns a check character other than the ID number's own.
func unitRegistrationOtherCheck(id string) string {
	if id[17] == '0' {
		return "1"
	}
	return "0"
}

// TestUnitRegistrationStepOnePage: the labels and links of step 1 as the seed has them.
func TestUnitRegistrationStepOnePage(t *testing.T) {
	ts := webtest.NewTestServer(t)
	doc := ts.GetHTML(t, "/register/unit", http.StatusOK)
	webtest.CheckPage(t, ts, "/register/unit", doc)
	var labels []string
	for _, l := range doc.All("form.ureg-form label") {
		labels = append(labels, strings.TrimPrefix(l.TextContent(), "*"))
	}
	want := []string{"统一社会信用代码", "单位全称", "法定代表人证件类型", "法定代表人证件号码", "法定代表人姓名", "我已阅读并同意《法人用户注册协议》"}
	if !slices.Equal(labels, want) {
		t.Errorf("labels %q, want %q", labels, want)
	}
	if got := doc.Must(t, "#f-id_type option[selected]").TextContent(); got != "居民身份证" {
		t.Errorf("default ID type %q", got)
	}
	if doc.Must(t, "label[for=f-agreed] a").AttrOr("href") != "/agreements/unit" {
		t.Error("the agreement is not linked")
	}
	if b := doc.Must(t, "form.ureg-form button[type=submit]").TextContent(); b != "下一步" {
		t.Errorf("button %q", b)
	}
	steps := doc.Texts("ol.stepper li")
	if !slices.Equal(steps, unitRegistrationSteps) {
		t.Errorf("stepper %v", steps)
	}
	if cur := doc.Must(t, "ol.stepper li.current").TextContent(); cur != "填写单位信息" {
		t.Errorf("current step %q", cur)
	}
	agreement := ts.GetHTML(t, "/agreements/unit", http.StatusOK)
	if h1 := agreement.Must(t, "h1").TextContent(); h1 != "法人用户注册协议" {
		t.Errorf("agreement h1 %q", h1)
	}
}

// TestUnitRegistrationNewAccount walks R2 over HTTP for a legal rep without a personal account:
// the verify step (QR code, skip-ahead refused), the account step's refusals, the
// code, 完成注册 with the unit number, and the replay refused.
func TestUnitRegistrationNewAccount(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 106)
	fx := w.Registered(t, "南京瀚森新材料股份有限公司", "欧阳娜娜")
	c := webtest.NewClient(ts)
	flowID := webtest.UnitRegistrationStart(t, c, fx)
	flowURL := "/register/unit/" + flowID

	// Step 2: the QR code carries the app link of the session, and nothing else.
	doc := webtest.Parsed(t, c.Get(t, flowURL), http.StatusOK)
	webtest.CheckPage(t, ts, flowURL, doc)
	if got := doc.Texts("ol.stepper li.done"); !slices.Equal(got, []string{"填写单位信息"}) {
		t.Errorf("done steps %v", got)
	}
	if got := doc.Must(t, "ol.stepper li.current").TextContent(); got != "法定代表人认证" {
		t.Errorf("current step %q", got)
	}
	img := doc.Must(t, `img[alt="实人认证二维码"]`)
	sid := webtest.UnitRegistrationSessionID(t, c, flowID)
	if text := webtest.DecodeDataURL(t, img.AttrOr("src")); text != verify.Link(ts.Config.BaseURL, sid) {
		t.Errorf("QR code says %q", text)
	}
	if !strings.Contains(doc.TextContent(), "请使用掌上APP扫一扫进行实人认证") {
		t.Error("no scan instruction")
	}
	if dev := doc.Must(t, ".ureg-dev a").AttrOr("href"); dev != verify.Link(ts.Config.BaseURL, sid) {
		t.Errorf("development link %q", dev)
	}
	if strings.Contains(doc.TextContent(), fx.Entry.LegalRepIDNumber) || strings.Contains(doc.TextContent(), fx.Entry.LegalRepName) {
		t.Error("the page shows the legal rep's ID number or name unmasked")
	}

	// Skipping the verification is refused: nothing is created, the page stays.
	mobile := w.Mobile()
	finish := url.Values{"mobile": {mobile}, "sms_code": {"123456"}, "password": {fx.Password}, "confirm": {fx.Password}, "action": {"finish"}}
	if loc := webtest.Redirected(t, c.Post(t, flowURL, finish)); loc != flowURL {
		t.Errorf("skip-ahead redirected to %q", loc)
	}
	if loc := webtest.Redirected(t, c.Post(t, flowURL, url.Values{"action": {"send-code"}, "mobile": {mobile}})); loc != flowURL {
		t.Errorf("send-code at the verify step redirected to %q", loc)
	}
	// 我已完成认证 before verifying says so.
	doc = webtest.Parsed(t, c.Post(t, flowURL+"/verified", nil), http.StatusUnprocessableEntity)
	if !strings.Contains(webtest.TopError(doc), "尚未完成认证") {
		t.Errorf("verified while pending: %q", webtest.TopError(doc))
	}

	// The legal rep confirms in the app; 我已完成认证 moves on.
	if _, err := ts.DevVerify.CompleteInApp(t.Context(), sid, unitRegistrationPerson(fx), true); err != nil {
		t.Fatal(err)
	}
	if loc := webtest.Redirected(t, c.Post(t, flowURL+"/verified", nil)); loc != flowURL {
		t.Errorf("verified redirected to %q", loc)
	}
	doc = webtest.Parsed(t, c.Get(t, flowURL), http.StatusOK)
	if got := doc.Must(t, "ol.stepper li.current").TextContent(); got != "填写账户信息" {
		t.Fatalf("current step %q", got)
	}
	for _, label := range []string{"移动电话", "短信验证码", "密码", "确认密码"} {
		if !slices.ContainsFunc(doc.All("form.ureg-form label"), func(n *webtest.HTMLNode) bool { return strings.TrimPrefix(n.TextContent(), "*") == label }) {
			t.Errorf("no field labelled %s", label)
		}
	}
	if hint := doc.Must(t, "#f-password").Parent.Must(t, ".hint").TextContent(); hint != ts.Policy.Hint() {
		t.Errorf("password hint %q", hint)
	}

	// Step 3 refusals.
	for _, tt := range []struct {
		edit        func(url.Values)
		field, want string
	}{
		{func(v url.Values) { v.Set("mobile", "") }, "mobile", "请输入移动电话"},
		{func(v url.Values) { v.Set("mobile", "1381234") }, "mobile", ident.ErrMobileFormat.Msg},
		{func(v url.Values) { v.Set("sms_code", "12") }, "sms_code", "请输入6位短信验证码"},
		{func(v url.Values) { v.Set("password", "short"); v.Set("confirm", "short") }, "password", ""},
		{func(v url.Values) { v.Set("confirm", "Other#2026x") }, "confirm", "两次输入的密码不一致"},
		{func(v url.Values) {}, "sms_code", "验证码错误"},
	} {
		form := url.Values{}
		for k, vs := range finish {
			form[k] = slices.Clone(vs)
		}
		tt.edit(form)
		doc := webtest.Parsed(t, c.Post(t, flowURL, form), http.StatusUnprocessableEntity)
		got := strings.TrimPrefix(webtest.FieldError(t, doc, tt.field), "⚠ ")
		if got == "" || (tt.want != "" && got != tt.want) {
			t.Errorf("beside %s: %q, want %q", tt.field, got, tt.want)
		}
		if doc.Must(t, "#f-password").AttrOr("value") != "" {
			t.Error("the password was echoed back")
		}
	}

	// 获取验证码 without JavaScript: the page comes back with a notice.
	doc = webtest.Parsed(t, c.Post(t, flowURL, url.Values{"action": {"send-code"}, "mobile": {mobile}}), http.StatusOK)
	if notice := doc.Must(t, ".ureg-sms .hint[role=status]").TextContent(); !strings.Contains(notice, ident.MaskMobile(mobile)) {
		t.Errorf("notice %q", notice)
	}
	if doc.Must(t, "#f-mobile").AttrOr("value") != mobile {
		t.Error("the mobile was not kept")
	}
	finish.Set("sms_code", webtest.LatestCode(t, ts, mobile))
	loc := webtest.Redirected(t, c.Post(t, flowURL, finish))
	if !strings.HasPrefix(loc, "/register/unit/done/") {
		t.Fatalf("finish redirected to %q", loc)
	}

	// Step 4: the unit number and how to log in.
	u, err := ts.Units.ByAccount(t.Context(), fx.Entry.USCC)
	if err != nil {
		t.Fatal(err)
	}
	doc = webtest.Parsed(t, c.Get(t, loc), http.StatusOK)
	webtest.CheckPage(t, ts, loc, doc)
	if got := doc.Must(t, ".ureg-unit-number").TextContent(); got != u.UnitNumber {
		t.Errorf("unit number %q, want %q", got, u.UnitNumber)
	}
	if got := doc.Texts("ol.stepper li.done"); len(got) != 4 {
		t.Errorf("done steps %v", got)
	}
	text := doc.TextContent()
	for _, want := range []string{fx.Entry.Name, "统一社会信用代码", "证件号码或个人账户的移动电话", "注册成功"} {
		if !strings.Contains(text, want) {
			t.Errorf("完成注册 lacks %q", want)
		}
	}
	if doc.First(`a[href="/login?tab=unit"]`) == nil {
		t.Error("no link to the unit login")
	}
	p, err := ts.Persons.ByMobile(t.Context(), mobile)
	if err != nil || p.IDNumber != fx.Entry.LegalRepIDNumber {
		t.Errorf("legal rep account: %+v %v", p, err)
	}
	// Another browser cannot read the receipt.
	if rec := webtest.NewClient(ts).Get(t, loc); rec.Code != http.StatusNotFound {
		t.Errorf("receipt in another browser: %d", rec.Code)
	}

	// Replay: the same form again is refused.
	rec := c.Post(t, flowURL, finish)
	if rec.Code != http.StatusConflict {
		t.Errorf("replayed finish: %d", rec.Code)
	}
	if rec := c.Get(t, flowURL); rec.Code != http.StatusConflict {
		t.Errorf("flow page after finishing: %d", rec.Code)
	}
}

// unitRegistrationPerson is the fixture's legal rep as the app knows a signed-in person.
func unitRegistrationPerson(fx webtest.RegisteredUnit) verify.Person {
	return verify.Person{IDType: fx.Entry.LegalRepIDType, IDNumber: fx.Entry.LegalRepIDNumber, Name: fx.Entry.LegalRepName}
}

// unitRegistrationToAccount runs steps 1 and 2 and returns the flow URL.
func unitRegistrationToAccount(t testing.TB, ts *webtest.TestServer, c *webtest.Client, fx webtest.RegisteredUnit) string {
	t.Helper()
	flowID := webtest.UnitRegistrationStart(t, c, fx)
	sid := webtest.UnitRegistrationSessionID(t, c, flowID)
	if _, err := ts.DevVerify.CompleteInApp(t.Context(), sid, unitRegistrationPerson(fx), true); err != nil {
		t.Fatal(err)
	}
	webtest.Redirected(t, c.Post(t, "/register/unit/"+flowID+"/verified", nil))
	return "/register/unit/" + flowID
}

func unitRegistrationGetReq(target string) *http.Request {
	return httptest.NewRequest(http.MethodGet, target, nil)
}

func unitRegistrationPostReq(target string, form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// TestUnitRegistrationStepOneThrottle: step 1 is counted like a login — per USCC and per
// address, every well-formed submission: after three the slider captcha is wanted,
// with it the submissions go on up to ten per USCC in an hour, then they are refused
// with the time to come back. Forms refused for their fields do not count.
func TestUnitRegistrationStepOneThrottle(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 109)
	fx := w.Registered(t, "南京禾源智能装备有限公司", "孙丽娟")
	l, _ := ts.Throttle.Limits(throttle.ScopeUnitRegister)
	c := webtest.NewClient(ts)
	c.Remote = "203.0.113.120:1000"
	candidate := func() url.Values {
		form := fx.StepOne()
		form.Set("id_number", w.IDNumber())
		return form
	}
	bad := fx.StepOne()
	bad.Del("agreed")
	for range 5 {
		webtest.Parsed(t, c.Post(t, "/register/unit", bad), http.StatusUnprocessableEntity)
	}
	for range l.CaptchaAfter {
		webtest.UnitRegistrationStartForm(t, c, candidate())
	}
	// Now from another address too: the USCC's count asks for the captcha.
	other := webtest.NewClient(ts)
	other.Remote = "203.0.113.121:1000"
	for _, cl := range []*webtest.Client{c, other} {
		doc := webtest.Parsed(t, cl.Post(t, "/register/unit", candidate()), http.StatusUnprocessableEntity)
		if doc.First(`form[action="/register/unit"] .slider-captcha`) == nil {
			t.Fatalf("%s: no slider captcha after %d submissions", cl.Remote, l.CaptchaAfter)
		}
		if got := doc.Must(t, "#e-captcha_token").TextContent(); got != unitRegistrationMsgCaptcha {
			t.Errorf("captcha message %q", got)
		}
	}
	for i := l.CaptchaAfter; i < l.LockAfter; i++ {
		webtest.UnitRegistrationStartForm(t, other, withToken(candidate(), webtest.SolveCaptcha(t, ts, other, uint64(i))))
	}
	rec := other.Post(t, "/register/unit", withToken(candidate(), webtest.SolveCaptcha(t, ts, other, 99)))
	doc := webtest.Parsed(t, rec, http.StatusTooManyRequests)
	if got := rec.Header().Get("Retry-After"); got == "" || got == "0" || got == "60" {
		t.Errorf("Retry-After %q, want the lock's end", got)
	}
	if got := webtest.TopError(doc); !strings.Contains(got, "注册提交过于频繁，请于 ") {
		t.Errorf("refusal %q", got)
	}
	// The real legal rep is refused the same way now (nothing tells the candidates apart).
	rec = other.Post(t, "/register/unit", withToken(fx.StepOne(), webtest.SolveCaptcha(t, ts, other, 100)))
	webtest.Parsed(t, rec, http.StatusTooManyRequests)
}
