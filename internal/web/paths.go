package web

import (
	"mime"
	"strconv"
	"strings"
)

// AppReturnPath is a return path inside the app: anything else becomes the app's home.
func AppReturnPath(p string) string {
	p = LocalPath(p)
	if !strings.HasPrefix(p, "/app/") {
		return "/app/"
	}
	return p
}

// WantsJSON reports whether the Accept header prefers application/json to HTML:
// JSON is listed with a non-zero quality at least that of any HTML type.
func WantsJSON(accept string) bool {
	jsonQ, htmlQ := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			} else {
				continue
			}
		}
		switch mt {
		case "application/json":
			jsonQ = max(jsonQ, q)
		case "text/html", "application/xhtml+xml":
			htmlQ = max(htmlQ, q)
		}
	}
	return jsonQ > 0 && jsonQ >= htmlQ
}
