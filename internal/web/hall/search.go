package hall

import (
	"net/http"
	"net/url"

	"hall/internal/cases"
	"hall/internal/notices"
)

// 站内搜索 (SPEC H2): the home page's search box looks in the catalog (item names,
// or an item's code, as /catalog?q= does) and in the published notices' titles, and
// shows both groups. Each group shows its first searchGroupSize results and leads to
// its own paged list with the same keyword (/catalog?q=, /notices?q=), so that
// paging stays with the list that owns it.

// searchGroupSize is how many results each group of /search shows.
const searchGroupSize = 10

// searchData is the template data of /search.
type searchData struct {
	Query        string // the keyword as searched (cleaned and bounded), "" for none
	Items        []cases.Item
	ItemTotal    int
	ItemsURL     string // every matching item: the catalog with the keyword
	Notices      []notices.Notice
	NoticeTotal  int
	NoticesURL   string // every matching notice
	MaxQueryRune int
}

// searchQuery reads the keyword of /search: every q joined, cleaned and bounded
// as the catalog's (cases.CleanQuery), "" when nothing is left.
func searchQuery(v url.Values) string {
	var q string
	for _, s := range v["q"] {
		q += " " + s
	}
	return cases.CleanQuery(q)
}

// searchShow is GET /search?q=.
func (s *handler) searchShow(w http.ResponseWriter, r *http.Request) error {
	d := searchData{Query: searchQuery(r.URL.Query()), MaxQueryRune: cases.MaxQueryRunes}
	if d.Query != "" {
		ctx := r.Context()
		var err error
		if d.Items, d.ItemTotal, err = s.Catalog.List(ctx, cases.Filter{Query: d.Query, PerPage: searchGroupSize}); err != nil {
			return err
		}
		if d.Notices, d.NoticeTotal, err = s.NoticeBoard.Published(ctx, notices.Filter{Query: d.Query, PerPage: searchGroupSize}); err != nil {
			return err
		}
		d.ItemsURL = catalogURL(cases.Filter{Query: d.Query})
		d.NoticesURL = noticesURL(notices.Filter{Query: d.Query})
	}
	title := "站内搜索"
	if d.Query != "" {
		title = "搜索：" + d.Query
	}
	return s.Render(w, r, http.StatusOK, "search", title, "", d)
}
