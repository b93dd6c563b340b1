package web

import "net/http"

// ServeAttachment writes body, a stored file whose content type was checked on
// upload (internal/scans), as a download: Content-Disposition attachment under a
// name of the hall's choosing (never the uploaded one), the checked type, nosniff,
// and no caching, so that a browser never renders it in the hall's origin.
func ServeAttachment(w http.ResponseWriter, contentType, fileName string, body []byte) error {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+fileName+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	// #nosec G705 -- a stored file served as an attachment with its checked content type, never rendered.
	_, err := w.Write(body)
	return err
}

// FileExtension is the file-name extension of a checked content type.
func FileExtension(contentType string) string {
	switch contentType {
	case "application/pdf":
		return ".pdf"
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	}
	return ""
}
