package admin

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hall/internal/audit"
	"hall/internal/counter"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/scans"
	"hall/internal/staff"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// registrationFixture is a unit that comes to the counter: its licence, its legal
// rep (who has no account yet) and the registered person it names administrator.
type registrationFixture struct {
	USCC, Name       string
	RepName, RepID   string
	RepMobile        string
	Admin            person.Person
	AdminUntil       string // 2006-01-02
	licence, id, aut []byte
}

func newRegistrationFixture(t testing.TB, w *webtest.World, unitName, repName, adminName string) registrationFixture {
	t.Helper()
	return registrationFixture{USCC: ident.GenerateUSCC(w.Generator, "320102"), Name: unitName, RepName: repName,
		RepID: w.IDNumber(), RepMobile: w.Mobile(), Admin: w.Person(t, adminName),
		AdminUntil: time.Now().In(web.Shanghai).AddDate(1, 0, 0).Format("2006-01-02"),
		licence:    webtest.ScanPNG(t), id: webtest.ScanPNG(t), aut: webtest.ScanPNG(t)}
}

// form is the 单位窗口注册 form of the fixture, the administrator included.
func (fx registrationFixture) form() url.Values {
	return url.Values{"uscc": {fx.USCC}, "unit_name": {fx.Name}, "unit_type": {"enterprise"}, "address": {"南京市玄武区示范路8号"},
		"rep_name": {fx.RepName}, "rep_id_type": {string(ident.IDTypeResident)}, "rep_id_number": {fx.RepID},
		"rep_mobile": {fx.RepMobile}, "admin_name": {fx.Admin.Name}, "admin_id_type": {string(fx.Admin.IDType)},
		"admin_id_number": {fx.Admin.IDNumber}, "admin_mobile": {fx.Admin.Mobile}, "admin_until": {fx.AdminUntil},
		"reason": {"法定代表人委托经办人持营业执照副本到窗口办理"}}
}

// files are the three scans.
func (fx registrationFixture) files() []webtest.FormFile {
	return []webtest.FormFile{{Field: "licence_scan", Name: "营业执照.png", Body: fx.licence},
		{Field: "id_scan", Name: "身份证.png", Body: fx.id}, {Field: "authorization_scan", Name: "授权委托书.png", Body: fx.aut}}
}

// initialPassword finds the one-time password in the last SMS to mobile.
func initialPassword(t testing.TB, ts *webtest.TestServer, mobile string) string {
	t.Helper()
	msg, err := ts.DevOutbox.Latest(context.Background(), mobile)
	if err != nil {
		t.Fatalf("no SMS to %s: %v", ident.MaskMobile(mobile), err)
	}
	m := regexp.MustCompile(`初始密码：(\S+) `).FindStringSubmatch(msg.Text)
	if m == nil {
		t.Fatalf("no initial password in %q", msg.Text)
	}
	return m[1]
}

// A clerk records the unit, a reviewer approves: the unit's account exists, the
// legal rep's personal account is opened with the password the SMS carries (to be
// changed at the first login), the administrator is invited, and every step is in
// the audit log with the staff member, the role and the reason.
func TestUnitRegistrationThroughReview(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	fx := newRegistrationFixture(t, webtest.NewWorld(ts, 31), "示范窗口开户有限公司", "欧阳建国", "诸葛晓燕")
	clerk, reviewer, _ := tm.signIn(t, ts)
	ctx := context.Background()

	home := webtest.ParseHTML(t, clerk.Get(t, "/admin/").Body.String())
	home.Must(t, `a[href="/admin/counter/unit-registration"]`)
	clerk.Get(t, "/admin/counter/unit-registration")
	rec := clerk.PostFiles(t, "/admin/counter/unit-registration", fx.form(), fx.files()...)
	webtest.WantStatus(t, "submit", rec, http.StatusSeeOther)
	target := rec.Header().Get("Location")

	doc := webtest.ParseHTML(t, reviewer.Get(t, target).Body.String())
	text := doc.TextContent()
	for _, want := range []string{"单位窗口注册", "待审核", fx.Name, fx.USCC, fx.RepName, ident.MaskID(fx.RepID), ident.MaskMobile(fx.RepMobile),
		fx.Admin.Name, fx.AdminUntil, "下载营业执照", "下载身份证件", "下载授权委托书"} {
		if !strings.Contains(text, want) {
			t.Errorf("the request page lacks %q", want)
		}
	}
	if got := doc.Must(t, "[data-rep-account]").TextContent(); got != repAccountNew {
		t.Errorf("the legal rep's account: %q", got)
	}
	if strings.Contains(text, fx.RepID) {
		t.Error("the request page shows the legal rep's ID number in full")
	}
	if _, err := ts.Units.ByAccount(ctx, fx.USCC); err == nil {
		t.Fatal("the unit has an account before approval")
	}

	webtest.WantRedirect(t, "approve", reviewer.Post(t, target+"/approve", url.Values{"reason": {"证照原件与填写一致"}}), target)
	doc = webtest.ParseHTML(t, reviewer.Get(t, target).Body.String())
	if got := doc.Must(t, "[data-status]").TextContent(); got != "已办结" {
		t.Errorf("status %q", got)
	}
	u, err := ts.Units.ByAccount(ctx, fx.USCC)
	if err != nil {
		t.Fatalf("the unit after approval: %v", err)
	}
	text = doc.TextContent()
	for _, want := range []string{"单位账户已开通", u.UnitNumber, "首次登录时须修改密码", "我是经办人"} {
		if !strings.Contains(text, want) {
			t.Errorf("the approved request lacks %q", want)
		}
	}

	pw := initialPassword(t, ts, fx.RepMobile)
	rep, err := ts.Persons.Authenticate(ctx, fx.RepID, pw)
	if err != nil || !rep.MustChangePassword || rep.Name != fx.RepName {
		t.Fatalf("the legal rep with the SMS password: %+v, %v", rep, err)
	}
	if m, err := ts.Units.Membership(ctx, u.ID, rep.ID); err != nil || m.Role != unit.RoleLegalRep {
		t.Errorf("legal rep membership %+v, %v", m, err)
	}
	if m, err := ts.Units.Membership(ctx, u.ID, fx.Admin.ID); err != nil || m.Role != unit.RoleAdmin || m.Status != unit.StatusPending {
		t.Errorf("admin membership %+v, %v", m, err)
	}
	if msg, err := ts.DevOutbox.Latest(ctx, fx.Admin.Mobile); err != nil || !strings.Contains(msg.Text, "我是经办人") {
		t.Errorf("the administrator's invitation: %+v, %v", msg, err)
	}

	for _, c := range []struct {
		action string
		by     staffMember
		role   staff.Role
		reason string
	}{
		{"counter.submit", tm.clerk, staff.RoleClerk, "法定代表人委托经办人持营业执照副本到窗口办理"},
		{"counter.approve", tm.reviewer, staff.RoleReviewer, "证照原件与填写一致"},
		{"counter.unit_register", tm.reviewer, staff.RoleReviewer, "证照原件与填写一致"},
	} {
		es, _, err := ts.Audit.List(ctx, audit.Filter{Action: c.action})
		if err != nil || len(es) != 1 {
			t.Fatalf("%s: %d records, %v", c.action, len(es), err)
		}
		if e := es[0]; e.StaffID != c.by.Staff.ID || e.Role != string(c.role) || e.Detail["reason"] != c.reason {
			t.Errorf("%s recorded by %d as %q for %q", c.action, e.StaffID, e.Role, e.Detail["reason"])
		}
	}
}

// The clerk's form: each mistake beside its field, each refused scan beside its
// upload (a renamed executable, a polyglot image, a path in the file name, a file
// over the limit, a missing one), and nothing recorded until all is right.
func TestUnitRegistrationFormRefusals(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 32)
	fx := newRegistrationFixture(t, w, "示范退回有限公司", "慕容海", "东方红")
	clerk := newStaffClient(ts)
	clerk.login(t, tm.clerk)

	with := func(name, value string) url.Values {
		f := webtest.CloneForm(fx.form())
		f.Set(name, value)
		return f
	}
	without := func(names ...string) url.Values {
		f := webtest.CloneForm(fx.form())
		for _, n := range names {
			f.Del(n)
		}
		return f
	}
	// otherCheck replaces the check character of s with another one.
	otherCheck := func(s string) string {
		return s[:len(s)-1] + map[bool]string{true: "1", false: "2"}[s[len(s)-1] != '1']
	}
	executable := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 200)...)
	polyglot := append(webtest.ScanPNG(t), []byte("<html><script>alert(1)</script></html>")...)
	oversized := append(webtest.ScanPNG(t), make([]byte, scans.MaxBytes)...)
	replace := func(field, name string, body []byte) []webtest.FormFile {
		var out []webtest.FormFile
		for _, f := range fx.files() {
			if f.Field == field {
				if body == nil {
					continue
				}
				f.Name, f.Body = name, body
			}
			out = append(out, f)
		}
		return out
	}
	cases := []struct {
		name  string
		form  url.Values
		files []webtest.FormFile
		field string
		want  string
	}{
		{"USCC with a wrong check character", with("uscc", otherCheck(fx.USCC)), fx.files(), "uscc", ""},
		{"no unit type", without("unit_type"), fx.files(), "unit_type", msgChoose},
		{"no unit name", without("unit_name"), fx.files(), "unit_name", msgRequired},
		{"malformed region", with("region", "32A102"), fx.files(), "region", msgRegion},
		{"legal rep's ID number wrong", with("rep_id_number", otherCheck(fx.RepID)), fx.files(), "rep_id_number", ""},
		{"legal rep's mobile wrong", with("rep_mobile", "12345"), fx.files(), "rep_mobile", ""},
		{"administrator half filled", without("admin_mobile", "admin_until"), fx.files(), "admin_mobile", msgAdminPartial},
		{"administrator's validity in the past", with("admin_until", "2020-01-01"), fx.files(), "admin_until", msgAdminUntil},
		{"no reason", without("reason"), fx.files(), "reason", staff.ErrReasonRequired.Msg},
		{"no licence scan", fx.form(), replace("licence_scan", "", nil), "licence_scan", counter.ErrScanMissing.Msg},
		{"renamed executable", fx.form(), replace("authorization_scan", "授权委托书.pdf", executable), "authorization_scan", scans.Message(scans.ErrType)},
		{"polyglot image", fx.form(), replace("id_scan", "身份证.png", polyglot), "id_scan", scans.Message(scans.ErrActive)},
		{"path in the file name", fx.form(), replace("id_scan", `..\..\etc\身份证.png`, webtest.ScanPNG(t)), "id_scan", scans.Message(scans.ErrName)},
		{"scan over the limit", fx.form(), replace("licence_scan", "营业执照.png", oversized), "licence_scan", scans.Message(scans.ErrTooLarge)},
	}
	for _, tc := range cases {
		rec := clerk.PostFiles(t, "/admin/counter/unit-registration", tc.form, tc.files...)
		webtest.WantStatus(t, tc.name, rec, http.StatusOK)
		got := webtest.FieldError(t, webtest.ParseHTML(t, rec.Body.String()), tc.field)
		if got == "" || (tc.want != "" && got != tc.want) {
			t.Errorf("%s: %q beside %s, want %q", tc.name, got, tc.field, tc.want)
		}
	}
	if n := webtest.RowCount(t, ts, "counter_requests"); n != 0 {
		t.Errorf("%d requests recorded from refused forms", n)
	}
	if n := webtest.RowCount(t, ts, "counter_scans"); n != 0 {
		t.Errorf("%d scans recorded from refused forms", n)
	}

	// A body over the form's limit is refused before it is read.
	huge := replace("licence_scan", "营业执照.png", make([]byte, registrationBodyLimit))
	webtest.WantStatus(t, "oversized body", clerk.PostFiles(t, "/admin/counter/unit-registration", fx.form(), huge...),
		http.StatusRequestEntityTooLarge)

	// A legal rep who has an account must be named as it has them.
	rep := w.Person(t, "皇甫立")
	misnamed := with("rep_id_number", rep.IDNumber)
	misnamed.Set("rep_name", "皇甫力")
	rec := clerk.PostFiles(t, "/admin/counter/unit-registration", misnamed, fx.files()...)
	if got := webtest.FieldError(t, webtest.ParseHTML(t, rec.Body.String()), "rep_name"); got != counter.ErrNameMismatch.Msg {
		t.Errorf("misnamed legal rep: %q", got)
	}

	// Once right, recorded once: a second registration of the same unit waits.
	webtest.WantStatus(t, "submit", clerk.PostFiles(t, "/admin/counter/unit-registration", fx.form(), fx.files()...), http.StatusSeeOther)
	rec = clerk.PostFiles(t, "/admin/counter/unit-registration", fx.form(), fx.files()...)
	if got := webtest.TopError(webtest.ParseHTML(t, rec.Body.String())); got != counter.ErrOpen.Msg {
		t.Errorf("second registration of the unit: %q", got)
	}
}

// Only clerks record a registration; a refused approval (the nominee is not a
// registered person) keeps the request waiting, with the reason above the form.
func TestUnitRegistrationRolesAndRefusedApproval(t *testing.T) {
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	w := webtest.NewWorld(ts, 33)
	fx := newRegistrationFixture(t, w, "示范审核退回有限公司", "令狐明", "夏侯兰")
	clerk, reviewer, auditor := tm.signIn(t, ts)
	for _, c := range []struct {
		who *staffClient
		rec func(*staffClient) int
	}{
		{reviewer, func(c *staffClient) int { return c.Get(t, "/admin/counter/unit-registration").Code }},
		{auditor, func(c *staffClient) int { return c.Get(t, "/admin/counter/unit-registration").Code }},
		{reviewer, func(c *staffClient) int {
			return c.PostFiles(t, "/admin/counter/unit-registration", fx.form(), fx.files()...).Code
		}},
	} {
		if code := c.rec(c.who); code != http.StatusForbidden {
			t.Errorf("a role other than the clerk's: %d, want 403", code)
		}
	}
	if n := webtest.RowCount(t, ts, "counter_requests"); n != 0 {
		t.Fatalf("%d requests from refused roles", n)
	}
	es, _, err := ts.Audit.List(context.Background(), audit.Filter{Action: "counter.submit"})
	if err != nil || len(es) != 1 || es[0].Result != audit.Denied || es[0].StaffID != tm.reviewer.Staff.ID {
		t.Errorf("the reviewer's refused submission in the audit log: %+v, %v", es, err)
	}

	form := fx.form()
	form.Set("admin_name", "夏侯蓝") // not the name the administrator's account has
	rec := clerk.PostFiles(t, "/admin/counter/unit-registration", form, fx.files()...)
	webtest.WantStatus(t, "submit", rec, http.StatusSeeOther)
	target := rec.Header().Get("Location")
	rec = reviewer.Post(t, target+"/approve", url.Values{"reason": {"材料齐全"}})
	webtest.WantStatus(t, "refused approval", rec, http.StatusOK)
	doc := webtest.ParseHTML(t, rec.Body.String())
	if webtest.TopError(doc) == "" || doc.Must(t, "[data-status]").TextContent() != "待审核" {
		t.Errorf("refused approval: %q, status %q", webtest.TopError(doc), doc.Must(t, "[data-status]").TextContent())
	}
	if _, err := ts.Units.ByAccount(context.Background(), fx.USCC); err == nil {
		t.Error("the unit was opened by a refused approval")
	}
	webtest.WantRedirect(t, "reject", reviewer.Post(t, target+"/reject", url.Values{"reason": {"管理员姓名与其个人账户不一致"}}), target)
}
