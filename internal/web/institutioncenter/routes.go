// Package institutioncenter is the institution user center (机构用户中心, SPEC U7): what
// the operator of an institution account sees after signing in with its 机构编号
// at the unit login — the institution's own cases with their progress, and the
// institution's password, which must be changed at the first sign-in and after a
// reset. An institution session holds no role in the unit (web.Visitor), so
// every page of the unit center and the personal center refuses it; only these
// pages serve it, behind web.Server.RequireInstitution.
package institutioncenter

import (
	"embed"

	"hall/internal/web"
)

// files are the package's page templates.
//
//go:embed templates
var files embed.FS

// handler is the institution user center on the kit.
type handler struct{ *web.Server }

// Mount registers the institution user center on s.
func Mount(s *web.Server) error {
	if err := s.AddPages(files, "templates/*.html"); err != nil {
		return err
	}
	h := &handler{s}
	s.Handle("GET /institution/{$}", h.guard(h.home))
	s.Handle("GET /institution/cases/{id}", h.guard(h.caseShow))
	s.Handle("GET /institution/password", s.RequireInstitution(h.passwordShow))
	s.Handle("POST /institution/password", s.RequireInstitution(h.passwordPost))
	return nil
}
