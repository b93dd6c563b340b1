// Package site is the hall's top-level route map: which audience is mounted where. The
// kit (internal/web) serves /static/, /healthz, /readyz, /display/…, /session/keepalive
// and the 404 page; each audience registers its own routes in its routes.go:
//
//	hall        /  /catalog…  /themes  /query  /help…  /notices…  the public hall
//	account     /register…  /login…  /me…  /recover…  /appeal…     personal accounts, logins,
//	            /agreements/…  /verify/…  /app/login…  /unit/account…  /captcha/…  /dev/outbox
//	unitcenter  /unit/  /unit/choose  /unit/info…  /unit/items…     the unit user center
//	            /unit/cases…  /unit/deliveries…  /unit/rights…  /unit/account/addresses…
//	unitdelegation  /unit/agents…                                  经办人管理, in the center's shell
//	unitinstitutions  /unit/institutions…                          机构管理, in the center's shell
//	institutioncenter /institution/…                               an institution's own business
//	app         /app/  /app/me…  /app/scan  /app/v/…               the companion app
//
// The back office (package admin, /admin/…) has a listener of its own
// (Server.AdminHandler): BackOffice registers its routes there only.
package site

import (
	"slices"

	"hall/internal/services"
	"hall/internal/web"
	"hall/internal/web/account"
	"hall/internal/web/admin"
	"hall/internal/web/app"
	"hall/internal/web/hall"
	"hall/internal/web/institutioncenter"
	"hall/internal/web/unitcenter"
	"hall/internal/web/unitdelegation"
	"hall/internal/web/unitinstitutions"
)

// Audiences are the hall's audiences in the order they are mounted. ServeMux picks the
// most specific pattern whatever the order, and refuses two equal ones at start-up.
var Audiences = []web.Mount{hall.Mount, account.Mount, unitcenter.Mount, unitdelegation.Mount,
	unitinstitutions.Mount, institutioncenter.Mount, app.Mount}

// BackOffice is the back office, mounted on the operations listener only (its routes
// are web.Server.HandleAdmin's): not one of the public Audiences.
var BackOffice web.Mount = admin.Mount

// New builds the hall's HTTP server on svc with every audience and the back office
// mounted.
func New(svc *services.Services) (*web.Server, error) {
	return web.New(svc, append(slices.Clone(Audiences), BackOffice)...)
}
