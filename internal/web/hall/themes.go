package hall

import (
	"net/http"

	"hall/internal/cases"
)

// themesData is what the 主题服务 Page shows.
type themesData struct {
	Personas []cases.Topic
	Themes   []cases.Topic
}

// themesShow lists the "我是…" personas and the 主题服务 themes.
func (s *handler) themesShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var d themesData
	var err error
	if d.Personas, err = s.Catalog.Topics(ctx, cases.TopicPersona); err != nil {
		return err
	}
	if d.Themes, err = s.Catalog.Topics(ctx, cases.TopicTheme); err != nil {
		return err
	}
	return s.Render(w, r, http.StatusOK, "themes", "主题服务", "themes", d)
}
