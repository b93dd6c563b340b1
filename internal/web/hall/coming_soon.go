package hall

import "net/http"

// soonNames maps the pages that later releases build to their titles; anything else
// under /soon/ is a 404. Links to features that are not built yet point here, so that
// the hall has no dead links.
var soonNames = map[string]string{
	// 开始办理 of a unit's business item (/unit/items/{code}) until online
	// applications are built.
	"apply": "在线申报",
}

func (s *handler) soonShow(w http.ResponseWriter, r *http.Request) error {
	title, ok := soonNames[r.PathValue("what")]
	if !ok {
		return s.NotFound(w, r)
	}
	return s.Render(w, r, http.StatusOK, "coming-soon", title, "", nil)
}
