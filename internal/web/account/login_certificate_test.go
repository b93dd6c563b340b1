package account

import (
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/ca"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/unit"
	"hall/internal/web/webtest"
)

// certificateHall is a hall with CA login on: the public listener and the
// CA-login listener (TLS, asking for a client certificate), both on real ports,
// and a unit with its legal rep.
type certificateHall struct {
	ts   *webtest.TestServer
	base string
	ca   *webtest.CALogin
	w    *webtest.World
	unit unit.Unit
	rep  person.Person
}

func newCertificateHall(t *testing.T) *certificateHall {
	t.Helper()
	cl := webtest.NewCALogin(t)
	ts, base := webtest.Serve(t, cl.Option())
	cl.Serve(t, ts)
	w := webtest.NewWorld(ts, 311)
	u, rep := w.UnitWithRep(t, "示范证书科技有限公司", "严证书")
	return &certificateHall{ts: ts, base: base, ca: cl, w: w, unit: u, rep: rep}
}

// unitCertificate is the unit's certificate from the development CA.
func (h *certificateHall) unitCertificate(t *testing.T, uscc string) *ca.Issued {
	return h.ca.Issue(t, ca.IssueRequest{Kind: ca.KindUnit, Name: h.unit.Name, USCC: uscc})
}

// certificateAnswer is where a CA login ended: the last response's status and
// Location, and its body.
type certificateAnswer struct {
	status   int
	location string
	body     string
	finish   string // the hand-off URL the CA-login listener sent the browser to
}

// get sends one GET with the browser client.
func get(t *testing.T, c *http.Client, target string) certificateAnswer {
	t.Helper()
	resp, err := c.Get(target)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return certificateAnswer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}
}

// login presses 证书登录 on the login page's CA登录 tab in browser c and follows
// the redirects through the CA-login listener back to the hall, as a browser does.
func (h *certificateHall) login(t *testing.T, c *http.Client) certificateAnswer {
	t.Helper()
	return h.loginFrom(t, c, "/login?tab=unit&method=ca")
}

// loginFrom is login from the login page at loginPage (with a return path, say).
func (h *certificateHall) loginFrom(t *testing.T, c *http.Client, loginPage string) certificateAnswer {
	t.Helper()
	page := get(t, c, h.base+loginPage)
	if page.status != http.StatusOK {
		t.Fatalf("CA登录 tab: %d", page.status)
	}
	doc := webtest.ParseHTML(t, page.body)
	button := doc.First(`.acct-login-box a.button-primary`)
	if button == nil || button.TextContent() != "证书登录" || !strings.HasPrefix(button.AttrOr("href"), "/login/certificate") {
		t.Fatalf("CA登录 tab has no 证书登录 button:\n%s", webtest.ShortBody(page.body))
	}
	start := get(t, c, h.base+button.AttrOr("href"))
	if start.status != http.StatusSeeOther || !strings.HasPrefix(start.location, h.ca.URL+"/check?start=") {
		t.Fatalf("start: %d → %q", start.status, start.location)
	}
	check := get(t, c, start.location)
	if check.status != http.StatusSeeOther || !strings.HasPrefix(check.location, h.base+"/login/certificate/finish?") {
		t.Fatalf("check: %d → %q\n%s", check.status, check.location, webtest.ShortBody(check.body))
	}
	a := get(t, c, check.location)
	a.finish = check.location
	return a
}

// TestCertificateLoginUnit: a unit certificate logs its legal rep in to the unit,
// with a rotated session (proof ca) that lands in the unit user center, audited
// with method ca; the hand-off works once and only in the browser that started.
func TestCertificateLoginUnit(t *testing.T) {
	h := newCertificateHall(t)
	cert := h.unitCertificate(t, h.unit.USCC)
	browser := h.ca.Browser(t, cert)
	// The browser was signed in as a person before: the CA login rotates the token.
	before := auth.Subject{PersonID: h.rep.ID}
	old, _, err := h.ts.Sessions.Create(t.Context(), before, auth.Meta{Proof: auth.ProofPassword,
		Verified: webtest.StoredPassword(t, h.ts, before, auth.ProofPassword)})
	if err != nil {
		t.Fatal(err)
	}
	baseURL, _ := url.Parse(h.base)
	browser.Jar.SetCookies(baseURL, []*http.Cookie{{Name: "hall_session", Value: old, Path: "/"}})

	a := h.login(t, browser)
	if a.status != http.StatusSeeOther || a.location != "/unit/" {
		t.Fatalf("finish: %d → %q\n%s", a.status, a.location, webtest.ShortBody(a.body))
	}
	center := get(t, browser, h.base+"/unit/")
	if center.status != http.StatusOK || !strings.Contains(center.body, h.unit.Name) {
		t.Fatalf("unit center: %d\n%s", center.status, webtest.ShortBody(center.body))
	}
	var token string
	for _, c := range browser.Jar.Cookies(baseURL) {
		if c.Name == "hall_session" {
			token = c.Value
		}
	}
	if token == "" || token == old {
		t.Fatal("the session token was not rotated")
	}
	if _, err := h.ts.Sessions.Lookup(t.Context(), old); err == nil {
		t.Error("the session before the CA login still works")
	}
	s, err := h.ts.Sessions.Lookup(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	want := auth.Subject{PersonID: h.rep.ID, UnitID: h.unit.ID, Role: auth.RoleLegalRep}
	if s.Subject != want || s.Proof != auth.ProofCA {
		t.Errorf("session %+v proof %q, want %+v proof ca", s.Subject, s.Proof, want)
	}
	entries := webtest.UnitAuditEntries(t, h.ts, "login.unit.ca")
	if len(entries) != 1 || entries[0].Result != "success" || entries[0].UnitID != h.unit.ID ||
		entries[0].PersonID != h.rep.ID || entries[0].Detail["method"] != "ca" || entries[0].Detail["serial"] != cert.Entry.Serial {
		t.Errorf("audit %+v", entries)
	}
	if strings.Contains(entries[0].Detail["uscc"], h.unit.USCC) {
		t.Errorf("audit detail holds the USCC in full: %v", entries[0].Detail)
	}

	// The hand-off is single use: the same URL again, in this browser or another.
	if again := get(t, browser, h.base+strings.TrimPrefix(a.finish, h.base)); again.status != http.StatusConflict ||
		!strings.Contains(again.body, "证书登录已失效") {
		t.Errorf("hand-off used twice: %d", again.status)
	}
	// A hand-off made in one browser does not sign in another (login CSRF): the
	// attacker's fresh hand-off, opened in the victim's browser.
	attacker := h.ca.Browser(t, cert)
	start := get(t, attacker, h.base+"/login/certificate")
	check := get(t, attacker, start.location)
	victim := h.ca.Browser(t, nil)
	if got := get(t, victim, check.location); got.status != http.StatusConflict {
		t.Errorf("another browser's hand-off: %d → %q", got.status, got.location)
	}
}

// TestCertificateLoginPerson: a certificate naming a person acts as that person
// when they hold a usable role in the unit, and is refused when they hold none —
// never replaced by the legal rep.
func TestCertificateLoginPerson(t *testing.T) {
	h := newCertificateHall(t)
	agent := h.w.Person(t, "柏经办")
	now := h.ts.Now()
	until := now.AddDate(1, 0, 0)
	h.w.Member(t, unit.Membership{UnitID: h.unit.ID, PersonID: agent.ID, Role: unit.RoleAgent, Status: unit.StatusActive,
		ValidFrom: &now, ValidUntil: &until}, "Agent-Pass-31")
	cert := h.ca.Issue(t, ca.IssueRequest{Kind: ca.KindPerson, Name: agent.Name, IDNumber: agent.IDNumber,
		USCC: h.unit.USCC, UnitName: h.unit.Name})
	browser := h.ca.Browser(t, cert)
	if a := h.login(t, browser); a.status != http.StatusSeeOther || a.location != "/unit/" {
		t.Fatalf("agent: %d → %q\n%s", a.status, a.location, webtest.ShortBody(a.body))
	}
	entries := webtest.UnitAuditEntries(t, h.ts, "login.unit.ca")
	if len(entries) != 1 || entries[0].PersonID != agent.ID || entries[0].Role != string(unit.RoleAgent) {
		t.Errorf("audit %+v", entries)
	}

	stranger := h.w.Person(t, "路无关")
	cert = h.ca.Issue(t, ca.IssueRequest{Kind: ca.KindPerson, Name: stranger.Name, IDNumber: stranger.IDNumber,
		USCC: h.unit.USCC, UnitName: h.unit.Name})
	a := h.login(t, h.ca.Browser(t, cert))
	wantRefusal(t, a, http.StatusForbidden, "不能以该单位身份登录", "不是该单位的法定代表人、管理员或有效授权的经办人")
}

// TestCertificateLoginRefusals: each certificate that cannot log in ends on the
// hall's page in Chinese that says why, and signs nobody in.
func TestCertificateLoginRefusals(t *testing.T) {
	h := newCertificateHall(t)
	now := time.Now()
	other, err := ca.InitDevCA(filepath.Join(t.TempDir(), "other"), "另一家认证机构", nil)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.Issue(ca.IssueRequest{Kind: ca.KindUnit, Name: h.unit.Name, USCC: h.unit.USCC})
	if err != nil {
		t.Fatal(err)
	}
	revoked := h.unitCertificate(t, h.unit.USCC)
	if _, err := h.ca.Dev.Revoke(revoked.Entry.Serial, 1); err != nil {
		t.Fatal(err)
	}
	h.ca.Publish(t)
	unknownUSCC := ident.GenerateUSCC(h.w.Generator, "320102")
	for _, tc := range []struct {
		name   string
		cert   *ca.Issued
		status int
		title  string
		says   string
	}{
		{"no certificate", nil, http.StatusUnauthorized, "未收到数字证书", "请插入单位数字证书"},
		{"expired", h.ca.Issue(t, ca.IssueRequest{Kind: ca.KindUnit, Name: h.unit.Name, USCC: h.unit.USCC,
			NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.Add(-24 * time.Hour)}), http.StatusForbidden, "数字证书已过期", "已于"},
		{"revoked", revoked, http.StatusForbidden, "数字证书已被吊销", "吊销"},
		{"wrong CA", foreign, http.StatusForbidden, "数字证书不受信任", "不是由本大厅认可的电子认证服务机构签发的"},
		{"wrong key usage", h.ca.Issue(t, ca.IssueRequest{Kind: ca.KindUnit, Name: h.unit.Name, USCC: h.unit.USCC, Encryption: true}),
			http.StatusForbidden, "该证书不能用于登录", "请选择用于签名的那一张"},
		{"unknown USCC", h.unitCertificate(t, unknownUSCC), http.StatusForbidden, "证书中的单位尚未注册", "尚未在本大厅注册"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := h.login(t, h.ca.Browser(t, tc.cert))
			wantRefusal(t, a, tc.status, tc.title, tc.says)
		})
	}
	if n := len(webtest.UnitAuditEntries(t, h.ts, "login.unit.ca")); n != 6 {
		t.Errorf("%d refusals audited, want 6", n)
	}
	var sessions int
	if err := h.ts.DB.QueryRow(t.Context(), "SELECT COUNT(*) FROM sessions").Scan(&sessions); err != nil {
		t.Fatal(err)
	}
	if sessions != 0 {
		t.Errorf("%d sessions after refusals", sessions)
	}
}

// wantRefusal checks the refusal page: status, heading and message.
func wantRefusal(t *testing.T, a certificateAnswer, status int, title, says string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d → %q\n%s", a.status, status, a.location, webtest.ShortBody(a.body))
	}
	doc := webtest.ParseHTML(t, a.body)
	if h1 := doc.Must(t, "h1").TextContent(); !strings.Contains(h1, title) {
		t.Errorf("heading %q, want %q", h1, title)
	}
	if msg := doc.Must(t, "main [role=alert]").TextContent(); !strings.Contains(msg, says) {
		t.Errorf("message %q, want it to say %q", msg, says)
	}
	if back := doc.First(`a[href="/login?tab=unit&method=ca"]`); back == nil {
		t.Error("no way back to 证书登录")
	}
}

// TestCertificateLoginReturn: a login page asked for with a return path (the page a
// signed-out clerk tried to open) returns there after the CA login, through the
// other listener; a path to another site is dropped for the unit center.
func TestCertificateLoginReturn(t *testing.T) {
	h := newCertificateHall(t)
	cert := h.unitCertificate(t, h.unit.USCC)
	cases := []struct{ next, want string }{
		{"/unit/agents", "/unit/agents"},
		{"/unit/info?tab=contacts", "/unit/info?tab=contacts"},
		{"//evil.example/unit/", "/unit/"},
		{"https://evil.example/", "/unit/"},
	}
	for _, tc := range cases {
		t.Run(tc.next, func(t *testing.T) {
			browser := h.ca.Browser(t, cert)
			a := h.loginFrom(t, browser, "/login?tab=unit&method=ca&next="+url.QueryEscape(tc.next))
			if a.status != http.StatusSeeOther || a.location != tc.want {
				t.Fatalf("finish: %d → %q, want %q", a.status, a.location, tc.want)
			}
		})
	}
}

// TestCertificateLoginEntry: the CA-login listener opened directly sends the
// browser to the login page's CA登录 tab; the home page and the login page link
// to the tab only when CA login is on.
func TestCertificateLoginEntry(t *testing.T) {
	h := newCertificateHall(t)
	c := h.ca.Browser(t, h.unitCertificate(t, h.unit.USCC))
	for _, target := range []string{h.ca.URL + "/", h.ca.URL + "/check", h.ca.URL + "/check?start=forged"} {
		if a := get(t, c, target); a.status != http.StatusSeeOther || a.location != h.base+"/login?tab=unit&method=ca" {
			t.Errorf("%s: %d → %q", target, a.status, a.location)
		}
	}
	for _, page := range []string{"/", "/login?tab=unit"} {
		doc := webtest.ParseHTML(t, get(t, c, h.base+page).body)
		if doc.First(`a[href="/login?tab=unit&method=ca"]`) == nil && doc.First(`a[href="/login?method=ca&tab=unit"]`) == nil {
			t.Errorf("%s: no link to CA登录", page)
		}
	}
	// HSTS from the listener would force the plain-http hall on the same host to https.
	resp, err := c.Get(h.ca.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hsts := resp.Header.Get("Strict-Transport-Security"); hsts != "" {
		t.Errorf("CA-login listener sends HSTS %q", hsts)
	}

	off := webtest.NewTestServer(t)
	for _, target := range []string{"/login/certificate", "/login/certificate/finish?start=a&handoff=b"} {
		webtest.WantStatus(t, target+" with CA login off", off.Get(t, target), http.StatusNotFound)
	}
	for _, page := range []string{"/", "/login?tab=unit", "/login?tab=unit&method=ca"} {
		if strings.Contains(off.Get(t, page).Body.String(), "method=ca") {
			t.Errorf("%s offers CA登录 with CA login off", page)
		}
	}
}
