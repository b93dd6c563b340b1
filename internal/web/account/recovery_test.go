package account

import (
	"context"
	"encoding/json"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/captcha"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/recovery"
	"hall/internal/unit"
	"hall/internal/verify"
)

// recoveryUnitForm is 填写账号信息 of the unit tab for p in u.
func recoveryUnitForm(u unit.Unit, p person.Person) url.Values {
	return url.Values{"kind": {"unit"}, "uscc": {u.USCC}, "id_type": {string(p.IDType)}, "id_number": {p.IDNumber}, "name": {p.Name}}
}

// recoveryToVerify runs steps 1 and 2 and returns the flow ID and the verification
// Session ID read from the page's QR code.
func recoveryToVerify(t *testing.T, ts *webtest.TestServer, c *webtest.Client, form url.Values) (string, string) {
	t.Helper()
	flowID := webtest.RecoveryStart(t, c, form)
	webtest.Redirected(t, c.Post(t, "/recover/"+flowID+"/captcha", url.Values{captcha.FormField: {webtest.RecoverySolveCaptcha(t, ts, c)}}))
	return flowID, webtest.RecoverySessionID(t, c, flowID)
}

// recoveryWaitStatus is the long poll's answer.
func recoveryWaitStatus(t testing.TB, c *webtest.Client, flowID, sid string) (int, string) {
	t.Helper()
	rec := c.Get(t, "/recover/"+flowID+"/wait?session="+url.QueryEscape(sid))
	var a struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("wait answer %q: %v", rec.Body.String(), err)
	}
	return rec.Code, a.Status
}

// recoveryCurrentStep is the stepper's current step.
func recoveryCurrentStep(t testing.TB, doc *webtest.HTMLNode) string {
	t.Helper()
	return doc.Must(t, "ol.stepper li.current").TextContent()
}

// recoveryCaptchaError is the message beside the slider ("" for none): the widget adds
// its hidden input itself, so the message stands in the widget's .Field.
func recoveryCaptchaError(doc *webtest.HTMLNode) string {
	n := doc.First("#e-captcha_token")
	if n == nil {
		return ""
	}
	if n.Parent == nil || n.Parent.First(".slider-captcha") == nil {
		return "(not beside the slider) " + n.TextContent()
	}
	return n.TextContent()
}

// TestRecoveryStartPage: the tabs 单位用户 / 个人用户, the fields of each, the seed's
// 操作说明, and the links that lead here.
func TestRecoveryStartPage(t *testing.T) {
	ts := webtest.NewTestServer(t)
	doc := ts.GetHTML(t, "/recover", http.StatusOK)
	webtest.CheckPage(t, ts, "/recover", doc)
	if tabs := doc.Texts(".rec-tabs a"); !slices.Equal(tabs, []string{"单位用户", "个人用户"}) {
		t.Errorf("tabs %v", tabs)
	}
	if cur := doc.Must(t, ".rec-tabs a[aria-current]").TextContent(); cur != "单位用户" {
		t.Errorf("current tab %q", cur)
	}
	if got := webtest.RecoveryLabels(doc); !slices.Equal(got, []string{"统一社会信用代码", "证件类型", "证件号码", "姓名"}) {
		t.Errorf("unit labels %v", got)
	}
	if got := recoveryCurrentStep(t, doc); got != "填写账号信息" {
		t.Errorf("current step %q", got)
	}
	if steps := doc.Texts("ol.stepper li"); !slices.Equal(steps, recoverySteps) {
		t.Errorf("steps %v", steps)
	}
	notes := doc.Must(t, "aside").TextContent()
	for _, want := range []string{"操作说明", "请准确填写账号信息。", "人脸认证成功后进行密码重置。", "外国人护照", "港澳台居民居住证", "人社窗口"} {
		if !strings.Contains(notes, want) {
			t.Errorf("操作说明 lacks %q", want)
		}
	}
	if doc.First(`a[href="/login?tab=unit"]`) == nil {
		t.Error("no 已有帐号，去登录 link")
	}
	doc = ts.GetHTML(t, "/recover?tab=person", http.StatusOK)
	if got := webtest.RecoveryLabels(doc); !slices.Equal(got, []string{"证件类型", "证件号码", "姓名"}) {
		t.Errorf("person labels %v", got)
	}
	if doc.Must(t, `input[name="kind"]`).AttrOr("value") != "person" {
		t.Error("the person tab posts another kind")
	}

	// The links that used to point to a placeholder.
	for target, want := range map[string]string{"/": "/recover", "/login?tab=unit": "/recover?tab=unit",
		"/login?tab=person": "/recover?tab=person", "/app/login": "/recover?tab=person"} {
		d := ts.GetHTML(t, target, http.StatusOK)
		found := false
		for _, a := range d.All("a") {
			if strings.HasPrefix(a.TextContent(), "忘记密码") && a.AttrOr("href") == want {
				found = true
			}
		}
		if !found {
			t.Errorf("%s has no 忘记密码 link to %s", target, want)
		}
	}
	if rec := ts.Get(t, "/soon/recover"); rec.Code != http.StatusNotFound {
		t.Errorf("/soon/recover answers %d", rec.Code)
	}
}

// TestRecoveryStartRefusals: every refusal of 填写账号信息 beside its field, 422, the form
// filled in again.
func TestRecoveryStartRefusals(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 401)
	u, rep := w.UnitWithRep(t, "示范市禾丰农业科技有限公司", "钱思远")
	permit := ident.GenerateResidencePermit(w.Generator, "820000", time.Date(1988, 4, 2, 0, 0, 0, 0, time.UTC), true)
	with := func(mod func(url.Values)) url.Values {
		f := recoveryUnitForm(u, rep)
		mod(f)
		return f
	}
	cases := []struct {
		name   string
		form   url.Values
		fields map[string]string
	}{
		{"foreign passport", with(func(f url.Values) { f.Set("id_type", "foreign_passport"); f.Set("id_number", "E98765432") }),
			map[string]string{"id_type": recovery.MsgCounter}},
		{"residence permit, personal", url.Values{"kind": {"person"}, "id_type": {"residence_permit"}, "id_number": {permit}, "name": {"梁家明"}},
			map[string]string{"id_type": recovery.MsgCounter}},
		{"empty unit form", url.Values{"kind": {"unit"}}, map[string]string{"uscc": "请输入统一社会信用代码",
			"id_type": "请选择证件类型", "id_number": "请输入证件号码", "name": "请输入姓名"}},
		{"bad USCC", with(func(f url.Values) { f.Set("uscc", "91320102ABC") }), map[string]string{"uscc": ident.ErrUSCCFormat.Msg}},
		{"bad ID number", with(func(f url.Values) { f.Set("id_number", rep.IDNumber[:17]+recoveryOther(rep.IDNumber[17])) }),
			map[string]string{"id_number": ident.ErrIDCheck.Msg}},
		{"bad name", with(func(f url.Values) { f.Set("name", "钱<思远>") }), map[string]string{"name": "请输入正确的姓名"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := webtest.NewClient(ts)
			doc := webtest.Parsed(t, c.Post(t, "/recover", tc.form), http.StatusUnprocessableEntity)
			for field, msg := range tc.fields {
				if got := webtest.FieldError(t, doc, field); got != msg {
					t.Errorf("%s: %q, want %q", field, got, msg)
				}
			}
			if n := len(doc.All(".field-error")); n != len(tc.fields) {
				t.Errorf("%d field messages, want %d", n, len(tc.fields))
			}
			if webtest.TopError(doc) == "" {
				t.Error("no message above the form")
			}
			if v := tc.form.Get("name"); v != "" {
				if got := doc.Must(t, "#f-name").AttrOr("value"); got != v {
					t.Errorf("name filled in again as %q", got)
				}
			}
			if tc.form.Get("kind") == "person" && doc.First("#f-uscc") != nil {
				t.Error("the person tab shows the USCC")
			}
		})
	}
	var n int
	if err := ts.DB.QueryRow(t.Context(), "SELECT COUNT(*) FROM flows WHERE kind = 'recover'").Scan(&n); err != nil || n != 0 {
		t.Errorf("%d flows after refusals (%v)", n, err)
	}
}

func recoveryOther(c byte) string {
	if c == '1' {
		return "2"
	}
	return "1"
}

// TestRecoveryThrottle: starts are counted per client address; over the limit the form
// says so with 429, for that address only.
func TestRecoveryThrottle(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 402)
	p := w.Person(t, "钱思远")
	c := webtest.NewClient(ts)
	started := time.Now()
	for range recovery.AddrLimits.LockAfter {
		webtest.RecoveryStart(t, c, webtest.RecoveryPersonForm(p))
	}
	rec := c.Post(t, "/recover", webtest.RecoveryPersonForm(p))
	// The refusal says when the address's lock ends: LockFor after the refused start.
	webtest.WantRetryAfterAbout(t, "recovery past the limit", rec, recovery.AddrLimits.LockFor, started)
	doc := webtest.Parsed(t, rec, http.StatusTooManyRequests)
	if got := webtest.TopError(doc); got != recovery.MsgTooMany {
		t.Errorf("message %q", got)
	}
	if got := doc.Must(t, "#f-id_number").AttrOr("value"); got != p.IDNumber {
		t.Errorf("form not filled in again: %q", got)
	}
	other := webtest.NewClient(ts)
	other.Remote = "203.0.113.20:5000"
	webtest.RecoveryStart(t, other, webtest.RecoveryPersonForm(p))
}

// TestRecoveryUnitLegalRep walks P1 through the router for a unit's legal rep: every step,
// every refusal on the way, and the outcome: the new password logs in, the old one
// does not, the sessions opened before are gone, and the reset is audited.
func TestRecoveryUnitLegalRep(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 403)
	u, rep := w.UnitWithRep(t, "示范市禾丰农业科技有限公司", "钱思远")
	before := webtest.NewClient(ts)
	webtest.SignIn(t, before, webtest.UnitSubject(rep, u, unit.RoleLegalRep))
	app := webtest.NewClient(ts)
	app.Remote = "203.0.113.30:5000"
	webtest.AppLogin(t, app, rep)

	c := webtest.NewClient(ts)
	flowID := webtest.RecoveryStart(t, c, recoveryUnitForm(u, rep))
	flowURL := "/recover/" + flowID

	// 拖动滑块完成拼图.
	doc := webtest.Parsed(t, c.Get(t, flowURL), http.StatusOK)
	webtest.CheckPage(t, ts, flowURL, doc)
	if got := recoveryCurrentStep(t, doc); got != "拖动滑块完成拼图" {
		t.Errorf("current step %q", got)
	}
	wdg := doc.Must(t, "form .slider-captcha")
	if wdg.AttrOr("data-captcha-new") != "/captcha/new?purpose=recover" || wdg.AttrOr("data-captcha-field") != captcha.FormField {
		t.Errorf("widget %q %q", wdg.AttrOr("data-captcha-new"), wdg.AttrOr("data-captcha-field"))
	}
	if doc.First(`script[src*="slider-captcha"]`) == nil {
		t.Error("the captcha step lacks its script")
	}
	if strings.Contains(doc.TextContent(), rep.IDNumber) || !strings.Contains(doc.TextContent(), ident.MaskID(rep.IDNumber)) {
		t.Error("the ID number is not masked")
	}
	doc = webtest.Parsed(t, c.Post(t, flowURL+"/captcha", url.Values{}), http.StatusUnprocessableEntity)
	if got := recoveryCaptchaError(doc); got != recovery.MsgCaptcha {
		t.Errorf("captcha message %q", got)
	}
	// A token of the login captcha does not pass the recovery's.
	doc = webtest.Parsed(t, c.Post(t, flowURL+"/captcha", url.Values{captcha.FormField: {webtest.SolveCaptcha(t, ts, c, 9)}}), http.StatusUnprocessableEntity)
	if recoveryCaptchaError(doc) == "" {
		t.Error("a login captcha token passed")
	}
	// The verify step cannot be reached past the captcha.
	webtest.WantRedirect(t, "verified before the captcha", c.Post(t, flowURL+"/verified", nil), flowURL)
	webtest.Redirected(t, c.Post(t, flowURL+"/captcha", url.Values{captcha.FormField: {webtest.RecoverySolveCaptcha(t, ts, c)}}))

	// 人脸识别验证.
	doc = webtest.Parsed(t, c.Get(t, flowURL), http.StatusOK)
	webtest.CheckPage(t, ts, flowURL, doc)
	if got := recoveryCurrentStep(t, doc); got != "人脸识别验证" {
		t.Errorf("current step %q", got)
	}
	if doc.First(`script[src*="verify-wait"]`) == nil {
		t.Error("the face step lacks verify-wait.js")
	}
	sid := webtest.RecoverySessionID(t, c, flowID)
	if code, st := recoveryWaitStatus(t, webtest.NewClient(ts), flowID, sid); code != http.StatusNotFound || st != "unknown" {
		t.Errorf("another browser's wait: %d %s", code, st)
	}
	if code, st := recoveryWaitStatus(t, c, flowID, webtest.OtherSessionID(sid)); code != http.StatusNotFound || st != "unknown" {
		t.Errorf("another session's wait: %d %s", code, st)
	}
	doc = webtest.Parsed(t, c.Post(t, flowURL+"/verified", nil), http.StatusUnprocessableEntity)
	if !strings.Contains(webtest.TopError(doc), "尚未完成人脸识别") {
		t.Errorf("verified while pending: %q", webtest.TopError(doc))
	}
	if rec := c.Post(t, flowURL, url.Values{"new_password": {webtest.RecoveryNewPassword}, "confirm": {webtest.RecoveryNewPassword}}); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != flowURL {
		t.Errorf("password before the face step: %d %q", rec.Code, rec.Header().Get("Location"))
	}

	// The person confirms in the app (development screen), then the page moves on.
	screen := webtest.Parsed(t, app.Get(t, "/app/v/"+sid), http.StatusOK)
	if !strings.Contains(screen.TextContent(), verify.PurposeLabel(verify.PurposeRecover)) {
		t.Error("the app screen does not name the recovery")
	}
	webtest.Redirected(t, app.Post(t, "/app/v/"+sid, url.Values{"decision": {"approve"}}))
	if code, st := recoveryWaitStatus(t, c, flowID, sid); code != http.StatusOK || st != "passed" {
		t.Errorf("wait after the app: %d %s", code, st)
	}
	webtest.WantRedirect(t, "verified", c.Post(t, flowURL+"/verified", nil), flowURL)

	// 设置新密码.
	doc = webtest.Parsed(t, c.Get(t, flowURL), http.StatusOK)
	webtest.CheckPage(t, ts, flowURL, doc)
	if got := recoveryCurrentStep(t, doc); got != "设置新密码" {
		t.Errorf("current step %q", got)
	}
	if got := webtest.RecoveryLabels(doc); !slices.Equal(got, []string{"新密码", "确认密码"}) {
		t.Errorf("labels %v", got)
	}
	if text := doc.TextContent(); !strings.Contains(text, "法定代表人") || !strings.Contains(text, u.Name) {
		t.Error("the page does not say whose password is reset")
	}
	doc = webtest.Parsed(t, c.Post(t, flowURL, url.Values{"new_password": {webtest.RecoveryNewPassword}, "confirm": {webtest.RecoveryNewPassword + "x"}}), http.StatusUnprocessableEntity)
	if got := webtest.FieldError(t, doc, "confirm"); got != recovery.MsgConfirmMismatch {
		t.Errorf("mismatch: %q", got)
	}
	if doc.Must(t, "#f-new_password").AttrOr("value") != "" {
		t.Error("the password was echoed back")
	}
	weak := "Ab#" + rep.IDNumber[12:]
	doc = webtest.Parsed(t, c.Post(t, flowURL, url.Values{"new_password": {weak}, "confirm": {weak}}), http.StatusUnprocessableEntity)
	if got := webtest.FieldError(t, doc, "new_password"); !strings.Contains(got, "证件号码") {
		t.Errorf("ID number inside the password: %q", got)
	}
	loc := webtest.Redirected(t, c.Post(t, flowURL, url.Values{"new_password": {webtest.RecoveryNewPassword}, "confirm": {webtest.RecoveryNewPassword}}))
	if loc != "/recover/done?tab=unit" {
		t.Fatalf("finished to %q", loc)
	}

	// 完成修改.
	doc = webtest.Parsed(t, c.Get(t, loc), http.StatusOK)
	webtest.CheckPage(t, ts, loc, doc)
	if got := recoveryCurrentStep(t, doc); got != "完成修改" {
		t.Errorf("current step %q", got)
	}
	if doc.First(`a[href="/login?tab=unit"]`) == nil {
		t.Error("no way to 单位登录")
	}
	if rec := c.Post(t, flowURL, url.Values{"new_password": {webtest.RecoveryNewPassword}, "confirm": {webtest.RecoveryNewPassword}}); rec.Code != http.StatusConflict {
		t.Errorf("second reset: %d", rec.Code)
	}

	// The outcome.
	login := webtest.NewClient(ts)
	doc = webtest.Parsed(t, login.Post(t, "/login/unit", url.Values{"account": {u.USCC}, "login": {rep.IDNumber}, "password": {webtest.Password}}), http.StatusUnprocessableEntity)
	if webtest.TopError(doc) != web.MsgBadLogin {
		t.Errorf("old password: %q", webtest.TopError(doc))
	}
	webtest.WantRedirect(t, "new password", login.Post(t, "/login/unit", url.Values{"account": {u.USCC}, "login": {rep.IDNumber}, "password": {webtest.RecoveryNewPassword}}), "/unit/")
	if rec := before.Get(t, "/unit/"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("the unit session from before the reset answers %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if doc := webtest.Parsed(t, app.Get(t, "/app/me"), http.StatusOK); doc.First(`a[href="/app/login?next=%2Fapp%2Fme"]`) == nil {
		t.Error("the app session from before the reset survived")
	}
	es, _, err := ts.Audit.List(t.Context(), audit.Filter{Action: "password.reset"})
	if err != nil || len(es) != 1 || es[0].PersonID != rep.ID || es[0].UnitID != u.ID || es[0].Detail["channel"] != "online" {
		t.Fatalf("audit %+v %v", es, err)
	}
	webtest.WantNotice(t, ts, rep.Mobile, "个人账户登录密码", "找回密码", "重置")
}

// TestRecoveryNoAccount: for an identity without an account every step answers as for
// one with an account until the face step passes; then the page says there is none
// and points to registration.
func TestRecoveryNoAccount(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 404)
	known := w.Person(t, "钱思远")
	ghost := url.Values{"kind": {"person"}, "id_type": {"resident"}, "id_number": {w.IDNumber()}, "name": {"白景行"}}

	c := webtest.NewClient(ts)
	kFlow, _ := recoveryToVerify(t, ts, c, webtest.RecoveryPersonForm(known))
	gFlow, gSid := recoveryToVerify(t, ts, c, ghost)
	shape := func(flowID string) string {
		doc := webtest.Parsed(t, c.Get(t, "/recover/"+flowID), http.StatusOK)
		return recoveryCurrentStep(t, doc) + "|" + strings.Join(doc.Texts("main button"), ",") + "|" + strings.Join(doc.Texts("dt"), ",")
	}
	if a, b := shape(kFlow), shape(gFlow); a != b {
		t.Errorf("the face step differs:\n%s\n%s", a, b)
	}
	if _, err := ts.DevVerify.CompleteInApp(t.Context(), gSid, verify.Person{IDType: ident.IDTypeResident,
		IDNumber: ghost.Get("id_number"), Name: "白景行"}, true); err != nil {
		t.Fatal(err)
	}
	webtest.Redirected(t, c.Post(t, "/recover/"+gFlow+"/verified", nil))
	doc := webtest.Parsed(t, c.Get(t, "/recover/"+gFlow), http.StatusOK)
	webtest.CheckPage(t, ts, "/recover/"+gFlow, doc)
	if !strings.Contains(doc.TextContent(), recovery.MsgNoPerson) {
		t.Error("no message for the missing account")
	}
	if doc.First(`a[href="/register"]`) == nil {
		t.Error("no link to registration")
	}
	if doc.First(`form[action="/recover/`+gFlow+`"]`) != nil {
		t.Error("a password form without an account")
	}
	webtest.WantRedirect(t, "password without an account", c.Post(t, "/recover/"+gFlow, url.Values{"new_password": {webtest.RecoveryNewPassword}, "confirm": {webtest.RecoveryNewPassword}}), "/recover/"+gFlow)
}

// TestRecoveryVerificationRefused: another person's approval fails the face step; a new QR
// code is offered; a passed result used too late must be repeated.
func TestRecoveryVerificationRefused(t *testing.T) {
	clk := webtest.NewClock(time.Now())
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clk))
	w := webtest.NewWorld(ts, 405)
	p := w.Person(t, "钱思远")
	stranger := w.Person(t, "周若曦")
	c := webtest.NewClient(ts)
	flowID, sid := recoveryToVerify(t, ts, c, webtest.RecoveryPersonForm(p))
	flowURL := "/recover/" + flowID
	if _, err := ts.DevVerify.CompleteInApp(t.Context(), sid, verify.Person{IDType: stranger.IDType, IDNumber: stranger.IDNumber, Name: stranger.Name}, true); err != nil {
		t.Fatal(err)
	}
	if code, st := recoveryWaitStatus(t, c, flowID, sid); code != http.StatusOK || st != "failed" {
		t.Errorf("wait: %d %s", code, st)
	}
	doc := webtest.Parsed(t, c.Post(t, flowURL+"/verified", nil), http.StatusUnprocessableEntity)
	if !strings.Contains(webtest.TopError(doc), "重新认证") || !strings.Contains(doc.TextContent(), verify.NoteNotSelf) {
		t.Errorf("refusal: %q", webtest.TopError(doc))
	}
	if doc.First(`form[action="`+flowURL+`/restart"]`) == nil {
		t.Error("no 重新认证")
	}
	webtest.Redirected(t, c.Post(t, flowURL+"/restart", nil))
	sid2 := webtest.RecoverySessionID(t, c, flowID)
	if sid2 == sid {
		t.Fatal("the same QR code again")
	}
	if _, err := ts.DevVerify.CompleteInApp(t.Context(), sid2, verify.Person{IDType: p.IDType, IDNumber: p.IDNumber, Name: p.Name}, true); err != nil {
		t.Fatal(err)
	}
	webtest.Redirected(t, c.Post(t, flowURL+"/verified", nil))

	clk.Advance(6 * time.Minute)
	doc = webtest.Parsed(t, c.Post(t, flowURL, url.Values{"new_password": {webtest.RecoveryNewPassword}, "confirm": {webtest.RecoveryNewPassword}}), http.StatusUnprocessableEntity)
	if !strings.Contains(webtest.TopError(doc), "重新进行人脸识别") || doc.First(`form[action="`+flowURL+`/restart"]`) == nil {
		t.Errorf("stale verification: %q", webtest.TopError(doc))
	}
	if _, err := ts.Login.Person(t.Context(), p.IDNumber, webtest.Password, auth.Attempt{ClientAddr: "192.0.2.9", Start: func(context.Context, auth.Subject, auth.Verified) error { return nil }}); err != nil {
		t.Errorf("the password changed: %v", err)
	}
	webtest.Redirected(t, c.Post(t, flowURL+"/restart", nil))
	if got := recoveryCurrentStep(t, webtest.Parsed(t, c.Get(t, flowURL), http.StatusOK)); got != "人脸识别验证" {
		t.Errorf("after restart: %q", got)
	}

	// A flow of another browser is not found; a timed-out one starts again.
	if rec := webtest.NewClient(ts).Get(t, flowURL); rec.Code != http.StatusNotFound {
		t.Errorf("another browser: %d", rec.Code)
	}
	clk.Advance(recovery.TTL)
	webtest.WantRedirect(t, "expired", c.Get(t, flowURL), "/recover?timeout=1")
	if doc := webtest.Parsed(t, c.Get(t, "/recover?timeout=1"), http.StatusOK); !strings.Contains(doc.TextContent(), recovery.MsgExpired) {
		t.Error("no timeout notice")
	}
}
