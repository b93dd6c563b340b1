package admin

import (
	"net/http"

	"hall/internal/staff"
)

// menuItem is one thing the home page offers.
type menuItem struct {
	Action      staff.Action
	Label, Href string
	Hint        string
}

// menu is every back-office page there is, each under the action that opens it; the
// home page shows those staff.Authorize allows the signed-in role.
var menu = []menuItem{
	{staff.ActionAuditRead, "审计日志", "/admin/audit", "查询审计记录，导出CSV"},
	{staff.ActionStaffList, "工作人员账户", "/admin/staff/", "查看账户，变更角色，停用或启用，重置密码和动态口令"},
	{staff.ActionStaffCreate, "新建工作人员账户", "/admin/staff/new", "创建账户，发放初始密码和动态口令"},
	{staff.ActionCounterSubmit, "单位窗口注册", "/admin/counter/unit-registration", "核验营业执照、身份证件和授权委托书后为单位开通账户，提交审核"},
	{staff.ActionCounterSubmit, "窗口重置密码", "/admin/counter/password-reset", "核验证件后为个人用户重置密码，提交审核"},
	{staff.ActionCounterSubmit, "管理员变更", "/admin/counter/admin-change", "核验单位材料后设置或更换单位管理员，提交审核"},
	{staff.ActionCounterList, "窗口业务", "/admin/counter/?status=submitted", "查看待审核和已办结的窗口业务"},
	{staff.ActionCaseList, "办件处理", "/admin/cases/?state=submitted", "受理或不予受理单位的网上申请，审核办结或退回补正"},
	{staff.ActionAppealList, "用户申诉", "/admin/appeals/?status=open", "核验申诉材料，释放被占用的证件号码或手机号码，或答复申诉"},
	{staff.ActionSkillList, "职业技能等级认定", "/admin/skills/?state=submitted", "为单位建立认定计划；审核单位提交的考生名单，通过或退回"},
	{staff.ActionNoticeList, "公示公告管理", "/admin/notices/", "起草公示公告；审核发布他人起草的公示公告，撤回已发布的公示公告"},
	{staff.ActionRegistryList, "登记信息同步", "/admin/registry", "查看登记机关同步的法定代表人变更、更名和注销，立即同步"},
}

type homePage struct {
	Actor staff.Actor
	Items []menuItem
}

// home is GET /admin/: what the signed-in role may do.
func (h *handler) home(w http.ResponseWriter, r *http.Request, sr staffRequest) error {
	p := homePage{Actor: sr.actor}
	for _, m := range menu {
		if allow(sr.actor, m.Action) == nil {
			p.Items = append(p.Items, m)
		}
	}
	return h.Render(w, r, http.StatusOK, "admin-home", "后台首页", "home", p)
}
