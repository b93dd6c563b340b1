package web

import "net/http"

func (s *Server) homeShow(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "home", "", "home", nil)
}

func (s *Server) catalogList(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "catalog", "服务清单", "catalog", nil)
}

// soonNames maps the pages that later releases build to their titles; anything else
// under /soon/ is a 404.
var soonNames = map[string]string{
	"login": "登录", "register": "注册", "query": "查询服务", "themes": "主题服务", "notices": "公示公告",
}

func (s *Server) soonShow(w http.ResponseWriter, r *http.Request) error {
	title, ok := soonNames[r.PathValue("what")]
	if !ok {
		return s.notFound(w, r)
	}
	return s.render(w, r, http.StatusOK, "soon", title, "", nil)
}
