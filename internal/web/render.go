package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"text/template/parse"
	"time"

	"hall/internal/chinatime"
	"hall/internal/validity"
)

//go:embed templates
var templateFS embed.FS

// pages holds one parsed template set per page: the page's own file, which each
// audience package embeds and adds with AddPages, on the kit's layouts and partials
// (templates/*.html here) that the page reaches.
//
// Each set holds only the kit files whose templates the page reaches from "layout"
// and from its own templates (kitFile: what each file defines and invokes), rather
// than a clone of all of them: html/template copies every parse tree of a set it
// clones, and a hundred pages each with every partial of the kit were most of the
// process's live heap, which the collector scans again on every cycle — one cycle a
// login, as each password hash allocates 19 MiB.
type pages struct {
	funcs  template.FuncMap
	kit    []kitFile
	byName map[string]*template.Template
}

// kitFile is a file of the kit's layouts and partials: the templates it defines and
// those it invokes ({{template}} and {{block}}).
type kitFile struct {
	path          string
	defines, uses []string
}

func parsePages(funcs template.FuncMap) (*pages, error) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: find the layouts: %w", err)
	}
	p := &pages{funcs: funcs, byName: map[string]*template.Template{}}
	for _, f := range files {
		defines, uses, err := templateNames(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("web: parse layout: %w", err)
		}
		p.kit = append(p.kit, kitFile{path: f, defines: defines, uses: uses})
	}
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
		own := append(append([]string(nil), shared...), f)
		kit, err := p.kitFor(fsys, own)
		if err != nil {
			return fmt.Errorf("web: parse %s: %w", f, err)
		}
		// The kit first, then the audience's shared files, then the page: a later
		// definition replaces an earlier one (the back office's own "layout").
		t := template.New("base").Funcs(p.funcs)
		if len(kit) > 0 {
			if t, err = t.ParseFS(templateFS, kit...); err != nil {
				return fmt.Errorf("web: parse %s: %w", f, err)
			}
		}
		if t, err = t.ParseFS(fsys, own...); err != nil {
			return fmt.Errorf("web: parse %s: %w", f, err)
		}
		p.byName[name] = t
	}
	return nil
}

// kitFor lists, in the kit's order, the kit files a page made of the files own of
// fsys needs: those defining "layout" (which Render executes) and every template the
// page's files invoke and do not define, and so on through what those invoke.
func (p *pages) kitFor(fsys fs.FS, own []string) ([]string, error) {
	defined := map[string]bool{}
	wanted := []string{"layout"}
	for _, f := range own {
		defines, uses, err := templateNames(fsys, f)
		if err != nil {
			return nil, err
		}
		for _, d := range defines {
			defined[d] = true
		}
		wanted = append(wanted, uses...)
	}
	chosen := make([]bool, len(p.kit))
	seen := map[string]bool{}
	for len(wanted) > 0 {
		name := wanted[len(wanted)-1]
		wanted = wanted[:len(wanted)-1]
		if seen[name] {
			continue
		}
		seen[name] = true
		for i, k := range p.kit {
			if chosen[i] || !slices.Contains(k.defines, name) {
				continue
			}
			// A template the page's files define needs no kit file: their definition
			// would replace the kit's, as it did when every page had the whole kit.
			if defined[name] {
				continue
			}
			chosen[i] = true
			wanted = append(wanted, k.uses...)
		}
	}
	var out []string
	for i, k := range p.kit {
		if chosen[i] {
			out = append(out, k.path)
		}
	}
	return out, nil
}

// templateNames reads the templates file f of fsys defines (by {{define}} and
// {{block}}) and those it invokes (by {{template}} and {{block}}).
func templateNames(fsys fs.FS, f string) (defines, uses []string, err error) {
	text, err := fs.ReadFile(fsys, f)
	if err != nil {
		return nil, nil, err
	}
	tree := parse.New(f)
	// The names are all this needs: the functions are checked when the page is
	// parsed for real.
	tree.Mode = parse.SkipFuncCheck
	trees := map[string]*parse.Tree{}
	if _, err := tree.Parse(string(text), "", "", trees); err != nil {
		return nil, nil, err
	}
	for name, t := range trees {
		if name != f {
			defines = append(defines, name)
		}
		if t.Root != nil {
			uses = invoked(t.Root, uses)
		}
	}
	slices.Sort(defines)
	return defines, uses, nil
}

// invoked appends the names of the templates n invokes to names.
func invoked(n parse.Node, names []string) []string {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return names
		}
		for _, c := range n.Nodes {
			names = invoked(c, names)
		}
	case *parse.TemplateNode:
		names = append(names, n.Name)
	case *parse.IfNode:
		names = invoked(n.ElseList, invoked(n.List, names))
	case *parse.RangeNode:
		names = invoked(n.ElseList, invoked(n.List, names))
	case *parse.WithNode:
		names = invoked(n.ElseList, invoked(n.List, names))
	}
	return names
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
