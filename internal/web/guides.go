package web

import "fmt"

// Operating guides (SPEC H3 在线帮助): each flow's pages link to the guide that
// explains the flow. The audience that owns the guides registers which pages each
// one covers (LinkGuide); the layout then shows 操作指南 on those pages, after the
// page's content, so that the keyboard reaches the page's own form first. The kit
// only carries the link: it knows no guide and no page.

// GuideLink is the 操作指南 link a page shows.
type GuideLink struct {
	Href, Title string
}

// LinkGuide makes each of pages (template names, as Render takes them) link to the
// guide at href. A page has at most one guide: linking a second one to it is a
// mistake in the mounts, and panics at start-up rather than let the last mount
// silently win. Names of pages no audience registered are kept too, so that the
// order of mounts does not matter; the test of every page checks that each linked
// name is a page.
func (s *Server) LinkGuide(href, title string, pages ...string) {
	if s.guides == nil {
		s.guides = map[string]GuideLink{}
	}
	for _, p := range pages {
		if had, ok := s.guides[p]; ok && had.Href != href {
			panic(fmt.Sprintf("web: page %q links two operating guides, %s and %s", p, had.Href, href))
		}
		s.guides[p] = GuideLink{Href: href, Title: title}
	}
}
