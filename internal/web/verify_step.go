package web

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"hall/internal/qr"
	"hall/internal/verify"
)

// VerifyStep is what the "verify-step" template (the verify step of 法定代表人注册
// and 历史单位用户升级, whose person proves who they are in the companion app) says
// of the page's flow, and where it posts.
type VerifyStep struct {
	// Who scans the QR code, as the messages name them (法定代表人, 管理员).
	Who string
	// Hint is the line below the QR code.
	Hint string
	// FormID is the form that verify-wait.js submits once the session passed.
	FormID string
	// Continue is the button that moves a passed verification on.
	Continue string
	// FlowPath is the flow's page; its /verified and /restart take the posts.
	FlowPath string
}

// The verify step's two requests besides its page, which every flow with a QR verify
// step (法定代表人注册, 历史单位用户升级, 找回密码) answers alike: 重新认证 (a new
// session) and the long poll of verify-wait.js. Only the flow's service and its
// paths differ, so the answers are written once here.

// VerifyWaitMax is how long one long poll of a verify step may wait: under the usual
// 30 s proxy and browser timeouts, long enough that a waiting page costs a request
// every ~25 s and no CPU in between (a parked goroutine in verify.Service.Wait).
const VerifyWaitMax = 25 * time.Second

// VerifyWaitFunc is a flow service's Wait: the long poll of the flow flowID's
// current session sessionID for the browser binding.
type VerifyWaitFunc func(ctx context.Context, flowID, binding, sessionID string, maxWait time.Duration) (verify.Status, error)

// verifyWaitAnswer is the JSON of a verify step's long poll.
type verifyWaitAnswer struct {
	Status string `json:"status"`
}

// VerifyWait answers the long poll of verify-wait.js for the flow flowID's session
// sessionID (each flow's route carries them its own way) with {"status": …}: the
// session's status (pending, passed, failed, expired), expired when the flow timed
// out, "done" when it was finished meanwhile, "unknown" with 404 when the flow or the
// session is not this browser's (the browser must own the flow, and the session must
// be its current one), "error" with 500 otherwise. A request that went away gets no
// answer: nobody reads it.
func (p FlowPages) VerifyWait(w http.ResponseWriter, r *http.Request, log *slog.Logger, wait VerifyWaitFunc, flowID, sessionID string) error {
	// The service waits at most VerifyWaitMax; the context's margin is for its
	// reads after that, not a second bound on the wait.
	ctx, cancel := context.WithTimeout(r.Context(), VerifyWaitMax+5*time.Second)
	defer cancel()
	st, err := wait(ctx, flowID, VisitorFrom(ctx).Binding, sessionID, VerifyWaitMax)
	status, answer := http.StatusOK, string(st)
	switch {
	case err == nil:
	case errors.Is(err, p.Errors.NotFound):
		status, answer = http.StatusNotFound, "unknown"
	case errors.Is(err, p.Errors.Expired):
		answer = string(verify.Expired)
	case errors.Is(err, p.Errors.Completed):
		answer = "done"
	case r.Context().Err() != nil:
		return nil // the page went away; nobody reads the answer
	default:
		log.ErrorContext(r.Context(), "verify wait", "flow", p.Path, "err", err, "request_id", RequestID(r.Context()))
		status, answer = http.StatusInternalServerError, "error"
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(verifyWaitAnswer{Status: answer})
}

// VerifyRestart is POST {Path}/{flow}/restart, the verify step's 重新认证: restart
// replaces the flow's verification session (a new QR code) and the browser goes back
// to the flow's page. A provider that cannot start a session is the flow package's
// refused form: failed copies it into the form (the flow's FlowFormFailed), and show
// draws the flow's current step with it, answering 503 (try again later). The flow's
// state errors answer as FlowError does.
func (p FlowPages) VerifyRestart(w http.ResponseWriter, r *http.Request,
	restart func(ctx context.Context, flowID, binding string) error,
	failed func(*Form, error) bool,
	show func(w http.ResponseWriter, r *http.Request, flowID string, f *Form, status int) error) error {
	flowID := r.PathValue("flow")
	err := restart(r.Context(), flowID, VisitorFrom(r.Context()).Binding)
	if f := NewForm(r); failed(f, err) {
		return show(w, r, flowID, f, http.StatusServiceUnavailable)
	}
	if err != nil {
		return p.FlowError(w, r, flowID, err)
	}
	// #nosec G710 -- the hall's own constant path and a flow id the hall made.
	http.Redirect(w, r, p.Path+"/"+flowID, http.StatusSeeOther)
	return nil
}

// verifyQRPixels is the side of a verify step's QR code image: large modules for a
// phone camera pointed at a screen.
const verifyQRPixels = 264

// VerifyQR is the verify step's QR code for session sessionID, which the person
// scans with the companion app, and the link it carries as devLink when the
// development provider is configured (the app's page can then be opened directly);
// devLink is "" otherwise.
//
// Errors: a link too long for a QR code (a misconfigured base URL).
func (s *Server) VerifyQR(sessionID string) (code template.URL, devLink string, err error) {
	link := verify.Link(s.Config.BaseURL, sessionID)
	if code, err = qr.DataURL(link, verifyQRPixels); err != nil {
		return "", "", err
	}
	if s.DevVerify != nil {
		devLink = link
	}
	return code, devLink, nil
}
