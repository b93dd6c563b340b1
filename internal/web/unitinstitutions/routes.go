// Package unitinstitutions is 机构管理 (SPEC U7) in the unit user center: the unit's
// institution accounts, paged, and the forms that open, change, reset and close
// them (internal/institution), for the unit's legal rep and administrator, every
// change behind a recent re-authentication (web.RequireFreshProof). The
// institution's operator then signs in with the 机构编号 at the unit login and
// works in the institution user center (package institutioncenter).
package unitinstitutions

import (
	"embed"

	"hall/internal/web"
)

// files are the package's page templates.
//
//go:embed templates
var files embed.FS

// handler is 机构管理 on the kit: the unit center's guard and shell, forms,
// rendering, the re-authentication step.
type handler struct{ *web.Server }

// Mount registers 机构管理 on s, each route through web.Server.Handle (body limit,
// CSRF check).
func Mount(s *web.Server) error {
	if err := s.AddPages(files, "templates/*.html"); err != nil {
		return err
	}
	h := &handler{s}
	fresh := func(next web.HandlerFunc) web.HandlerFunc { return h.guard(s.RequireFreshProof(freshProof, next)) }
	s.Handle("GET /unit/institutions", h.guard(h.list))
	s.Handle("GET /unit/institutions/new", h.guard(h.openShow))
	s.Handle("POST /unit/institutions/new", fresh(h.openPost))
	s.Handle("GET /unit/institutions/{id}/edit", h.guard(h.changeShow))
	s.Handle("POST /unit/institutions/{id}/edit", fresh(h.changePost))
	s.Handle("GET /unit/institutions/{id}/reset", h.guard(h.confirmShow(actionReset)))
	s.Handle("POST /unit/institutions/{id}/reset", fresh(h.resetPost))
	s.Handle("GET /unit/institutions/{id}/close", h.guard(h.confirmShow(actionClose)))
	s.Handle("POST /unit/institutions/{id}/close", fresh(h.closePost))
	return nil
}
