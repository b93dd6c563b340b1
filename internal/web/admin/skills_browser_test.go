package admin

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"hall/internal/browsertest"
	"hall/internal/skills"
	"hall/internal/web/webtest"
)

// 职业技能等级认定 end to end in Chromium (U8): the clerk opens a plan for a unit
// in the back office; the unit's legal rep finds it on 我的工作台's 待办, is told
// beside the field of a wrong ID number, enters a candidate by the form and two
// by a CSV file, and submits; the reviewer finds it in the queue, reads the list
// and approves it; the unit's 已办 shows it 已审核.
func TestBrowserSkillPlanWorkbench(t *testing.T) {
	ts, tm, adminBase := backOffice(t)
	f := webtest.NewTwoUnits(t, ts, 0x5e1)
	w := webtest.NewWorld(ts, 0x5e2)
	hallBase := ts.URL(t)
	b := browsertest.New(t)
	const planName = "2027年第二期电工职业技能等级认定"
	exam := time.Now().AddDate(0, 1, 0).Format("2006-01-02")

	clerk := b.NewPage(t, caseRefusals)
	browserLogin(t, clerk, adminBase, tm.clerk)
	clerk.ClickLink("职业技能等级认定")
	clerk.ClickLink("新建认定计划")
	clerk.Fill("单位统一社会信用代码", f.Home.USCC)
	clerk.Fill("计划名称", planName)
	clerk.Fill("职业（工种）", "电工")
	clerk.Select("等级", "四级/中级工")
	clerk.Fill("考核日期", exam)
	clerk.Click("建立计划")
	clerk.WaitText("建立人")
	clerk.WaitText("考生录入")
	adminAccessible(t, clerk, "a plan just opened")
	if clerk.HasText("审核通过") {
		t.Error("the clerk is offered 审核通过")
	}

	unitPage := b.NewPage(t, caseRefusals)
	webtest.BrowserUnitLogin(t, unitPage, hallBase, f.Home.USCC, f.Person.Mobile, webtest.Password)
	unitPage.ClickLink("我的工作台")
	unitPage.WaitText("计划名称：" + planName)
	unitPage.CheckAccessibility()
	unitPage.ClickLink("合并待办")
	unitPage.WaitText("职业技能等级认定")
	unitPage.ClickLink("待办")
	unitPage.ClickLink("办理")
	unitPage.WaitText("考生录入")
	unitPage.Fill("姓名", "欧阳明远")
	unitPage.Fill("公民身份号码", "110105194912310021")
	unitPage.Click("录入考生")
	unitPage.WaitText("身份号码校验位错误")
	unitPage.Fill("公民身份号码", w.IDNumber())
	unitPage.Click("录入考生")
	unitPage.WaitText("已录入该考生")

	file := filepath.Join(t.TempDir(), "考生名单.csv")
	csv := "姓名,公民身份号码,手机号码\n司马青," + w.IDNumber() + ",13912345678\n上官云," + w.IDNumber() + ",\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	unitPage.Fill("考生名单文件（CSV）", file)
	unitPage.Click("导入名单")
	unitPage.WaitText("已按文件导入考生名单")
	unitPage.WaitText("共 3 人")
	unitPage.CheckAccessibility()
	unitPage.Click("提交审核")
	unitPage.WaitText("已提交审核")
	if unitPage.HasText("录入考生") {
		t.Error("a submitted plan still offers 录入考生")
	}

	reviewer := b.NewPage(t, caseRefusals)
	browserLogin(t, reviewer, adminBase, tm.reviewer)
	reviewer.ClickLink("职业技能等级认定")
	reviewer.ClickLink(planName)
	reviewer.WaitText("司马青")
	reviewer.WaitText("考生名单（3人）")
	reviewer.Click("审核通过")
	reviewer.WaitText("已审核")
	reviewer.WaitText("审核人")

	unitPage.Open(hallBase + "/unit/workbench")
	unitPage.ClickLink("已办")
	unitPage.WaitText("计划名称：" + planName)
	unitPage.WaitText("已审核")

	plans, total, err := ts.Skills.Tasks(context.Background(), f.Home.ID, skills.TabDone, 1, 0)
	if err != nil || total != 1 || plans[0].State != skills.StateApproved || plans[0].Candidates != 3 {
		t.Fatalf("the unit's 已办: %+v, %d, %v", plans, total, err)
	}
}
