package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assets serves embedded static files under checksum URLs, /static/<hash>/<name>, so
// they can be cached forever and a new release can never be served a stale file.
type assets struct {
	files map[string]asset // by name, e.g. "css/hall.css"
}

type asset struct {
	hash  string
	body  []byte
	ctype string
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string]asset{}}
	return a, a.add(staticFS)
}

// add fingerprints every file under fsys's "static" folder, named by its path below
// it ("js/sms-code.js"); a name may be taken only once in the hall.
func (a *assets) add(fsys fs.FS) error {
	return fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		if _, taken := a.files[name]; taken {
			return fmt.Errorf("web: static asset %q defined twice", name)
		}
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.files[name] = asset{hash: hex.EncodeToString(sum[:6]), body: body, ctype: ct}
		return nil
	})
}

// AddAssets adds an audience's static files: every file under the "static" folder of
// fsys, served like the kit's own under /static/<hash>/<name>.
func (s *Server) AddAssets(fsys fs.FS) error { return s.assets.add(fsys) }

// AddAudienceFiles adds the page templates (templates/*.html, AddPages) and the static
// files (AddAssets) of an audience that embeds both folders in one fsys.
func (s *Server) AddAudienceFiles(fsys fs.FS) error {
	if err := s.AddPages(fsys, "templates/*.html"); err != nil {
		return err
	}
	return s.AddAssets(fsys)
}

// url returns the checksum URL of a static file; an unknown name is an error, so a
// template that names a missing asset fails at start-up's test render.
func (a *assets) url(name string) (string, error) {
	f, ok := a.files[name]
	if !ok {
		return "", fmt.Errorf("web: no static asset %q", name)
	}
	return "/static/" + f.hash + "/" + name, nil
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/static/")
	hash, name, ok := strings.Cut(rest, "/")
	f, found := a.files[name]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if hash == f.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// An old hash after a release: serve the current file, but don't let it stick.
		w.Header().Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(f.body) // the client went away; nothing left to tell it
}
