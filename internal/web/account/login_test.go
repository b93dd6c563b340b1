package account

import (
	"context"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/auth"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/services"
	"hall/internal/unit"
)

func TestLoginPage(t *testing.T) {
	ts := webtest.NewTestServer(t)
	cases := []struct {
		target, tab, method string
		labels              []string
		action              string
	}{
		{"/login", "单位登录", "账号密码", []string{"统一社会信用代码/单位编号/机构编号", "证件号码/移动电话", "密码"}, "/login/unit"},
		{"/login?tab=unit", "单位登录", "账号密码", []string{"统一社会信用代码/单位编号/机构编号", "证件号码/移动电话", "密码"}, "/login/unit"},
		{"/login?tab=person", "个人登录", "账号密码", []string{"证件号码/移动电话", "密码"}, "/login/person"},
		{"/login?tab=person&method=sms", "个人登录", "手机动态码", []string{"移动电话", "短信验证码"}, "/login/sms"},
		{"/login?tab=unit&method=other", "单位登录", "其他登录方式", nil, ""},
		{"/login?tab=unit&method=qr", "单位登录", "扫码登录", nil, "/login/qr"},
		{"/login?tab=person&method=qr", "个人登录", "扫码登录", nil, "/login/qr"},
		{"/login?tab=person&method=other", "个人登录", "其他登录方式", nil, ""},
		{"/login?tab=nonsense&method=nonsense", "单位登录", "账号密码", []string{"统一社会信用代码/单位编号/机构编号", "证件号码/移动电话", "密码"}, "/login/unit"},
	}
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			doc := ts.GetHTML(t, tc.target, http.StatusOK)
			webtest.CheckPage(t, ts, tc.target, doc)
			if tabs := doc.Texts(".tabs a"); strings.Join(tabs, ",") != "个人登录,单位登录" {
				t.Errorf("tabs %v", tabs)
			}
			if cur := doc.Must(t, ".tabs a[aria-current]").TextContent(); cur != tc.tab {
				t.Errorf("current tab %q, want %q", cur, tc.tab)
			}
			if cur := doc.Must(t, ".acct-methods a[aria-current]").TextContent(); cur != tc.method {
				t.Errorf("current method %q, want %q", cur, tc.method)
			}
			var labels []string
			for _, l := range doc.All("main form label") {
				labels = append(labels, strings.TrimPrefix(l.TextContent(), "*"))
			}
			if strings.Join(labels, "|") != strings.Join(tc.labels, "|") {
				t.Errorf("labels %v, want %v", labels, tc.labels)
			}
			if tc.action != "" && doc.First("main form[action='"+tc.action+"']") == nil {
				t.Errorf("no form posting to %s", tc.action)
			}
			links := map[string]string{}
			for _, a := range doc.All(".login-box a") {
				links[a.TextContent()] = a.AttrOr("href")
			}
			want := map[string]string{"用户申诉": "/appeal"}
			if tc.tab == "单位登录" {
				want["立即注册"], want["历史单位用户升级"] = "/register/unit", "/upgrade"
				want["扫码登录"] = "/login?method=qr&tab=unit"
			} else {
				want["立即注册"] = "/register"
				want["扫码登录"] = "/login?method=qr&tab=person"
			}
			if tc.action == "/login/qr" {
				want["刷新"] = want["扫码登录"]
			}
			if tc.action != "/login/sms" && tc.action != "" && tc.action != "/login/qr" {
				want["忘记密码?"] = "/recover?tab=person"
				if tc.tab == "单位登录" {
					want["忘记密码?"] = "/recover?tab=unit"
				}
			}
			for text, href := range want {
				if links[text] != href {
					t.Errorf("link %s → %q, want %q", text, links[text], href)
				}
			}
			// CA login is off on this server: the page does not offer it.
			if href, ok := links["CA登录"]; ok {
				t.Errorf("CA登录 offered (→ %s) with CA login off", href)
			}
		})
	}
	doc := ts.GetHTML(t, "/login?tab=unit&method=other", http.StatusOK)
	if rec := ts.Get(t, "/soon/ca-login"); rec.Code != http.StatusNotFound {
		t.Errorf("/soon/ca-login answers %d", rec.Code)
	}
	for _, href := range []string{"/upgrade"} {
		if doc.First("a[href='"+href+"']") == nil {
			t.Errorf("no link to %s", href)
		}
		if rec := ts.Get(t, href); rec.Code != http.StatusOK {
			t.Errorf("%s answers %d", href, rec.Code)
		}
	}
	// 历史单位用户升级 is built: its placeholder is gone.
	if rec := ts.Get(t, "/soon/upgrade"); rec.Code != http.StatusNotFound {
		t.Errorf("/soon/upgrade answers %d", rec.Code)
	}
}

func TestLoginUnit(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 11)
	u, rep := w.UnitWithRep(t, "示范市青禾科技有限公司", "陈立新")

	c := webtest.NewClient(ts)
	c.Get(t, "/")
	before := c.Cookies[ts.CookieName("hall_session")]
	rec := c.Post(t, "/login/unit", url.Values{"account": {u.USCC}, "login": {rep.IDNumber}, "password": {webtest.Password}})
	webtest.WantRedirect(t, "POST /login/unit", rec, "/unit/")
	ck := rec.Result().Cookies()
	var session *http.Cookie
	for _, x := range ck {
		if x.Name == ts.CookieName("hall_session") {
			session = x
		}
	}
	if before != nil || session == nil || session.Value == "" || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v", session)
	}
	sess, err := ts.Sessions.Lookup(context.Background(), session.Value)
	if err != nil {
		t.Fatalf("the new session: %v", err)
	}
	if sess.Subject != (auth.Subject{PersonID: rep.ID, UnitID: u.ID, Role: auth.RoleLegalRep}) {
		t.Errorf("subject %+v", sess.Subject)
	}
	entries, _, err := ts.Audit.List(context.Background(), audit.Filter{Action: "login.unit.password"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Result != audit.Success || entries[0].UnitID != u.ID || entries[0].PersonID != rep.ID {
		t.Errorf("audit %+v", entries)
	}

	// By unit number and mobile, with a return path.
	c2 := webtest.NewClient(ts)
	rec = c2.Post(t, "/login/unit", url.Values{"account": {u.UnitNumber}, "login": {rep.Mobile}, "password": {webtest.Password},
		"next": {"/unit/info"}})
	webtest.WantRedirect(t, "login with next", rec, "/unit/info")
}

// TestLoginRefusals: the answer for an unknown account is the answer for a wrong
// password, word for word.
func TestLoginRefusals(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 12)
	u, rep := w.UnitWithRep(t, "示范市远山物流有限公司", "刘洋")
	other := w.Person(t, "孙丽")
	unknownUSCC := ident.GenerateUSCC(w.Generator, "")

	refusal := func(t *testing.T, target string, form url.Values) (int, string) {
		t.Helper()
		rec := webtest.NewClient(ts).Post(t, target, form)
		doc := webtest.ParseHTML(t, rec.Body.String())
		if rec.Header().Get("Location") != "" {
			t.Fatalf("%s signed in: %s", target, rec.Header().Get("Location"))
		}
		top := doc.First(".alert-error")
		if top == nil {
			t.Fatalf("%s: no message (%d)", target, rec.Code)
		}
		if v := doc.Must(t, "#f-password").AttrOr("value"); v != "" {
			t.Error("the password was echoed")
		}
		return rec.Code, top.TextContent()
	}
	groups := map[string][]url.Values{
		"/login/unit": {
			{"account": {unknownUSCC}, "login": {rep.IDNumber}, "password": {webtest.Password}},
			{"account": {u.USCC}, "login": {rep.IDNumber}, "password": {"Wrong-Password-1"}},
			{"account": {u.USCC}, "login": {w.IDNumber()}, "password": {webtest.Password}},
			{"account": {u.USCC}, "login": {other.IDNumber}, "password": {webtest.Password}},
		},
		"/login/person": {
			{"login": {w.IDNumber()}, "password": {webtest.Password}},
			{"login": {w.Mobile()}, "password": {webtest.Password}},
			{"login": {other.IDNumber}, "password": {"Wrong-Password-1"}},
			{"login": {other.Mobile}, "password": {"Wrong-Password-1"}},
		},
	}
	for target, forms := range groups {
		var first string
		for i, f := range forms {
			code, msg := refusal(t, target, f)
			if code != http.StatusUnprocessableEntity || msg != web.MsgBadLogin {
				t.Errorf("%s case %d: %d %q", target, i, code, msg)
			}
			if i == 0 {
				first = msg
			} else if msg != first {
				t.Errorf("%s case %d answers %q, case 0 %q", target, i, msg, first)
			}
		}
	}

	// Empty fields are named beside each field.
	rec := webtest.NewClient(ts).Post(t, "/login/unit", url.Values{})
	webtest.WantStatus(t, "empty", rec, http.StatusUnprocessableEntity)
	doc := webtest.ParseHTML(t, rec.Body.String())
	for _, f := range []string{"account", "login", "password"} {
		if webtest.FieldError(t, doc, f) == "" {
			t.Errorf("no message beside empty %s", f)
		}
	}
	rec = webtest.NewClient(ts).Post(t, "/login/unit", url.Values{"account": {"12345"}, "login": {rep.Mobile}, "password": {"x"}})
	if msg := webtest.FieldError(t, webtest.ParseHTML(t, rec.Body.String()), "account"); msg == "" {
		t.Error("no message beside a malformed unit account")
	}

	// A right password for a role that is not usable (pending) gets its own message.
	helper := w.Person(t, "周杰")
	w.Member(t, unit.Membership{UnitID: u.ID, PersonID: helper.ID, Role: unit.RoleAdmin, Status: unit.StatusPending}, "Unit-Pass-2026")
	rec = webtest.NewClient(ts).Post(t, "/login/unit", url.Values{"account": {u.USCC}, "login": {helper.Mobile}, "password": {"Unit-Pass-2026"}})
	webtest.WantStatus(t, "pending admin", rec, http.StatusForbidden)
	if msg := webtest.ParseHTML(t, rec.Body.String()).Must(t, ".alert-error").TextContent(); msg != web.MsgNotUsable {
		t.Errorf("pending admin: %q", msg)
	}
}

func TestLoginPersonRotatesAndReturns(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 13)
	p := w.Person(t, "吴桂芳")
	q := w.Person(t, "郑浩")

	c := webtest.NewClient(ts)
	webtest.SignIn(t, c, auth.Subject{PersonID: q.ID})
	old := c.Session()
	rec := c.Post(t, "/login/person", url.Values{"login": {p.IDNumber}, "password": {webtest.Password}})
	webtest.WantRedirect(t, "login", rec, "/me")
	if c.Session() == "" || c.Session() == old {
		t.Fatal("the session token was not rotated")
	}
	if _, err := ts.Sessions.Lookup(context.Background(), old); err == nil {
		t.Error("the session from before login still works")
	}
	doc := c.Page(t, "/me", http.StatusOK)
	if !strings.Contains(doc.Must(t, ".site-header").TextContent(), ident.MaskName(p.Name)) {
		t.Error("the header does not show the signed-in person")
	}

	// next: a local path is followed; anything that leaves the site is not.
	for next, want := range map[string]string{
		"/catalog?q=%E5%A4%B1%E4%B8%9A": "/catalog?q=%E5%A4%B1%E4%B8%9A",
		"//evil.example/x":              "/me",
		"https://evil.example/":         "/me",
		"/\\evil.example":               "/me",
		"javascript:alert(1)":           "/me",
		"evil.example":                  "/me",
		"/\t/evil.example":              "/me",
	} {
		rec := webtest.NewClient(ts).Post(t, "/login/person", url.Values{"login": {p.Mobile}, "password": {webtest.Password}, "next": {next}})
		webtest.WantRedirect(t, "next="+next, rec, want)
	}
	doc = ts.GetHTML(t, "/login?tab=person&next="+url.QueryEscape("//evil.example/"), http.StatusOK)
	if doc.First("input[name=next]") != nil {
		t.Error("an off-site next was kept in the form")
	}
	for _, a := range doc.All(".tabs a") {
		if strings.Contains(a.AttrOr("href"), "evil") {
			t.Errorf("tab link %q keeps an off-site next", a.AttrOr("href"))
		}
	}
	doc = ts.GetHTML(t, "/login?tab=person&next=%2Fcatalog", http.StatusOK)
	if doc.Must(t, "input[name=next]").AttrOr("value") != "/catalog" {
		t.Error("a local next was not kept in the form")
	}
	// The guard sends signed-out visitors here with the page to return to.
	rec = webtest.NewClient(ts).Get(t, "/me")
	webtest.WantRedirect(t, "GET /me signed out", rec, "/login?tab=person&next=%2Fme")
}

func TestLoginSMS(t *testing.T) {
	ts := webtest.NewTestServer(t)
	w := webtest.NewWorld(ts, 14)
	p := w.Person(t, "黄晓明")
	stranger := w.Mobile()

	// 获取验证码 answers the same for a mobile with an account and one without; only
	// the first gets a text.
	send := func(c *webtest.Client, mobile string) (int, string) {
		rec := c.Post(t, "/login/sms", url.Values{"mobile": {mobile}, "action": {actionSendCode}})
		doc := webtest.ParseHTML(t, rec.Body.String())
		n := doc.First(".acct-sms-notice")
		if n == nil {
			t.Fatalf("send to %s: no notice (%d)\n%s", ident.MaskMobile(mobile), rec.Code, webtest.ShortBody(rec.Body.String()))
		}
		if doc.Must(t, "#f-mobile").AttrOr("value") != mobile {
			t.Error("the mobile was not kept")
		}
		return rec.Code, strings.Replace(n.TextContent(), ident.MaskMobile(mobile), "…", 1)
	}
	c := webtest.NewClient(ts)
	c.Get(t, "/login?tab=person&method=sms")
	code1, msg1 := send(c, p.Mobile)
	code2, msg2 := send(webtest.NewClient(ts), stranger)
	if code1 != http.StatusOK || code1 != code2 || msg1 != msg2 {
		t.Errorf("registered: %d %q; unknown: %d %q", code1, msg1, code2, msg2)
	}
	// Within the resend window too.
	if code, msg := send(c, p.Mobile); code != http.StatusOK || msg != msg1 {
		t.Errorf("resend: %d %q", code, msg)
	}
	if _, err := ts.DevOutbox.Latest(context.Background(), stranger); err == nil {
		t.Error("a code was texted to a mobile without an account")
	}
	if n := webtest.RowCount(t, ts, "sms_outbox"); n != 1 {
		t.Errorf("%d texts, want 1", n)
	}

	// A wrong code and a code for another mobile: one message.
	code := webtest.LatestCode(t, ts, p.Mobile)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for _, f := range []url.Values{
		{"mobile": {p.Mobile}, "sms_code": {wrong}, "action": {"login"}},
		{"mobile": {stranger}, "sms_code": {code}, "action": {"login"}},
	} {
		rec := c.Post(t, "/login/sms", f)
		webtest.WantStatus(t, "refused", rec, http.StatusUnprocessableEntity)
		if msg := webtest.ParseHTML(t, rec.Body.String()).Must(t, ".alert-error").TextContent(); msg != web.MsgBadSMSLogin {
			t.Errorf("message %q", msg)
		}
	}
	// A malformed code is named beside its field.
	rec := c.Post(t, "/login/sms", url.Values{"mobile": {p.Mobile}, "sms_code": {"12"}})
	if webtest.FieldError(t, webtest.ParseHTML(t, rec.Body.String()), "sms_code") == "" {
		t.Error("no message beside a malformed code")
	}
	// The code only works in the browser it was sent to.
	other := webtest.NewClient(ts)
	rec = other.Post(t, "/login/sms", url.Values{"mobile": {p.Mobile}, "sms_code": {code}, "action": {"login"}})
	webtest.WantStatus(t, "other browser", rec, http.StatusUnprocessableEntity)

	rec = c.Post(t, "/login/sms", url.Values{"mobile": {p.Mobile}, "sms_code": {code}, "action": {"login"}})
	webtest.WantRedirect(t, "login by code", rec, "/me")
	entries, _, err := ts.Audit.List(context.Background(), audit.Filter{Action: "login.person.sms", PersonID: p.ID})
	if err != nil || len(entries) == 0 || entries[0].Result != audit.Success {
		t.Errorf("audit %+v %v", entries, err)
	}
	// Used once: refused the second time.
	rec = webtest.NewClient(ts).Post(t, "/login/sms", url.Values{"mobile": {p.Mobile}, "sms_code": {code}, "action": {"login"}})
	webtest.WantStatus(t, "reuse", rec, http.StatusUnprocessableEntity)
}

func TestLoginSMSExpired(t *testing.T) {
	clock := webtest.NewClock(time.Date(2026, 5, 6, 1, 0, 0, 0, time.UTC))
	ts := webtest.NewTestServer(t, webtest.WithClock(t, clock))
	w := webtest.NewWorld(ts, 15)
	p := w.Person(t, "马兰")
	c := webtest.NewClient(ts)
	c.Get(t, "/login?tab=person&method=sms")
	webtest.WantStatus(t, "send", c.Post(t, "/login/sms", url.Values{"mobile": {p.Mobile}, "action": {actionSendCode}}), http.StatusOK)
	code := webtest.LatestCode(t, ts, p.Mobile)
	clock.Advance(6 * time.Minute)
	rec := c.Post(t, "/login/sms", url.Values{"mobile": {p.Mobile}, "sms_code": {code}, "action": {"login"}})
	webtest.WantStatus(t, "expired code", rec, http.StatusUnprocessableEntity)
	if c.Session() != "" {
		t.Error("signed in with an expired code")
	}
}

// busyServer is a test server whose hasher has one slot and a queue of one, so
// that a test fills its admission bound (2) by holding two admissions, and gives
// up waiting for the slot after maxWait.
func busyServer(t *testing.T, maxWait time.Duration) *webtest.TestServer {
	t.Helper()
	hc := person.DefaultHashConfig()
	hc.Time, hc.MaxConcurrent, hc.MaxQueued, hc.MaxWait = 8, 1, 1, maxWait
	return webtest.NewTestServer(t, func(s *services.Services) {
		h, err := person.NewHasher(hc)
		if err != nil {
			t.Fatal(err)
		}
		s.Hasher = h
		s.Persons = person.New(s.DB, h, s.Codes, s.Policy, s.Audit, s.Now)
		s.Login = auth.NewLogin(s.Persons, s.Units, h, s.Audit, s.Now)
	})
}

// TestLoginBusy: when the hasher has admitted all the logins it can serve, every
// password login form — 个人登录 for a known and an unknown account alike, 单位登录,
// the app's sign-in — answers 429 at once with Retry-After and 系统繁忙 on the form,
// without hashing and without writing a throttle counter or an audit entry; the
// refusals are counted in the metric instead. Once admissions end, logins go
// through again.
func TestLoginBusy(t *testing.T) {
	ts := busyServer(t, time.Millisecond)
	w := webtest.NewWorld(ts, 16)
	p := w.Person(t, "韩梅梅")
	u := w.Unit(t, "繁忙测试有限公司", p)
	if b := ts.Hasher.Bound(); b != 2 {
		t.Fatalf("admission bound %d, want 1 slot + 1 queued", b)
	}
	var releases []func()
	for range 2 {
		release, err := ts.Hasher.Admit(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, release)
	}
	hashes := ts.Hasher.Stats().Hashes
	counters, entries := webtest.RowCount(t, ts, "throttle_counters"), webtest.RowCount(t, ts, "audit_log")
	for i, tc := range []struct {
		name, target string
		form         url.Values
	}{
		{"person, known", "/login/person", url.Values{"login": {p.Mobile}, "password": {webtest.Password}}},
		{"person, unknown", "/login/person", url.Values{"login": {"13900000001"}, "password": {webtest.Password}}},
		{"unit", "/login/unit", url.Values{"account": {u.USCC}, "login": {p.IDNumber}, "password": {webtest.Password}}},
		{"unit, unknown", "/login/unit", url.Values{"account": {u.USCC}, "login": {"13900000002"}, "password": {webtest.Password}}},
		{"app", "/app/login", url.Values{"login": {p.IDNumber}, "password": {webtest.Password}}},
	} {
		c := webtest.NewClient(ts)
		rec := c.Post(t, tc.target, tc.form)
		if rec.Code != http.StatusTooManyRequests {
			t.Fatalf("%s: status %d, want 429\n%s", tc.name, rec.Code, webtest.ShortBody(rec.Body.String()))
		}
		if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("%s: Retry-After %q, want whole seconds ≥ 1", tc.name, rec.Header().Get("Retry-After"))
		}
		if top := webtest.TopError(webtest.ParseHTML(t, rec.Body.String())); top != web.MsgBusy {
			t.Errorf("%s: the form says %q, want %q", tc.name, top, web.MsgBusy)
		}
		if c.Session() != "" {
			t.Errorf("%s: signed in while refused", tc.name)
		}
		if got := ts.Hasher.Stats().Refused; got != int64(i+1) {
			t.Errorf("%s: %d refusals counted by the hasher, want %d", tc.name, got, i+1)
		}
	}
	if got := ts.Hasher.Stats().Hashes; got != hashes {
		t.Errorf("%d hashes while refusing, want none", got-hashes)
	}
	if got := webtest.RowCount(t, ts, "throttle_counters"); got != counters {
		t.Errorf("throttle counters %d → %d while refusing, want no write", counters, got)
	}
	if got := webtest.RowCount(t, ts, "audit_log"); got != entries {
		t.Errorf("audit entries %d → %d while refusing, want none", entries, got)
	}
	metrics := httptest.NewRecorder()
	ts.AdminHandler().ServeHTTP(metrics, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{`hall_login_refused_busy_total{form="person"} 2`, `hall_login_refused_busy_total{form="unit"} 2`,
		`hall_login_refused_busy_total{form="app"} 1`, "hall_login_admitted 2", "hall_login_admission_bound 2"} {
		if !strings.Contains(metrics.Body.String(), want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	for _, release := range releases {
		release()
	}
	c := webtest.NewClient(ts)
	webtest.WantRedirect(t, "login once admitted", c.Post(t, "/login/person",
		url.Values{"login": {p.Mobile}, "password": {webtest.Password}}), "/me")
	if st := ts.Hasher.Stats(); st.Admitted != 0 || st.Hashes != hashes+1 {
		t.Errorf("after the admitted login: Stats %+v, want nothing admitted and one hash more", st)
	}
}

// TestLoginBusySlotWait: a login admitted while every hashing slot stays taken
// longer than hash-max-wait is answered 503 with 系统繁忙, as before admission.
func TestLoginBusySlotWait(t *testing.T) {
	ts := busyServer(t, time.Millisecond)
	w := webtest.NewWorld(ts, 17)
	p := w.Person(t, "李雷")
	release := ts.Hasher.Occupy()
	defer release()
	rec := webtest.NewClient(ts).Post(t, "/login/person", url.Values{"login": {p.Mobile}, "password": {webtest.Password}})
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), web.MsgBusy) {
		t.Errorf("slot wait past hash-max-wait: %d, want 503 with %q", rec.Code, web.MsgBusy)
	}
}

// TestLoginAdmissionParallel: 200 logins at once against a hasher that admits
// two never have more than two admitted; each one is either refused with 429
// (no hash) or admitted, hashed once and signed in.
func TestLoginAdmissionParallel(t *testing.T) {
	ts := busyServer(t, time.Minute)
	w := webtest.NewWorld(ts, 18)
	p := w.Person(t, "王芳")
	const n = 200
	hashes := ts.Hasher.Stats().Hashes
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		c := webtest.NewClient(ts)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i] = c.Post(t, "/login/person", url.Values{"login": {p.Mobile}, "password": {webtest.Password}}).Code
		}()
	}
	close(start)
	wg.Wait()
	signedIn, refused := 0, 0
	for i, code := range codes {
		switch code {
		case http.StatusSeeOther:
			signedIn++
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Errorf("login %d: status %d, want 303 or 429", i, code)
		}
	}
	st := ts.Hasher.Stats()
	if st.AdmittedPeak > st.Bound || st.Bound != 2 {
		t.Errorf("admitted peak %d, bound %d: want the peak within a bound of 2", st.AdmittedPeak, st.Bound)
	}
	if signedIn == 0 || st.Hashes-hashes != int64(signedIn) || st.Refused != int64(refused) {
		t.Errorf("%d signed in, %d refused; hasher: %d hashes, %d refusals; want one hash per login signed in",
			signedIn, refused, st.Hashes-hashes, st.Refused)
	}
}

// A Unit session that ended because its grant stopped being usable is sent to the
// Unit login with ended=grant (expired or not yet valid) or ended=withdrawn
// (removed, replaced), and the page says which; nothing else shows a notice.
func TestLoginGrantEndedNotice(t *testing.T) {
	ts := webtest.NewTestServer(t)
	const lapsed, withdrawn = "您在该单位的授权已到期或尚未生效", "您在该单位的授权已被撤销（收回）"
	for _, tc := range []struct {
		target string
		want   string
	}{
		{"/login?tab=unit&ended=grant", lapsed},
		{"/login?tab=unit&next=%2Funit%2F&ended=grant", lapsed},
		{"/login?tab=unit&ended=withdrawn", withdrawn},
		{"/login?tab=unit&next=%2Funit%2F&ended=withdrawn", withdrawn},
		{"/login?tab=unit", ""},
		{"/login?tab=person&ended=grant", ""},
		{"/login?tab=person&ended=withdrawn", ""},
		{"/login?tab=unit&ended=other", ""},
	} {
		text := ts.GetHTML(t, tc.target, http.StatusOK).TextContent()
		for _, notice := range []string{lapsed, withdrawn} {
			if got, want := strings.Contains(text, notice), notice == tc.want; got != want {
				t.Errorf("%s: notice %q shown %v, want %v", tc.target, notice, got, want)
			}
		}
	}
}
