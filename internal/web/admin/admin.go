// Package admin is the back office (后台, SPEC B1–B6) for the bureau's staff: the
// staff login with password and TOTP, the home page by role, and the counter's
// unit registration and password reset with their review. It is served on the operations listener only
// (web.Server.AdminHandler, --admin-addr), never on the public one, with its own
// session cookie (the staff session of internal/staff, idle 15 minutes by default)
// and its own layout. Handlers are thin: the rules live in internal/staff and
// internal/counter, which authorize every command again and audit it.
package admin

import (
	"embed"

	"hall/internal/scans"
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

	s.HandleAdmin("GET /admin/login", h.loginShow)
	s.HandleAdmin("POST /admin/login", h.loginPost)
	s.HandleAdmin("POST /admin/logout", h.logout)
	s.HandleAdmin("GET /admin/password", h.signedIn(h.passwordShow))
	s.HandleAdmin("POST /admin/password", h.signedIn(h.passwordPost))
	s.HandleAdmin("GET /admin/{$}", h.signedIn(h.home))

	// Staff accounts (security administrators): a new account and its enrolment.
	s.HandleAdmin("GET /admin/staff/new", h.signedIn(h.staffNewShow))
	s.HandleAdmin("POST /admin/staff/new", h.signedIn(h.staffNewPost))

	// The audit log for auditors: search and CSV export.
	s.HandleAdmin("GET /admin/audit", h.signedIn(h.auditLog))
	s.HandleAdmin("POST /admin/audit/export", h.signedIn(h.auditExport))
	s.HandleAdmin("POST /admin/audit/verify", h.signedIn(h.auditVerify))

	// Counter requests (B1/R3 unit registration, B3/P3 password reset): the clerk
	// records, a reviewer decides.
	s.HandleAdmin("GET /admin/counter/unit-registration", h.signedIn(h.unitRegistrationShow))
	s.HandleAdmin("POST /admin/counter/unit-registration", h.signedIn(h.unitRegistrationPost), web.BodyLimit(registrationBodyLimit))
	s.HandleAdmin("GET /admin/counter/password-reset", h.signedIn(h.passwordResetShow))
	s.HandleAdmin("POST /admin/counter/password-reset", h.signedIn(h.passwordResetPost), web.BodyLimit(uploadBodyLimit))
	s.HandleAdmin("GET /admin/counter/{$}", h.signedIn(h.queue))
	s.HandleAdmin("GET /admin/counter/{id}", h.signedIn(h.requestShow))
	s.HandleAdmin("POST /admin/counter/{id}/approve", h.signedIn(h.approve))
	s.HandleAdmin("POST /admin/counter/{id}/reject", h.signedIn(h.reject))
	s.HandleAdmin("POST /admin/counter/{id}/resend", h.signedIn(h.resend))
	s.HandleAdmin("GET /admin/scans/{id}", h.signedIn(h.scanDownload))
	return nil
}
