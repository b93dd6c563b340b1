package unitdelegation

import (
	"fmt"
	"hall/internal/web"
	"hall/internal/web/webtest"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/auth"
	"hall/internal/unit"
)

// reauthForm reads the re-authentication page's form: its action and every
// Field it carries, with password as the password typed.
func reauthForm(t *testing.T, doc *webtest.HTMLNode, password string) (string, url.Values) {
	t.Helper()
	form := doc.Must(t, "form.acs-form")
	v := url.Values{}
	for _, in := range form.All(`input[type=hidden]`) {
		v.Add(in.AttrOr("name"), in.AttrOr("value"))
	}
	form.Must(t, "input[type=password][name="+web.FreshProofField+"]")
	v.Set(web.FreshProofField, password)
	return form.AttrOr("action"), v
}

// TestDelegationReauthAddAgent: a legal rep whose proof is older than the window adds an
// Agent. The hall asks for the personal password before anything changes, keeps
// every field of the form, refuses a wrong password, and on the right one adds the
// Agent exactly as filled in; the next change within the window goes straight on.
func TestDelegationReauthAddAgent(t *testing.T) {
	f := newFixture(t, 91)
	nominee := f.w.Person(t, "苗清远")
	f.clk.Advance(web.FreshProofWindow + time.Minute)
	typed := agentForm(nominee, []string{"SB-001", "SB-002"}, date(0), date(30))

	rec := f.c.Post(t, "/unit/agents/new", typed)
	if rec.Code != http.StatusOK {
		t.Fatalf("a change without a recent proof: %d\n%s", rec.Code, webtest.ShortBody(rec.Body.String()))
	}
	if _, ok := currentMembership(t, f.ts, f.u.ID, nominee.ID); ok {
		t.Fatal("the agent was added before re-authentication")
	}
	doc := webtest.ParseHTML(t, rec.Body.String())
	webtest.CheckPage(t, f.ts, "/unit/agents/new", doc)
	if h := doc.Must(t, "h1").TextContent(); h != "验证身份" {
		t.Errorf("heading %q", h)
	}
	if l := doc.Must(t, "label[for=f-"+web.FreshProofField+"]").TextContent(); !strings.Contains(l, "登录密码") {
		t.Errorf("the legal rep is asked for %q", l)
	}
	action, carried := reauthForm(t, doc, "Wrong-Pass-2026")
	if action != "/unit/agents/new" {
		t.Errorf("the page posts to %q", action)
	}
	for name, want := range typed {
		if got := carried[name]; !slices.Equal(got, want) {
			t.Errorf("field %s carried as %q, want %q", name, got, want)
		}
	}

	rec = f.c.Post(t, action, carried)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("wrong password: %d", rec.Code)
	}
	doc = webtest.ParseHTML(t, rec.Body.String())
	if got := doc.Must(t, "#e-"+web.FreshProofField).TextContent(); got != web.FreshProofWrongMessage {
		t.Errorf("wrong password message %q", got)
	}
	if _, ok := currentMembership(t, f.ts, f.u.ID, nominee.ID); ok {
		t.Fatal("the agent was added with a wrong password")
	}

	action, carried = reauthForm(t, doc, webtest.Password)
	follow(t, f.c, f.c.Post(t, action, carried), "agent_added")
	row, ok := currentMembership(t, f.ts, f.u.ID, nominee.ID)
	if !ok || row.Role != "agent" || row.Status != "pending" {
		t.Fatalf("after re-authentication the nominee is %+v (%v)", row, ok)
	}
	if g := grants(t, f.ts, row.ID); !slices.Equal(g, []string{"SB-001", "SB-002"}) {
		t.Errorf("grants %v", g)
	}
	if s, err := f.ts.Sessions.Lookup(t.Context(), f.c.Session()); err != nil || s.Proof != auth.ProofPassword ||
		!s.ProvedWithin(time.Second, f.ts.Now()) {
		t.Errorf("the session's proof after re-authentication: %+v, %v", s, err)
	}

	// Within the window the next change needs nothing more.
	f.clk.Advance(web.FreshProofWindow - time.Minute)
	edit := url.Values{"items": {"SB-002"}, "valid_from": {""}, "valid_until": {date(20)}}
	follow(t, f.c, f.c.Post(t, "/unit/agents/"+strconv.FormatInt(row.ID, 10)+"/edit", edit), "agent_changed")
}

// TestDelegationReauthAdmin: an administrator re-authenticates with the unit password,
// not the personal one; a session without any recorded proof (opened before proofs
// were recorded) is asked too, and removing an agent waits for it.
func TestDelegationReauthAdmin(t *testing.T) {
	f := newFixture(t, 92)
	admin, _ := f.member(t, f.u, "钟望舒", unit.RoleAdmin, clockStart.AddDate(1, 0, 0))
	agent, m := f.member(t, f.u, "卓知行", unit.RoleAgent, clockStart.AddDate(0, 1, 0))
	c := webtest.NewClient(f.ts)
	webtest.SignInBy(t, c, webtest.UnitSubject(admin, f.u, unit.RoleAdmin), auth.ProofNone)
	path := "/unit/agents/" + strconv.FormatInt(m.ID, 10) + "/remove"

	rec := c.Post(t, path, url.Values{})
	if rec.Code != http.StatusOK {
		t.Fatalf("removal without a proof: %d", rec.Code)
	}
	doc := webtest.ParseHTML(t, rec.Body.String())
	if l := doc.Must(t, "label[for=f-"+web.FreshProofField+"]").TextContent(); !strings.Contains(l, "经办密码") {
		t.Errorf("the administrator is asked for %q", l)
	}
	action, carried := reauthForm(t, doc, webtest.Password) // the personal password is not the admin's
	if rec := c.Post(t, action, carried); rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("the personal password: %d", rec.Code)
	}
	if st := membershipStatus(t, f.ts, m.ID); st != "active" {
		t.Fatalf("the agent is %s before re-authentication", st)
	}
	carried.Set(web.FreshProofField, unitPassword)
	follow(t, c, c.Post(t, action, carried), "agent_removed")
	if st := membershipStatus(t, f.ts, m.ID); st != "revoked" {
		t.Errorf("agent %s is %s after the removal", agent.Name, st)
	}
}

// TestDelegationReauthPasswordChangedDuringCheck: the session records the new
// proof only while the password the page verified is still the stored one. A
// change that lands after the check and before the proof is recorded (a trigger
// on the login throttle's success, which comes between the two, stands for that
// writer) is answered as a wrong password: nothing is changed, the proof stays as
// old as it was.
func TestDelegationReauthPasswordChangedDuringCheck(t *testing.T) {
	f := newFixture(t, 93)
	nominee := f.w.Person(t, "苗清和")
	f.clk.Advance(web.FreshProofWindow + time.Minute)
	before, err := f.ts.Sessions.Lookup(t.Context(), f.c.Session())
	if err != nil {
		t.Fatal(err)
	}
	rec := f.c.Post(t, "/unit/agents/new", agentForm(nominee, []string{"SB-001"}, date(0), date(30)))
	if rec.Code != http.StatusOK {
		t.Fatalf("a change without a recent proof: %d", rec.Code)
	}
	action, carried := reauthForm(t, webtest.ParseHTML(t, rec.Body.String()), webtest.Password)
	webtest.AnotherWriter(t, f.ts, "replace_password", "DELETE ON throttle_counters",
		fmt.Sprintf("UPDATE persons SET password_hash = 'replaced' || password_hash WHERE id = %d", f.rep.ID))
	rec = f.c.Post(t, action, carried)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("the right password, changed during the check: %d\n%s", rec.Code, webtest.ShortBody(rec.Body.String()))
	}
	if got := webtest.ParseHTML(t, rec.Body.String()).Must(t, "#e-"+web.FreshProofField).TextContent(); got != web.FreshProofWrongMessage {
		t.Errorf("message %q, want %q", got, web.FreshProofWrongMessage)
	}
	if _, ok := currentMembership(t, f.ts, f.u.ID, nominee.ID); ok {
		t.Fatal("the agent was added on a password changed during the check")
	}
	after, err := f.ts.Sessions.Lookup(t.Context(), f.c.Session())
	if err != nil || after.Proof != before.Proof || !after.ProvedAt.Equal(before.ProvedAt) {
		t.Errorf("the proof after the refusal: %q at %v (%v), want %q at %v", after.Proof, after.ProvedAt, err,
			before.Proof, before.ProvedAt)
	}
}
