// Package hall is the public hall: the home page, the service catalog and its items,
// 公示公告, the search, the theme pages and the placeholders of what is still to come. Nobody needs to be
// signed in here.
package hall

import (
	"embed"

	"hall/internal/web"
)

//go:embed templates
var templates embed.FS

// handler serves the public hall's pages on the kit (internal/web): rendering, forms, the
// Visitor and session layer, the login gate.
type handler struct{ *web.Server }

// Mount adds the public hall's pages and routes to s. Patterns use the standard ServeMux
// syntax ("GET /path/{id}"); every route passes the kit's body limit and CSRF check
// (web.Server.Handle).
func Mount(s *web.Server) error {
	if err := s.AddPages(templates, "templates/*.html"); err != nil {
		return err
	}
	h := &handler{s}
	s.Handle("GET /{$}", h.homeShow)
	s.Handle("GET /catalog", h.catalogList)
	s.Handle("GET /catalog/{code}", h.catalogItem)
	s.Handle("GET /themes", h.themesShow)
	// 公示公告 (H1) and 站内搜索 (H2).
	s.Handle("GET /notices", h.noticesList)
	s.Handle("GET /notices/{id}", h.noticeShow)
	s.Handle("GET /search", h.searchShow)
	// 查询服务 (H1): public look-ups.
	s.Handle("GET /query", h.queryShow)
	// 在线帮助 (H3): the operating guides, linked from each flow's pages.
	s.Handle("GET /help", h.helpIndex)
	s.Handle("GET /help/{key}", h.helpShow)
	linkGuides(s)
	// 权益单验证 (A4), where a rights record's QR code leads.
	s.Handle("GET /verify/{id}", h.verifyShow)
	return nil
}
