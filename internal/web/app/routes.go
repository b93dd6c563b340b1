// Package app is the companion mobile web app (/app/): its home and 我的 pages, the
// scanner, face verification for the hall's flows (A1, A2), the agent's invitations and
// 重置单位密码 (P2). Its sign-in pages are logins and live in package account.
package app

import (
	"embed"

	"hall/internal/web"
)

// files are the audience's page templates and static files (AddAudienceFiles).
//
//go:embed templates static
var files embed.FS

// handler serves the companion app's pages on the kit (internal/web): rendering, forms, the
// Visitor and session layer, the login gate.
type handler struct{ *web.Server }

// Mount adds the companion app's pages and routes to s. Patterns use the standard ServeMux
// syntax ("GET /path/{id}"); every route passes the kit's body limit and CSRF check
// (web.Server.Handle).
func Mount(s *web.Server) error {
	if err := s.AddAudienceFiles(files); err != nil {
		return err
	}
	h := &handler{s}
	// 我的 → 企业服务 → 重置单位密码 in the companion app (P2).
	s.Handle("GET /app/me/reset", h.appSignedIn(h.passwordResetAppList))
	s.Handle("POST /app/me/reset", h.appSignedIn(h.passwordResetAppStart))
	s.Handle("GET /app/me/reset/done", h.passwordResetAppDone)
	s.Handle("GET /app/me/reset/{flow}", h.appSignedIn(h.passwordResetAppShow))
	s.Handle("POST /app/me/reset/{flow}", h.appSignedIn(h.passwordResetAppPost))
	s.Handle("POST /app/me/reset/{flow}/restart", h.appSignedIn(h.passwordResetAppRestart))
	s.Handle("GET /app", h.appRoot)
	s.Handle("GET /app/{$}", h.appHome)
	s.Handle("POST /app/logout", h.appLogout)
	s.Handle("GET /app/scan", h.appScanShow)
	s.Handle("POST /app/scan", h.appScanPost)
	s.Handle("GET /app/records/{id}", h.recordShow)
	s.Handle("GET /app/v/{id}", h.appVerifyShow)
	s.Handle("POST /app/v/{id}", h.appVerifyPost)
	s.Handle("GET /app/qr/{id}", h.appSignedIn(h.qrConfirmShow))
	s.Handle("POST /app/qr/{id}", h.appSignedIn(h.qrConfirmPost))
	s.Handle("GET /app/me", h.appMe)
	s.Handle("GET /app/me/legal-rep", h.appLegalRep)
	s.Handle("GET /app/me/agent", h.appSignedIn(h.invitationAppList))
	s.Handle("GET /app/me/agent/{inv}", h.appSignedIn(h.invitationAppShow))
	s.Handle("POST /app/me/agent/{inv}", h.appSignedIn(h.invitationAppConfirm))
	s.Handle("POST /app/me/agent/{inv}/verify", h.appSignedIn(h.invitationAppVerify))
	s.Handle("GET /app/me/agent/{inv}/decline", h.appSignedIn(h.invitationAppDeclineShow))
	s.Handle("POST /app/me/agent/{inv}/decline", h.appSignedIn(h.invitationAppDecline))
	return nil
}
