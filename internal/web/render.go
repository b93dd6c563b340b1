package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"hall/internal/validity"
)

//go:embed templates
var templateFS embed.FS

// pages holds one parsed template set per page: the shared layout and partials plus the
// page's own file. Page files live in templates/pages/, shared ones in templates/.
type pages struct {
	byName map[string]*template.Template
}

func parsePages(funcs template.FuncMap) (*pages, error) {
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", f, err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/pages/"), ".html")
		p.byName[name] = t
	}
	return p, nil
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
	Visitor   *visitor
	// CSRFToken is the visitor's CSRF token, for the layouts' meta tag (csrf.go).
	CSRFToken string
	// Elder is 长辈模式 (elder.go); ElderSwitch is the href of the header's switch.
	Elder       bool
	ElderSwitch string
	Data        any
}

type brand struct {
	Bureau, Hall, Hotline string
}

// render executes page name into a buffer first, so that a template error becomes a
// clean 500 page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title, nav string, data any) error {
	t, ok := s.pages.byName[name]
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	v := view{
		Brand:     brand{Bureau: s.Config.BureauName, Hall: s.Config.HallName, Hotline: s.Config.Hotline},
		Title:     title,
		Nav:       nav,
		RequestID: RequestID(r.Context()),
		Visitor:   visitorFrom(r.Context()),
		Data:      data,
	}
	v.CSRFToken = csrfToken(v.Visitor.Binding)
	v.Elder = s.elderOn(r)
	v.ElderSwitch = elderSwitchURL(v.Elder, elderBack(r))
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	page := addCSRFFields(buf.Bytes(), v.CSRFToken)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(page)
	return err
}

var shanghai = mustLoadLocation("Asia/Shanghai")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The binary embeds the zone database (time/tzdata in cmd/hall), so this
		// only happens in tests on a machine without zoneinfo.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// funcs are the template helpers.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": func(name string) (string, error) { return s.assets.url(name) },
		// localtime shows a stored UTC time in Asia/Shanghai.
		"localtime": func(t time.Time) string { return t.In(shanghai).Format("2006-01-02 15:04") },
		"localdate": func(t time.Time) string { return t.In(shanghai).Format("2006-01-02") },
		"add":       func(a, b int) int { return a + b },

		// validityend shows the end of a grant's validity period: the last day as
		// the person typed it (validity.End), never the midnight after it.
		"validityend": validity.End,
	}
}
