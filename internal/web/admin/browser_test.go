package admin

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/person"
	"hall/internal/staff"
	"hall/internal/unit"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// backOffice is a test server with the fixture team, and the base URL of its
// operations listener.
func backOffice(t *testing.T) (*webtest.TestServer, team, string) {
	t.Helper()
	ts := webtest.NewTestServer(t)
	tm := newTeam(t, ts)
	admin := httptest.NewServer(ts.AdminHandler())
	t.Cleanup(admin.Close)
	return ts, tm, admin.URL
}

// browserLogin signs m in through the login form with a code computed now, and sets
// staffPassword on the forced password page.
func browserLogin(t *testing.T, p *browsertest.Page, base string, m staffMember) {
	t.Helper()
	p.Open(base + "/admin/login")
	p.Fill("登录名", m.Staff.Login)
	p.Fill("密码", m.InitialPassword)
	p.Fill("动态口令", m.code(t, time.Now()))
	p.Click("登录")
	p.WaitURL("/admin/password")
	p.WaitText("您正在使用初始密码")
	p.Fill("当前密码", m.InitialPassword)
	p.Fill("新密码", staffPassword)
	p.Fill("确认新密码", staffPassword)
	p.Click("确认修改")
	p.WaitText("您的角色：" + m.Staff.Roles.Label())
}

// The counter's password reset end to end on the operations listener: the clerk
// signs in with TOTP and records the reset with the scan of the person's ID; the
// reviewer signs in, finds it in the queue and approves; the person's old password
// no longer works.
func TestBrowserCounterPasswordReset(t *testing.T) {
	ts, tm, base := backOffice(t)
	demo := webtest.NewWorld(ts, 21).Person(t, "郑秀英")
	scan := filepath.Join(t.TempDir(), "身份证.png")
	if err := os.WriteFile(scan, scanPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}

	p := browsertest.New(t).NewPage(t)
	browserLogin(t, p, base, tm.clerk)
	p.ClickLink("窗口重置密码")
	p.Select("证件类型", "居民身份证")
	p.Fill("证件号码", demo.IDNumber)
	p.Fill("姓名", demo.Name)
	p.Fill("证件扫描件", scan)
	p.Fill("办理事由", "本人持身份证原件到窗口申请重置密码")
	p.Click("提交审核")
	p.WaitText("待审核")
	p.WaitText("下载身份证件")
	p.Click("退出")
	p.WaitURL("/admin/login")

	browserLogin(t, p, base, tm.reviewer)
	p.ClickLink("窗口业务")
	p.ClickLink("查看第1号业务")
	p.WaitText("郑秀英")
	p.Fill("审核意见", "证件原件与账户信息一致")
	p.Click("审核通过")
	p.WaitText("已办结")
	p.WaitText("新的初始密码已通过短信发送给本人")

	if _, err := ts.Persons.Authenticate(context.Background(), demo.IDNumber, webtest.Password); !errors.Is(err, person.ErrBadCredentials) {
		t.Errorf("the old password after the reset: %v, want ErrBadCredentials", err)
	}
}

// The security administrator creates a clerk's account in the browser; the
// enrolment page shows the QR code, and the new clerk signs in with its code.
func TestBrowserStaffEnrolment(t *testing.T) {
	_, tm, base := backOffice(t)

	p := browsertest.New(t).NewPage(t)
	p.Open(base + "/admin/login")
	p.Fill("登录名", tm.security.Staff.Login)
	p.Fill("密码", staffPassword)
	p.Fill("动态口令", tm.security.code(t, time.Now()))
	p.Click("登录")
	p.ClickLink("新建工作人员账户")
	p.Fill("登录名", "window.clerk")
	p.Fill("姓名", "冯晓东")
	p.Check("窗口经办")
	p.Fill("办理事由", "新员工入职")
	p.Click("创建账户")
	p.WaitText("绑定动态口令")
	uri := webtest.DecodeDataURL(t, p.Attr("img.admin-totp-qr", "src"))
	created := staffMember{staff.Created{Staff: staff.Staff{Login: "window.clerk", Roles: staff.RolesOf(staff.RoleClerk)},
		InitialPassword: p.Text("[data-initial-password]"), Enrolment: staff.Enrolment{Secret: p.Text("[data-totp-secret]"), URI: uri}}}
	p.Click("退出")
	browserLogin(t, p, base, created)
}

// The auditor searches the audit log in the browser.
func TestBrowserAuditLog(t *testing.T) {
	_, tm, base := backOffice(t)

	p := browsertest.New(t).NewPage(t)
	browserLogin(t, p, base, tm.auditor)
	p.ClickLink("审计日志")
	p.Fill("操作（前缀，如 counter. 或 staff.login）", "staff.")
	p.Click("查询")
	p.WaitText("查询结果")
	p.WaitText("staff.create")
	p.WaitText("导出CSV")
	p.Click("校验哈希链")
	p.WaitText("哈希链完整")
}

// writeScan writes a scan the browser uploads, under name.
func writeScan(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, scanPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// 单位窗口注册 end to end (SPEC B1/R3): the clerk records the unit with the three
// scans and an administrator; a reviewer approves; the legal rep signs in to the
// unit with the password the SMS carried and can do nothing before changing it;
// the administrator confirms in the app, as for an online nomination.
func TestBrowserCounterUnitRegistration(t *testing.T) {
	ts, tm, base := backOffice(t)
	public := ts.URL(t)
	fx := newRegistrationFixture(t, webtest.NewWorld(ts, 34), "示范窗口注册科技有限公司", "欧阳振华", "诸葛明月")

	b := browsertest.New(t)
	p := b.NewPage(t)
	browserLogin(t, p, base, tm.clerk)
	p.ClickLink("单位窗口注册")
	p.Fill("统一社会信用代码", fx.USCC)
	p.Fill("单位名称", fx.Name)
	p.Select("单位类型", "企业")
	p.Fill("住所", "南京市玄武区示范路8号")
	p.Fill("法定代表人姓名", fx.RepName)
	p.Select("法定代表人证件类型", "居民身份证")
	p.Fill("法定代表人证件号码", fx.RepID)
	p.Fill("法定代表人手机号码", fx.RepMobile)
	p.Fill("营业执照扫描件", writeScan(t, "营业执照.png"))
	p.Fill("申请人身份证件扫描件", writeScan(t, "身份证.png"))
	p.Fill("授权委托书扫描件", writeScan(t, "授权委托书.png"))
	p.Fill("管理员姓名", fx.Admin.Name)
	p.Select("管理员证件类型", "居民身份证")
	p.Fill("管理员证件号码", fx.Admin.IDNumber)
	p.Fill("管理员手机号码", fx.Admin.Mobile)
	p.Fill("管理员授权有效期至", fx.AdminUntil)
	p.Fill("办理事由", "法定代表人委托经办人持营业执照副本到窗口办理")
	p.Click("提交审核")
	p.WaitText("待审核")
	p.WaitText("下载授权委托书")
	p.Click("退出")
	p.WaitURL("/admin/login")

	browserLogin(t, p, base, tm.reviewer)
	p.ClickLink("窗口业务")
	p.ClickLink("查看第1号业务")
	p.WaitText(fx.Name)
	p.Fill("审核意见", "营业执照、身份证件和授权委托书原件与填写一致")
	p.Click("审核通过")
	p.WaitText("已办结")
	p.WaitText("单位账户已开通")

	// The legal rep: the SMS password opens the unit, and every page of the center
	// leads to 修改密码 until the password is their own.
	password := initialPassword(t, ts, fx.RepMobile)
	desk := b.NewPage(t)
	desk.Open(public + "/login?tab=unit")
	desk.Fill("统一社会信用代码/单位编号/机构编号", fx.USCC)
	desk.Fill("证件号码/移动电话", fx.RepID)
	desk.Fill("密码", password)
	desk.Click("登录")
	desk.WaitURL(web.PathUnitPasswordChange)
	desk.WaitText(web.MsgPasswordChangeForced)
	desk.Open(public + "/unit/agents")
	desk.WaitURL(web.PathUnitPasswordChange)
	desk.Fill("当前密码", password)
	desk.Fill("新密码", "Own-Unit-Pass-2027")
	desk.Fill("确认新密码", "Own-Unit-Pass-2027")
	desk.Click("确认修改")
	desk.WaitText("密码修改成功")
	desk.ClickLink("经办人管理")
	desk.WaitText(fx.Admin.Name)
	desk.WaitText("待确认")

	// The administrator confirms in the app.
	phone := b.NewPage(t, browsertest.Mobile())
	phone.Open(public + "/app/me/agent")
	phone.WaitURL("/app/login")
	webtest.BrowserAppLogin(t, phone, fx.Admin.IDNumber, webtest.Password)
	phone.WaitURL("/app/me/agent")
	phone.WaitText(fx.Name)
	webtest.BrowserAppConfirm(t, phone, "Adm-Unit-Pass-2027")

	u, err := ts.Units.ByAccount(context.Background(), fx.USCC)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := ts.Units.Membership(context.Background(), u.ID, fx.Admin.ID); err != nil || m.Status != unit.StatusActive {
		t.Errorf("the administrator after confirming: %+v, %v", m, err)
	}
}
