package account

import (
	"errors"
	"hall/internal/web"
	"io"
	"net/http"

	"hall/internal/verify"
)

// unitRegistrationVerifyWait is GET /verify/{id}/wait?flow=…, the long poll of
// verify-wait.js (web.FlowPages.VerifyWait). Its route, older than the other flows',
// names the session in the path and the flow in the query.
func (s *handler) unitRegistrationVerifyWait(w http.ResponseWriter, r *http.Request) error {
	return unitRegistrationPages.VerifyWait(w, r, s.Log, s.UnitRegistration().Wait, r.URL.Query().Get("flow"), r.PathValue("id"))
}

// unitRegistrationMaxCallback bounds a provider callback's body; the real ones are ~100 bytes.
const unitRegistrationMaxCallback = 64 << 10

// unitRegistrationVerifyCallback is POST /verify/callback, where the production face verification
// provider reports results (wire format in package verify). It is a server-to-server
// POST without Origin or Sec-Fetch-Site headers, which http.CrossOriginProtection lets
// through as it does every non-browser request; its own protection is the HMAC
// signature. The answers follow the provider contract: 204 when the result is
// recorded or was already, 401 for a bad signature or a stale timestamp, 400 for a
// malformed body, 404 for an unknown session (and when no HTTP provider is
// configured), 500 to make the provider retry.
func (s *handler) unitRegistrationVerifyCallback(w http.ResponseWriter, r *http.Request) error {
	if s.HTTPVerify == nil {
		return s.NotFound(w, r)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, unitRegistrationMaxCallback))
	if err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return nil
	}
	err = s.HTTPVerify.HandleCallback(r.Context(), body, r.Header.Get("X-Signature"), r.Header.Get("X-Timestamp"))
	status := http.StatusNoContent
	switch {
	case err == nil, errors.Is(err, verify.ErrUsed), errors.Is(err, verify.ErrExpired):
	case errors.Is(err, verify.ErrSignature), errors.Is(err, verify.ErrStale):
		status = http.StatusUnauthorized
	case errors.Is(err, verify.ErrBadCallback):
		status = http.StatusBadRequest
	case errors.Is(err, verify.ErrNotFound):
		status = http.StatusNotFound
	default:
		s.Log.ErrorContext(r.Context(), "verify callback", "err", err, "request_id", web.RequestID(r.Context()))
		status = http.StatusInternalServerError
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return nil
	}
	http.Error(w, http.StatusText(status), status)
	return nil
}
