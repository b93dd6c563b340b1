package webtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hall/internal/audit"
	"hall/internal/browsertest"
	"hall/internal/captcha"
	"hall/internal/captcha/captchatest"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/qr"
	"hall/internal/services"
	"hall/internal/sms"
	"hall/internal/unit"
	"hall/internal/verify"
	"hall/internal/web"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// CheckPage checks what every page must have: a title, one h1, the main landmark,
// nothing that the CSP blocks, a label for every field, and assets that load.
func CheckPage(t *testing.T, ts *TestServer, target string, doc *HTMLNode) {
	t.Helper()
	name := "网上办事服务大厅"
	backOffice := strings.HasPrefix(target, "/admin/")
	if backOffice {
		// The back office's own layout. Its forms carry no CSRF field: it has no
		// hall visitor binding to derive a token from, so a post without origin
		// headers is refused there (admit), and its cookie is SameSite=Strict.
		name = "业务后台"
	}
	if title := doc.Must(t, "head title").TextContent(); !strings.Contains(title, name) {
		t.Errorf("%s: title %q lacks %s", target, title, name)
	}
	if n := len(doc.All("h1")); n != 1 {
		t.Errorf("%s: %d h1 elements, want 1", target, n)
	}
	doc.Must(t, "main#main")
	if !backOffice {
		CheckCSRFFields(t, target, doc)
	}
	if lang := doc.Must(t, "html").AttrOr("lang"); lang != "zh-CN" {
		t.Errorf("%s: lang=%q", target, lang)
	}
	ids := map[string]bool{}
	doc.Walk(func(n *HTMLNode) {
		if n.Tag == "" || n.Tag == "#document" {
			return
		}
		for _, a := range n.Attrs {
			switch {
			case a.Name == "style":
				t.Errorf("%s: inline style on <%s> line %d (CSP style-src 'self' blocks it)", target, n.Tag, n.Line)
			case strings.HasPrefix(a.Name, "on"):
				t.Errorf("%s: inline event handler %s on <%s> line %d", target, a.Name, n.Tag, n.Line)
			case (a.Name == "href" || a.Name == "src" || a.Name == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Value)), "javascript:"):
				t.Errorf("%s: javascript: URL on <%s> line %d", target, n.Tag, n.Line)
			}
		}
		if id := n.AttrOr("id"); id != "" {
			if ids[id] {
				t.Errorf("%s: id %q twice", target, id)
			}
			ids[id] = true
		}
		switch n.Tag {
		case "style":
			t.Errorf("%s: <style> element line %d (CSP blocks it)", target, n.Line)
		case "script":
			if _, ok := n.Attr("src"); !ok {
				t.Errorf("%s: inline <script> line %d (CSP blocks it)", target, n.Line)
			}
		}
	})
	// Every field has a label.
	for _, f := range doc.All("input, select, textarea") {
		switch f.AttrOr("type") {
		case "hidden", "submit", "button", "reset", "image":
			continue
		}
		id := f.AttrOr("id")
		if f.AttrOr("aria-label") == "" && (id == "" || doc.First("label[for="+id+"]") == nil) {
			t.Errorf("%s: <%s name=%q> line %d has no label", target, f.Tag, f.AttrOr("name"), f.Line)
		}
	}
	// Stylesheets and scripts come from /static/ and load.
	for _, n := range doc.All("link[rel=stylesheet], script[src]") {
		u := n.AttrOr("href") + n.AttrOr("src")
		if !strings.HasPrefix(u, "/static/") {
			t.Errorf("%s: asset %s not under /static/", target, u)
			continue
		}
		if rec := ts.Get(t, u); rec.Code != http.StatusOK {
			t.Errorf("%s: asset %s answers %d", target, u, rec.Code)
		}
	}
}

func NewTwoUnits(t testing.TB, ts *TestServer, seed uint64) TwoUnits {
	t.Helper()
	w := NewWorld(ts, seed)
	var f TwoUnits
	f.Person = w.Person(t, "周以宁")
	otherRep := w.Person(t, "韩东篱")
	f.Home = w.Unit(t, "示范启明软件有限公司", f.Person)
	f.Other = w.Unit(t, "示范长风机械制造有限公司", otherRep)
	f.None = w.Unit(t, "示范无关贸易有限公司", otherRep)
	now := ts.Now()
	until := now.AddDate(1, 0, 0)
	w.Member(t, unit.Membership{UnitID: f.Other.ID, PersonID: f.Person.ID, Role: unit.RoleAdmin, Status: unit.StatusActive,
		ValidFrom: &now, ValidUntil: &until}, "Uc-Admin-Pass-2")
	return f
}

func UnitAuditEntries(t testing.TB, ts *TestServer, action string) []audit.Entry {
	t.Helper()
	es, _, err := ts.Audit.List(t.Context(), audit.Filter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// BrowserUnitLogin signs in to a unit through the unit login form, as a person does.
func BrowserUnitLogin(t *testing.T, p *browsertest.Page, base, account, login, password string) {
	t.Helper()
	p.Open(base + "/login?tab=unit")
	p.Fill("统一社会信用代码/单位编号/机构编号", account)
	p.Fill("证件号码/移动电话", login)
	p.Fill("密码", password)
	p.Click("登录")
	p.WaitURL("/unit/")
}

// WantNotice checks that mobile got exactly one account notice, saying each of
// want and naming the hotline.
func WantNotice(t testing.TB, ts *TestServer, mobile string, want ...string) {
	t.Helper()
	got := SMSNotices(t, ts, mobile)
	if len(got) != 1 {
		t.Errorf("account notices to %s: %q, want one", mobile, got)
		return
	}
	for _, w := range append(want, "如非本人操作", "服务热线"+ts.Config.Hotline) {
		if !strings.Contains(got[0], w) {
			t.Errorf("notice %q lacks %q", got[0], w)
		}
	}
}

// OtherSessionID returns a well-formed ID Other than id.
func OtherSessionID(id string) string {
	if id[0] == 'A' {
		return "B" + id[1:]
	}
	return "A" + id[1:]
}

func NewFakeVerifyProvider(t testing.TB) *FakeVerifyProvider {
	p := &FakeVerifyProvider{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := p.Calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"provider_ref":"F-%d","verify_url":"https://face.example.test/check/F-%d"}`, n, n)
	}))
	t.Cleanup(p.Server.Close)
	return p
}

// WithHTTPVerifyProvider switches verification to the production adapter.
func WithHTTPVerifyProvider(p *FakeVerifyProvider) func(*services.Services) {
	return func(svc *services.Services) {
		hp, err := verify.NewHTTPProvider(verify.HTTPConfig{StartURL: p.Server.URL + "/start",
			CallbackURL: svc.Config.BaseURL + "/verify/callback", Secret: VerifyProviderSecret}, svc.Now)
		if err != nil {
			panic(err)
		}
		svc.HTTPVerify, svc.DevVerify = hp, nil
		svc.Verify = verify.New(svc.DB, hp, verify.Config{}, svc.Now)
	}
}

// RecoveryNewPassword is what the recovery tests set (invented; passes the policy).
// #nosec G101 -- the password of a fixture account that exists only in test databases.
const RecoveryNewPassword = "Rec-Reset-Pass-2027"

// RecoveryPersonForm is 填写账号信息 of the person tab.
func RecoveryPersonForm(p person.Person) url.Values {
	return url.Values{"kind": {"person"}, "id_type": {string(p.IDType)}, "id_number": {p.IDNumber}, "name": {p.Name}}
}

// RecoveryStart posts the account form and returns the flow ID.
func RecoveryStart(t testing.TB, c *Client, form url.Values) string {
	t.Helper()
	loc := Redirected(t, c.Post(t, "/recover", form))
	m := RecoveryFlowPath.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("step 1 redirected to %q", loc)
	}
	return m[1]
}

// RecoverySolveCaptcha draws a recovery puzzle in c's browser, solves it like a hand and
// returns the pass token.
func RecoverySolveCaptcha(t *testing.T, ts *TestServer, c *Client) string {
	t.Helper()
	rec := c.Get(t, "/captcha/new?purpose=recover")
	WantStatus(t, "GET /captcha/new?purpose=recover", rec, http.StatusOK)
	var ch struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &ch); err != nil || ch.ID == "" {
		t.Fatalf("challenge %s: %v", rec.Body.String(), err)
	}
	return RecoveryAnswer(t, ts, c, ch.ID)
}

// RecoverySessionID decodes the QR code of the face step and returns its session ID.
func RecoverySessionID(t testing.TB, c *Client, flowID string) string {
	t.Helper()
	doc := Parsed(t, c.Get(t, "/recover/"+flowID), http.StatusOK)
	link := DecodeDataURL(t, doc.Must(t, `img[alt="人脸识别二维码"]`).AttrOr("src"))
	id, ok := strings.CutPrefix(link, c.Server.Config.BaseURL+"/app/v/")
	if !ok {
		t.Fatalf("QR code links to %q", link)
	}
	if wait := doc.Must(t, "[data-verify-wait]").AttrOr("data-verify-wait"); wait != "/recover/"+flowID+"/wait?session="+id {
		t.Errorf("wait URL %q", wait)
	}
	return id
}

// AppLogin signs c in to the companion app as p.
func AppLogin(t testing.TB, c *Client, p person.Person) {
	t.Helper()
	Redirected(t, c.Post(t, "/app/login", url.Values{"login": {p.IDNumber}, "password": {Password}, "next": {"/app/"}}))
}

func RecoveryLabels(doc *HTMLNode) []string {
	var out []string
	for _, l := range doc.All("main form label") {
		out = append(out, strings.TrimPrefix(l.TextContent(), "*"))
	}
	return out
}

// UnitRegistrationStart runs step 1 and returns the flow ID.
func UnitRegistrationStart(t testing.TB, c *Client, fx RegisteredUnit) string {
	t.Helper()
	return UnitRegistrationStartForm(t, c, fx.StepOne())
}

// UnitRegistrationSessionID reads the verification session ID from the verify step's page.
func UnitRegistrationSessionID(t testing.TB, c *Client, flowID string) string {
	t.Helper()
	doc := Parsed(t, c.Get(t, "/register/unit/"+flowID), http.StatusOK)
	wait := doc.Must(t, "[data-verify-wait]").AttrOr("data-verify-wait")
	m := regexp.MustCompile(`^/verify/([A-Za-z0-9_-]{43})/wait\?flow=`).FindStringSubmatch(wait)
	if m == nil {
		t.Fatalf("wait URL %q", wait)
	}
	return m[1]
}

// ConfirmInvitation confirms invitation invID for p through the domain, after a passed
// development face verification, setting password as the unit password.
func ConfirmInvitation(t testing.TB, ts *TestServer, invID string, p person.Person, password string) {
	t.Helper()
	ctx := context.Background()
	who := verify.Person{IDType: p.IDType, IDNumber: p.IDNumber, Name: p.Name}
	binding := "confirm-app-" + strconv.FormatInt(p.ID, 10)
	s, err := ts.Verify.Start(ctx, verify.Request{Purpose: verify.PurposeAgentConfirm, Binding: binding, Expected: who})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.DevVerify.CompleteInApp(ctx, s.ID, who, true); err != nil {
		t.Fatal(err)
	}
	if err := ts.Delegation.Confirm(ctx, delegation.Actor{PersonID: p.ID}, delegation.Confirmation{InvitationID: invID,
		Password: password, Confirm: password, Proof: delegation.ConsumeIn(ts.Verify, s.ID, binding)}); err != nil {
		t.Fatalf("confirm: %v", err)
	}
}

// ConfirmOnlyInvitation confirms p's one open invitation (ConfirmInvitation), the way
// the companion app does, for tests whose subject comes after it (the app's pages have
// browser tests of their own).
func ConfirmOnlyInvitation(t testing.TB, ts *TestServer, p person.Person, password string) {
	t.Helper()
	invs, err := ts.Delegation.PendingInvitations(context.Background(), p.ID)
	if err != nil || len(invs) != 1 {
		t.Fatalf("invitations of %s: %v, %v", ident.MaskName(p.Name), invs, err)
	}
	ConfirmInvitation(t, ts, invs[0].ID, p, password)
}

// Allow422 lets a page show a form again with 422 (a refused form) without the
// browser's log line about the status failing the test.
var Allow422 = browsertest.AllowConsoleErrors("422 (Unprocessable Entity)")

// OutboxCode fetches /dev/outbox as JSON and returns the newest code texted to
// Mobile, waiting a little for it to arrive.
func OutboxCode(t *testing.T, base, mobile string) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(5 * time.Second)
	for {
		req, err := http.NewRequest(http.MethodGet, base+"/dev/outbox", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("outbox: %v", err)
		}
		// The development outbox's JSON (GET /dev/outbox), newest first.
		var out struct {
			Messages []struct{ Mobile, Text string } `json:"messages"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		_ = resp.Body.Close() // the body was read in full; the decode error is the one checked
		if err != nil {
			t.Fatalf("outbox JSON: %v", err)
		}
		for _, m := range out.Messages { // newest first
			if m.Mobile == mobile {
				if sub := CodePattern.FindStringSubmatch(m.Text); sub != nil {
					return sub[1]
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no code for %s in the outbox", ident.MaskMobile(mobile))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// BrowserPersonLogin signs in on the personal tab of the login page.
func BrowserPersonLogin(t *testing.T, p *browsertest.Page, base, login, password string) {
	t.Helper()
	p.Open(base + "/login?tab=person")
	p.Fill("证件号码/移动电话", login)
	p.Fill("密码", password)
	p.Click("登录")
	p.WaitURL("/me")
}

// SolveCaptcha draws a login puzzle in c's browser, solves it like a hand would
// (the answer read from the database) and returns the pass token.
func SolveCaptcha(t *testing.T, ts *TestServer, c *Client, seed uint64) string {
	t.Helper()
	rec := c.Get(t, "/captcha/new?purpose=login")
	WantStatus(t, "GET /captcha/new", rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("captcha/new headers: %q %q", ct, rec.Header().Get("Cache-Control"))
	}
	var ch struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &ch); err != nil || ch.ID == "" {
		t.Fatalf("challenge %s: %v", rec.Body.String(), err)
	}
	x, _, err := captchatest.Solution(context.Background(), ts.DB, ch.ID)
	if err != nil {
		t.Fatalf("solution: %v", err)
	}
	rec = c.Send(t, VerifyRequest(t, ch.ID, captchatest.HumanDrag(float64(x), seed)))
	WantStatus(t, "POST /captcha/verify", rec, http.StatusOK)
	var res struct {
		OK      bool   `json:"ok"`
		Token   string `json:"token"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || !res.OK || res.Token == "" {
		t.Fatalf("verify %s: %v", rec.Body.String(), err)
	}
	return res.Token
}

// KeepAlivePost is the script's POST to /session/keepalive.
func KeepAlivePost(t *testing.T, c *Client, header http.Header) (int, web.KeepAliveAnswer) {
	t.Helper()
	h := http.Header{"Accept": {"application/json"}}
	for k, v := range header {
		h[k] = v
	}
	rec := c.Do(t, http.MethodPost, "/session/keepalive", url.Values{}, h)
	var out web.KeepAliveAnswer
	if rec.Header().Get("Content-Type") == "application/json; charset=utf-8" {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("keep-alive body %q: %v", rec.Body.String(), err)
		}
	}
	return rec.Code, out
}

// AgentPassword is the unit password the tests' agents set (invented; passes the policy).
// #nosec G101 -- the password of a fixture account that exists only in test databases.
const AgentPassword = "Agt-Unit-Pass-77"

// AgentFixture is a unit with its legal rep and a person invited as its agent.
type AgentFixture struct {
	World      *World
	Unit       unit.Unit
	Rep        person.Person
	Agent      person.Person
	Invitation delegation.Invitation
}

// Nominee is p as a legal rep types them into the add-Agent form.
func Nominee(p person.Person) delegation.Nominee {
	return delegation.Nominee{Name: p.Name, IDType: p.IDType, IDNumber: p.IDNumber, Mobile: p.Mobile}
}

// Invite makes a unit whose legal rep invites a new person as agent for items,
// valid for 30 days from the server's now.
func Invite(t testing.TB, ts *TestServer, seed uint64, items ...string) AgentFixture {
	t.Helper()
	w := NewWorld(ts, seed)
	u, rep := w.UnitWithRep(t, "示范禾丰商贸有限公司", "邵景行")
	agent := w.Person(t, "乔语桐")
	inv, err := ts.Delegation.AddAgent(context.Background(), delegation.Actor{PersonID: rep.ID}, u.ID, Nominee(agent),
		items, time.Time{}, ts.Now().Add(30*24*time.Hour))
	if err != nil {
		t.Fatalf("add agent: %v", err)
	}
	return AgentFixture{World: w, Unit: u, Rep: rep, Agent: agent, Invitation: inv}
}

// AgentAppLogin signs c in to the app as p.
func AgentAppLogin(t testing.TB, c *Client, p person.Person) {
	t.Helper()
	Redirected(t, c.Post(t, "/app/login", url.Values{"login": {p.IDNumber}, "password": {Password}, "next": {"/app/me/agent"}}))
}

func MembershipOf(t testing.TB, ts *TestServer, unitID, personID int64) (unit.Membership, error) {
	t.Helper()
	return ts.Units.Membership(context.Background(), unitID, personID)
}

// SMSNotices returns the texts of the account notices (sms.PurposeAccountNotice) in
// the development outbox for mobile, oldest first.
func SMSNotices(t testing.TB, ts *TestServer, mobile string) []string {
	t.Helper()
	return SMSTexts(t, ts, mobile, sms.PurposeAccountNotice)
}

// SMSTexts returns the texts in the development outbox for mobile and purpose (""
// for every purpose), oldest first. The outbox holds the mobile sealed, so its
// messages are found through the outbox (its blind index), not by the table.
func SMSTexts(t testing.TB, ts *TestServer, mobile, purpose string) []string {
	t.Helper()
	msgs, err := ts.DevOutbox.SentTo(t.Context(), mobile)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if purpose == "" || m.Purpose == purpose {
			out = append(out, m.Text)
		}
	}
	return out
}

// FakeVerifyProvider is a face verification service speaking the verify package's wire
// format: it opens checks and hands out its own page's URL.
type FakeVerifyProvider struct {
	Server *httptest.Server
	Calls  atomic.Int64
}

var VerifyProviderSecret = []byte("a-test-secret-of-at-least-32-bytes!!")

// RecoveryFlowPath is the flow page a step-1 redirect points to.
var RecoveryFlowPath = regexp.MustCompile(`^/recover/([A-Za-z0-9_-]{43})$`)

// RecoveryAnswer solves challenge id with a hand-like drag (the answer read from the
// database) and returns the pass token.
func RecoveryAnswer(t *testing.T, ts *TestServer, c *Client, id string) string {
	t.Helper()
	x, _, err := captchatest.Solution(t.Context(), ts.DB, id)
	if err != nil {
		t.Fatalf("solution: %v", err)
	}
	rec := c.Send(t, VerifyRequest(t, id, captchatest.HumanDrag(float64(x), 17)))
	var res struct {
		OK    bool   `json:"ok"`
		Token string `json:"token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || !res.OK {
		t.Fatalf("verify %s: %v", rec.Body.String(), err)
	}
	return res.Token
}

// DecodeDataURL decodes the QR code of a data:image/png;base64 URL.
func DecodeDataURL(t testing.TB, src string) string {
	t.Helper()
	b64, ok := strings.CutPrefix(src, "data:image/png;base64,")
	if !ok {
		t.Fatalf("QR image src %.40q…", src)
	}
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	text, err := qr.Decode(png)
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	return text
}

// UnitRegistrationStartForm runs step 1 with form and returns the flow ID.
func UnitRegistrationStartForm(t testing.TB, c *Client, form url.Values) string {
	t.Helper()
	loc := Redirected(t, c.Post(t, "/register/unit", form))
	m := UnitRegistrationFlowPath.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("step 1 redirected to %q", loc)
	}
	return m[1]
}

// VerifyRequest is the widget's POST /captcha/verify for answer a.
func VerifyRequest(t *testing.T, id string, a captcha.Answer) *http.Request {
	t.Helper()
	type point struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
		T float64 `json:"t"`
	}
	body := struct {
		ID         string  `json:"id"`
		X          float64 `json:"x"`
		DurationMs int     `json:"durationMs"`
		Keyboard   bool    `json:"keyboard"`
		Track      []point `json:"track"`
	}{ID: id, X: a.X, DurationMs: a.DurationMs, Keyboard: a.Keyboard}
	for _, p := range a.Track {
		body.Track = append(body.Track, point{p.X, p.Y, p.T})
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/captcha/verify", bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// CheckCSRFFields checks that every post form of a rendered page carries the page's
// token (TestEveryPageRenders calls it for every page template).
func CheckCSRFFields(t *testing.T, target string, doc *HTMLNode) {
	t.Helper()
	forms := doc.All("form")
	if len(forms) == 0 {
		return
	}
	tok := ""
	if m := doc.First(`meta[name=csrf-token]`); m != nil {
		tok = m.AttrOr("content")
	}
	for _, f := range forms {
		if !strings.EqualFold(f.AttrOr("method"), "post") {
			continue
		}
		fields := f.All(`input[name=csrf_token]`)
		if tok == "" || len(fields) != 1 || fields[0].AttrOr("type") != "hidden" || fields[0].AttrOr("value") != tok {
			t.Errorf("%s: post form line %d (action %q) lacks the hidden CSRF field with the page's token", target, f.Line, f.AttrOr("action"))
		}
	}
}

// TwoUnits is a person who is the legal rep of one unit and the admin of another
// (with a unit password of its own), plus a third unit where they have no role.
type TwoUnits struct {
	Person            person.Person
	Home, Other, None unit.Unit
}

// UnitRegistrationFlowPath is the flow page a step-1 redirect points to.
var UnitRegistrationFlowPath = regexp.MustCompile(`^/register/unit/([A-Za-z0-9_-]{43})$`)

// AnotherWriter stands for a writer that races a page (a reset, a recovery, a
// second change): a trigger on the test database runs statement after event
// (e.g. "UPDATE OF password_hash ON persons WHEN NEW.id = 7"), until the
// returned function or the end of the test drops it. Each test has its own
// database, so the trigger touches no other test. SQLite only, as the test
// server is.
func AnotherWriter(t testing.TB, ts *TestServer, name, event, statement string) (drop func()) {
	t.Helper()
	ctx := context.Background()
	// #nosec G202 -- the test's own trigger text, no outside input.
	if _, err := ts.DB.Exec(ctx, "CREATE TRIGGER "+name+" AFTER "+event+" BEGIN "+statement+"; END"); err != nil {
		t.Fatalf("trigger %s: %v", name, err)
	}
	dropped := false
	drop = func() {
		if dropped {
			return
		}
		dropped = true
		if _, err := ts.DB.Exec(ctx, "DROP TRIGGER IF EXISTS "+name); err != nil {
			t.Errorf("drop trigger %s: %v", name, err)
		}
	}
	t.Cleanup(drop)
	return drop
}
