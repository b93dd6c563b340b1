package staff

import (
	"errors"
	"strconv"
)

// Action is something a staff member asks to do in the back office. Each has one row
// in the rule table (rules) and the table test covers every role × action.
type Action string

// Actions. The staff.* ones belong to the security administrator, counter.*, scan.*,
// appeal.*, registry.*, case.*, notice.*, skill.* and unit.* to the business roles, audit.* to the auditor.
const (
	ActionStaffList    Action = "staff.list"
	ActionStaffCreate  Action = "staff.create"
	ActionStaffRoles   Action = "staff.roles"
	ActionStaffDisable Action = "staff.disable"
	ActionStaffEnable  Action = "staff.enable"
	ActionStaffReset   Action = "staff.reset" // new initial password and TOTP secret

	ActionUnitView       Action = "unit.view" // look up units and persons at the counter
	ActionCounterList    Action = "counter.list"
	ActionCounterSubmit  Action = "counter.submit"
	ActionCounterApprove Action = "counter.approve"
	ActionCounterReject  Action = "counter.reject"
	ActionCounterResend  Action = "counter.resend" // a new initial password, for an SMS that was lost
	ActionScanRead       Action = "scan.read"
	ActionAppealList     Action = "appeal.list"
	ActionAppealReject   Action = "appeal.reject"
	ActionRegistryList   Action = "registry.list"
	ActionRegistrySync   Action = "registry.sync"
	// Cases (办件, B4): a clerk accepts or refuses an application (受理); a reviewer
	// who did not accept it approves it or returns it for correction (审核).
	ActionCaseList   Action = "case.list"
	ActionCaseAccept Action = "case.accept"
	ActionCaseDecide Action = "case.decide"
	// 公示公告 (H1): a clerk writes and edits drafts; a reviewer who neither wrote
	// nor last edited a draft publishes it (nobody publishes their own text), and
	// any reviewer withdraws a published notice.
	ActionNoticeList     Action = "notice.list"
	ActionNoticeDraft    Action = "notice.draft"
	ActionNoticePublish  Action = "notice.publish"
	ActionNoticeWithdraw Action = "notice.withdraw"
	// 职业技能等级认定 (U8 workbench): a clerk opens a plan for a unit, which then
	// enters its candidates; a reviewer who did not open the plan approves or
	// returns the submitted list.
	ActionSkillList   Action = "skill.list"
	ActionSkillCreate Action = "skill.create"
	ActionSkillReview Action = "skill.review"

	ActionAuditRead   Action = "audit.read"
	ActionAuditExport Action = "audit.export"
	ActionAuditVerify Action = "audit.verify"

	// ActionOwnAccount: change one's own password. Every staff member, for
	// themselves only.
	ActionOwnAccount Action = "staff.own"
)

// selfRule says what an action makes of a subject that is the actor.
type selfRule uint8

const (
	selfAny       selfRule = iota // the subject does not matter
	selfForbidden                 // never about oneself: managing one's own account
	selfOwnWork                   // the subject's author may not decide: nobody approves their own work
	selfAudit                     // nobody audits themselves
	selfOnly                      // only about oneself
)

type rule struct {
	roles Roles
	self  selfRule
}

// rules is the whole of back-office authorization: who may do what, and what may
// never be done about oneself. Pages show only what Authorize allows; every command
// asks again.
var rules = map[Action]rule{
	ActionStaffList:    {RolesOf(RoleSecurity), selfAny},
	ActionStaffCreate:  {RolesOf(RoleSecurity), selfAny},
	ActionStaffRoles:   {RolesOf(RoleSecurity), selfForbidden},
	ActionStaffDisable: {RolesOf(RoleSecurity), selfForbidden},
	ActionStaffEnable:  {RolesOf(RoleSecurity), selfForbidden},
	ActionStaffReset:   {RolesOf(RoleSecurity), selfForbidden},

	ActionUnitView:       {RolesOf(RoleClerk, RoleReviewer), selfAny},
	ActionCounterList:    {RolesOf(RoleClerk, RoleReviewer), selfAny},
	ActionCounterSubmit:  {RolesOf(RoleClerk), selfAny},
	ActionCounterApprove: {RolesOf(RoleReviewer), selfOwnWork},
	ActionCounterReject:  {RolesOf(RoleReviewer), selfOwnWork},
	ActionCounterResend:  {RolesOf(RoleClerk), selfAny},
	ActionScanRead:       {RolesOf(RoleClerk, RoleReviewer), selfAny},
	ActionAppealList:     {RolesOf(RoleClerk, RoleReviewer), selfAny},
	ActionAppealReject:   {RolesOf(RoleClerk), selfAny},
	ActionRegistryList:   {RolesOf(RoleClerk, RoleReviewer), selfAny},
	ActionRegistrySync:   {RolesOf(RoleClerk), selfAny},
	ActionCaseList:       {RolesOf(RoleClerk, RoleReviewer), selfAny},
	ActionCaseAccept:     {RolesOf(RoleClerk), selfAny},
	ActionCaseDecide:     {RolesOf(RoleReviewer), selfOwnWork},
	ActionNoticeList:     {RolesOf(RoleClerk, RoleReviewer), selfAny},
	ActionNoticeDraft:    {RolesOf(RoleClerk), selfAny},
	ActionNoticePublish:  {RolesOf(RoleReviewer), selfOwnWork},
	ActionNoticeWithdraw: {RolesOf(RoleReviewer), selfAny},
	ActionSkillList:      {RolesOf(RoleClerk, RoleReviewer), selfAny},
	ActionSkillCreate:    {RolesOf(RoleClerk), selfAny},
	ActionSkillReview:    {RolesOf(RoleReviewer), selfOwnWork},

	ActionAuditRead:   {RolesOf(RoleAuditor), selfAudit},
	ActionAuditExport: {RolesOf(RoleAuditor), selfAudit},
	ActionAuditVerify: {RolesOf(RoleAuditor), selfAny},

	ActionOwnAccount: {RolesOf(AllRoles...), selfOnly},
}

// Actions lists every action, for the table test and for pages that build menus.
func Actions() []Action {
	out := make([]Action, 0, len(rules))
	for a := range rules {
		out = append(out, a)
	}
	return out
}

// Subject is what an action is about, as far as authorization cares: StaffID is the
// staff member concerned — the account managed (staff.*), the author of the work
// decided (counter.approve, counter.reject; case.decide: the clerk who accepted the case;
// notice.publish: the draft's author, and again its last editor; skill.review: the clerk who opened the plan), the staff member whose records are read
// (audit.read with a staff filter, or an entry's staff) — 0 for none. Roles is the
// set of roles an account is given (staff.create, staff.roles).
type Subject struct {
	StaffID int64
	Roles   Roles
}

// Denial is Authorize's refusal. Code is stable (for tests and logs), Msg the Chinese
// sentence to show. errors.Is(d, ErrForbidden) holds for every Denial.
type Denial struct {
	Code string
	Msg  string
}

func (d *Denial) Error() string { return "staff: denied: " + d.Code }

// Is makes every Denial match ErrForbidden.
func (d *Denial) Is(target error) bool { return target == ErrForbidden }

// ErrForbidden is matched by every *Denial.
var ErrForbidden = errors.New("staff: forbidden")

// Denials.
var (
	DenyUnknownAction = &Denial{"unknown_action", "无此操作"}
	DenyDisabled      = &Denial{"disabled", "账户已停用"}
	DenyRole          = &Denial{"role", "您的角色无权办理此操作"}
	DenySelf          = &Denial{"self", "不能对本人账户进行此操作，请由其他安全管理员办理"}
	DenyOwnWork       = &Denial{"own_work", "不能审核本人经办的业务，请由其他审核人员办理"}
	DenyAuditSelf     = &Denial{"audit_self", "审计员不能查阅本人的操作记录，请由其他审计员查阅"}
	DenyOthers        = &Denial{"others", "只能修改本人的账户"}
	DenyRoleConflict  = &Denial{"role_conflict", ErrRoleConflict.Msg}
	DenyMustChange    = &Denial{"must_change_password", "请先修改初始密码"}
)

// Authorize decides whether actor may do action about subject, and names the role
// it does it in (for the audit record). Rules, in order: the actor's account must be
// enabled and, but for changing it, have its initial password changed; one of the
// actor's roles must be allowed the action; and about oneself: nobody manages their
// own account (so a security administrator cannot give themselves a business role),
// nobody approves or rejects their own work, nobody audits themselves, and one's own
// password is the only account one changes. Roles given to an account must keep the
// separation of duties. It returns a *Denial (errors.Is ErrForbidden) when refused.
func Authorize(actor Actor, action Action, subject Subject) (Role, error) {
	r, ok := rules[action]
	switch {
	case !ok:
		return "", DenyUnknownAction
	case actor.Disabled:
		return "", DenyDisabled
	case actor.MustChangePassword && action != ActionOwnAccount:
		return "", DenyMustChange
	}
	var role Role
	for _, x := range AllRoles {
		if actor.Roles.Has(x) && r.roles.Has(x) {
			role = x
			break
		}
	}
	if role == "" {
		return "", DenyRole
	}
	self := subject.StaffID != 0 && subject.StaffID == actor.StaffID
	switch {
	case r.self == selfForbidden && self:
		return "", DenySelf
	case r.self == selfOwnWork && self:
		return "", DenyOwnWork
	case r.self == selfAudit && self:
		return "", DenyAuditSelf
	case r.self == selfOnly && !self:
		return "", DenyOthers
	}
	if (action == ActionStaffCreate || action == ActionStaffRoles) && subject.Roles.Valid() != nil {
		return "", DenyRoleConflict
	}
	return role, nil
}

// Actor is the signed-in staff member making a request, as the session read it from
// the database (roles and state current at that moment), with the request's context
// for the audit log.
type Actor struct {
	StaffID            int64
	Login              string
	Name               string
	Roles              Roles
	Disabled           bool
	MustChangePassword bool
	ClientIP           string
	RequestID          string
}

// Target is the audit target of a staff account.
func Target(staffID int64) string { return "staff:" + strconv.FormatInt(staffID, 10) }
