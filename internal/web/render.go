package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"hall/internal/chinatime"
	"hall/internal/validity"
)

//go:embed templates
var templateFS embed.FS

// pages holds one parsed template set per page: the kit's layouts and partials
// (templates/*.html here) plus the page's own file, which each audience package
// embeds and adds with AddPages.
type pages struct {
	base   *template.Template
	byName map[string]*template.Template
}

func parsePages(funcs template.FuncMap) (*pages, error) {
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	p := &pages{base: base, byName: map[string]*template.Template{}}
	if err := p.add(templateFS, "templates/pages/*.html"); err != nil {
		return nil, err
	}
	return p, nil
}

// add parses every page file of fsys matching pattern on the kit's layouts, with the
// files of fsys named by shared (an audience's own layout and partials) before it; a
// page is named by its file name without .html, and a name may be taken only once in
// the hall.
func (p *pages) add(fsys fs.FS, pattern string, shared ...string) error {
	files, err := fs.Glob(fsys, pattern)
	if err != nil {
		return err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if _, taken := p.byName[name]; taken {
			return fmt.Errorf("web: page %q defined twice", name)
		}
		t, err := template.Must(p.base.Clone()).ParseFS(fsys, append(shared, f)...)
		if err != nil {
			return fmt.Errorf("web: parse %s: %w", f, err)
		}
		p.byName[name] = t
	}
	return nil
}

// AddPages adds an audience's page templates: every file of fsys matching pattern,
// each parsed on the kit's layouts and partials and then the shared files of fsys
// (which may redefine "layout": the back office's own), rendered by its file name.
func (s *Server) AddPages(fsys fs.FS, pattern string, shared ...string) error {
	return s.pages.add(fsys, pattern, shared...)
}

// Names lists the parsed page names (used by the test that renders every page).
func (p *pages) Names() []string {
	out := make([]string, 0, len(p.byName))
	for n := range p.byName {
		out = append(out, n)
	}
	return out
}

// view is what every page template receives.
type view struct {
	Brand     brand
	Title     string
	Nav       string // the active top-navigation entry
	RequestID string
	Visitor   *Visitor
	// CSRFToken is the browser's CSRF token, for the layouts' meta tag (csrf.go): the
	// visitor's, or on the back office the staff session's.
	CSRFToken string
	// Elder is 长辈模式 (elder.go); ElderSwitch is the href of the header's switch.
	Elder       bool
	ElderSwitch string
	// Guide is the page's 操作指南 (guides.go); nil when no guide covers the page.
	Guide *GuideLink
	Data  any
}

type brand struct {
	Bureau, Hall, Hotline string
}

// pageBuffers hold rendered pages between the template and the response: a page is
// tens of kilobytes, and growing a new buffer to that size for every request was a
// good part of a page's allocation, so of the collector's work.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledPage is the largest buffer kept for the next page; a rare huge page (a
// long list) gives its buffer back to the collector instead of pinning it.
const maxPooledPage = 1 << 20

// Render executes page name into a buffer first, so that a template error becomes a
// clean 500 page instead of half a page.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, name, title, nav string, data any) error {
	t, ok := s.pages.byName[name]
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	v := view{
		Brand:     brand{Bureau: s.Config.BureauName, Hall: s.Config.HallName, Hotline: s.Config.Hotline},
		Title:     title,
		Nav:       nav,
		RequestID: RequestID(r.Context()),
		Visitor:   VisitorFrom(r.Context()),
		Data:      data,
	}
	v.CSRFToken = s.requestCSRFToken(r)
	v.Elder = s.elderOn(r)
	v.ElderSwitch = elderSwitchURL(v.Elder, elderBack(r))
	if g, ok := s.guides[name]; ok {
		v.Guide = &g
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		// The response writer has copied the page by the time Render returns.
		if buf.Cap() <= maxPooledPage {
			pageBuffers.Put(buf)
		}
	}()
	if err := t.ExecuteTemplate(buf, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	page := addCSRFFields(buf.Bytes(), v.CSRFToken)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	// #nosec G705 -- page is html/template's output; addCSRFFields only adds the token, an
	// HMAC in unpadded base64url (csrfTokenFor), which needs no escaping in an attribute.
	_, err := w.Write(page)
	return err
}

// Shanghai is the zone every time on a page is shown in (chinatime.Zone).
var Shanghai = chinatime.Zone

// LocalTime shows a stored UTC time in Asia/Shanghai, to the minute.
func LocalTime(t time.Time) string { return t.In(Shanghai).Format("2006-01-02 15:04") }

// funcs are the template helpers.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) (string, error) { return s.assets.url(name) },
		// localtime shows a stored UTC time in Asia/Shanghai.
		"localtime": LocalTime,
		"localdate": func(t time.Time) string { return t.In(Shanghai).Format("2006-01-02") },
		"add":       func(a, b int) int { return a + b },

		// validityend shows the end of a grant's validity period: the last day as
		// the person typed it (validity.End), never the midnight after it.
		"validityend": validity.End,
	}
}
