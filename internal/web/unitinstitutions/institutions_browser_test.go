package unitinstitutions

import (
	"strings"
	"testing"

	"hall/internal/browsertest"
	"hall/internal/web"
	"hall/internal/web/webtest"
)

// TestBrowserInstitutionOpenAndSignIn is U7 driven by its labels: the legal rep
// opens an institution account in 机构管理 and reads its 机构编号 and initial
// password off the page; the operator signs in with them at the unit login, is
// made to change the password first, and then sees the case the counter entered
// for the institution — and not the unit's own — and no unit page; the legal rep
// closes the account, and the operator's session ends.
func TestBrowserInstitutionOpenAndSignIn(t *testing.T) {
	ts, base := webtest.Serve(t)
	w := webtest.NewWorld(ts, 0x1a59)
	rep, op := w.Person(t, "卓北辰"), w.Person(t, "蔺望和")
	u := w.Unit(t, "示范青禾人力资源有限公司", rep)
	clerk := w.CounterClerk(t)

	b := browsertest.New(t)
	desk := b.NewPage(t)
	webtest.BrowserUnitLogin(t, desk, base, u.USCC, rep.IDNumber, webtest.Password)
	desk.ClickLink("机构管理")
	desk.WaitURL("/unit/institutions")
	desk.WaitText("本单位尚未开通机构账户")
	desk.ClickLink("开通机构账户")
	desk.WaitURL("/unit/institutions/new")
	desk.Fill("机构名称", "示范青禾就业见习示范基地")
	desk.Select("机构类型", "就业见习示范基地")
	desk.Fill("机构经办人姓名", op.Name)
	desk.Select("证件类型", "居民身份证")
	desk.Fill("机构经办人证件号码", op.IDNumber)
	desk.Fill("机构经办人手机号码", op.Mobile)
	desk.Click("确定开通")
	desk.WaitText("已开通机构账户“示范青禾就业见习示范基地”")
	desk.CheckAccessibility()
	number := strings.TrimSpace(desk.Text("[data-institution-number]"))
	initial := strings.TrimSpace(desk.Text("[data-initial-password]"))
	if len(number) != 17 || ts.Policy.Check(initial, op.IDNumber, op.Mobile) != nil {
		t.Fatalf("number %q, initial password %q", number, initial)
	}
	own := w.CounterCase(t, clerk, u, number, op.Name)
	unitsOwn := w.CounterCase(t, clerk, u, "", rep.Name)
	desk.ClickLink("返回机构管理")
	desk.WaitText(number)
	desk.WaitText("待首次登录修改密码")

	inst := b.NewPage(t)
	inst.Open(base + "/login?tab=unit")
	inst.Fill("统一社会信用代码/单位编号/机构编号", number)
	inst.Fill("证件号码/移动电话", op.Mobile)
	inst.Fill("密码", initial)
	inst.Click("登录")
	inst.WaitURL("/institution/password")
	inst.WaitText("您正在使用单位设置的初始密码")
	const chosen = "Qh-Jianxi-2026"
	inst.Fill("当前密码", initial)
	inst.Fill("新密码", chosen)
	inst.Fill("确认新密码", chosen)
	inst.Click("确认修改")
	inst.WaitURL("/institution/?notice=password")
	inst.WaitText("密码已修改")
	inst.WaitText(own.Number)
	if inst.HasText(unitsOwn.Number) {
		t.Errorf("the institution sees the unit's own case %s", unitsOwn.Number)
	}
	inst.CheckAccessibility()
	inst.ClickLink("查看")
	inst.WaitText("办件详情")
	inst.WaitText("就业见习补贴申领")
	inst.Open(base + "/unit/cases")
	inst.WaitText(web.MsgInstitutionOnly)

	desk.ClickLink("关闭")
	desk.WaitText("关闭后，该机构账户不能再登录")
	desk.Click("确定关闭")
	desk.WaitURL("/unit/institutions?notice=closed")
	desk.WaitText("机构账户已关闭")
	inst.Open(base + "/institution/")
	inst.WaitURL("/login?tab=unit")
}
