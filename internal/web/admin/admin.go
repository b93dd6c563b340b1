// Package admin is the back office (后台, SPEC B1–B6) for the bureau's staff: the
// staff login with password and TOTP, the home page by role, the counter's
// requests (unit registration, password reset, admin change, appeal release) with
// their review, the appeals desk, 公示公告管理 and the registry sync's list. It is served on the operations listener only
// (web.Server.AdminHandler, --admin-addr), never on the public one, with its own
// session cookie (the staff session of internal/staff, idle 15 minutes by default)
// and its own layout. Handlers are thin: the rules live in internal/staff and
// internal/counter, which authorize every command again and audit it.
package admin

import (
	"embed"

	"hall/internal/scans"
	"hall/internal/staff"
	"hall/internal/web"
)

//go:embed templates
var templates embed.FS

// handler serves the back office's pages on the kit.
type handler struct{ *web.Server }

// uploadBodyLimit bounds the counter forms that carry scans: one scan of at most
// scans.MaxBytes and the form's few fields.
const uploadBodyLimit = scans.MaxBytes + 64<<10

// Mount adds the back office's pages and routes to s, on the operations listener
// (web.Server.HandleAdmin).
func Mount(s *web.Server) error {
	if err := s.AddPages(templates, "templates/*.html", "templates/layout/admin-layout.html"); err != nil {
		return err
	}
	h := &handler{s}
	s.SetBackOfficeBinding(h.csrfBinding)

	s.HandleAdmin("GET /admin/login", h.loginShow)
	s.HandleAdmin("POST /admin/login", h.loginPost)
	s.HandleAdmin("POST /admin/logout", h.logout)
	s.HandleAdmin("GET /admin/password", h.signedIn(h.passwordShow))
	s.HandleAdmin("POST /admin/password", h.signedIn(h.passwordPost))
	s.HandleAdmin("GET /admin/{$}", h.signedIn(h.home))

	// Staff accounts (security administrators): a new account and its enrolment.
	s.HandleAdmin("GET /admin/staff/new", h.permitted(staff.ActionStaffCreate, h.staffNewShow))
	s.HandleAdmin("POST /admin/staff/new", h.permitted(staff.ActionStaffCreate, h.staffNewPost))
	// The accounts, paged, and an account's page: roles (compare-and-set on the
	// roles shown), disable / enable, reset of the password and TOTP secret.
	s.HandleAdmin("GET /admin/staff/{$}", h.permitted(staff.ActionStaffList, h.staffList))
	s.HandleAdmin("GET /admin/staff/{id}", h.permitted(staff.ActionStaffList, h.staffShow))
	s.HandleAdmin("POST /admin/staff/{id}/roles", h.permitted(staff.ActionStaffRoles, h.staffRoles))
	s.HandleAdmin("POST /admin/staff/{id}/disable", h.permitted(staff.ActionStaffDisable, h.staffState(true)))
	s.HandleAdmin("POST /admin/staff/{id}/enable", h.permitted(staff.ActionStaffEnable, h.staffState(false)))
	s.HandleAdmin("POST /admin/staff/{id}/reset", h.permitted(staff.ActionStaffReset, h.staffReset))

	// The audit log for auditors: search and CSV export.
	s.HandleAdmin("GET /admin/audit", h.permitted(staff.ActionAuditRead, h.auditLog))
	s.HandleAdmin("POST /admin/audit/export", h.permitted(staff.ActionAuditExport, h.auditExport))
	s.HandleAdmin("POST /admin/audit/verify", h.permitted(staff.ActionAuditVerify, h.auditVerify))

	// Counter requests (B1/R3 unit registration, B3/P3 password reset, B2, B6's
	// release): the clerk records, a reviewer decides.
	s.HandleAdmin("GET /admin/counter/unit-registration", h.permitted(staff.ActionCounterSubmit, h.unitRegistrationShow))
	s.HandleAdmin("POST /admin/counter/unit-registration", h.permitted(staff.ActionCounterSubmit, h.unitRegistrationPost),
		web.BodyLimit(registrationBodyLimit))
	s.HandleAdmin("GET /admin/counter/password-reset", h.permitted(staff.ActionCounterSubmit, h.passwordResetShow))
	s.HandleAdmin("POST /admin/counter/password-reset", h.permitted(staff.ActionCounterSubmit, h.passwordResetPost),
		web.BodyLimit(uploadBodyLimit))
	// 管理员变更 (B2): the unit looked up, the new administrator and three scans.
	s.HandleAdmin("GET /admin/counter/admin-change", h.permitted(staff.ActionCounterSubmit, h.adminChangeShow))
	s.HandleAdmin("POST /admin/counter/admin-change", h.permitted(staff.ActionCounterSubmit, h.adminChangePost),
		web.BodyLimit(adminChangeBodyLimit))
	s.HandleAdmin("GET /admin/counter/{$}", h.permitted(staff.ActionCounterList, h.queue))
	s.HandleAdmin("GET /admin/counter/{id}", h.permitted(staff.ActionCounterList, h.requestShow))
	s.HandleAdmin("POST /admin/counter/{id}/approve", h.permitted(staff.ActionCounterApprove, h.approve))
	s.HandleAdmin("POST /admin/counter/{id}/reject", h.permitted(staff.ActionCounterReject, h.reject))
	s.HandleAdmin("POST /admin/counter/{id}/resend", h.permitted(staff.ActionCounterResend, h.resend))
	s.HandleAdmin("GET /admin/scans/{id}", h.permitted(staff.ActionScanRead, h.scanDownload))

	// 用户申诉 (B6): the queue with the evidence; a clerk records the release of a
	// taken ID number or mobile (a reviewer approves it as a counter request) or
	// answers the appeal with a reason.
	s.HandleAdmin("GET /admin/appeals/{$}", h.permitted(staff.ActionAppealList, h.appeals))
	s.HandleAdmin("GET /admin/appeals/{id}", h.permitted(staff.ActionAppealList, h.appealShow))
	s.HandleAdmin("POST /admin/appeals/{id}/release", h.permitted(staff.ActionCounterSubmit, h.appealRelease),
		web.BodyLimit(uploadBodyLimit))
	s.HandleAdmin("POST /admin/appeals/{id}/reject", h.permitted(staff.ActionAppealReject, h.appealReject))

	// 办件处理 (B4): the units' online cases; a clerk accepts or refuses, a reviewer
	// who did not accept a case approves or returns it.
	s.HandleAdmin("GET /admin/cases/{$}", h.permitted(staff.ActionCaseList, h.casesQueue))
	// 窗口录入办件: a clerk enters a counter case, accepted on the spot.
	s.HandleAdmin("GET /admin/cases/counter", h.permitted(staff.ActionCaseAccept, h.counterCaseShow))
	s.HandleAdmin("POST /admin/cases/counter", h.permitted(staff.ActionCaseAccept, h.counterCasePost))
	s.HandleAdmin("GET /admin/cases/{id}", h.permitted(staff.ActionCaseList, h.caseShow))
	s.HandleAdmin("GET /admin/cases/{id}/materials/{material}", h.permitted(staff.ActionCaseList, h.caseMaterialDownload))
	s.HandleAdmin("GET /admin/cases/{id}/result", h.permitted(staff.ActionCaseList, h.caseResultDownload))
	s.HandleAdmin("POST /admin/cases/{id}/accept", h.permitted(staff.ActionCaseAccept, h.caseStep(caseAccept)))
	s.HandleAdmin("POST /admin/cases/{id}/refuse", h.permitted(staff.ActionCaseAccept, h.caseStep(caseRefuse)))
	s.HandleAdmin("POST /admin/cases/{id}/approve", h.permitted(staff.ActionCaseDecide, h.caseStep(caseApprove)))
	s.HandleAdmin("POST /admin/cases/{id}/return", h.permitted(staff.ActionCaseDecide, h.caseStep(caseReturn)))
	s.HandleAdmin("POST /admin/cases/{id}/resubmit", h.permitted(staff.ActionCaseAccept, h.caseStep(caseResubmit)))

	// 公示公告管理 (H1): a clerk drafts, a reviewer who did not write or last edit a
	// draft publishes it, a reviewer withdraws.
	s.HandleAdmin("GET /admin/notices/{$}", h.permitted(staff.ActionNoticeList, h.noticesList))
	s.HandleAdmin("GET /admin/notices/new", h.permitted(staff.ActionNoticeDraft, h.noticeNewShow))
	s.HandleAdmin("POST /admin/notices/new", h.permitted(staff.ActionNoticeDraft, h.noticeNewPost),
		web.BodyLimit(noticeBodyLimit))
	s.HandleAdmin("GET /admin/notices/{id}", h.permitted(staff.ActionNoticeList, h.noticeShow))
	s.HandleAdmin("POST /admin/notices/{id}/edit", h.permitted(staff.ActionNoticeDraft, h.noticeEdit),
		web.BodyLimit(noticeBodyLimit))
	s.HandleAdmin("POST /admin/notices/{id}/publish", h.permitted(staff.ActionNoticePublish, h.noticeStep(noticePublish)))
	s.HandleAdmin("POST /admin/notices/{id}/withdraw", h.permitted(staff.ActionNoticeWithdraw, h.noticeStep(noticeWithdraw)))

	// 职业技能等级认定 (U8): a clerk opens a plan for a unit; a reviewer who did
	// not open it approves or returns the candidates the unit submitted.
	s.HandleAdmin("GET /admin/skills/{$}", h.permitted(staff.ActionSkillList, h.skillsList))
	s.HandleAdmin("GET /admin/skills/new", h.permitted(staff.ActionSkillCreate, h.skillNewShow))
	s.HandleAdmin("POST /admin/skills/new", h.permitted(staff.ActionSkillCreate, h.skillNewPost))
	s.HandleAdmin("GET /admin/skills/{id}", h.permitted(staff.ActionSkillList, h.skillShow))
	s.HandleAdmin("POST /admin/skills/{id}/approve", h.permitted(staff.ActionSkillReview, h.skillDecide(true)))
	s.HandleAdmin("POST /admin/skills/{id}/return", h.permitted(staff.ActionSkillReview, h.skillDecide(false)))

	// Registry sync (B5): the changes applied, and 立即同步.
	s.HandleAdmin("GET /admin/registry", h.permitted(staff.ActionRegistryList, h.registryChanges))
	s.HandleAdmin("POST /admin/registry/sync", h.permitted(staff.ActionRegistrySync, h.registrySync))
	return nil
}
