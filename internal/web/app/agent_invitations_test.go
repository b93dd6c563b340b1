package app

import (
	"encoding/base64"
	"errors"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/delegation"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/qr"
	"hall/internal/token"
	"hall/internal/unit"
	"hall/internal/verify"
)

// TestInvitationAppConfirm is 我是经办人 end to end over HTTP: the list shows the invitation's
// facts; the invitation's page starts a face verification of the person for this
// purpose and sends them to the app's verification screen, which leads back; a
// refused password keeps the verification; the confirmation activates the grant,
// spends the verification and lets the person log in to the unit.
func TestInvitationAppConfirm(t *testing.T) {
	ts := webtest.NewTestServer(t)
	fx := webtest.Invite(t, ts, 501, "SB-001", "JY-005")
	app := webtest.NewClient(ts)
	webtest.AgentAppLogin(t, app, fx.Agent)

	doc := app.Page(t, "/app/me/agent", http.StatusOK)
	webtest.CheckPage(t, ts, "/app/me/agent", doc)
	facts := map[string]string{}
	for _, d := range doc.All(".agt-invitation .app-facts > div") {
		facts[d.Must(t, "dt").TextContent()] = d.Must(t, "dd").TextContent()
	}
	pending, err := ts.Delegation.PendingInvitations(t.Context(), fx.Agent.ID)
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending: %v %v", pending, err)
	}
	for k, want := range map[string]string{
		"邀请人": "法定代表人 " + ident.MaskName(fx.Rep.Name), "企业名称": fx.Unit.Name, "授权时间": pending[0].InvitedAt.In(web.Shanghai).Format("2006-01-02 15:04"),
		"授权身份": "经办人", "授权有效期": invitationValidity(pending[0].ValidFrom, pending[0].ValidUntil),
		"授权业务": "录用备案、企业社会保险登记", "确认截止": fx.Invitation.ExpiresAt.In(web.Shanghai).Format("2006-01-02 15:04"),
	} {
		if facts[k] != want {
			t.Errorf("%s = %q, want %q", k, facts[k], want)
		}
	}
	if strings.Contains(doc.TextContent(), fx.Rep.Name) {
		t.Error("the inviter's full name is shown")
	}
	show := "/app/me/agent/" + fx.Invitation.ID
	if doc.First(`a[href="`+show+`"]`) == nil || doc.First(`a[href="`+show+`/decline"]`) == nil {
		t.Fatal("the invitation has no 查看并确认 or 拒绝")
	}

	// Before the verification there is no password form.
	doc = app.Page(t, show, http.StatusOK)
	webtest.CheckPage(t, ts, show, doc)
	if doc.First(`input[name="password"]`) != nil {
		t.Error("password form before the face verification")
	}
	if got := doc.Must(t, `form[action="`+show+`/verify"] button`).TextContent(); got != "开始人脸识别" {
		t.Errorf("verify button %q", got)
	}

	loc := webtest.Redirected(t, app.Post(t, show+"/verify", url.Values{}))
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(u.Path, "/app/v/") {
		t.Fatalf("verification went to %q", loc)
	}
	sid := strings.TrimPrefix(u.Path, "/app/v/")
	back := show + "?v=" + url.QueryEscape(sid)
	if u.Query().Get("back") != back {
		t.Errorf("way back %q, want %q", u.Query().Get("back"), back)
	}
	sess, err := ts.Verify.Lookup(t.Context(), sid)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Purpose != verify.PurposeAgentConfirm || !sess.Expected.Same(verify.Person{IDType: fx.Agent.IDType, IDNumber: fx.Agent.IDNumber, Name: fx.Agent.Name}) {
		t.Errorf("verification %+v", sess)
	}
	// Still pending: the page offers to continue.
	doc = app.Page(t, back, http.StatusOK)
	if doc.First(`a[href="`+loc+`"]`) == nil {
		t.Error("a pending verification is not offered to continue")
	}

	// The app's screen carries the way back through its answer.
	doc = app.Page(t, loc, http.StatusOK)
	action := doc.Must(t, "form.app-decide").AttrOr("action")
	loc2 := webtest.Redirected(t, app.Post(t, action, url.Values{"decision": {"approve"}}))
	if loc2 != loc {
		t.Errorf("after the answer %q, want %q", loc2, loc)
	}
	doc = app.Page(t, loc2, http.StatusOK)
	if h1 := doc.Must(t, "h1").TextContent(); h1 != "认证成功" {
		t.Fatalf("result %q", h1)
	}
	var backLink string
	for _, a := range doc.All(".app-actions a") {
		if a.TextContent() == "返回继续办理" {
			backLink = a.AttrOr("href")
		}
	}
	if backLink != back {
		t.Fatalf("返回继续办理 → %q, want %q", backLink, back)
	}

	doc = app.Page(t, back, http.StatusOK)
	if doc.Must(t, `input[name="verification"]`).AttrOr("value") != sid {
		t.Error("the form does not carry the verification")
	}
	doc.Must(t, "#f-password")
	doc.Must(t, "#f-confirm")

	// Refused passwords: messages beside the fields, nothing spent.
	for _, tc := range []struct {
		pw, confirm, field, msg string
	}{
		{"", "", "password", delegation.MsgPasswordMissing},
		{webtest.AgentPassword, webtest.AgentPassword + "x", "confirm", delegation.MsgPasswordMismatch},
		{"short", "short", "password", ""},
		{fx.Agent.IDNumber + "aA", fx.Agent.IDNumber + "aA", "password", ""},
	} {
		doc := webtest.Parsed(t, app.Post(t, show, url.Values{"verification": {sid}, "password": {tc.pw}, "confirm": {tc.confirm}}), http.StatusUnprocessableEntity)
		got := webtest.FieldError(t, doc, tc.field)
		if got == "" || (tc.msg != "" && got != tc.msg) {
			t.Errorf("password %q/%q: %s message %q, want %q", tc.pw, tc.confirm, tc.field, got, tc.msg)
		}
		if doc.Must(t, `input[name="verification"]`).AttrOr("value") != sid {
			t.Error("a refused password lost the verification")
		}
		if doc.Must(t, "#f-password").AttrOr("value") != "" {
			t.Error("the password is echoed back")
		}
	}
	if s, _ := ts.Verify.Lookup(t.Context(), sid); !s.ConsumedAt.IsZero() {
		t.Error("a refused password spent the verification")
	}
	if m, _ := webtest.MembershipOf(t, ts, fx.Unit.ID, fx.Agent.ID); m.Status != unit.StatusPending {
		t.Errorf("membership %s after refusals", m.Status)
	}

	webtest.WantRedirect(t, "confirm", app.Post(t, show, url.Values{"verification": {sid}, "password": {webtest.AgentPassword}, "confirm": {webtest.AgentPassword}}),
		"/app/me/agent?notice=confirmed")
	m, err := webtest.MembershipOf(t, ts, fx.Unit.ID, fx.Agent.ID)
	if err != nil || m.Status != unit.StatusActive || m.PasswordHash == "" || m.ConfirmedAt == nil {
		t.Fatalf("membership after confirm: %+v %v", m, err)
	}
	if s, _ := ts.Verify.Lookup(t.Context(), sid); s.ConsumedAt.IsZero() {
		t.Error("the verification was not spent")
	}
	entries, _, err := ts.Audit.List(t.Context(), audit.Filter{UnitID: fx.Unit.ID, Action: "delegation.confirm"})
	if err != nil || len(entries) != 1 || entries[0].PersonID != fx.Agent.ID {
		t.Errorf("audit of the confirmation: %v %v", entries, err)
	}
	doc = app.Page(t, "/app/me/agent?notice=confirmed", http.StatusOK)
	if !strings.Contains(doc.Must(t, ".alert-success").TextContent(), "已确认授权") || doc.First(".agt-invitation") != nil {
		t.Error("after confirming: no notice, or the invitation is still listed")
	}
	// The invitation is answered: its page is gone.
	doc = app.Page(t, show, http.StatusNotFound)
	if !strings.Contains(webtest.TopError(doc), delegation.ErrInvitationNotFound.Msg) {
		t.Errorf("answered invitation: %q", webtest.TopError(doc))
	}

	// The new unit password logs in (L1) with the person's ID number.
	desk := webtest.NewClient(ts)
	webtest.WantRedirect(t, "unit login", desk.Post(t, "/login/unit", url.Values{"account": {fx.Unit.USCC}, "login": {fx.Agent.IDNumber},
		"password": {webtest.AgentPassword}}), "/unit/")
}

// TestInvitationAppVerificationRequired: no verification, one of another login, and one that
// failed are all refused without activating anything; another person cannot see,
// verify for, confirm or decline the invitation.
func TestInvitationAppVerificationRequired(t *testing.T) {
	ts := webtest.NewTestServer(t)
	fx := webtest.Invite(t, ts, 502, "SB-001")
	show := "/app/me/agent/" + fx.Invitation.ID
	app := webtest.NewClient(ts)
	webtest.AgentAppLogin(t, app, fx.Agent)
	good := url.Values{"password": {webtest.AgentPassword}, "confirm": {webtest.AgentPassword}}

	doc := webtest.Parsed(t, app.Post(t, show, good), http.StatusUnprocessableEntity)
	if webtest.TopError(doc) != invitationMsgVerifyFirst {
		t.Errorf("no verification: %q", webtest.TopError(doc))
	}
	if doc.First(`form[action="`+show+`/verify"]`) == nil {
		t.Error("no way to start the verification")
	}

	// A verification passed in another app login is not this one's.
	other := webtest.NewClient(ts)
	webtest.AgentAppLogin(t, other, fx.Agent)
	loc := webtest.Redirected(t, other.Post(t, show+"/verify", url.Values{}))
	sid := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/app/v/")
	webtest.Redirected(t, other.Post(t, "/app/v/"+sid, url.Values{"decision": {"approve"}}))
	withSid := webtest.CloneForm(good)
	withSid.Set("verification", sid)
	doc = webtest.Parsed(t, app.Post(t, show, withSid), http.StatusUnprocessableEntity)
	if webtest.TopError(doc) != invitationMsgVerifyFirst {
		t.Errorf("another login's verification: %q", webtest.TopError(doc))
	}
	if s, _ := ts.Verify.Lookup(t.Context(), sid); !s.ConsumedAt.IsZero() {
		t.Error("another login's verification was spent")
	}
	if doc := app.Page(t, show+"?v="+url.QueryEscape(sid), http.StatusOK); doc.First(`input[name="password"]`) != nil {
		t.Error("another login's verification opens the password form")
	}

	// A refused face check: the page says so and offers a new one.
	loc = webtest.Redirected(t, app.Post(t, show+"/verify", url.Values{}))
	sid = strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/app/v/")
	webtest.Redirected(t, app.Post(t, "/app/v/"+sid, url.Values{"decision": {"refuse"}}))
	doc = app.Page(t, show+"?v="+url.QueryEscape(sid), http.StatusOK)
	if !strings.Contains(doc.Must(t, ".alert-error").TextContent(), verify.NoteRefused) || doc.First(`input[name="password"]`) != nil {
		t.Error("a failed verification is not reported, or opens the form")
	}
	withSid.Set("verification", sid)
	webtest.Parsed(t, app.Post(t, show, withSid), http.StatusUnprocessableEntity)
	if m, _ := webtest.MembershipOf(t, ts, fx.Unit.ID, fx.Agent.ID); m.Status != unit.StatusPending {
		t.Fatalf("membership %s without a passed verification", m.Status)
	}

	// Someone else: nothing of the invitation is theirs.
	stranger := fx.World.Person(t, "钟离安")
	sc := webtest.NewClient(ts)
	webtest.AgentAppLogin(t, sc, stranger)
	if doc := sc.Page(t, "/app/me/agent", http.StatusOK); doc.First(".agt-invitation") != nil {
		t.Error("a stranger sees the invitation")
	}
	for _, tc := range []struct{ method, target string }{
		{"GET", show}, {"POST", show + "/verify"}, {"POST", show}, {"GET", show + "/decline"}, {"POST", show + "/decline"},
		{"GET", "/app/me/agent/not-an-invitation"}, {"POST", "/app/me/agent/" + strings.Repeat("0", 32) + "/decline"},
	} {
		var form url.Values
		if tc.method == "POST" {
			form = good
		}
		doc := webtest.Parsed(t, sc.Do(t, tc.method, tc.target, form, nil), http.StatusNotFound)
		if webtest.TopError(doc) != delegation.ErrInvitationNotFound.Msg {
			t.Errorf("%s %s by a stranger: %q", tc.method, tc.target, webtest.TopError(doc))
		}
	}
	if m, _ := webtest.MembershipOf(t, ts, fx.Unit.ID, fx.Agent.ID); m.Status != unit.StatusPending {
		t.Errorf("membership %s after a stranger's requests", m.Status)
	}
	// Signed out: the app's login, and back.
	anon := webtest.NewClient(ts)
	if loc := webtest.Redirected(t, anon.Get(t, show)); loc != "/app/login?next="+url.QueryEscape(show) {
		t.Errorf("anonymous → %q", loc)
	}
}

// TestInvitationAppDecline: 拒绝 asks first; the confirmed refusal revokes the pending grant.
func TestInvitationAppDecline(t *testing.T) {
	ts := webtest.NewTestServer(t)
	fx := webtest.Invite(t, ts, 503, "SB-001")
	show := "/app/me/agent/" + fx.Invitation.ID
	app := webtest.NewClient(ts)
	webtest.AgentAppLogin(t, app, fx.Agent)

	doc := app.Page(t, show+"/decline", http.StatusOK)
	webtest.CheckPage(t, ts, show+"/decline", doc)
	if !strings.Contains(doc.Must(t, ".alert-warning").TextContent(), fx.Unit.Name) {
		t.Error("the confirm step does not name the unit")
	}
	if got := doc.Must(t, `form[action="`+show+`/decline"] button`).TextContent(); got != "确认拒绝" {
		t.Errorf("button %q", got)
	}
	if m, _ := webtest.MembershipOf(t, ts, fx.Unit.ID, fx.Agent.ID); m.Status != unit.StatusPending {
		t.Fatal("showing the confirm step changed the membership")
	}
	webtest.WantRedirect(t, "decline", app.Post(t, show+"/decline", url.Values{}), "/app/me/agent?notice=declined")
	if _, err := webtest.MembershipOf(t, ts, fx.Unit.ID, fx.Agent.ID); !errors.Is(err, unit.ErrNotFound) {
		t.Errorf("membership after declining: %v", err)
	}
	doc = app.Page(t, "/app/me/agent?notice=declined", http.StatusOK)
	if !strings.Contains(doc.Must(t, ".alert-success").TextContent(), "已拒绝") || doc.First(".agt-invitation") != nil {
		t.Error("after declining: no notice, or the invitation is still listed")
	}
	doc = webtest.Parsed(t, app.Post(t, show+"/decline", url.Values{}), http.StatusNotFound)
	if webtest.TopError(doc) != delegation.ErrInvitationNotFound.Msg {
		t.Errorf("second decline: %q", webtest.TopError(doc))
	}
}

// TestInvitationMePointer: the personal center points a person with invitations to the app,
// with a QR code of the app's 我是经办人; others see nothing of it.
func TestInvitationMePointer(t *testing.T) {
	ts := webtest.NewTestServer(t)
	fx := webtest.Invite(t, ts, 504, "SB-001")
	c := webtest.NewClient(ts)
	invitationPersonLogin(t, c, fx.Agent)
	doc := c.Page(t, "/me", http.StatusOK)
	webtest.CheckPage(t, ts, "/me", doc)
	if got := doc.Must(t, ".agt-pointer h2").TextContent(); got != "您有 1 个待确认的单位授权" {
		t.Errorf("pointer %q", got)
	}
	src := doc.Must(t, `.agt-pointer img[alt="我是经办人二维码"]`).AttrOr("src")
	png, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/png;base64,"))
	if err != nil {
		t.Fatalf("QR image: %v", err)
	}
	link, err := qr.Decode(png)
	if err != nil || link != ts.Config.BaseURL+"/app/me/agent" {
		t.Errorf("QR code %q (%v)", link, err)
	}

	rep := webtest.NewClient(ts)
	invitationPersonLogin(t, rep, fx.Rep)
	if doc := rep.Page(t, "/me", http.StatusOK); doc.First(".agt-pointer") != nil {
		t.Error("a person without invitations is pointed to the app")
	}
	webtest.ConfirmInvitation(t, ts, fx.Invitation.ID, fx.Agent, webtest.AgentPassword)
	if doc := c.Page(t, "/me", http.StatusOK); doc.First(".agt-pointer") != nil {
		t.Error("the pointer stays after confirming")
	}
}

// invitationPersonLogin signs c in on the PC as p (personal login).
func invitationPersonLogin(t testing.TB, c *webtest.Client, p person.Person) {
	t.Helper()
	webtest.Redirected(t, c.Post(t, "/login/person", url.Values{"login": {p.IDNumber}, "password": {webtest.Password}}))
}

func TestInvitationVerifyBack(t *testing.T) {
	inv := "/app/me/agent/" + strings.Repeat("a", 32)
	sid := token.New() // a verification session ID
	for _, tc := range []struct{ back, want string }{
		{"", ""},
		{inv, inv},
		{inv + "?v=" + sid, inv + "?v=" + sid},
		{inv + "?v=abc", ""},
		{"/app/me/agent", ""},
		{"/app/me/legal-rep", ""},
		{"/app/", ""},
		{"/me", ""},
		{"https://evil.example/app/me/agent/x", ""},
		{"//evil.example/app/me/agent/x", ""},
		{"/app/me/agent/\\evil", ""},
		{"/app/me/agent/\t/x", ""},
		{inv + "/../../../me", ""},
		{"/app/me/agent/" + strings.Repeat("a", 31) + "%2e", ""},
		{"/app/me/agent/zz", ""},
		{inv + "?v=" + sid + "&next=/x", ""},
		{inv + "?v=a%2Fb", ""},
	} {
		r, _ := http.NewRequest("GET", "/app/v/x?back="+url.QueryEscape(tc.back), nil)
		if got := invitationVerifyBack(r); got != tc.want {
			t.Errorf("back %q → %q, want %q", tc.back, got, tc.want)
		}
	}
}

func FuzzInvitationVerifyBack(f *testing.F) {
	for _, s := range []string{"/app/me/agent/x", "//x", "/app/me/agent/\\x", "https://x/app/me/agent/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, back string) {
		r, err := http.NewRequest("GET", "/app/v/x?back="+url.QueryEscape(back), nil)
		if err != nil {
			t.Skip()
		}
		got := invitationVerifyBack(r)
		id, _, _ := strings.Cut(strings.TrimPrefix(got, "/app/me/agent/"), "?")
		if got != "" && (!strings.HasPrefix(got, "/app/me/agent/") || web.LocalPath(got) != got || !delegation.ValidInvitationID(id)) {
			t.Errorf("back %q accepted as %q", back, got)
		}
	})
}

func TestInvitationValidity(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, web.Shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	for _, tc := range []struct {
		from, until time.Time
		want        string
	}{
		{time.Time{}, time.Time{}, "长期有效"},
		{at("2026-05-01 00:30"), time.Time{}, "2026-05-01 起长期有效"},
		{time.Time{}, at("2026-06-01 23:59"), "至 2026-06-01 23:59"},
		{time.Time{}, at("2026-06-02 00:00"), "至 2026-06-01"}, // the midnight after the last day
		{at("2026-05-01 00:30"), at("2026-05-31 08:00"), "2026-05-01 至 2026-05-31 08:00"},
		{at("2026-05-01 00:30"), at("2026-06-01 00:00"), "2026-05-01 至 2026-05-31"},
	} {
		if got := invitationValidity(tc.from, tc.until); got != tc.want {
			t.Errorf("agtValidity(%v, %v) = %q, want %q", tc.from, tc.until, got, tc.want)
		}
	}
}
