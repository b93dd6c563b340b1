package app

import (
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hall/internal/ident"
	"hall/internal/qrlogin"
	"hall/internal/token"
	"hall/internal/verify"
)

// appLogin signs the client in to the app as the fixture's legal rep.
func appLogin(t testing.TB, c *webtest.Client, fx webtest.RegisteredUnit, next string) {
	t.Helper()
	loc := webtest.Redirected(t, c.Post(t, "/app/login", url.Values{"login": {fx.Entry.LegalRepIDNumber},
		"password": {fx.Password}, "next": {next}}))
	if loc != web.AppReturnPath(next) {
		t.Fatalf("app login went to %q", loc)
	}
}

// TestAppRequiresLogin: the verification screen of a person who has an account, and
// the app's personal pages, send an anonymous visitor to the app's login and back.
// (A legal rep without an account has nothing to sign in with:
// TestAppVerifyWithoutAccount.)
func TestAppRequiresLogin(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 101)
	fx := w.Registered(t, "南京逸航智能装备有限公司", "徐敏")
	fx.CreatePerson(t, ts, w.Mobile())
	c := webtest.NewClient(ts)
	sid := webtest.UnitRegistrationSessionID(t, c, webtest.UnitRegistrationStart(t, c, fx))

	app := webtest.NewClient(ts)
	for _, target := range []string{"/app/v/" + sid, "/app/me/agent"} {
		loc := webtest.Redirected(t, app.Get(t, target))
		if loc != "/app/login?next="+url.QueryEscape(target) {
			t.Errorf("GET %s → %q", target, loc)
		}
	}
	if loc := webtest.Redirected(t, app.Post(t, "/app/v/"+sid, url.Values{"decision": {"approve"}})); !strings.HasPrefix(loc, "/app/login?next=") {
		t.Errorf("POST without login → %q", loc)
	}
	if s, _ := ts.Verify.Lookup(t.Context(), sid); s.Status != verify.Pending {
		t.Errorf("an anonymous POST changed the session: %s", s.Status)
	}

	// The login brings the person back to the screen; a wrong password does not.
	doc := webtest.Parsed(t, app.Post(t, "/app/login", url.Values{"login": {fx.Entry.LegalRepIDNumber}, "password": {"Nope#2026xx"},
		"next": {"/app/v/" + sid}}), http.StatusUnprocessableEntity)
	if got := webtest.TopError(doc); got != "账号或密码错误" {
		t.Errorf("bad login: %q", got)
	}
	doc = webtest.Parsed(t, app.Post(t, "/app/login", url.Values{}), http.StatusUnprocessableEntity)
	if webtest.FieldError(t, doc, "login") == "" || webtest.FieldError(t, doc, "password") == "" {
		t.Error("empty login form without field messages")
	}
	appLogin(t, app, fx, "/app/v/"+sid)
	// A return path outside the app is not followed.
	appLogin(t, app, fx, "https://evil.example/app/")
}

// TestAppVerify: the development screen for the logged-in legal rep: label, purpose,
// masked person, 确认 → 认证成功; another person's 确认 → 认证失败：非本人.
func TestAppVerify(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 102)
	fx := w.Registered(t, "南京朗澄生物科技有限公司", "何丽")
	fx.CreatePerson(t, ts, w.Mobile())
	c := webtest.NewClient(ts)
	flowID := webtest.UnitRegistrationStart(t, c, fx)
	sid := webtest.UnitRegistrationSessionID(t, c, flowID)

	app := webtest.NewClient(ts)
	appLogin(t, app, fx, "/app/v/"+sid)
	doc := webtest.Parsed(t, app.Get(t, "/app/v/"+sid), http.StatusOK)
	webtest.CheckPage(t, ts, "/app/v/"+sid, doc)
	text := doc.TextContent()
	for _, want := range []string{verify.DevLabel, verify.PurposeLabel(verify.PurposeUnitRegister), ident.MaskName(fx.Entry.LegalRepName), ident.MaskID(fx.Entry.LegalRepIDNumber)} {
		if !strings.Contains(text, want) {
			t.Errorf("the screen lacks %q", want)
		}
	}
	if strings.Contains(text, fx.Entry.LegalRepIDNumber) {
		t.Error("the screen shows the ID number unmasked")
	}
	if doc.First(".alert-warning") != nil {
		t.Error("the expected person is warned of a mismatch")
	}
	buttons := doc.Texts("form.app-decide button")
	if len(buttons) != 2 || buttons[0] != "确认" || buttons[1] != "不是我本人操作" {
		t.Errorf("buttons %v", buttons)
	}
	if n := len(doc.All(".app-tabs a")); n != 3 {
		t.Errorf("%d tabs", n)
	}
	loc := webtest.Redirected(t, app.Post(t, "/app/v/"+sid, url.Values{"decision": {"approve"}}))
	doc = webtest.Parsed(t, app.Get(t, loc), http.StatusOK)
	if h1 := doc.Must(t, "h1").TextContent(); h1 != "认证成功" {
		t.Errorf("result %q", h1)
	}
	// The code is single use.
	doc = webtest.Parsed(t, app.Post(t, "/app/v/"+sid, url.Values{"decision": {"approve"}}), http.StatusConflict)
	if h1 := doc.Must(t, "h1").TextContent(); h1 != "该二维码已使用" {
		t.Errorf("second answer %q", h1)
	}

	// Someone else confirms a new code: 非本人.
	webtest.Redirected(t, c.Post(t, "/register/unit/"+flowID+"/restart", nil))
	// (The first session passed and was not consumed; restart replaces it anyway.)
	sid2 := webtest.UnitRegistrationSessionID(t, c, flowID)
	other := w.Registered(t, "南京锦川纺织有限公司", "罗勇")
	other.CreatePerson(t, ts, w.Mobile())
	stranger := webtest.NewClient(ts)
	appLogin(t, stranger, other, "/app/")
	doc = webtest.Parsed(t, stranger.Get(t, "/app/v/"+sid2), http.StatusOK)
	if doc.First(".alert-warning") == nil {
		t.Error("no warning for another person")
	}
	loc = webtest.Redirected(t, stranger.Post(t, "/app/v/"+sid2, url.Values{"decision": {"approve"}}))
	doc = webtest.Parsed(t, stranger.Get(t, loc), http.StatusOK)
	if h1 := doc.Must(t, "h1").TextContent(); h1 != "认证失败：非本人" {
		t.Errorf("stranger's result %q", h1)
	}

	// An unknown code.
	doc = webtest.Parsed(t, app.Get(t, "/app/v/"+webtest.OtherSessionID(sid2)), http.StatusNotFound)
	if h1 := doc.Must(t, "h1").TextContent(); h1 != "二维码无效或已过期" {
		t.Errorf("unknown code %q", h1)
	}
}

// TestAppVerifyWithoutAccount: a legal rep registering a unit who has no personal
// account opens the verification screen without signing in (there is nothing to
// sign in with); 确认 passes the session for that legal rep, and the flow moves on
// to the new-account form. Once the legal rep has an account, the screen asks for
// the sign-in again.
func TestAppVerifyWithoutAccount(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 109)
	fx := w.Registered(t, "南京栖霞岚山茶业有限公司", "钱芳")
	c := webtest.NewClient(ts)
	flowID := webtest.UnitRegistrationStart(t, c, fx)
	sid := webtest.UnitRegistrationSessionID(t, c, flowID)

	phone := webtest.NewClient(ts)
	doc := webtest.Parsed(t, phone.Get(t, "/app/v/"+sid), http.StatusOK)
	if doc.First("form.app-decide") == nil || doc.First(".app-no-account") == nil {
		t.Fatal("the screen without an account offers no 确认 or does not say why no sign-in is needed")
	}
	if doc.First(".alert-warning") != nil {
		t.Error("a mismatch warning on a screen nobody is signed in to")
	}
	loc := webtest.Redirected(t, phone.Post(t, "/app/v/"+sid, url.Values{"decision": {"approve"}}))
	if h1 := webtest.Parsed(t, phone.Get(t, loc), http.StatusOK).Must(t, "h1").TextContent(); h1 != "认证成功" {
		t.Errorf("result %q", h1)
	}
	if s, _ := ts.Verify.Lookup(t.Context(), sid); s.Status != verify.Passed {
		t.Errorf("session %s after 确认", s.Status)
	}
	webtest.Redirected(t, c.Post(t, "/register/unit/"+flowID+"/verified", nil))
	doc = webtest.Parsed(t, c.Get(t, "/register/unit/"+flowID), http.StatusOK)
	if doc.First("#f-mobile") == nil || doc.First("#f-confirm") == nil {
		t.Error("the account step does not ask the new legal rep for a mobile and a confirmed password")
	}

	// With an account, the next registration's screen needs the sign-in again.
	other := w.Registered(t, "南京澄江船舶配件有限公司", "邵军")
	other.CreatePerson(t, ts, w.Mobile())
	c2 := webtest.NewClient(ts)
	sid2 := webtest.UnitRegistrationSessionID(t, c2, webtest.UnitRegistrationStart(t, c2, other))
	if loc := webtest.Redirected(t, webtest.NewClient(ts).Get(t, "/app/v/"+sid2)); !strings.HasPrefix(loc, "/app/login?next=") {
		t.Errorf("a legal rep with an account was not asked to sign in: %q", loc)
	}
	if loc := webtest.Redirected(t, webtest.NewClient(ts).Post(t, "/app/v/"+sid2, url.Values{"decision": {"approve"}})); !strings.HasPrefix(loc, "/app/login?next=") {
		t.Errorf("anonymous 确认 for a legal rep with an account → %q", loc)
	}
	if s, _ := ts.Verify.Lookup(t.Context(), sid2); s.Status != verify.Pending {
		t.Errorf("an anonymous POST changed the session of a person with an account: %s", s.Status)
	}
}

// TestAppVerifyProduction: with the production provider the app sends the person to
// the provider's page.
func TestAppVerifyProduction(t *testing.T) {
	prov := webtest.NewFakeVerifyProvider(t)
	ts := webtest.NewTestServer(t, webtest.WithHTTPVerifyProvider(prov))
	w := webtest.NewWorld(ts, 103)
	fx := w.Registered(t, "南京睿衍信息技术有限公司", "高峰")
	fx.CreatePerson(t, ts, w.Mobile())
	c := webtest.NewClient(ts)
	sid := webtest.UnitRegistrationSessionID(t, c, webtest.UnitRegistrationStart(t, c, fx))
	app := webtest.NewClient(ts)
	appLogin(t, app, fx, "/app/")
	// The screen says who asks and what approving does before the provider's check.
	doc := webtest.Parsed(t, app.Get(t, "/app/v/"+sid), http.StatusOK)
	if a := doc.First(`a[href^="https://face.example.test/check/"]`); a == nil || a.TextContent() != "继续人脸识别" {
		t.Error("no 继续人脸识别 to the provider's page")
	}
	if !strings.Contains(doc.Must(t, ".app-origin").TextContent(), "198.51.100.*") || strings.Contains(doc.TextContent(), verify.DevLabel) {
		t.Error("the production screen does not name the asking browser, or claims to be the development one")
	}
	if rec := app.Post(t, "/app/v/"+sid, url.Values{"decision": {"approve"}}); rec.Code != http.StatusNotFound {
		t.Errorf("development answer in production: %d", rec.Code)
	}
	// 不是我本人操作 ends the session: the provider's check can no longer pass it.
	loc := webtest.Redirected(t, app.Post(t, "/app/v/"+sid, url.Values{"decision": {"refuse"}}))
	doc = webtest.Parsed(t, app.Get(t, loc), http.StatusOK)
	if h1 := doc.Must(t, "h1").TextContent(); h1 != "认证失败："+verify.NoteRefused {
		t.Errorf("refused in production: %q", h1)
	}
}

// TestAppVerifyProductionWithoutAccount: with the production provider, a legal rep
// who has no account reaches the screen before the provider's face check without
// signing in, and can refuse there too.
func TestAppVerifyProductionWithoutAccount(t *testing.T) {
	prov := webtest.NewFakeVerifyProvider(t)
	ts := webtest.NewTestServer(t, webtest.WithHTTPVerifyProvider(prov))
	w := webtest.NewWorld(ts, 110)
	fx := w.Registered(t, "南京霁青文化发展有限公司", "蒋雨桐")
	c := webtest.NewClient(ts)
	sid := webtest.UnitRegistrationSessionID(t, c, webtest.UnitRegistrationStart(t, c, fx))
	phone := webtest.NewClient(ts)
	doc := webtest.Parsed(t, phone.Get(t, "/app/v/"+sid), http.StatusOK)
	if a := doc.First(`a[href^="https://face.example.test/check/"]`); a == nil || a.TextContent() != "继续人脸识别" {
		t.Error("no 继续人脸识别 to the provider's page without an account")
	}
	if doc.First(".app-no-account") == nil || doc.First(".alert-warning") != nil {
		t.Error("the screen does not say why no sign-in is needed, or warns of a mismatch")
	}
	loc := webtest.Redirected(t, phone.Post(t, "/app/v/"+sid, url.Values{"decision": {"refuse"}}))
	if h1 := webtest.Parsed(t, phone.Get(t, loc), http.StatusOK).Must(t, "h1").TextContent(); h1 != "认证失败："+verify.NoteRefused {
		t.Errorf("refused without an account: %q", h1)
	}
}

// TestAppPages: home, 我的 (signed out and in), 我是法人, 我是经办人, logout.
func TestAppPages(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 104)
	app := webtest.NewClient(ts)
	doc := webtest.Parsed(t, app.Get(t, "/app/me"), http.StatusOK)
	if doc.First(`a[href^="/app/login"]`) == nil {
		t.Error("我的 without login has no login entry")
	}
	links := map[string]string{}
	for _, a := range doc.All(".app-list a") {
		links[a.Must(t, ".app-list-title").TextContent()] = a.AttrOr("href")
	}
	if links["我是法人"] != "/app/me/legal-rep" || links["我是经办人"] != "/app/me/agent" {
		t.Errorf("企业服务 %v", links)
	}
	doc = webtest.Parsed(t, app.Get(t, "/app/me/legal-rep"), http.StatusOK)
	if doc.First(`a[href="/register/unit"]`) == nil {
		t.Error("我是法人 does not link to the unit registration")
	}
	if rec := app.Get(t, "/app"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/app/" {
		t.Errorf("/app → %d %q", rec.Code, rec.Header().Get("Location"))
	}

	fx := w.Registered(t, "南京泓远商贸有限公司", "唐芳")
	mobile := w.Mobile()
	fx.CreatePerson(t, ts, mobile)
	appLogin(t, app, fx, "/app/me")
	doc = webtest.Parsed(t, app.Get(t, "/app/me"), http.StatusOK)
	text := doc.TextContent()
	if !strings.Contains(text, ident.MaskMobile(mobile)) || strings.Contains(text, mobile) || !strings.Contains(text, ident.MaskName(fx.Entry.LegalRepName)) {
		t.Errorf("我的 shows %q", text)
	}
	doc = webtest.Parsed(t, app.Get(t, "/app/me/agent"), http.StatusOK)
	if h1 := doc.Must(t, "h1").TextContent(); h1 != "我是经办人" || !strings.Contains(doc.TextContent(), "暂无待确认的邀请") {
		t.Errorf("我是经办人 h1 %q", h1)
	}
	webtest.CheckPage(t, ts, "/app/me/agent", doc)
	if loc := webtest.Redirected(t, app.Post(t, "/app/logout", nil)); loc != "/app/" {
		t.Errorf("logout → %q", loc)
	}
	if loc := webtest.Redirected(t, app.Get(t, "/app/me/agent")); !strings.HasPrefix(loc, "/app/login") {
		t.Errorf("after logout → %q", loc)
	}
}

// TestAppScanLink: the pasted link opens only a page of this app.
func TestAppScanLink(t *testing.T) {
	ts := webtest.NewTestServer(t)
	app := webtest.NewClient(ts)
	base := ts.Config.BaseURL
	id := token.New()
	for _, tt := range []struct {
		link, want string
	}{
		// A rights record's QR code (A4) opens the app's verification screen.
		{base + "/verify/" + id, "/app/records/" + id},
		{"/verify/" + id, "/app/records/" + id},
		{"http://example.com/verify/" + id, ""},
		{base + "/verify/short", ""},
		{base + "/verify/" + id[1:] + "!", ""},
		{base + "/verify/" + id + "/wait", ""},
		{base + "/verify/../admin/" + id[6:], ""},
		{base + "/verify/%2e%2e%2fadmin%2f" + id[13:], ""},
		{base + "/verify/" + id + "?next=//evil.example", ""},
		{base + "/app/v/abc", "/app/v/abc"},
		{qrlogin.Link(base, "AbCd_-09"), "/app/qr/AbCd_-09"},
		{"/app/v/abc?x=1", "/app/v/abc?x=1"},
		{"  " + base + "/app/me  ", "/app/me"},
		{"http://example.com/app/v/abc", ""},
		{base + "/admin/", ""},
		{"javascript:alert(1)", ""},
		{"//evil.example/app/v/x", ""},
		{"", ""},
	} {
		rec := app.Post(t, "/app/scan", url.Values{"link": {tt.link}})
		if tt.want == "" {
			doc := webtest.Parsed(t, rec, http.StatusUnprocessableEntity)
			if webtest.FieldError(t, doc, "link") == "" {
				t.Errorf("%q refused without a message", tt.link)
			}
			continue
		}
		if loc := webtest.Redirected(t, rec); loc != tt.want {
			t.Errorf("%q → %q, want %q", tt.link, loc, tt.want)
		}
	}
	doc := webtest.Parsed(t, app.Get(t, "/app/scan"), http.StatusOK)
	if l := doc.Must(t, "label[for=f-link]").TextContent(); !strings.Contains(l, "二维码链接") {
		t.Errorf("label %q", l)
	}
	if b := doc.Must(t, "form.app-form button[type=submit]").TextContent(); b != "打开" {
		t.Errorf("button %q", b)
	}
}

// FuzzAppScanTarget: whatever is pasted, the answer is a message or a path of this
// app on this site.
func FuzzAppScanTarget(f *testing.F) {
	ts := webtest.NewTestServer(f)
	for _, s := range []string{"http://127.0.0.1:8080/app/v/abc", "/app/me", "//x/app/", "/app/../admin", "http://127.0.0.1:8080@evil/app/", "\\\\evil/app/",
		"http://127.0.0.1:8080/verify/" + token.New(), "/verify/../app/x", "http://evil/verify/" + token.New()} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		target, msg := (&handler{ts.Server}).appScanTarget(strings.TrimSpace(raw))
		if msg != "" {
			if target != "" {
				t.Fatalf("%q: both %q and %q", raw, target, msg)
			}
			return
		}
		u, err := url.Parse(target)
		if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(target, "/app/") || strings.HasPrefix(target, "//") {
			t.Fatalf("%q → %q", raw, target)
		}
		if id, ok := strings.CutPrefix(target, "/app/records/"); ok && !strings.Contains(raw, "/app/records/") && !token.Valid(id) {
			t.Fatalf("%q → %q: not a record ID", raw, target)
		}
	})
}
