package hall

import (
	"net/http"

	"hall/internal/cases"
	"hall/internal/notices"
)

// homeHotItems is how many 热门服务 the home page shows.
const homeHotItems = 8

// homeData is what the home page (H1) shows.
type homeData struct {
	Hot        []cases.Item
	Personas   []cases.Topic
	Themes     []cases.Topic
	Categories []cases.Category
	// Notices are the newest published 公示公告.
	Notices []notices.Notice
	// Certificate: the hall offers CA登录 (SPEC L3).
	Certificate bool
}

// homeShow is the home page (大厅首页): the login box, the "我是…" entries, 热门服务,
// 主题服务, the categories of the catalog and the newest 公示公告.
func (s *handler) homeShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := homeData{Certificate: s.CALoginURL() != ""}
	var err error
	if d.Hot, err = s.Catalog.Hot(ctx, homeHotItems); err != nil {
		return err
	}
	if d.Personas, err = s.Catalog.Topics(ctx, cases.TopicPersona); err != nil {
		return err
	}
	if d.Themes, err = s.Catalog.Topics(ctx, cases.TopicTheme); err != nil {
		return err
	}
	if d.Categories, err = s.Catalog.Categories(ctx); err != nil {
		return err
	}
	if d.Notices, err = s.NoticeBoard.Latest(ctx, homeNotices); err != nil {
		return err
	}
	return s.Render(w, r, http.StatusOK, "home", "", "home", d)
}
