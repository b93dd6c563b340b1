package admin

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/ident"
	"hall/internal/person"
	"hall/internal/staff"
	"hall/internal/unit"
	"hall/internal/validity"
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

// browserApproveFirst signs the reviewer m in, opens request 1 from the queue, waits
// for what it shows (see) and approves it with reason.
func browserApproveFirst(t *testing.T, p *browsertest.Page, base string, m staffMember, see, reason string) {
	t.Helper()
	browserLogin(t, p, base, m)
	p.ClickLink("窗口业务")
	p.ClickLink("查看第1号业务")
	p.WaitText(see)
	p.Fill("审核意见", reason)
	p.Click("审核通过")
	p.WaitText("已办结")
}

// The counter's password reset end to end on the operations listener: the clerk
// signs in with TOTP and records the reset with the scan of the person's ID; the
// reviewer signs in, finds it in the queue and approves; the person's old password
// no longer works.
func TestBrowserCounterPasswordReset(t *testing.T) {
	ts, tm, base := backOffice(t)
	demo := webtest.NewWorld(ts, 21).Person(t, "郑秀英")
	scan := filepath.Join(t.TempDir(), "身份证.png")
	if err := os.WriteFile(scan, webtest.ScanPNG(t), 0o600); err != nil {
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

	browserApproveFirst(t, p, base, tm.reviewer, "郑秀英", "证件原件与账户信息一致")
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
	if err := os.WriteFile(path, webtest.ScanPNG(t), 0o600); err != nil {
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

// B6's acceptance in Chromium: a person whose new mobile another account holds
// files an appeal online (with the slider captcha); at the counter the clerk checks
// the documents and records the release with the ID scan, a reviewer approves it;
// the appellant's SMS says the number is free, and they register with it.
func TestBrowserAppealReleaseThenRegister(t *testing.T) {
	ts, tm, base := backOffice(t)
	hall := ts.URL(t)
	w := webtest.NewWorld(ts, 71)
	holder := w.Person(t, "邹旧主")
	idNumber := w.IDNumber()
	scan := filepath.Join(t.TempDir(), "身份证.png")
	if err := os.WriteFile(scan, webtest.ScanPNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	b := browsertest.New(t)

	// Online: the 用户申诉 form.
	person := b.NewPage(t)
	person.Open(hall + "/appeal")
	person.Select("申诉类型", "手机号码被占用")
	person.Select("证件类型", "居民身份证")
	person.Fill("证件号码", idNumber)
	person.Fill("姓名", "章新主")
	person.Fill("被占用的手机号码", holder.Mobile)
	person.Fill("联系电话", holder.Mobile)
	person.Fill("申诉说明", "新办理的手机号码，注册时提示已被其他用户使用")
	webtest.BrowserSolveSlider(t, ts, person, "login", 71)
	person.Click("提交申诉")
	person.WaitText("申诉已提交")
	person.WaitText("SS00000001")

	// The counter: the clerk records the release after checking the documents.
	desk := b.NewPage(t)
	browserLogin(t, desk, base, tm.clerk)
	desk.ClickLink("用户申诉")
	adminAccessible(t, desk, "the appeals queue")
	desk.ClickLink("查看申诉SS00000001")
	desk.WaitText("新办理的手机号码")
	desk.WaitText(ident.MaskMobile(holder.Mobile))
	desk.Click("答复并办结")
	desk.WaitText("请填写办理事由")
	adminAccessible(t, desk, "an appeal with an answer refused")
	desk.Fill("申诉人证件扫描件", scan)
	desk.Fill("核验情况", "申诉人持身份证和运营商实名登记证明到窗口，号码归属一致")
	desk.Click("提交释放审核")
	desk.WaitText("待审核")
	desk.ClickLink("后台首页")
	desk.ClickLink("登记信息同步")
	desk.WaitText("已生效的变更")
	adminAccessible(t, desk, "the registry sync")
	desk.Click("退出")
	desk.WaitURL("/admin/login")

	// A reviewer approves it.
	browserApproveFirst(t, desk, base, tm.reviewer, "申诉释放", "运营商证明与申诉一致，同意释放")
	desk.WaitText("手机号码已释放")
	adminAccessible(t, desk, "the approved release")

	if m, err := ts.DevOutbox.Latest(context.Background(), holder.Mobile); err != nil || !strings.Contains(m.Text, "手机号码已释放") {
		t.Fatalf("the appellant's SMS %q, %v", m.Text, err)
	}

	// The new owner registers with the released number.
	person.Open(hall + "/register")
	person.Select("证件类型", "居民身份证")
	person.Fill("证件号码", idNumber)
	person.Fill("姓名", "章新主")
	person.Fill("移动电话", holder.Mobile)
	person.Fill("密码", webtest.Password)
	person.Fill("确认密码", webtest.Password)
	person.Click("获取验证码")
	person.WaitText("验证码已发送至" + ident.MaskMobile(holder.Mobile))
	person.Fill("短信验证码", webtest.OutboxCode(t, hall, holder.Mobile))
	person.Check("我已阅读并同意《个人用户注册协议》")
	person.Click("注册")
	person.WaitURL("/me")
	person.WaitText("注册成功")

	owner, err := ts.Persons.ByMobile(context.Background(), holder.Mobile)
	if err != nil || owner.IDNumber != idNumber {
		t.Errorf("the mobile's account after registration: %+v, %v", owner, err)
	}
}

// adminAccessible fails on any serious or critical axe-core violation of the page.
func adminAccessible(t *testing.T, p *browsertest.Page, what string) {
	t.Helper()
	for _, v := range p.AccessibilityViolations() {
		t.Errorf("%s: %s", what, v)
	}
}

// B2 in Chromium: the clerk looks the unit up and records the new administrator
// with the three scans; a reviewer approves; the new administrator confirms on the
// phone (face verification, 经办密码) and signs in to the unit center as its
// administrator.
func TestBrowserAdminChangeAtCounter(t *testing.T) {
	ts, tm, base := backOffice(t)
	hall := ts.URL(t)
	w := webtest.NewWorld(ts, 93)
	u, _ := w.UnitWithRep(t, "示范窗口变更有限公司", "甘法人")
	adm := w.Person(t, "甘新管")
	dir := t.TempDir()
	for _, name := range []string{"营业执照.png", "身份证.png", "授权委托书.png"} {
		if err := os.WriteFile(filepath.Join(dir, name), webtest.ScanPNG(t), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b := browsertest.New(t)

	desk := b.NewPage(t)
	browserLogin(t, desk, base, tm.clerk)
	desk.ClickLink("管理员变更")
	desk.Fill("统一社会信用代码或单位编号", u.USCC)
	desk.Click("查询单位")
	desk.WaitText("示范窗口变更有限公司")
	desk.WaitText("未设置")
	desk.Fill("新管理员姓名", adm.Name)
	desk.Select("证件类型", "居民身份证")
	desk.Fill("证件号码", adm.IDNumber)
	desk.Fill("手机号码", adm.Mobile)
	desk.Fill("授权有效期至", validity.Day(time.Now().AddDate(1, 0, 0)))
	desk.Fill("营业执照扫描件", filepath.Join(dir, "营业执照.png"))
	desk.Fill("新管理员身份证件扫描件", filepath.Join(dir, "身份证.png"))
	desk.Fill("授权委托书扫描件", filepath.Join(dir, "授权委托书.png"))
	desk.Fill("办理事由", "单位经办人持法定代表人授权委托书申请设置管理员")
	desk.Click("提交审核")
	desk.WaitText("待审核")
	adminAccessible(t, desk, "the admin change request")
	desk.Click("退出")
	desk.WaitURL("/admin/login")
	browserApproveFirst(t, desk, base, tm.reviewer, ident.MaskID(adm.IDNumber), "材料齐全，授权委托书有效")
	desk.WaitText("已通知新管理员在掌上APP完成人脸识别并确认")

	phone := b.NewPage(t, browsertest.Mobile())
	webtest.BrowserAppOpen(t, phone, hall, adm.IDNumber, webtest.Password)
	phone.Open(hall + "/app/me/agent")
	phone.WaitText("示范窗口变更有限公司")
	webtest.BrowserAppConfirm(t, phone, webtest.AgentPassword)

	unitDesk := b.NewPage(t)
	webtest.BrowserUnitLogin(t, unitDesk, hall, u.USCC, adm.Mobile, webtest.AgentPassword)
	if got := unitDesk.Text(".uc-role"); got != "管理员" {
		t.Errorf("the new administrator signs in as %q", got)
	}
}

// 公示公告 end to end: the clerk drafts a notice in the back office, the reviewer
// publishes it with a reason; the hall's home page lists it, 更多 leads to the list
// and the notice opens; the home page's search box finds the catalog item and the
// notice side by side.
func TestBrowserNoticePublish(t *testing.T) {
	ts, tm, base := backOffice(t)
	const title = "2026年度失业保险稳岗返还公示名单"

	p := browsertest.New(t).NewPage(t)
	browserLogin(t, p, base, tm.clerk)
	p.ClickLink("公示公告管理")
	p.ClickLink("新建公示公告")
	p.Fill("标题", title)
	p.Select("类别", "公示")
	p.Fill("正文", "经审核，下列单位符合稳岗返还条件，现予公示。\n\n1. 示范机械制造有限公司\n2. 示范纺织科技有限公司")
	p.Click("保存草稿")
	p.WaitText("起草人")
	p.WaitText("草稿")
	p.Click("退出")
	p.WaitURL("/admin/login")

	browserLogin(t, p, base, tm.reviewer)
	p.ClickLink("公示公告管理")
	p.ClickLink("草稿")
	p.ClickLink(title)
	p.Fill("审核意见", "名单已核对，同意发布")
	p.Click("发布")
	p.WaitText("已发布")
	p.WaitText("发布人")

	hall := ts.URL(t)
	p.Open(hall + "/")
	p.WaitText(title)
	p.ClickLink("更多")
	p.WaitURL("/notices")
	p.WaitText("共 1 条")
	p.ClickLink(title)
	p.WaitText("示范纺织科技有限公司")
	p.WaitText("发布日期")

	p.Open(hall + "/")
	p.Fill("搜索办事事项和公示公告", "稳岗返还")
	p.Click("查找")
	p.WaitURL("/search?q=")
	p.WaitText("办事事项（1）")
	p.WaitText("公示公告（1）")
	p.ClickLink(title)
	p.WaitText("经审核，下列单位符合稳岗返还条件，现予公示。")
	p.Back()
	p.ClickLink("失业保险稳岗返还")
	p.WaitText("申请材料")
}
