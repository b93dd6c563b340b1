package web

import (
	"slices"
	"testing"
	"testing/fstest"
)

// TestKitFor: a page gets the kit files that define "layout" and what the page and
// those files invoke, transitively, in the kit's order; a kit file nothing reaches is
// left out, and so is one whose only reached template the page defines itself.
func TestKitFor(t *testing.T) {
	fsys := fstest.MapFS{
		"kit/a.html":      {Data: []byte(`{{define "layout"}}<main>{{template "content" .}}{{template "x" .}}</main>{{end}}`)},
		"kit/b.html":      {Data: []byte(`{{define "x"}}{{if .}}{{template "y" .}}{{end}}{{end}}`)},
		"kit/c.html":      {Data: []byte(`{{define "y"}}{{block "y-inner" .}}y{{end}}{{end}}`)},
		"kit/d.html":      {Data: []byte(`{{define "z"}}z{{end}}{{define "z2"}}{{range .}}{{template "z" .}}{{end}}{{end}}`)},
		"pages/plain":     {Data: []byte(`{{define "content"}}page{{end}}`)},
		"pages/uses-z2":   {Data: []byte(`{{define "content"}}{{with .}}{{template "z2" .}}{{end}}{{end}}`)},
		"pages/defines-x": {Data: []byte(`{{define "content"}}page{{end}}{{define "x"}}own x{{end}}`)},
	}
	p := &pages{}
	for _, f := range []string{"kit/a.html", "kit/b.html", "kit/c.html", "kit/d.html"} {
		k, err := parseFile(fsys, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		p.kit = append(p.kit, k)
	}
	if p.kit[2].defines[0] != "y" || !slices.Contains(p.kit[2].defines, "y-inner") || !slices.Contains(p.kit[2].uses, "y-inner") {
		t.Errorf("c.html's block: %+v", p.kit[2])
	}
	for page, want := range map[string][]string{
		"pages/plain":     {"kit/a.html", "kit/b.html", "kit/c.html"},
		"pages/uses-z2":   {"kit/a.html", "kit/b.html", "kit/c.html", "kit/d.html"},
		"pages/defines-x": {"kit/a.html"},
	} {
		own, err := parseFile(fsys, page, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, k := range p.kitFor([]kitFile{own}) {
			got = append(got, k.path)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: kit %v, want %v", page, got, want)
		}
	}
}
