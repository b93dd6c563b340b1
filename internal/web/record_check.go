package web

import (
	"errors"
	"fmt"
	"net/http"

	"hall/internal/rights"
)

// 权益单验证 (SPEC A4) is shown in two places: the hall's public page the QR code of
// a rights record leads to (GET /verify/{id}, package hall) and the companion app's
// screen 扫一扫 opens for that code (GET /app/records/{id}, package app). Both are
// public and answer alike, so the look-up lives here and each page only names its
// template; the template draws the verdict and the facts with the partial
// "rights-record-check" (templates/rights-partials.html).
//
// The IDs are 256 random bits, but each look-up costs a database read, so both count
// look-ups per client address in one scope (rights.ScopeVerifyAddr) before they do
// any work, and an unknown ID takes the same path as a known one (rights.Verify).

// RecordCheckData is the template data of a page that shows a record's check.
type RecordCheckData struct {
	Found   bool
	Summary rights.Summary
}

// RecordCheck serves the check of the record whose ID is the path value "id" on
// page (its template) with the active navigation entry nav: 200 with 有效 or
// 已过有效期, 404 for an unknown ID, 429 with Retry-After past the address's share.
func (s *Server) RecordCheck(w http.ResponseWriter, r *http.Request, page, nav string) error {
	w.Header().Set("Cache-Control", "no-store")
	tk, err := s.AnonymousReserve(r, rights.ScopeVerifyAddr)
	var limited *AnonymousRateError
	if errors.As(err, &limited) {
		limited.SetRetryAfter(w, s.Now())
		return StatusError(http.StatusTooManyRequests,
			fmt.Sprintf("查询过于频繁，请于 %s 后再试。", limited.Until.In(Shanghai).Format("15:04")))
	} else if err != nil {
		return err
	}
	sm, err := s.Rights.Verify(r.Context(), r.PathValue("id"))
	s.AnonymousDone(r, tk, true)
	if errors.Is(err, rights.ErrNotFound) {
		return s.Render(w, r, http.StatusNotFound, page, "未找到该权益单", nav, RecordCheckData{})
	}
	if err != nil {
		return err
	}
	return s.Render(w, r, http.StatusOK, page, "权益单验证："+sm.Verdict(), nav, RecordCheckData{Found: true, Summary: sm})
}
