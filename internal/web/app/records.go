package app

import (
	"net/http"
)

// 权益单验证 in the app (SPEC A4): 扫一扫 turns the QR code of a rights record
// ({BaseURL}/verify/{id}) into GET /app/records/{id}, which shows the same check as
// the hall's public page on the phone: 有效, 已过有效期 or 未找到, with the record's
// masked facts. Verifying is public, so the screen needs no sign-in; the look-up,
// counted per client address in the public page's scope before any database read,
// is the kit's (web.RecordCheck).

// recordShow is GET /app/records/{id}.
func (s *handler) recordShow(w http.ResponseWriter, r *http.Request) error {
	return s.RecordCheck(w, r, "app-record", "app-scan")
}
