package hall

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"hall/internal/rights"
	"hall/internal/web"
)

// 权益单验证 (SPEC A4): GET /verify/{id} is where the QR code of a rights record
// leads (rights.Config.BaseURL + "/verify/" + id). Anyone may open it, any number
// of times; it shows what rights.Summary allows — no person's data — and whether
// the record is genuine and within its validity. The face verification's
// /verify/{id}/wait and POST /verify/callback (package account) are other patterns:
// they differ in segments or method, so the mux keeps them apart.
//
// The IDs are 256 random bits, but each look-up costs a database read, so the
// page counts look-ups per client address (rights.ScopeVerifyAddr) before it does
// any work, and an unknown ID takes the same path as a known one (rights.Verify).

// verifyData is the template data of the verify page.
type verifyData struct {
	Found   bool
	Summary rights.Summary
	Counts  []string // "企业基本养老保险：12人"
}

// verifyShow is GET /verify/{id}.
func (s *handler) verifyShow(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	tk, err := s.AnonymousReserve(r, rights.ScopeVerifyAddr)
	var limited *web.AnonymousRateError
	if errors.As(err, &limited) {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(limited.Until.Sub(s.Now()).Seconds()+0.5))))
		return web.StatusError(http.StatusTooManyRequests,
			fmt.Sprintf("查询过于频繁，请于 %s 后再试。", limited.Until.In(web.Shanghai).Format("15:04")))
	} else if err != nil {
		return err
	}
	sm, err := s.Rights.Verify(r.Context(), r.PathValue("id"))
	s.AnonymousDone(r, tk, true)
	if errors.Is(err, rights.ErrNotFound) {
		return s.Render(w, r, http.StatusNotFound, "rights-verify", "未找到该权益单", "", verifyData{})
	}
	if err != nil {
		return err
	}
	d := verifyData{Found: true, Summary: sm}
	for _, c := range sm.Counts {
		d.Counts = append(d.Counts, fmt.Sprintf("%s：%d人", c.Type.Label(), c.Persons))
	}
	title := "权益单验证：有效"
	if !sm.Valid {
		title = "权益单验证：已过有效期"
	}
	return s.Render(w, r, http.StatusOK, "rights-verify", title, "", d)
}
