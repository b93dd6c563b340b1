package account

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"time"

	"hall/internal/auth"
	"hall/internal/qr"
	"hall/internal/qrlogin"
	"hall/internal/web"
)

// 扫码登录 (SPEC L2 for units, L6 for persons) on the login page: the page shows a
// ticket's QR code (qrlogin.Link), its countdown and state; static/js/qr-login.js
// long-polls GET /login/qr/wait and, once the person confirmed in the app, submits
// the page's 我已确认，登录 form (POST /login/qr), which signs in. Without
// JavaScript the person presses that button. Every showing of the tab is a new
// ticket, so 刷新 is a link to the tab; the ticket is bound to the browser's binding
// cookie, so only this browser may wait on it or sign in with it.

// methodQR is the 扫码登录 method of both tabs.
const methodQR = "qr"

// qrLoginPixels is the size of the drawn code.
const qrLoginPixels = 240

// qrLoginView is the 扫码登录 panel: the ticket's ID (for the wait and the sign-in),
// its code, state and expiry; Message is a refusal in place of a code.
type qrLoginView struct {
	ID        string
	Image     template.URL // data URL of the PNG
	State     qrlogin.State
	ExpiresAt time.Time
	Remaining int // seconds left to scan and confirm
	Message   string
}

// Label is the state in words.
func (v *qrLoginView) Label() string { return qrLoginLabel(v.State) }

// WaitURL is the long poll of this ticket for static/js/qr-login.js.
func (v *qrLoginView) WaitURL() string { return "/login/qr/wait?ticket=" + v.ID }

// qrLoginLabel is a state as the login page says it.
func qrLoginLabel(st qrlogin.State) string {
	switch st {
	case qrlogin.StateWaiting:
		return "等待扫码"
	case qrlogin.StateScanned:
		return "已扫码，请在手机上确认"
	case qrlogin.StateConfirmed:
		return "已在手机上确认，正在登录…"
	case qrlogin.StateCancelled:
		return "已取消，请点击“刷新”获取新的二维码"
	case qrlogin.StateConsumed:
		return "该二维码已用于登录，请点击“刷新”获取新的二维码"
	}
	return "已过期，请点击“刷新”获取新的二维码"
}

// qrLoginKind is the ticket kind of a login tab.
func qrLoginKind(tab string) qrlogin.Kind {
	if tab == tabPerson {
		return qrlogin.KindPerson
	}
	return qrlogin.KindUnit
}

// qrLoginShow fills the 扫码登录 panel of d with a new ticket for this browser; a
// refusal of the rate limit goes in its Message.
func (s *handler) qrLoginShow(r *http.Request, d *loginData) error {
	t, err := s.QRLogin.Create(r.Context(), qrlogin.Request{Kind: qrLoginKind(d.Tab),
		Binding: web.VisitorFrom(r.Context()).Binding, ClientAddr: web.ClientAddr(r), UserAgent: r.UserAgent()})
	switch {
	case errors.Is(err, qrlogin.ErrRateLimited):
		d.QR = &qrLoginView{Message: qrlogin.Message(err)}
		return nil
	case err != nil:
		return err
	}
	return s.qrLoginFill(d, t)
}

// qrLoginFill shows ticket t in d's panel.
func (s *handler) qrLoginFill(d *loginData, t qrlogin.Ticket) error {
	img, err := qr.DataURL(qrlogin.Link(s.Config.BaseURL, t.ID), qrLoginPixels)
	if err != nil {
		return err
	}
	left := int(t.ExpiresAt.Sub(s.Now()).Seconds())
	d.QR = &qrLoginView{ID: t.ID, Image: img, State: t.State, ExpiresAt: t.ExpiresAt, Remaining: max(left, 0)}
	return nil
}

// qrLoginWaitAnswer is the long poll's JSON: the state, its words, and a message
// when the poll was refused.
type qrLoginWaitAnswer struct {
	State   string `json:"state"`
	Label   string `json:"label,omitempty"`
	Message string `json:"message,omitempty"`
}

// qrLoginWait is GET /login/qr/wait?ticket=…&seen=…: the ticket's state once it
// differs from seen (qrlogin.Await), or as it is after the wait's bound. 404 for a
// ticket that is not this browser's, 503 when the process holds too many waiting
// pages. The connection is detached from net/http while the page waits, so a
// waiting page costs its socket and a few hundred bytes rather than a goroutine
// (web.Detach); where it cannot be (HTTP/2) the handler waits on its own goroutine.
func (s *handler) qrLoginWait(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ticket, binding, seen := q.Get("ticket"), web.VisitorFrom(r.Context()).Binding, qrlogin.State(q.Get("seen"))
	requestID := web.RequestID(r.Context())
	if d, ok := web.Detach(w, r); ok {
		// The wait keeps the request ID and nothing else of the request: its
		// context would keep the visitor and the middleware's values alive.
		s.QRLogin.Await(context.Background(), ticket, binding, seen, func(t qrlogin.Ticket, err error) {
			status, answer := s.qrLoginWaitAnswer(requestID, t, err)
			if status == http.StatusServiceUnavailable {
				d.Header().Set("Retry-After", "30")
			}
			d.Header().Set("Cache-Control", "no-store")
			body, _ := json.Marshal(answer)
			// An error here is the page gone away: nobody is left to answer.
			_ = d.Answer(status, "application/json; charset=utf-8", append(body, '\n'))
		})
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.QRLogin.Config().WaitMax+5*time.Second)
	defer cancel()
	t, err := s.QRLogin.Wait(ctx, ticket, binding, seen)
	if err != nil && r.Context().Err() != nil {
		return nil // the page went away; nobody reads the answer
	}
	status, answer := s.qrLoginWaitAnswer(requestID, t, err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "30")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(answer)
}

// qrLoginWaitAnswer is the long poll's status and JSON for what the wait returned.
func (s *handler) qrLoginWaitAnswer(requestID string, t qrlogin.Ticket, err error) (int, qrLoginWaitAnswer) {
	switch {
	case err == nil:
		return http.StatusOK, qrLoginWaitAnswer{State: string(t.State), Label: qrLoginLabel(t.State)}
	case errors.Is(err, qrlogin.ErrNotFound):
		return http.StatusNotFound, qrLoginWaitAnswer{State: "unknown", Message: qrlogin.Message(err)}
	case errors.Is(err, qrlogin.ErrTooManyWaiters):
		return http.StatusServiceUnavailable, qrLoginWaitAnswer{State: "busy", Message: qrlogin.Message(err)}
	}
	s.Log.Error("qr login wait", "err", err, "request_id", requestID)
	return http.StatusInternalServerError, qrLoginWaitAnswer{State: "error", Message: qrlogin.Message(err)}
}

// qrLoginPost is POST /login/qr (我已确认，登录, or submitted by qr-login.js):
// consumes this browser's confirmed ticket and signs in — into the unit chosen in
// the app, or as the person. A ticket that cannot be used shows the tab again with
// the reason; one not confirmed yet shows the same code again.
func (s *handler) qrLoginPost(w http.ResponseWriter, r *http.Request) error {
	d, err := loginForm(r, r.PostFormValue("tab"), methodQR)
	if err != nil {
		return err
	}
	id := d.Form.Get("ticket")
	binding := web.VisitorFrom(r.Context()).Binding
	who, err := s.QRLogin.Consume(r.Context(), id, binding, s.LoginAttempt(r))
	switch {
	case errors.Is(err, qrlogin.ErrPending):
		t, serr := s.QRLogin.Status(r.Context(), id, binding)
		if serr != nil {
			return serr
		}
		if err := s.qrLoginFill(d, t); err != nil {
			return err
		}
		d.QR.Message = qrlogin.Message(err)
		return s.renderLogin(w, r, http.StatusConflict, d)
	case err != nil && (errors.Is(err, qrlogin.ErrNotFound) || errors.Is(err, qrlogin.ErrCancelled) ||
		errors.Is(err, qrlogin.ErrExpired) || errors.Is(err, qrlogin.ErrUsed) || errors.Is(err, qrlogin.ErrNotUsable)):
		d.QR = &qrLoginView{Message: qrlogin.Message(err)}
		status := http.StatusConflict
		if errors.Is(err, qrlogin.ErrNotUsable) {
			status = http.StatusForbidden
		}
		return s.renderLogin(w, r, status, d)
	case err != nil:
		return err
	}
	if err := s.StartSessionProved(w, r, who.Subject, auth.ProofQR); err != nil {
		return err
	}
	def := "/me"
	if who.Kind == qrlogin.KindUnit {
		def = "/unit/"
	}
	// #nosec G710 -- d.Next went through nextPath (web.LocalPath).
	http.Redirect(w, r, afterLogin(d, def), http.StatusSeeOther)
	return nil
}
