package hall

import (
	"net/http"
)

// 权益单验证 (SPEC A4): GET /verify/{id} is where the QR code of a rights record
// leads (rights.Config.BaseURL + "/verify/" + id). Anyone may open it, any number
// of times; it shows what rights.Summary allows — no person's data — and whether
// the record is genuine and within its validity. The face verification's
// /verify/{id}/wait and POST /verify/callback (package account) are other patterns:
// they differ in segments or method, so the mux keeps them apart. The look-up, its
// count per client address and the answers are the kit's (web.RecordCheck), which
// the companion app's screen for the same code shares.

// verifyShow is GET /verify/{id}.
func (s *handler) verifyShow(w http.ResponseWriter, r *http.Request) error {
	return s.RecordCheck(w, r, "rights-verify", "")
}
