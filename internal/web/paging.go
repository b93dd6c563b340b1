package web

// Pager is the pagination under a paged list: previous and next page, and the page
// numbers around the current one.
// The kit's template "pager" draws it, the same under every list.
type Pager struct {
	Page, Pages int
	Prev, Next  string // "" on the first and the last page
	Links       []PageLink
	// Label names the navigation for a screen reader where a page holds more than
	// one list ("办件分页"); "" reads "分页".
	Label string
	// cursor marks a pager of a list read by cursor: no page count, only the
	// neighbours (see NewCursorPager).
	cursor bool
}

// PageLink is one entry of a pager: a page number with its address, or a gap.
type PageLink struct {
	Num     int
	URL     string
	Current bool
	Gap     bool
}

// NewPager numbers the pages around page (1-based, of pages in all): the first and the
// last page always, two on each side of the current one, and gaps between. link gives
// the address of page n.
func NewPager(page, pages int, link func(n int) string) Pager {
	p := Pager{Page: page, Pages: pages}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	for n := 1; n <= pages; n++ {
		if n != 1 && n != pages && (n < page-2 || n > page+2) {
			if len(p.Links) > 0 && !p.Links[len(p.Links)-1].Gap {
				p.Links = append(p.Links, PageLink{Gap: true})
			}
			continue
		}
		p.Links = append(p.Links, PageLink{Num: n, URL: link(n), Current: n == page})
	}
	return p
}

// NewCursorPager is the pager of a list read by cursor, which knows its neighbouring
// pages but not how many there are: previous and next only, "" where there is none.
func NewCursorPager(prev, next string) Pager {
	return Pager{Prev: prev, Next: next, cursor: true}
}

// Shown tells whether the pager is drawn: when the list has more than one page.
func (p Pager) Shown() bool {
	if p.cursor {
		return p.Prev != "" || p.Next != ""
	}
	return p.Pages > 1
}
