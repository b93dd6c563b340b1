package admin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hall/internal/counter"
	"hall/internal/person"
	"hall/internal/staff"
	"hall/internal/web/webtest"
)

// resetForm is the 窗口重置密码 form for p.
func resetForm(p person.Person) url.Values {
	return url.Values{"id_type": {string(p.IDType)}, "id_number": {p.IDNumber}, "name": {p.Name},
		"reason": {"本人持身份证原件到窗口申请重置密码"}}
}

// Roles that may not do something get 403 with the domain's Chinese sentence, on
// the page and on the command.
func TestCounterRoleRefusals(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	p := webtest.NewWorld(ts, 11).Person(t, "钱玉兰")
	clerk, reviewer, auditor := tm.signIn(t, ts)

	refusals := []struct {
		name string
		send func() *http.Response
	}{
		{"auditor opens the reset form", func() *http.Response { return auditor.Get(t, "/admin/counter/password-reset").Result() }},
		{"auditor lists counter requests", func() *http.Response { return auditor.Get(t, "/admin/counter/").Result() }},
		{"reviewer opens the reset form", func() *http.Response { return reviewer.Get(t, "/admin/counter/password-reset").Result() }},
		{"reviewer submits a reset", func() *http.Response {
			return reviewer.postFile(t, "/admin/counter/password-reset", resetForm(p), "id.png", webtest.ScanPNG(t)).Result()
		}},
	}
	for _, r := range refusals {
		res := r.send()
		body := readBody(t, res)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, staff.DenyRole.Msg) {
			t.Errorf("%s: status %d, want 403 with %q\n%s", r.name, res.StatusCode, staff.DenyRole.Msg, webtest.ShortBody(body))
		}
		// In the back office's layout, leading back to its home page.
		if doc := webtest.ParseHTML(t, body); doc.First(`a[href="/admin/"]`) == nil || doc.First(`a[href="/catalog"]`) != nil {
			t.Errorf("%s: the refusal is not in the back office's layout", r.name)
		}
	}

	rec := clerk.postFile(t, "/admin/counter/password-reset", resetForm(p), "id.png", webtest.ScanPNG(t))
	webtest.WantStatus(t, "clerk submits", rec, http.StatusSeeOther)
	target := rec.Header().Get("Location")
	rec = clerk.Post(t, target+"/approve", url.Values{"reason": {"材料齐全"}})
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), staff.DenyRole.Msg) {
		t.Errorf("clerk approves: status %d, want 403 with the role message", rec.Code)
	}
}

// The clerk's form: each refusal beside its field; a request recorded once.
func TestPasswordResetFormRefusals(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 12)
	p := w.Person(t, "孙立伟")
	clerk := newStaffClient(ts)
	clerk.login(t, tm.clerk)

	unknown := resetForm(p)
	unknown.Set("id_number", w.IDNumber())
	otherName := resetForm(p)
	otherName.Set("name", "孙立新")
	noReason := resetForm(p)
	noReason.Del("reason")
	executable := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 200)...)
	cases := []struct {
		name  string
		form  url.Values
		file  []byte
		field string
		want  string
	}{
		{"no scan", resetForm(p), nil, "scan", counter.ErrScanMissing.Msg},
		{"renamed executable", resetForm(p), executable, "scan", ""},
		{"unknown ID number", unknown, webtest.ScanPNG(t), "id_number", counter.ErrPersonNotFound.Msg},
		{"other name", otherName, webtest.ScanPNG(t), "name", counter.ErrNameMismatch.Msg},
		{"no reason", noReason, webtest.ScanPNG(t), "reason", staff.ErrReasonRequired.Msg},
	}
	for _, tc := range cases {
		rec := clerk.postFile(t, "/admin/counter/password-reset", tc.form, "id.png", tc.file)
		webtest.WantStatus(t, tc.name, rec, http.StatusOK)
		doc := webtest.ParseHTML(t, rec.Body.String())
		got := doc.Must(t, "#e-"+tc.field).TextContent()
		if tc.want != "" && got != tc.want {
			t.Errorf("%s: %q beside %s, want %q", tc.name, got, tc.field, tc.want)
		}
	}
	webtest.WantStatus(t, "submit", clerk.postFile(t, "/admin/counter/password-reset", resetForm(p), "id.png", webtest.ScanPNG(t)),
		http.StatusSeeOther)
	rec := clerk.postFile(t, "/admin/counter/password-reset", resetForm(p), "id.png", webtest.ScanPNG(t))
	if doc := webtest.ParseHTML(t, rec.Body.String()); doc.Must(t, ".alert-error").TextContent() != counter.ErrOpen.Msg {
		t.Errorf("second request for the same person: no %q", counter.ErrOpen.Msg)
	}
}

// A scan over the size limit is refused before the handler reads it.
func TestPasswordResetScanTooLarge(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	p := webtest.NewWorld(ts, 13).Person(t, "周雅琴")
	clerk := newStaffClient(ts)
	clerk.login(t, tm.clerk)
	rec := clerk.postFile(t, "/admin/counter/password-reset", resetForm(p), "id.png", make([]byte, uploadBodyLimit+1))
	webtest.WantStatus(t, "oversized scan", rec, http.StatusRequestEntityTooLarge)
}

// Nobody approves their own request: an account that is clerk and reviewer sees
// the domain's refusal; another reviewer approves, and the old password is gone.
func TestApproveNotOwnWork(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	ctx := context.Background()
	security := staff.Actor{StaffID: tm.security.Staff.ID, Login: tm.security.Staff.Login, Roles: tm.security.Staff.Roles}
	both, err := ts.Staff.Create(ctx, security, staff.NewStaff{Login: "counter.both", Name: "综合员戊",
		Roles: staff.RolesOf(staff.RoleClerk, staff.RoleReviewer)}, "兼任经办和审核")
	if err != nil {
		t.Fatal(err)
	}
	p := webtest.NewWorld(ts, 14).Person(t, "吴海燕")
	c := newStaffClient(ts)
	c.login(t, staffMember{both})
	rec := c.postFile(t, "/admin/counter/password-reset", resetForm(p), "id.png", webtest.ScanPNG(t))
	webtest.WantStatus(t, "submit", rec, http.StatusSeeOther)
	target := rec.Header().Get("Location")
	rec = c.Post(t, target+"/approve", url.Values{"reason": {"材料齐全"}})
	webtest.WantStatus(t, "own approval", rec, http.StatusForbidden)
	if doc := webtest.ParseHTML(t, rec.Body.String()); doc.Must(t, ".alert-error").TextContent() != staff.DenyOwnWork.Msg {
		t.Errorf("own approval: no %q", staff.DenyOwnWork.Msg)
	}

	reviewer := newStaffClient(ts)
	reviewer.login(t, tm.reviewer)
	rec = reviewer.Post(t, target+"/approve", url.Values{"reason": {""}})
	if doc := webtest.ParseHTML(t, rec.Body.String()); doc.Must(t, "#e-reason").TextContent() != staff.ErrReasonRequired.Msg {
		t.Errorf("approval without a reason: no message beside it")
	}
	webtest.WantRedirect(t, "approve", reviewer.Post(t, target+"/approve", url.Values{"reason": {"证件与账户一致"}}), target)
	doc := webtest.ParseHTML(t, reviewer.Get(t, target).Body.String())
	if got := doc.Must(t, "[data-status]").TextContent(); got != "已办结" {
		t.Errorf("status after approval %q", got)
	}
	if _, err := ts.Persons.Authenticate(ctx, p.IDNumber, webtest.Password); !errors.Is(err, person.ErrBadCredentials) {
		t.Errorf("old password after the reset: %v, want ErrBadCredentials", err)
	}
	webtest.WantStatus(t, "approve again", reviewer.Post(t, target+"/approve", url.Values{"reason": {"再次"}}), http.StatusOK)

	// The SMS did not arrive: a clerk sends a new initial password, with a reason;
	// a reviewer may not.
	if rec := reviewer.Post(t, target+"/resend", url.Values{"reason": {"本人未收到"}}); rec.Code != http.StatusForbidden {
		t.Errorf("reviewer resends: %d, want 403", rec.Code)
	}
	doc = webtest.ParseHTML(t, c.Get(t, target).Body.String())
	doc.Must(t, `form[action$="/resend"]`)
	rec = c.Post(t, target+"/resend", url.Values{"reason": {""}})
	if got := webtest.ParseHTML(t, rec.Body.String()).Must(t, "#e-reason").TextContent(); got != staff.ErrReasonRequired.Msg {
		t.Errorf("resend without a reason: %q", got)
	}
	webtest.WantRedirect(t, "resend", c.Post(t, target+"/resend", url.Values{"reason": {"本人来电称未收到短信"}}), target+"?sent=1")
	if sent := len(webtest.SMSTexts(t, ts, p.Mobile, counter.PurposeInitialPassword)); sent != 2 {
		t.Errorf("%d initial-password messages, want 2", sent)
	}
}

func readBody(t testing.TB, res *http.Response) string {
	t.Helper()
	var b strings.Builder
	if _, err := io.Copy(&b, res.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A reviewer rejects with a reason (nothing changes for the person); the scan is
// a download for clerks and reviewers only, never shown inline.
func TestRejectAndScanDownload(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	p := webtest.NewWorld(ts, 15).Person(t, "冯春梅")
	clerk, reviewer, auditor := tm.signIn(t, ts)
	png := webtest.ScanPNG(t)
	// A path in the declared name never reaches the store: the multipart reader keeps
	// the last element only (and scans.CheckName would refuse it).
	rec := clerk.postFile(t, "/admin/counter/password-reset", resetForm(p), "../../etc/id.png", png)
	webtest.WantStatus(t, "submit", rec, http.StatusSeeOther)
	target := rec.Header().Get("Location")

	doc := webtest.ParseHTML(t, reviewer.Get(t, target).Body.String())
	download := doc.Must(t, `a[href^="/admin/scans/"]`).AttrOr("href")
	rec = reviewer.Get(t, download)
	webtest.WantStatus(t, "download", rec, http.StatusOK)
	if rec.Header().Get("Content-Type") != "image/png" || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment;") ||
		rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Body.String() != string(png) {
		t.Errorf("download headers %v", rec.Header())
	}
	if rec := auditor.Get(t, download); rec.Code != http.StatusForbidden {
		t.Errorf("auditor downloads a scan: %d, want 403", rec.Code)
	}
	webtest.WantStatus(t, "public listener", ts.Get(t, download), http.StatusNotFound)

	webtest.WantRedirect(t, "reject", reviewer.Post(t, target+"/reject", url.Values{"reason": {"证件照片不清晰"}}), target)
	doc = webtest.ParseHTML(t, clerk.Get(t, target).Body.String())
	if got := doc.Must(t, "[data-status]").TextContent(); got != "已退回" || !strings.Contains(doc.TextContent(), "证件照片不清晰") {
		t.Errorf("after rejection: status %q", got)
	}
	if _, err := ts.Persons.Authenticate(context.Background(), p.IDNumber, webtest.Password); err != nil {
		t.Errorf("the password after a rejected reset: %v", err)
	}
}
