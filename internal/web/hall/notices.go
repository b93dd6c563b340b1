package hall

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"hall/internal/cases"
	"hall/internal/notices"
	"hall/internal/web"
)

// 公示公告 (SPEC H1): the published notices, newest first, by category and title
// words, and one notice. Drafts and withdrawn notices are 404 here: the back office
// (internal/web/admin) is where they are seen.

// homeNotices is how many notices the home page lists.
const homeNotices = 5

// noticesPerPage is the public list's page size.
const noticesPerPage = 15

// noticeListData is the template data of /notices.
type noticeListData struct {
	Filter     notices.Filter // in effect: bad values dropped, page clamped
	Categories []notices.Category
	Notices    []notices.Notice
	Total      int
	Pages      int
	Pager      web.Pager
	// All is the list without the keyword, Reset the whole list.
	All string
}

// noticesURL is the /notices link of f, so that page links keep the filter.
func noticesURL(f notices.Filter) string {
	v := url.Values{}
	if f.Category != "" {
		v.Set("category", string(f.Category))
	}
	if f.Query != "" {
		v.Set("q", f.Query)
	}
	if f.Page > 1 {
		v.Set("page", strconv.Itoa(f.Page))
	}
	if len(v) == 0 {
		return "/notices"
	}
	return "/notices?" + v.Encode()
}

// noticesList is GET /notices: ?category= (an unknown one is dropped), ?q= title
// words, ?page=.
func (s *handler) noticesList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := notices.Filter{PerPage: noticesPerPage, Query: cases.CleanQuery(q.Get("q"))}
	if c := notices.Category(q.Get("category")); c.Valid() {
		f.Category = c
	}
	f.Page, _ = strconv.Atoi(q.Get("page")) // not a number: 0, which the list clamps to 1
	list, total, err := s.NoticeBoard.Published(r.Context(), f)
	if err != nil {
		return err
	}
	f = f.Normalized(total)
	d := noticeListData{Filter: f, Categories: notices.Categories, Notices: list, Total: total,
		Pages: cases.Pages(total, f.PerPage)}
	d.Pager = web.NewPager(f.Page, d.Pages, func(n int) string { g := f; g.Page = n; return noticesURL(g) })
	all := f
	all.Query, all.Page = "", 1
	d.All = noticesURL(all)
	return s.Render(w, r, http.StatusOK, "notices", "公示公告", "notices", d)
}

// noticeShow is GET /notices/{id}: a published notice; anything else is 404.
func (s *handler) noticeShow(w http.ResponseWriter, r *http.Request) error {
	notFound := web.StatusError(http.StatusNotFound, "您查找的公示公告不存在或已撤回，请在公示公告列表中查看。")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound
	}
	n, err := s.NoticeBoard.Get(r.Context(), id)
	if errors.Is(err, notices.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	return s.Render(w, r, http.StatusOK, "notice", n.Title, "notices", n)
}
