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
	texttemplate "text/template"
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
//
// Every file is parsed once (parseFile): the kit's when the pages are made, an
// audience's shared files and pages when they are added. A set gets copies of the
// trees it needs, because html/template rewrites a set's trees in place when it
// escapes them on the first execution, so one tree cannot serve two sets.
type pages struct {
	funcs  template.FuncMap
	kit    []kitFile
	byName map[string]*template.Template
}

// kitFile is a parsed template file: the templates it defines and those it invokes
// ({{template}} and {{block}}), and its trees by name, its own top-level text under
// its file name as ParseFS would name it.
type kitFile struct {
	path          string
	defines, uses []string
	trees         map[string]*parse.Tree
}

func parsePages(funcs template.FuncMap) (*pages, error) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: find the layouts: %w", err)
	}
	p := &pages{funcs: funcs, byName: map[string]*template.Template{}}
	for _, f := range files {
		k, err := parseFile(templateFS, f, funcs)
		if err != nil {
			return nil, fmt.Errorf("web: parse layout: %w", err)
		}
		p.kit = append(p.kit, k)
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
	var common []kitFile
	for _, f := range shared {
		k, err := parseFile(fsys, f, p.funcs)
		if err != nil {
			return fmt.Errorf("web: parse %s: %w", f, err)
		}
		common = append(common, k)
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if _, taken := p.byName[name]; taken {
			return fmt.Errorf("web: page %q defined twice", name)
		}
		page, err := parseFile(fsys, f, p.funcs)
		if err != nil {
			return fmt.Errorf("web: parse %s: %w", f, err)
		}
		own := append(slices.Clip(common), page)
		// The kit first, then the audience's shared files, then the page: a later
		// definition replaces an earlier one (the back office's own "layout").
		t := template.New("base").Funcs(p.funcs)
		for _, k := range append(p.kitFor(own), own...) {
			if err := addTrees(t, k); err != nil {
				return fmt.Errorf("web: parse %s: %w", f, err)
			}
		}
		p.byName[name] = t
	}
	return nil
}

// addTrees adds copies of the trees of k to t, as parsing k's file into t would:
// a template replaces one of its name, unless it is empty and that one is not.
func addTrees(t *template.Template, k kitFile) error {
	names := make([]string, 0, len(k.trees))
	for name := range k.trees {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		tree := k.trees[name]
		if old := t.Lookup(name); old != nil && old.Tree != nil && parse.IsEmptyTree(tree.Root) {
			continue
		}
		if _, err := t.AddParseTree(name, tree.Copy()); err != nil {
			return err
		}
	}
	return nil
}

// kitFor lists, in the kit's order, the kit files a page made of the files own
// needs: those defining "layout" (which Render executes) and every template the
// page's files invoke and do not define, and so on through what those invoke.
func (p *pages) kitFor(own []kitFile) []kitFile {
	defined := map[string]bool{}
	wanted := []string{"layout"}
	for _, f := range own {
		for _, d := range f.defines {
			defined[d] = true
		}
		wanted = append(wanted, f.uses...)
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
	var out []kitFile
	for i, k := range p.kit {
		if chosen[i] {
			out = append(out, k)
		}
	}
	return out
}

// parseFile parses the template file f of fsys, checking that the functions it
// calls are funcs' or the built-in ones, and reads the templates it defines (by
// {{define}} and {{block}}) and those it invokes (by {{template}} and {{block}}).
func parseFile(fsys fs.FS, f string, funcs template.FuncMap) (kitFile, error) {
	text, err := fs.ReadFile(fsys, f)
	if err != nil {
		return kitFile{}, err
	}
	// text/template parses as html/template does (it parses through it), and gives
	// the trees to copy into each page's set.
	base := path.Base(f)
	t, err := texttemplate.New(base).Funcs(texttemplate.FuncMap(funcs)).Parse(string(text))
	if err != nil {
		return kitFile{}, err
	}
	k := kitFile{path: f, trees: map[string]*parse.Tree{}}
	for _, d := range t.Templates() {
		if d.Tree == nil {
			continue
		}
		k.trees[d.Name()] = d.Tree
		if d.Name() != base {
			k.defines = append(k.defines, d.Name())
		}
		k.uses = invoked(d.Tree.Root, k.uses)
	}
	slices.Sort(k.defines)
	return k, nil
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
