package account

import (
	"context"
	"encoding/json"
	"errors"
	"hall/internal/web"
	"io"
	"net/http"
	"time"

	"hall/internal/unitreg"
	"hall/internal/verify"
)

// unitRegistrationWaitMax is how long one long poll of the verify step may wait: under the usual
// 30 s proxy and browser timeouts, long enough that a waiting page costs a request
// every ~25 s and no CPU in between (a parked goroutine in verify.Service.Wait).
const unitRegistrationWaitMax = 25 * time.Second

// unitRegistrationWaitAnswer is the JSON of GET /verify/{id}/wait: the session's status
// (pending, passed, failed, expired), "done" when the registration was finished
// meanwhile, "unknown" (with 404) when the session or flow is not this browser's.
type unitRegistrationWaitAnswer struct {
	Status string `json:"status"`
}

// unitRegistrationVerifyWait is GET /verify/{id}/wait?flow=…, the long poll of verify-wait.js.
// The browser must own the flow (its binding cookie) and the session must be the
// flow's current one; anyone else gets 404.
func (s *handler) unitRegistrationVerifyWait(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), unitRegistrationWaitMax+5*time.Second)
	defer cancel()
	st, err := s.UnitRegistration().Wait(ctx, r.URL.Query().Get("flow"), web.VisitorFrom(ctx).Binding, r.PathValue("id"), unitRegistrationWaitMax)
	status, answer := http.StatusOK, string(st)
	switch {
	case err == nil:
	case errors.Is(err, unitreg.ErrNotFound):
		status, answer = http.StatusNotFound, "unknown"
	case errors.Is(err, unitreg.ErrExpired):
		answer = string(verify.Expired)
	case errors.Is(err, unitreg.ErrCompleted):
		answer = "done"
	case r.Context().Err() != nil:
		return nil // the page went away; nobody reads the answer
	default:
		s.Log.ErrorContext(r.Context(), "verify wait", "err", err, "request_id", web.RequestID(r.Context()))
		status, answer = http.StatusInternalServerError, "error"
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(unitRegistrationWaitAnswer{Status: answer})
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
