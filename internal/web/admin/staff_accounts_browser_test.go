package admin

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/notices"
	"hall/internal/staff"
	"hall/internal/web/webtest"
)

// The security administrator manages a colleague's account in the browser: opens
// 工作人员账户, the clerk's page; a change of roles made meanwhile by someone else
// refuses the first submission with the roles as they are now; the second changes
// them. Then 停用账户 (refused without a reason, then done) and 启用账户.
func TestBrowserStaffAccountManagement(t *testing.T) {
	ts, tm, base := backOffice(t)

	p := browsertest.New(t).NewPage(t, commandRefusals)
	p.Open(base + "/admin/login")
	p.Fill("登录名", tm.security.Staff.Login)
	p.Fill("密码", staffPassword)
	p.Fill("动态口令", tm.security.code(t, time.Now()))
	p.Click("登录")
	p.ClickLink("工作人员账户")
	p.WaitText("从未登录")
	p.ClickLink(tm.clerk.Staff.Login)
	p.WaitText("工作人员账户：窗口员乙")

	// Another security administrator (here: the same one, through the domain)
	// makes the clerk a reviewer too while the page is open.
	sec := staff.Actor{StaffID: tm.security.Staff.ID, Login: tm.security.Staff.Login, Roles: tm.security.Staff.Roles}
	if err := ts.Staff.SetRoles(context.Background(), sec, tm.clerk.Staff.ID, staff.RolesOf(staff.RoleClerk),
		staff.RolesOf(staff.RoleClerk, staff.RoleReviewer), "临时兼任审核岗"); err != nil {
		t.Fatal(err)
	}
	p.Check("审核")
	p.Fill("变更原因", "兼任审核岗")
	p.Click("变更角色")
	p.WaitText("该账户的角色已被他人修改")
	p.WaitText("窗口经办、审核")

	p.Uncheck("窗口经办")
	p.Fill("变更原因", "改任审核岗")
	p.Click("变更角色")
	p.WaitText("角色已变更")
	if got := p.Text("[data-roles]"); got != "审核" {
		t.Fatalf("roles shown after the change %q", got)
	}

	p.Click("停用账户")
	p.WaitText("请填写停用原因")
	p.Fill("停用原因", "长期休假")
	p.Click("停用账户")
	p.WaitText("账户已停用")
	if got := p.Text("[data-state]"); got != "停用" {
		t.Fatalf("state shown after disabling %q", got)
	}
	p.Fill("启用原因", "休假结束返岗")
	p.Click("启用账户")
	p.WaitText("账户已启用")
	p.ClickLink("返回工作人员账户")
	p.WaitText("counter.clerk")

	st, err := ts.Staff.Get(context.Background(), tm.clerk.Staff.ID)
	if err != nil || st.Disabled || st.Roles != staff.RolesOf(staff.RoleReviewer) {
		t.Fatalf("the clerk's account after the browser's commands: %+v %v", st, err)
	}
}

// A reviewer withdraws a published notice in the browser: refused without 撤回原因,
// then withdrawn; the hall's list no longer shows it.
func TestBrowserNoticeWithdraw(t *testing.T) {
	ts, tm, base := backOffice(t)
	const title = "关于调整2026年度社会保险缴费基数的公告"
	ctx := context.Background()

	newStaffClient(ts).login(t, tm.clerk)
	clerk := staff.Actor{StaffID: tm.clerk.Staff.ID, Login: tm.clerk.Staff.Login, Roles: tm.clerk.Staff.Roles}
	n, err := ts.NoticeBoard.Create(ctx, clerk, notices.Draft{Title: title, Category: notices.CategoryAnnouncement,
		Body: "经研究，2026年度缴费基数上下限调整如下。"}, "")
	if err != nil {
		t.Fatal(err)
	}
	p := browsertest.New(t).NewPage(t, commandRefusals)
	browserLogin(t, p, base, tm.reviewer)
	reviewer := staff.Actor{StaffID: tm.reviewer.Staff.ID, Login: tm.reviewer.Staff.Login, Roles: tm.reviewer.Staff.Roles}
	if _, err := ts.NoticeBoard.Publish(ctx, reviewer, n.ID, n.Version, "已核对"); err != nil {
		t.Fatal(err)
	}
	hall := ts.URL(t)
	p.Open(hall + "/notices")
	p.WaitText(title)

	p.Open(base + "/admin/")
	p.ClickLink("公示公告管理")
	p.ClickLink("已发布")
	p.ClickLink(title)
	p.Click("撤回")
	p.WaitText("请填写办理事由")
	p.Fill("撤回原因", "基数有误，更正后重新发布")
	p.Click("撤回")
	p.WaitText("已撤回")

	p.Open(hall + "/notices")
	p.WaitText("公示公告")
	if p.HasText(title) {
		t.Fatal("the hall still lists the withdrawn notice")
	}
	webtest.WantStatus(t, "the withdrawn notice", webtest.NewClient(ts).Get(t, "/notices/"+strconv.FormatInt(n.ID, 10)), http.StatusNotFound)
}

// commandRefusals lets a page answer a refused command (no reason: 422; stale
// roles: 409) without the browser's log line about the status failing the test.
var commandRefusals = browsertest.AllowConsoleErrors("409 (Conflict)", "422 (Unprocessable Entity)")

// The security administrator resets a clerk's password and TOTP in the browser:
// refused without 重置原因, then done, the new initial password and the enrolment QR
// shown once. The clerk scans the QR (decoded here as an authenticator app reads
// it); the old password and the old phone's code are refused; the new initial
// password with the new secret's code signs in, the initial password is changed
// and the clerk is in the back office.
func TestBrowserStaffResetCredentials(t *testing.T) {
	ts, tm, base := backOffice(t)
	// The clerk has signed in before and chosen staffPassword: the password the
	// reset takes away.
	newStaffClient(ts).login(t, tm.clerk)

	p := browsertest.New(t).NewPage(t, commandRefusals)
	p.Open(base + "/admin/login")
	p.Fill("登录名", tm.security.Staff.Login)
	p.Fill("密码", staffPassword)
	p.Fill("动态口令", tm.security.code(t, time.Now()))
	p.Click("登录")
	p.ClickLink("工作人员账户")
	p.ClickLink(tm.clerk.Staff.Login)
	p.WaitText("工作人员账户：窗口员乙")

	p.Click("重置密码和动态口令")
	p.WaitText("请填写重置原因")
	p.Fill("重置原因", "本人更换手机，已核验工作证")
	p.Click("重置密码和动态口令")
	p.WaitText("密码和动态口令已重置")
	p.WaitText("原密码和原动态口令已失效")
	if got := p.Text("h1"); got != "密码和动态口令已重置" {
		t.Fatalf("the reset page's heading %q", got)
	}
	if got := p.Text("[data-login]"); got != tm.clerk.Staff.Login {
		t.Fatalf("the reset page names the login %q", got)
	}
	uri := webtest.DecodeDataURL(t, p.Attr("img.admin-totp-qr", "src"))
	scanned, err := url.Parse(uri)
	if err != nil || scanned.Scheme != "otpauth" || scanned.Host != "totp" {
		t.Fatalf("the enrolment QR holds %q (%v)", uri, err)
	}
	secret := scanned.Query().Get("secret")
	if secret == "" || secret != p.Text("[data-totp-secret]") || secret == tm.clerk.Enrolment.Secret {
		t.Fatalf("the QR's secret %q, the page's %q, the old one %q", secret, p.Text("[data-totp-secret]"), tm.clerk.Enrolment.Secret)
	}
	reset := staffMember{staff.Created{Staff: tm.clerk.Staff, InitialPassword: p.Text("[data-initial-password]"),
		Enrolment: staff.Enrolment{Secret: secret, URI: uri}}}
	if reset.InitialPassword == "" || reset.InitialPassword == staffPassword {
		t.Fatalf("the new initial password %q", reset.InitialPassword)
	}
	p.Click("退出")
	p.WaitURL("/admin/login")

	// The clerk: the old password with the new code, then the new password with the
	// old phone's code (of the next time step: the last one the clerk used is spent
	// either way) are refused with the one sentence.
	for _, try := range []struct{ what, password, code string }{
		{"the old password", staffPassword, reset.code(t, time.Now())},
		{"the old phone's code", reset.InitialPassword, tm.clerk.code(t, time.Now().Add(30*time.Second))},
	} {
		p.Fill("登录名", tm.clerk.Staff.Login)
		p.Fill("密码", try.password)
		p.Fill("动态口令", try.code)
		p.Click("登录")
		p.WaitText("账号、密码或动态口令错误")
		if !strings.HasSuffix(p.URL(), "/admin/login") {
			t.Fatalf("%s: the browser is at %s", try.what, p.URL())
		}
	}
	if st, err := ts.Staff.Get(context.Background(), tm.clerk.Staff.ID); err != nil || st.TOTPConfirmed || !st.MustChangePassword {
		t.Fatalf("after the refused logins the account is %+v (%v), want the enrolment unconfirmed", st, err)
	}

	// The new password and the scanned secret's code: the enrolment is confirmed,
	// the initial password changed, and the clerk is in the back office.
	browserLogin(t, p, base, reset)
	p.WaitText("窗口业务")
	if st, err := ts.Staff.Get(context.Background(), tm.clerk.Staff.ID); err != nil || !st.TOTPConfirmed || st.MustChangePassword {
		t.Fatalf("after the clerk's login the account is %+v (%v)", st, err)
	}
}
