package admin

import (
	"net/http"
	"net/url"

	"hall/internal/store"
	"hall/internal/web"
)

// The back office's lists (窗口业务, 用户申诉, 职业技能等级认定) are read page by page
// from the last row seen (store.Keyset) rather than by page number: a page number
// is an OFFSET, which reads and drops every row before the page, and a page count is
// a COUNT of every row. Their pager has 上一页 and 下一页 only; ?after= is the page
// after a row, ?before= the page before one.

// pageStart is where the list's page starts, from the address: after the row of
// ?after=, before the row of ?before= (back), or the first page. A cursor the hall
// did not write (an edited address) is the first page.
func pageStart(r *http.Request) (start store.Cursor, back bool) {
	q := r.URL.Query()
	if c, err := store.ParseCursor(q.Get("before")); err == nil && !c.IsZero() {
		return c, true
	}
	if c, err := store.ParseCursor(q.Get("after")); err == nil {
		return c, false
	}
	return store.Cursor{}, false
}

// keysetPager is the pager of a page read by keyset at path with the list's filter:
// 上一页 before prev, 下一页 after next, none where the cursor is zero.
func keysetPager(path string, filter url.Values, prev, next store.Cursor) web.Pager {
	link := func(param string, c store.Cursor) string {
		if c.IsZero() {
			return ""
		}
		v := url.Values{param: {c.String()}}
		for name, values := range filter {
			if len(values) > 0 && values[0] != "" {
				v.Set(name, values[0])
			}
		}
		return path + "?" + v.Encode()
	}
	return web.NewCursorPager(link("before", prev), link("after", next))
}
