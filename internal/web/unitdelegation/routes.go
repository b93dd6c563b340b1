// Package unitdelegation is 经办人管理 (SPEC U6) in the unit user center: the unit's
// administrator and agents with their grants and paged history, and the forms that set,
// replace and remove the administrator and add, change and remove agents, every change
// behind a recent re-authentication. Its pages sit in the unit center's shell (the kit's
// UnitShellFor and templates/unitcenter.html) under /unit/agents; the invitee confirms
// in the companion app (package app).
package unitdelegation

import (
	"embed"

	"hall/internal/web"
)

// files are the package's page templates (templates/*.html) and its one script,
// static/js/delegation-grant.js (全选 of a category of 业务授权).
//
//go:embed templates static
var files embed.FS

// handler is 经办人管理 on the kit: the unit center's guard (UnitCenterGuard) and shell
// (UnitShellFor), forms, rendering, the re-authentication step.
type handler struct{ *web.Server }

// Mount registers 经办人管理 on s: its templates and script, then its routes, each through
// web.Server.Handle (body limit, CSRF check).
func Mount(s *web.Server) error {
	if err := s.AddAudienceFiles(files); err != nil {
		return err
	}
	h := &handler{s}
	fresh := func(next web.HandlerFunc) web.HandlerFunc { return s.RequireFreshProof(freshProof, next) }

	// 经办人管理 (U6): the administrator and the agents of the session's unit, for its
	// legal rep and administrator (guard), every change behind a recent
	// re-authentication (web.RequireFreshProof).
	s.Handle("GET /unit/agents", h.guard(h.show))
	s.Handle("GET /unit/agents/admin/new", h.guard(h.adminNewShow))
	s.Handle("POST /unit/agents/admin/new", h.guard(fresh(h.adminNewPost)))
	s.Handle("GET /unit/agents/admin/{id}/replace", h.guard(h.adminReplaceShow))
	s.Handle("POST /unit/agents/admin/{id}/replace", h.guard(fresh(h.adminReplacePost)))
	s.Handle("GET /unit/agents/admin/{id}/remove", h.guard(h.adminRemoveShow))
	s.Handle("POST /unit/agents/admin/{id}/remove", h.guard(fresh(h.adminRemovePost)))
	s.Handle("GET /unit/agents/new", h.guard(h.agentNewShow))
	s.Handle("POST /unit/agents/new", h.guard(fresh(h.agentNewPost)))
	s.Handle("GET /unit/agents/{id}/edit", h.guard(h.agentEditShow))
	s.Handle("POST /unit/agents/{id}/edit", h.guard(fresh(h.agentEditPost)))
	s.Handle("GET /unit/agents/{id}/remove", h.guard(h.agentRemoveShow))
	s.Handle("POST /unit/agents/{id}/remove", h.guard(fresh(h.agentRemovePost)))
	return nil
}
