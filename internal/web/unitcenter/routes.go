// Package unitcenter is the unit user center (单位用户中心, SPEC §6): choosing and
// entering a unit, its home page, 单位信息 (U2), 单位权益单 (U3), 单位办件 (U4),
// 单位快递 (U5), 我的工作台 (U8), 收件地址 (U9) and the unit's business items, every page behind the
// unit session and its one authorization check. 经办人管理 (U6, /unit/agents…) shares
// its shell and is package unitdelegation.
package unitcenter

import (
	"embed"

	"hall/internal/address"
	"hall/internal/rights"
	"hall/internal/skills"
	"hall/internal/web"
)

// files are the audience's page templates and static files (AddAudienceFiles).
//
//go:embed templates static
var files embed.FS

// handler serves the unit user center's pages on the kit (internal/web): rendering, forms, the
// Visitor and session layer, the login gate.
type handler struct{ *web.Server }

// Mount adds the unit user center's pages and routes to s. Patterns use the standard ServeMux
// syntax ("GET /path/{id}"); every route passes the kit's body limit and CSRF check
// (web.Server.Handle).
func Mount(s *web.Server) error {
	if err := s.AddAudienceFiles(files); err != nil {
		return err
	}
	h := &handler{s}

	// The unit user center and acting for a unit (L7, U1, §6 shell).
	s.Handle("GET /unit/{$}", s.UnitCenterGuard(h.unitHome))
	s.Handle("GET /unit/choose", s.RequireSignedIn(h.unitChoose))
	s.Handle("POST /unit/switch", s.RequireSignedIn(h.unitSwitch))
	s.Handle("POST /unit/leave", s.RequireSignedIn(h.unitLeave))

	// 单位信息 (U2): every usable unit session may look and export; changing the basic
	// information is the business of one catalog item (businessFor).
	s.Handle("GET /unit/info", s.UnitCenterGuard(h.unitInfoShow))
	s.Handle("POST /unit/info", s.UnitCenterGuard(h.unitInfoFilter))
	s.Handle("GET /unit/info/export", s.UnitCenterGuard(h.unitInfoExport))
	s.Handle("GET /unit/info/edit", h.businessFor(infoEditItem, h.unitInfoEditShow))
	s.Handle("POST /unit/info/edit", h.businessFor(infoEditItem, h.unitInfoEditPost))

	// The unit's business: every route here passes businessBusiness, the one authorization
	// check of role, scope, validity and the session's unit (U6).
	s.Handle("GET /unit/items", h.businessBusiness(h.businessItemsList))
	s.Handle("GET /unit/items/{code}", h.businessBusiness(h.businessItemShow))
	s.Handle("GET /unit/items/{code}/counter", h.businessBusiness(h.businessItemCounter))
	s.Handle("GET /unit/items/{code}/apply", h.businessBusiness(h.caseApplyShow))
	s.Handle("POST /unit/items/{code}/apply", h.businessBusiness(h.caseApplyPost), web.BodyLimit(materialBodyLimit()), web.OversizeToHandler())
	s.Handle("POST /unit/items/{code}/draft", h.businessBusiness(h.caseDraftSave), web.BodyLimit(materialBodyLimit()), web.OversizeToHandler())
	s.Handle("POST /unit/items/{code}/draft/discard", h.businessBusiness(h.caseDraftDiscard))

	// 单位办件 (U4): every usable unit session reads the unit's cases; withdrawing
	// and resubmitting are the business of the case's item, which cases.Service
	// authorizes on every command.
	s.Handle("GET /unit/cases", s.UnitCenterGuard(h.casesShow))
	s.Handle("GET /unit/cases/{id}", s.UnitCenterGuard(h.caseShow))
	s.Handle("POST /unit/cases/{id}/withdraw", s.UnitCenterGuard(h.caseWithdraw))
	s.Handle("GET /unit/cases/{id}/resubmit", s.UnitCenterGuard(h.caseResubmitShow))
	s.Handle("POST /unit/cases/{id}/resubmit", s.UnitCenterGuard(h.caseResubmitPost), web.BodyLimit(materialBodyLimit()), web.OversizeToHandler())
	s.Handle("GET /unit/cases/{id}/materials/{material}", s.UnitCenterGuard(h.caseMaterialDownload))
	s.Handle("GET /unit/cases/{id}/result", s.UnitCenterGuard(h.caseResultDownload))

	// 单位快递 (U5): every usable unit session reads the unit's deliveries, as it
	// reads its cases; more specific than /unit/{section}.
	s.Handle("GET /unit/deliveries", s.UnitCenterGuard(h.deliveriesShow))
	s.Handle("GET /unit/deliveries/{id}", s.UnitCenterGuard(h.deliveryShow))

	// 我的工作台 (U8): every usable unit session reads the unit's tasks; entering
	// candidates and submitting are the business of skills.ItemCode.
	s.Handle("GET /unit/workbench", s.UnitCenterGuard(h.workbenchShow))
	s.Handle("GET /unit/workbench/plans/{id}", s.UnitCenterGuard(h.workbenchPlanShow))
	s.Handle("POST /unit/workbench/plans/{id}/candidates", h.businessItem(skills.ItemCode, h.workbenchAdd))
	s.Handle("POST /unit/workbench/plans/{id}/candidates/{candidate}/remove", h.businessItem(skills.ItemCode, h.workbenchRemove))
	s.Handle("POST /unit/workbench/plans/{id}/import", h.businessItem(skills.ItemCode, h.workbenchImport), web.BodyLimit(importBodyLimit), web.OversizeToHandler())
	s.Handle("POST /unit/workbench/plans/{id}/submit", h.businessItem(skills.ItemCode, h.workbenchSubmit))

	// 单位权益单 (U3): the form, the records produced, and their download, for
	// whoever may do rights.ItemCode.
	s.Handle("GET /unit/rights", h.businessItem(rights.ItemCode, h.rightsShow))
	s.Handle("POST /unit/rights", h.businessItem(rights.ItemCode, h.rightsIssue))
	s.Handle("GET /unit/rights/{id}/file", h.businessItem(rights.ItemCode, h.rightsFile))

	// 账号设置 → 收件地址 (U9): every usable unit session may look; changes are the
	// business of address.ItemCode. (账户信息, /unit/account, is in package account.)
	s.Handle("GET /unit/account/addresses", s.UnitCenterGuard(h.addressesShow))
	s.Handle("POST /unit/account/addresses", h.businessItem(address.ItemCode, h.addressesAdd))
	s.Handle("GET /unit/account/addresses/{id}/edit", h.businessItem(address.ItemCode, h.addressEditShow))
	s.Handle("POST /unit/account/addresses/{id}/edit", h.businessItem(address.ItemCode, h.addressEditPost))
	s.Handle("POST /unit/account/addresses/{id}/default", h.businessItem(address.ItemCode, h.addressDefault))
	s.Handle("POST /unit/account/addresses/{id}/delete", h.businessItem(address.ItemCode, h.addressDelete))
	return nil
}
