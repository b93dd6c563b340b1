package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"hall/internal/auth"
)

// The session-timeout notice (QUALITY.md: idle 30 minutes, absolute 12 hours,
// shown to the user before they bite). Every signed-in page of the hall carries
// the session's remaining times in data attributes (layout.html); the script
// static/js/session-timeout.js counts them down and shows, without blocking the page:
//
//   - WarnIdle before the idle end: "您已较长时间未操作，登录将于 X 分钟后失效" with
//     继续办理, which POSTs to /session/keepalive (the idle time starts again);
//   - WarnAbsolute before the absolute end, which nothing can move: "为保障账户安全，
//     登录将于 HH:MM 失效，请保存正在填写的内容".
//
// The times are relative to the server's clock when the page was made, so a wrong
// clock on the person's computer does not matter.

// Lead times of the two notices. A short idle timeout (a test, a strict operator)
// gets its notice at half of it, so it never shows the moment a page opens.
const (
	warnIdle     = 2 * time.Minute
	warnAbsolute = 10 * time.Minute
)

// timeout is what the layout renders for the notice.
type sessionTimeout struct {
	IdleLeft     int    // seconds until the idle end
	AbsoluteLeft int    // seconds until the absolute end
	AbsoluteAt   string // the absolute end, HH:MM in Asia/Shanghai
	WarnIdle     int    // seconds before the idle end the notice shows
	WarnAbsolute int    // seconds before the absolute end the notice shows
	LoginURL     string // where "重新登录" goes once the session has run out
}

// AcsTimeout is the notice's data for the layout, nil when signed out.
func (v *Visitor) AcsTimeout() *sessionTimeout {
	if v == nil {
		return nil
	}
	return v.timeout
}

// sessionTimeoutFor computes the notice's data for a live session now.
func (s *Server) sessionTimeoutFor(sess auth.Session) *sessionTimeout {
	now := s.Now()
	t := &sessionTimeout{
		IdleLeft:     timeoutSecondsDown(sess.IdleExpiresAt.Sub(now)),
		AbsoluteLeft: timeoutSecondsDown(sess.AbsoluteExpiresAt.Sub(now)),
		AbsoluteAt:   sess.AbsoluteExpiresAt.In(Shanghai).Format("15:04"),
		WarnIdle:     int(min(warnIdle, s.sessionIdle()/2) / time.Second),
		WarnAbsolute: int(min(warnAbsolute, s.Config.SessionAbsolute/2) / time.Second),
		LoginURL:     "/login?tab=person",
	}
	if sess.Subject.UnitID != 0 {
		t.LoginURL = "/login?tab=unit"
	}
	return t
}

// sessionIdle is the configured idle timeout (the sessions' default when unset).
func (s *Server) sessionIdle() time.Duration {
	if s.Config.SessionIdle > 0 {
		return s.Config.SessionIdle
	}
	return auth.DefaultIdle
}

// timeoutSecondsDown is d in whole seconds, rounded down (the notice must not promise
// time the session does not have), never below zero.
func timeoutSecondsDown(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(d / time.Second)
}

// KeepAliveAnswer is the keep-alive's answer to the script.
type KeepAliveAnswer struct {
	OK           bool   `json:"ok"`
	IdleLeft     int    `json:"idle_left,omitempty"`
	AbsoluteLeft int    `json:"absolute_left,omitempty"`
	AbsoluteAt   string `json:"absolute_at,omitempty"`
	Message      string `json:"message,omitempty"`
}

// msgSessionGone is the keep-alive's answer when there is nothing to keep.
const msgSessionGone = "登录已失效，请重新登录"

// keepAlive is POST /session/keepalive, the notice's 继续办理: it restarts the
// Session's idle time now (auth.Sessions.Touch; the visitor layer's look-up alone
// would not, within its one-minute granularity) and answers the new times as JSON.
// Without a live session it answers 401 and clears the cookie. A Form POST (no
// JavaScript) is sent back to the page it came from.
func (s *Server) keepAlive(w http.ResponseWriter, r *http.Request) error {
	v := VisitorFrom(r.Context())
	wantsJSON := WantsJSON(r.Header.Get("Accept"))
	var sess auth.Session
	err := auth.ErrNoSession
	if (v.SignedIn() || v.Institution != nil) && v.Token != "" {
		sess, err = s.Sessions.Touch(r.Context(), v.Token)
	}
	switch {
	case errors.Is(err, auth.ErrNoSession):
		s.SetCookie(w, "hall_session", "", -1)
		if wantsJSON {
			return writeJSON(w, http.StatusUnauthorized, KeepAliveAnswer{Message: msgSessionGone})
		}
		return s.ToLogin(w, r, "person")
	case err != nil:
		return err
	}
	if !wantsJSON {
		if err := r.ParseForm(); err != nil {
			return StatusError(http.StatusBadRequest, MsgBadRequest)
		}
		// #nosec G710 -- web.LocalPath keeps the target on this site.
		http.Redirect(w, r, LocalPath(r.PostForm.Get("next")), http.StatusSeeOther)
		return nil
	}
	t := s.sessionTimeoutFor(sess)
	return writeJSON(w, http.StatusOK, KeepAliveAnswer{OK: true, IdleLeft: t.IdleLeft,
		AbsoluteLeft: t.AbsoluteLeft, AbsoluteAt: t.AbsoluteAt})
}

// keepAliveMethod answers any other method on /session/keepalive: a GET (a
// prefetch, a crawler, a link) must not keep a session alive.
func (s *Server) keepAliveMethod(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Allow", http.MethodPost)
	return StatusError(http.StatusMethodNotAllowed, "请求方式有误。")
}

func writeJSON(w http.ResponseWriter, status int, body any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(body)
}
